"""The month's headline KPIs against the previous month, from engine totals.

Definitions (stated in the report):
- AOV = revenue / orders; CTR = clicks / impressions; CPC = spend / clicks;
- new customers = customers whose first_seen falls in the month;
- repurchase rate (复购率) = buyers with 2+ orders in the month / buyers in the month.
"""

from __future__ import annotations

from dataclasses import dataclass

from analysis.health import queries
from analysis.params import month_bounds, previous_month
from analysis.warehouse import Warehouse


@dataclass(frozen=True)
class KpiChange:
    """One KPI this month and last month, with the relative change (None when undefined)."""

    kpi: str
    unit: str
    this_month: float | None
    last_month: float | None
    change: float | None


def ratio(numerator: float, denominator: float) -> float | None:
    """numerator / denominator, or None when the denominator is zero."""
    return numerator / denominator if denominator else None


def relative_change(current: float | None, previous: float | None) -> float | None:
    """(current − previous) / previous, or None when either is missing or previous is 0."""
    if current is None or previous is None or previous == 0:
        return None
    return (current - previous) / previous


def kpi_values(
    orders: dict[str, float], spend: dict[str, float], new: int
) -> dict[str, float | None]:
    """The KPI values of one month from its totals."""
    return {
        "revenue": orders["revenue"],
        "orders": orders["orders"],
        "aov": ratio(orders["revenue"], orders["orders"]),
        "spend": spend["spend"],
        "clicks": spend["clicks"],
        "ctr": ratio(spend["clicks"], spend["impressions"]),
        "cpc": ratio(spend["spend"], spend["clicks"]),
        "new_customers": float(new),
        "repurchase_rate": ratio(orders["repeat_buyers"], orders["buyers"]),
    }


UNITS = {
    "revenue": "yuan",
    "orders": "orders",
    "aov": "yuan",
    "spend": "yuan",
    "clicks": "clicks",
    "ctr": "share",
    "cpc": "yuan",
    "new_customers": "customers",
    "repurchase_rate": "share",
}


def month_values(warehouse: Warehouse, month: str) -> dict[str, float | None]:
    """Every KPI of `month`, computed in the engine."""
    first, last = month_bounds(month)
    return kpi_values(
        queries.order_totals(warehouse, first, last),
        queries.spend_totals(warehouse, first, last),
        queries.new_customers(warehouse, first, last),
    )


def month_kpis(warehouse: Warehouse, month: str) -> list[KpiChange]:
    """Each KPI of `month` beside the previous month and the relative change."""
    current = month_values(warehouse, month)
    previous = month_values(warehouse, previous_month(month))
    return [
        KpiChange(
            kpi,
            UNITS[kpi],
            current[kpi],
            previous[kpi],
            relative_change(current[kpi], previous[kpi]),
        )
        for kpi in current
    ]
