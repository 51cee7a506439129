"""Per-channel economics: ROI by model, status against the thresholds, the four quadrants.

ROI is the handbook's: attributed revenue / spend ("100,000 yuan in, 500,000 of sales: ROI 5").
Profit ROI = (attributed revenue × gross margin − spend) / spend. CAC = spend / attributed
new customers. A channel without spend (organic, community) has ROI, CAC and status "n/a".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from analysis.attribution.budget import Thresholds, roi_status
from analysis.attribution.mmm import ChannelRoi
from analysis.schema import CHANNELS

QUADRANTS = {
    (True, True): "core",  # high conversion / high spend: handbook 40% of budget
    (True, False): "scale_up",  # high conversion / low spend: handbook 30%
    (False, True): "test_small",  # low conversion / high spend: test small, prove ROI (20%)
    (False, False): "pause",  # low conversion / low spend: pause and find out why
}
"""Quadrant codes by (high conversion, high spend); the catalogue's `attribution.quadrant.<code>`
says each in words, with the handbook's budget share. Conversion rate (attributed conversions /
visits) and spend are each split at the median over channels (spend median over paid channels;
no spend counts as low): `attribution.method.quadrant`."""


def ratio_or_none(numerator: float, denominator: float) -> float | None:
    """numerator / denominator, or None when the denominator is zero (no spend, no buyers)."""
    return float(numerator / denominator) if denominator > 0 else None


@dataclass(frozen=True)
class ChannelEconomics:
    """One channel under every model, and its verdict under the decision model."""

    channel: str
    spend: float
    visits: int
    conversions: dict[str, float]
    revenue: dict[str, float]
    new_customers: dict[str, float]
    roi: dict[str, float | None]
    profit_roi: float | None
    cac: float | None
    ltv_to_cac: float | None
    conversion_rate: float | None
    status: str
    status_by_model: dict[str, str]
    roi_range: tuple[float, float] | None
    status_depends_on_model: bool
    quadrant: str  # a code of QUADRANTS
    roi_basis: str = "attributed"  # "incremental": status, quadrant, CAC, budget from the MMM
    attributed_roi: float | None = None  # the decision model's ROI, shown beside incremental
    incremental_roi: float | None = None
    incremental_roi_interval: tuple[float, float] | None = None
    marginal_roi: float | None = None  # MMM, at current daily spend
    marginal_roi_interval: tuple[float, float] | None = None
    revenue_share: float | None = None  # MMM: the channel's share of revenue over the fit
    estimate: str | None = None  # "estimated" or "cannot_estimate" (MMM)
    estimate_reason: str | None = None  # why not: constant_spend, short_history, no_spend
    calibrated: bool = False  # a lift test entered the fit
    status_certainty: str | None = None  # "certain" or "uncertain" (interval crosses a line)


def channel_economics(
    credits: pd.DataFrame,
    spend: pd.Series,
    visits: pd.Series,
    *,
    decision_model: str,
    thresholds: Thresholds,
    margin: float,
    ltv: float,
    incremental: Mapping[str, ChannelRoi] | None = None,
) -> list[ChannelEconomics]:
    """Economics per channel from credits (model, channel, conversions, revenue, new_customers).

    spend and visits are indexed by channel; a channel with spend but no touches is listed
    with zero credit; one with touches but no spend has ROI n/a. With `incremental` (the
    marketing-mix model's results) status, profit ROI, CAC, LTV:CAC and quadrant use
    incremental ROI: new customers the channel adds are its attributed new customers ×
    incremental / attributed revenue (its attributed mix of new and returning buyers).
    """
    channels = channel_order(set(credits["channel"]) | set(spend.index) | set(visits.index))
    models = list(dict.fromkeys(credits["model"]))
    table = credits.set_index(["model", "channel"])
    rows = []
    for channel in channels:
        cost = float(spend.get(channel, 0.0))
        views = int(visits.get(channel, 0))
        by_model = {
            field: {m: _credit(table, m, channel, field) for m in models}
            for field in ("conversions", "revenue", "new_customers")
        }
        roi = {m: ratio_or_none(by_model["revenue"][m], cost) for m in models}
        statuses = {m: roi_status(roi[m], thresholds) for m in models}
        defined = [value for value in roi.values() if value is not None]
        paid = cost > 0  # without spend, CAC and ROI are not defined (not 0, not infinity)
        cac = ratio_or_none(cost, by_model["new_customers"][decision_model]) if paid else None
        rows.append(
            ChannelEconomics(
                channel=channel,
                spend=cost,
                visits=views,
                conversions=by_model["conversions"],
                revenue=by_model["revenue"],
                new_customers=by_model["new_customers"],
                roi=roi,
                profit_roi=ratio_or_none(by_model["revenue"][decision_model] * margin - cost, cost),
                cac=cac,
                ltv_to_cac=ratio_or_none(ltv, cac) if cac else None,
                conversion_rate=ratio_or_none(by_model["conversions"][decision_model], views),
                status=statuses[decision_model],
                status_by_model=dict(statuses),
                roi_range=(min(defined), max(defined)) if defined else None,
                status_depends_on_model=len(set(statuses.values())) > 1,
                quadrant="",
                attributed_roi=roi[decision_model],
            )
        )
    if incremental is not None:
        rows = [
            _on_incremental(r, incremental.get(r.channel), thresholds, margin, ltv, decision_model)
            for r in rows
        ]
        return _with_return_quadrants(rows, thresholds)
    return _with_quadrants(rows)


def status_certainty(interval: tuple[float, float] | None, thresholds: Thresholds) -> str | None:
    """ "uncertain" when the interval straddles one of the status lines, else "certain"."""
    if interval is None:
        return None
    low, high = interval
    lines = (thresholds.watch, thresholds.keep, thresholds.expand)
    return "uncertain" if any(low < line < high for line in lines) else "certain"


def _on_incremental(
    row: ChannelEconomics,
    fit: ChannelRoi | None,
    thresholds: Thresholds,
    margin: float,
    ltv: float,
    model: str,
) -> ChannelEconomics:
    """The row judged on incremental ROI (n/a without spend or an estimate)."""
    if row.spend <= 0 or fit is None:  # no spend this month (or none in the model): n/a
        return replace(
            row, roi_basis="incremental", status="n/a", cac=None, ltv_to_cac=None, profit_roi=None
        )
    if fit.code != "estimated" or fit.roi is None:
        return replace(row, roi_basis="incremental", status="n/a", cac=None, ltv_to_cac=None,
                       profit_roi=None, estimate=fit.code, estimate_reason=fit.reason)  # fmt: skip
    attributed = row.revenue.get(model, 0.0)
    added_revenue = fit.roi * row.spend
    new = row.new_customers.get(model, 0.0) * (added_revenue / attributed) if attributed > 0 else 0
    cac = ratio_or_none(row.spend, new) if new > 0 else None
    return replace(
        row,
        roi_basis="incremental",
        status=roi_status(fit.roi, thresholds),
        profit_roi=fit.roi * margin - 1.0,
        cac=cac,
        ltv_to_cac=ratio_or_none(ltv, cac) if cac else None,
        incremental_roi=fit.roi,
        incremental_roi_interval=fit.roi_interval,
        marginal_roi=fit.marginal_roi,
        marginal_roi_interval=fit.marginal_roi_interval,
        revenue_share=fit.revenue_share,
        estimate=fit.code,
        calibrated=fit.calibrated,
        status_certainty=status_certainty(fit.roi_interval, thresholds),
    )


def _with_return_quadrants(
    rows: list[ChannelEconomics], thresholds: Thresholds
) -> list[ChannelEconomics]:
    """Quadrants on incremental ROI (≥ the keep line is high) and spend (≥ median, paid)."""
    paid = [r.spend for r in rows if r.spend > 0]
    spend_median = float(np.median(paid)) if paid else 0.0
    placed = []
    for row in rows:
        high_return = (row.incremental_roi or 0.0) >= thresholds.keep
        high_spend = row.spend > 0 and row.spend >= spend_median
        placed.append(replace(row, quadrant=QUADRANTS[(high_return, high_spend)]))
    return placed


def channel_order(seen: set[str]) -> list[str]:
    """The team's channels in their report order, then any others alphabetically."""
    known = [c for c in CHANNELS if c in seen]
    return known + sorted(seen - set(known))


def _credit(table: pd.DataFrame, model: str, channel: str, field: str) -> float:
    key = (model, channel)
    return float(table.at[key, field]) if key in table.index else 0.0


def _with_quadrants(rows: list[ChannelEconomics]) -> list[ChannelEconomics]:
    rates = [r.conversion_rate for r in rows if r.conversion_rate is not None]
    paid = [r.spend for r in rows if r.spend > 0]
    rate_median = float(np.median(rates)) if rates else 0.0
    spend_median = float(np.median(paid)) if paid else 0.0
    placed = []
    for row in rows:
        high_conversion = (row.conversion_rate or 0.0) >= rate_median
        high_spend = row.spend > 0 and row.spend >= spend_median
        placed.append(replace(row, quadrant=QUADRANTS[(high_conversion, high_spend)]))
    return placed
