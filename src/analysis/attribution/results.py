"""Typed records of the channel ROI report, as published to `<name>.json`.

Each field is named as its JSON key; the report (`attribution.report`) builds them from the
computation's own types, `reporting.record.read_results` reads them back. Budget lines, the
budget effect and the ROI lines are published as their computation types (`budget.BudgetLine`,
`mmm.BudgetEffect`, `budget.Thresholds`), already records of numbers and codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from analysis.attribution.channels import ChannelEconomics


@dataclass(frozen=True, kw_only=True)
class ChannelRecord(ChannelEconomics):
    """One channel under every model (`attribution.channels.ChannelEconomics`) and its verdict,
    as published: `quadrant` in words (as the report's readers read it), `quadrant_code` its
    code, and the decision model the status was judged under. Per-model mappings are keyed by
    model code; intervals are (low, high)."""

    decision_model: str
    quadrant_code: str


@dataclass(frozen=True)
class PathSummary:
    """Converting and null journeys, converting path length, and orders no touch explains."""

    converting: int
    null: int
    mean_length: float
    distinct: int
    orders_without_touches: int
    revenue_without_touches: float


@dataclass(frozen=True)
class LtvSummary:
    """The new-customer LTV the profit ROI and LTV:CAC use (all None without journeys)."""

    value: float | None
    method: str | None  # in words
    fallback_reason: str | None  # in words, when the model fell back to mean revenue
    source: str | None  # the code the sentences word: clv | mean_revenue


@dataclass(frozen=True, kw_only=True)
class MmmFitted:
    """The marketing-mix model the decisions rest on: its window, fit and channels."""

    fitted: Literal[True] = True
    method: str  # a code
    first: date
    last: date
    days: int
    r_squared: float
    noise_inflation: float
    calibrated: list[str]  # channels a lift test entered
    step: int = 1  # days a step of the fitted series: 1 (daily rows) or 7 (weekly)
    gaps: int = 0  # steps without a revenue row, left out of the fit
    controls: list[str] = field(default_factory=list)  # series in the baseline (organic channels)
    cannot_estimate: dict[str, str | None]  # channel → reason code


@dataclass(frozen=True, kw_only=True)
class MmmNotFitted:
    """Why the marketing-mix model was not fitted (a code: attributed_chosen, short_history,
    no_spend_table)."""

    fitted: Literal[False] = False
    reason: str | None
