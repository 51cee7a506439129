"""The KPI scorecard: each SMART target against the month's actual, last month and last year.

Status rule (stated in the report): a KPI is "on track" when it meets its target, "at risk"
when it misses by at most `at_risk_margin` of the target (relative), "off track" beyond
that, and "no data" when the month has no value. For a cost (SEM lead cost) lower is better.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Literal

from analysis.engine import NO_CHANNEL
from analysis.health.kpis import ratio, relative_change
from analysis.health.queries import order_totals
from analysis.params import KpiTargets, month_bounds
from analysis.summary.queries import channel_month
from analysis.warehouse import Warehouse

if TYPE_CHECKING:
    from analysis.attribution.report import AttributionReport

Status = Literal["on_track", "at_risk", "off_track", "no_data"]
HIGHER_IS_BETTER = {
    "site_conversion": True,
    "paid_conversion": True,
    "repurchase": True,
    "channel_roi": True,
    "sem_lead_cost": False,
    "free_traffic_share": True,
}
UNITS = {
    "site_conversion": "share",
    "paid_conversion": "share",
    "repurchase": "share",
    "channel_roi": "ratio",
    "sem_lead_cost": "yuan",
    "free_traffic_share": "share",
}


@dataclass(frozen=True)
class KpiLine:
    """One KPI of the scorecard; changes are relative (0.1 = +10%), None where undefined."""

    kpi: str
    unit: str
    actual: float | None
    target: float
    gap: float | None  # actual − target, in the KPI's unit
    last_month: float | None
    last_year: float | None
    change_on_month: float | None
    change_on_year: float | None
    status: Status
    source: str  # "warehouse" or the report it was read from


def kpi_status(
    actual: float | None, target: float, higher_is_better: bool, margin: float
) -> Status:
    """The module's status rule."""
    if actual is None:
        return "no_data"
    if higher_is_better:
        if actual >= target:
            return "on_track"
        return "at_risk" if actual >= target * (1 - margin) else "off_track"
    if actual <= target:
        return "on_track"
    return "at_risk" if actual <= target * (1 + margin) else "off_track"


def warehouse_kpis(warehouse: Warehouse, first: date, last: date) -> dict[str, float | None]:
    """Site and paid conversion, repurchase and free-traffic share of the days (None: no data).

    Paid channels are those with spend in the days; orders count where the shop credited them.
    """
    month = channel_month(warehouse, first, last)
    if month["visits"].sum() == 0 and month["orders"].sum() == 0:
        return dict.fromkeys(
            ("site_conversion", "paid_conversion", "repurchase", "free_traffic_share")
        )
    paid = month["spend"] > 0
    tracked = month["channel"] != NO_CHANNEL
    totals = order_totals(warehouse, first, last)
    return {
        "site_conversion": ratio(month["orders"].sum(), month["visits"].sum()),
        "paid_conversion": ratio(month.loc[paid, "orders"].sum(), month.loc[paid, "visits"].sum()),
        "repurchase": ratio(totals["repeat_buyers"], totals["buyers"]),
        "free_traffic_share": ratio(
            month.loc[~paid & tracked, "visits"].sum(), month["visits"].sum()
        ),
    }


def attribution_kpis(
    results: AttributionReport | None, sem_channel: str
) -> dict[str, float | None]:
    """Paid channels' ROI under the decision model and the SEM channel's CAC, from the report."""
    if not results:
        return {"channel_roi": None, "sem_lead_cost": None}
    model = results.decision_model
    paid = [c for c in results.channels if (c.spend or 0) > 0]
    revenue = sum(c.revenue.get(model) or 0.0 for c in paid)
    spend = sum(c.spend for c in paid)
    sem = next((c for c in results.channels if c.channel == sem_channel), None)
    return {
        "channel_roi": ratio(revenue, spend),
        "sem_lead_cost": sem.cac if sem else None,
    }


def scorecard(
    this_month: dict[str, float | None],
    last_month: dict[str, float | None],
    last_year: dict[str, float | None],
    targets: KpiTargets,
    margin: float,
    sources: dict[str, str],
) -> list[KpiLine]:
    """One line per target, in the targets' order."""
    lines = []
    for kpi, target in targets.model_dump().items():
        actual = this_month.get(kpi)
        lines.append(
            KpiLine(
                kpi=kpi,
                unit=UNITS[kpi],
                actual=actual,
                target=target,
                gap=None if actual is None else actual - target,
                last_month=last_month.get(kpi),
                last_year=last_year.get(kpi),
                change_on_month=relative_change(actual, last_month.get(kpi)),
                change_on_year=relative_change(actual, last_year.get(kpi)),
                status=kpi_status(actual, target, HIGHER_IS_BETTER[kpi], margin),
                source=sources.get(kpi, "warehouse"),
            )
        )
    return lines


def month_of_year_before(month: str) -> str:
    """2026-10 → 2025-10."""
    first, _ = month_bounds(month)
    return f"{first.year - 1}-{first.month:02d}"
