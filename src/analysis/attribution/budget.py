"""Next month's budget moves: the handbook's ROI rules, then marginal ROI to fit the total.

Handbook (渠道 ROI 与预算): monthly, name ROI < 1.2 placements; in the deepening phase drop
channels with ROI < 2 and expand those with ROI > 3; keep about 20% of the budget for small
tests of new / low-conversion, high-potential channels. Each paid channel moves inside its
box [current·(1 − max_decrease), current·(1 + max_increase)]; the box is never left. What
cannot be placed inside the boxes is reported as `unallocated`, not hidden.

The proposal carries numbers and codes (status, the fit's `move`); `attribution.wording`
writes each line's reason, the notes and the method for readers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from scipy.optimize import brentq

from analysis.attribution.mmm import AnyCurve
from analysis.errors import InputError
from analysis.params import RoiThresholds

Status = Literal["expand", "keep", "watch", "inefficient", "n/a"]
STATUSES: tuple[str, ...] = ("expand", "keep", "watch", "inefficient", "n/a")
INTERIOR_MOVES = ("marginal", "even", "lowest-roi")  # fit-to-total moves that stop inside limits
MOVES = ("", "limit", *INTERIOR_MOVES)  # "": the status rule alone set the amount
TEST_RESERVE = "test"  # the reserve line's `channel` (and status) until it is worded


_LINES = RoiThresholds()  # the handbook's lines, defined once: in the params model


@dataclass(frozen=True)
class Thresholds:
    """ROI thresholds of the channel status (the params model's handbook lines as defaults)."""

    expand: float = _LINES.expand  # ROI > expand: expand
    keep: float = _LINES.keep  # keep <= ROI <= expand: keep; deepening drops ROI < keep
    watch: float = _LINES.watch  # watch <= ROI < keep: watch; ROI < watch: inefficient

    def __post_init__(self) -> None:
        if not 0 < self.watch < self.keep < self.expand < math.inf:
            raise InputError(
                f"thresholds watch={self.watch!r}, keep={self.keep!r}, expand={self.expand!r}; "
                "finite numbers with 0 < watch < keep < expand are accepted"
            )


@dataclass(frozen=True)
class BudgetLine:
    """One row of the proposal: a channel (or the test reserve) now and next month."""

    channel: str
    current: float  # this month's spend (yuan)
    proposed: float  # next month's spend (yuan, to the cent)
    change: float  # proposed − current
    change_pct: float | None  # change / current as a fraction (0.3 = +30%); None if current is 0
    status: str  # a `Status`, or "test" for the reserve line
    reason: str  # a sentence naming the rule that set the amount ("" until worded)
    roi: float | None
    marginal_roi: float | None  # from a supported response curve, at current spend
    marginal_roi_interval: tuple[float, float] | None
    curve_supported: bool
    proposed_marginal_roi: float | None = None  # the same curve at the proposed spend
    move: str = ""  # one of MOVES: how fitting the total moved the channel


@dataclass(frozen=True)
class BudgetProposal:
    """All lines (channels in input order, then the test reserve) and how the total was met."""

    lines: tuple[BudgetLine, ...]
    total_budget: float
    channel_budget: float  # total − test reserve
    test_reserve: float
    unallocated: float  # > 0: money the limits could not place; < 0: floors exceed the money
    feasible: bool  # the total is met exactly (unallocated == 0)
    thresholds: Thresholds
    deepening: bool
    test_share: float
    total_asked: float  # the total as given (before rounding to the cent)
    max_increase: Mapping[str, float]  # per channel, the limits applied
    max_decrease: Mapping[str, float]
    curves: Mapping[str, AnyCurve] = field(default_factory=dict)  # as given


@dataclass
class _Channel:
    """Working state of one channel while the budget is fitted (internal, mutable)."""

    name: str
    current: float
    roi: float | None
    status: str
    low: float  # current · (1 − max_decrease)
    high: float  # current · (1 + max_increase)
    max_increase: float
    max_decrease: float
    curve: AnyCurve | None  # as given (may be unsupported)
    proposed: float = 0.0
    move: str = ""  # how the fitting step changed it, for the reason

    @property
    def fitted_curve(self) -> AnyCurve | None:
        return self.curve if self.curve is not None and self.curve.supported else None


def roi_status(roi: float | None, thresholds: Thresholds) -> Status:
    """Status of a channel: expand (ROI > expand), keep, watch, inefficient; "n/a" for no ROI."""
    if roi is None:
        return "n/a"
    if roi > thresholds.expand:
        return "expand"
    if roi >= thresholds.keep:
        return "keep"
    return "watch" if roi >= thresholds.watch else "inefficient"


def propose_budget(  # noqa: PLR0913  # keyword-only; its thresholds are already one record
    *,
    spend: Mapping[str, float],
    roi: Mapping[str, float | None],
    status: Mapping[str, str] | None = None,
    curves: Mapping[str, AnyCurve] | None = None,
    total_budget: float | None = None,
    max_increase: float = 0.3,
    max_decrease: float = 0.5,
    max_increase_by_channel: Mapping[str, float] | None = None,
    max_decrease_by_channel: Mapping[str, float] | None = None,
    test_share: float = 0.2,
    thresholds: Thresholds | None = None,
    deepening: bool = True,
    days_in_month: float = 30.0,
) -> BudgetProposal:
    """Propose next month's spend per channel and a test reserve that sum to `total_budget`.

    Handbook rules (ROI < watch cut; ROI < keep cut too when `deepening`; ROI > expand may
    grow), then the channel money total × (1 − test_share) is met inside each channel's
    limits by marginal ROI where a supported response curve exists (exact equalisation) and
    by ROI otherwise; the catalogue's `attribution.budget.method` says it in full. Curves are
    daily: monthly spend is divided by `days_in_month` to read them. `status`, if given, must
    agree with `roi_status`. Lines carry codes and numbers; reasons are worded later.
    """
    rules = thresholds or Thresholds()
    channels = _channels(
        spend,
        roi,
        status,
        curves,
        rules,
        _limits(max_increase, max_increase_by_channel, spend),
        _limits(max_decrease, max_decrease_by_channel, spend, upper=1.0),
    )
    total = _check_money(spend, total_budget, test_share, days_in_month)
    total_cents = round(total * 100)
    test_cents = round(total_cents * test_share)
    channel_cents = total_cents - test_cents
    for channel in channels:
        cut = channel.status == "inefficient" or (deepening and channel.status == "watch")
        channel.proposed = channel.low if cut else channel.current
    gap = channel_cents / 100 - sum(channel.proposed for channel in channels)
    for tier in _tiers(channels, adding=gap > 0, deepening=deepening):
        gap = _move(tier, gap, days_in_month)
    target = channel_cents if abs(gap) < 1e-6 else round(sum(c.proposed for c in channels) * 100)
    placed = _round_to_cents(channels, target)
    unallocated = (channel_cents - placed) / 100
    lines = [_line(channel, days_in_month) for channel in channels]
    lines.append(_test_line(test_cents / 100))
    return BudgetProposal(
        lines=tuple(lines),
        total_budget=total_cents / 100,
        channel_budget=channel_cents / 100,
        test_reserve=test_cents / 100,
        unallocated=unallocated,
        feasible=unallocated == 0,
        thresholds=rules,
        deepening=deepening,
        test_share=test_share,
        total_asked=total,
        max_increase={c.name: c.max_increase for c in channels},
        max_decrease={c.name: c.max_decrease for c in channels},
        curves=dict(curves or {}),
    )


def _tiers(channels: list[_Channel], *, adding: bool, deepening: bool) -> list[list[_Channel]]:
    """Groups that absorb the gap, in order: expand then keep (adding); keep/watch then expand."""
    by_status = {name: [c for c in channels if c.status == name] for name in STATUSES}
    if adding:
        return [by_status["expand"], by_status["keep"]]
    first = by_status["keep"] + ([] if deepening else by_status["watch"])
    return [first, by_status["expand"]]


def _move(tier: list[_Channel], gap: float, days_in_month: float) -> float:
    """Move `gap` yuan (+ add, − remove) into/out of a tier inside the limits; return the rest."""
    adding = gap > 0
    rooms = {c.name: (c.high - c.proposed) if adding else (c.proposed - c.low) for c in tier}
    movable = [c for c in tier if rooms[c.name] > 0]
    total_room = sum(rooms[c.name] for c in movable)
    if abs(gap) < 1e-9 or not movable:
        return gap
    if total_room <= abs(gap):
        for channel in movable:
            channel.proposed = channel.high if adding else channel.low
            channel.move = "limit"
        return gap - math.copysign(total_room, gap)
    with_curve = [c for c in movable if c.fitted_curve is not None]
    without = [c for c in movable if c.fitted_curve is None]
    curve_amount = gap * sum(rooms[c.name] for c in with_curve) / total_room
    _equalise_marginal_roi(with_curve, curve_amount, days_in_month)
    if adding:
        _raise_evenly(without, gap - curve_amount)
    else:
        _cut_lowest_roi_first(without, gap - curve_amount)
    return 0.0


def _equalise_marginal_roi(group: list[_Channel], amount: float, days_in_month: float) -> None:
    """Set each spend where marginal ROI equals a common λ (clipped to its range), Σ = target.

    Each curve gives the daily spend where its marginal ROI is λ (`spend_for_marginal_roi`:
    b·ln(a/(bλ)) for y = a(1 − e^(−x/b)), √(βK/λ) − K for β·x/(x + K)); the sum of clipped
    spends falls with λ, so λ is found by bisection (Brent) on ln λ.
    """
    if not group:
        return
    ranges = [_range(c, amount > 0) for c in group]
    target = sum(c.proposed for c in group) + amount
    curves = [c.fitted_curve for c in group]

    def spends(log_lambda: float) -> list[float]:
        wanted = [
            days_in_month * curve.spend_for_marginal_roi(math.exp(log_lambda))  # type: ignore[union-attr]
            for curve in curves
        ]
        return [min(max(w, low), high) for w, (low, high) in zip(wanted, ranges, strict=True)]

    ends = [
        math.log(max(curve.marginal_roi_at(spend / days_in_month), 1e-300))  # type: ignore[union-attr]
        for curve, bounds in zip(curves, ranges, strict=True)
        for spend in bounds
    ]
    lower, upper = min(ends) - 1.0, max(ends) + 1.0
    log_lambda = brentq(lambda x: sum(spends(x)) - target, lower, upper, xtol=1e-14)
    for channel, value in zip(group, spends(log_lambda), strict=True):
        channel.proposed, channel.move = value, "marginal"


def _raise_evenly(group: list[_Channel], amount: float) -> None:
    """Raise every channel by the same fraction t of its current spend (capped), Σ = amount."""
    if not group:
        return
    start = {c.name: c.proposed for c in group}

    def raised(t: float) -> list[float]:
        return [min(start[c.name] + t * c.current, c.high) for c in group]

    largest = max((c.high - start[c.name]) / c.current for c in group)
    target = sum(start.values()) + amount
    t = brentq(lambda x: sum(raised(x)) - target, 0.0, largest, xtol=1e-14)
    for channel, value in zip(group, raised(t), strict=True):
        channel.proposed, channel.move = value, "even"


def _cut_lowest_roi_first(group: list[_Channel], amount: float) -> None:
    """Take −amount from the lowest-ROI channel down to its floor, then the next, and so on."""
    remaining = -amount
    for channel in sorted(group, key=lambda c: c.roi or 0.0):
        if remaining <= 0:
            return
        taken = min(channel.proposed - channel.low, remaining)
        channel.proposed -= taken
        channel.move = "lowest-roi"
        remaining -= taken


def _range(channel: _Channel, adding: bool) -> tuple[float, float]:
    return (channel.proposed, channel.high) if adding else (channel.low, channel.proposed)


def _round_to_cents(channels: list[_Channel], target_cents: int) -> int:
    """Round proposals to cents inside the limits, meeting `target_cents` if the limits allow.

    Largest remainder: floor every amount, then hand the missing cents (a few at most) to the
    largest fractional parts, or take surplus cents from the smallest. Only channels the fit
    moved, or keep/expand channels, take these cents; cut channels are never raised by
    rounding. Returns the cents placed.
    """
    low = [math.ceil(c.low * 100 - 1e-6) for c in channels]
    high = [math.floor(c.high * 100 + 1e-6) for c in channels]
    cents = [
        min(max(math.floor(c.proposed * 100 + 1e-6), lo), hi)
        for c, lo, hi in zip(channels, low, high, strict=True)
    ]
    fraction = [c.proposed * 100 - value for c, value in zip(channels, cents, strict=True)]
    adjustable = [
        i
        for i, c in enumerate(channels)
        if c.move in INTERIOR_MOVES or c.status in ("keep", "expand")
    ]
    order = sorted(adjustable, key=lambda i: (channels[i].move not in INTERIOR_MOVES, -fraction[i]))
    deficit = target_cents - sum(cents)
    while deficit != 0:
        step = 1 if deficit > 0 else -1
        ranked = order if step > 0 else order[::-1]
        open_ = [i for i in ranked if low[i] <= cents[i] + step <= high[i]]
        if not open_:
            break
        for i in open_[: abs(deficit)]:
            cents[i] += step
            deficit -= step
    for channel, value in zip(channels, cents, strict=True):
        channel.proposed = value / 100
    return sum(cents)


def _line(channel: _Channel, days: float) -> BudgetLine:
    """A channel's line with its marginal ROI (from a supported curve)."""
    curve = channel.fitted_curve
    now = later = interval = None
    if curve is not None and channel.current > 0:
        now = curve.marginal_roi_at(channel.current / days)
        interval = curve.marginal_roi_interval_at(channel.current / days)
        later = curve.marginal_roi_at(channel.proposed / days)
    change = round(channel.proposed - channel.current, 2)
    return BudgetLine(
        channel=channel.name,
        current=channel.current,
        proposed=channel.proposed,
        change=change,
        change_pct=change / channel.current if channel.current > 0 else None,
        status=channel.status,
        reason="",
        roi=channel.roi,
        marginal_roi=now,
        marginal_roi_interval=interval,
        curve_supported=curve is not None,
        proposed_marginal_roi=later,
        move=channel.move,
    )


def _test_line(reserve: float) -> BudgetLine:
    return BudgetLine(
        channel=TEST_RESERVE,
        current=0.0,
        proposed=reserve,
        change=reserve,
        change_pct=None,
        status="test",
        reason="",
        roi=None,
        marginal_roi=None,
        marginal_roi_interval=None,
        curve_supported=False,
    )


def _channels(
    spend: Mapping[str, float],
    roi: Mapping[str, float | None],
    status: Mapping[str, str] | None,
    curves: Mapping[str, AnyCurve] | None,
    rules: Thresholds,
    increases: dict[str, float],
    decreases: dict[str, float],
) -> list[_Channel]:
    """Validate the per-channel inputs and build the working records."""
    _same_keys("roi", roi, spend)
    if status is not None:
        _same_keys("status", status, spend)
    _known_keys("curves", curves or {}, spend)
    channels = []
    for name, amount in spend.items():
        value = _channel_roi(name, amount, roi[name])
        label = roi_status(value, rules)
        if status is not None and status[name] != label:
            raise InputError(
                f"status[{name!r}] == {status[name]!r} but ROI {value!r} with thresholds "
                f"{rules} gives {label!r}; pass statuses from the same thresholds or omit status"
            )
        curve = (curves or {}).get(name)
        if curve is not None and curve.channel != name:
            raise InputError(
                f"curves[{name!r}] is the curve of channel {curve.channel!r}; "
                "each channel's own curve is accepted"
            )
        increase, decrease = increases[name], decreases[name]
        channels.append(
            _Channel(
                name,
                amount,
                value,
                label,
                amount * (1 - decrease),
                amount * (1 + increase),
                increase,
                decrease,
                curve,
            )
        )
    return channels


def _channel_roi(name: str, amount: float, value: float | None) -> float | None:
    """ROI is None exactly for zero-spend channels; spend and ROI are finite and >= 0."""
    if not (isinstance(amount, int | float) and math.isfinite(amount) and amount >= 0):
        raise InputError(f"spend[{name!r}] == {amount!r}; a finite number >= 0 is accepted")
    if amount == 0:
        return None
    if value is None or not (math.isfinite(value) and value >= 0):
        raise InputError(
            f"roi[{name!r}] == {value!r} for spend {amount!r}; a finite ROI >= 0 is accepted "
            "for a channel with spend (None only when spend is 0)"
        )
    return float(value)


def _limits(
    default: float,
    by_channel: Mapping[str, float] | None,
    spend: Mapping[str, float],
    *,
    upper: float = math.inf,
) -> dict[str, float]:
    """Per-channel relative limit: the default, overridden by `by_channel`; in [0, upper]."""
    name = "max_decrease" if upper == 1.0 else "max_increase"
    _known_keys(f"{name}_by_channel", by_channel or {}, spend)
    limits = {channel: (by_channel or {}).get(channel, default) for channel in spend}
    for channel, value in limits.items():
        if not (math.isfinite(value) and 0 <= value <= upper):
            where = name if value == default else f"{name}_by_channel[{channel!r}]"
            accepted = "between 0 and 1" if upper == 1.0 else "finite and >= 0"
            raise InputError(f"{where} == {value!r}; a relative change {accepted} is accepted")
    return limits


def _check_money(
    spend: Mapping[str, float], total_budget: float | None, test_share: float, days: float
) -> float:
    """Total budget (default: this month's spend); test_share in [0, 1); days_in_month > 0."""
    if not spend:
        raise InputError("spend is empty; a mapping of channel name to monthly spend is accepted")
    if not 0 <= test_share < 1:
        raise InputError(f"test_share == {test_share!r}; a share in [0, 1) is accepted")
    if not (math.isfinite(days) and days > 0):
        raise InputError(f"days_in_month == {days!r}; a number > 0 is accepted")
    total = sum(spend.values()) if total_budget is None else total_budget
    if not (math.isfinite(total) and total >= 0):
        raise InputError(f"total_budget == {total_budget!r}; a finite number >= 0 is accepted")
    return float(total)


def _same_keys(name: str, given: Mapping[str, object], spend: Mapping[str, float]) -> None:
    if set(given) != set(spend):
        raise InputError(
            f"{name} has channels {sorted(given)} but spend has {sorted(spend)}; "
            "the same channels are accepted"
        )


def _known_keys(name: str, given: Mapping[str, object], spend: Mapping[str, float]) -> None:
    unknown = sorted(set(given) - set(spend))
    if unknown:
        raise InputError(f"{name} names unknown channels {unknown}; channels in spend are accepted")
