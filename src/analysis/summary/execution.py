"""Budget execution: the month's actual spend per channel against the plan, with the causes.

Variance = actual − plan (and relative to plan). The explanation reads the channel ROI report
of the month: its ROI under the decision model and status say whether the variance went to
(or away from) a channel that earns it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from analysis.health.kpis import ratio

if TYPE_CHECKING:
    from analysis.attribution.report import AttributionReport
    from analysis.attribution.results import ChannelRecord

OVER, UNDER, ON_PLAN = "over", "under", "on_plan"
ON_PLAN_BAND = 0.05  # within ±5% of plan counts as executed to plan
EARNS = {"expand", "keep"}


@dataclass(frozen=True)
class ExecutionLine:
    """One channel's plan, actual spend and variance, with the attribution report's verdict."""

    channel: str
    plan: float | None
    actual: float
    variance: float | None
    variance_pct: float | None
    direction: str  # over | under | on_plan | unplanned
    roi: float | None
    status: str | None  # the attribution report's status, None when it is not available
    cause: str  # key of the explanation sentence in the catalogue


def _cause(direction: str, status: str | None) -> str:
    if status is None:
        return "execution.cause.no_report"
    if direction == "unplanned":
        return "execution.cause.unplanned"
    if direction == ON_PLAN:
        return "execution.cause.on_plan"
    if direction == OVER:
        return "execution.cause.over_earns" if status in EARNS else "execution.cause.over_below"
    return "execution.cause.under_earns" if status in EARNS else "execution.cause.under_below"


def channel_roi(channel: ChannelRecord, model: str) -> float | None:
    """The ROI the attribution report judged the channel on: incremental (marketing-mix model)
    when its record says so, else the decision model's attributed ROI."""
    if channel.roi_basis == "incremental":
        return channel.incremental_roi
    return channel.roi.get(model)


def budget_execution(
    plan: dict[str, float], actual: dict[str, float], attribution: AttributionReport | None
) -> list[ExecutionLine]:
    """Every channel with a plan or spend, planned channels first."""
    verdicts: dict[str, tuple[float | None, str | None]] = {}
    if attribution:
        for record in attribution.channels:
            roi = channel_roi(record, attribution.decision_model)
            verdicts[record.channel] = (roi, record.status)
    channels = list(plan) + sorted(c for c in actual if c not in plan and actual[c] > 0)
    lines = []
    for channel in channels:
        spent = float(actual.get(channel, 0.0))
        planned = plan.get(channel)
        variance = None if planned is None else spent - planned
        share = None if planned is None else ratio(spent - planned, planned)
        if planned is None:
            direction = "unplanned"
        elif share is not None and abs(share) <= ON_PLAN_BAND:
            direction = ON_PLAN
        else:
            direction = OVER if (variance or 0) > 0 else UNDER
        roi, status = verdicts.get(channel, (None, None))
        lines.append(
            ExecutionLine(
                channel,
                planned,
                spent,
                variance,
                share,
                direction,
                roi,
                status,
                _cause(direction, status),
            )
        )
    return lines
