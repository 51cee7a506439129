"""The handbook's alert rules on a daily panel: fixed business thresholds, causal, one alert a run.

Source: shared/handbook.md, "Anomalies" (CPC +30% → find the cause within 24 hours; traffic
−20% today; conversion rate −5% in the weekly report) and the banner rule (CTR below 50% of the
industry mean is replaced). Each rule reads only day t and the days before it, so an alert on
day t could have been raised on day t. Thresholds, guards and metric names live in
`RuleSettings`; the report's params pass their values.

Merging: consecutive days on which the same rule fires on the same series form one
`RuleAlert` dated by its first day (`ts`, "since"), with `last_ts` and `days`; its value,
baseline and change are the first day's, the day the alert would have been raised.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from analysis.anomaly.panel import Panel
from analysis.errors import AnalysisError, ParamsError
from analysis.params import AnomalyRules

_DEFAULTS = AnomalyRules()  # the handbook's figures and the guards, defined once: in params


@dataclass(frozen=True, kw_only=True)
class RuleSettings:
    """Thresholds and minimum-volume guards of the four rules (defaults: params.AnomalyRules).

    cpc_jump: CPC ≥ (1 + cpc_jump) × trailing mean CPC of the `cpc_window` days before t,
      the trailing mean being click-weighted (Σspend / Σclicks); guards: ≥ `cpc_min_clicks`
      clicks on day t and ≥ `cpc_min_window_clicks` in the trailing window. With 50 clicks a
      day's mean CPC moves ~7% by chance (per-click CPC spread ~50%), so +30% is ~4 SE.
      The cause is due `cpc_deadline_hours` after the day of detection.
    traffic_drop: visits ≤ (1 − traffic_drop) × visits on the same weekday a week before;
      guard: ≥ `traffic_min_visits` that day last week (Poisson noise of the ratio ≈ 6% at 500).
    conversion_drop: Σconversions / Σvisits of days t−6..t ≤ (1 − conversion_drop) × the same
      rate of days t−13..t−7; guards: ≥ `conversion_min_conversions` conversions in the earlier
      week and, unless `conversion_max_p_value` is None, a one-sided two-proportion z-test
      p-value below it (a 5% relative dip is inside weekly noise below ~10,000 conversions).
    industry_ctr: benchmark CTR; None switches the CTR rule off. The rule fires when the day's
      CTR < `ctr_fraction` × industry_ctr with ≥ `ctr_min_impressions` impressions that day.
    *_metric: the panel `metric` each rule applies to, at every level present.
    """

    cpc_jump: float = _DEFAULTS.cpc_jump
    cpc_window: int = _DEFAULTS.cpc_window
    cpc_min_clicks: float = _DEFAULTS.cpc_min_clicks
    cpc_min_window_clicks: float = _DEFAULTS.cpc_min_window_clicks
    cpc_deadline_hours: float = _DEFAULTS.cpc_deadline_hours
    traffic_drop: float = _DEFAULTS.traffic_drop
    traffic_min_visits: float = _DEFAULTS.traffic_min_visits
    conversion_drop: float = _DEFAULTS.conversion_drop
    conversion_min_conversions: float = _DEFAULTS.conversion_min_conversions
    conversion_max_p_value: float | None = _DEFAULTS.conversion_max_p_value
    industry_ctr: float | None = _DEFAULTS.industry_ctr
    ctr_fraction: float = _DEFAULTS.ctr_fraction
    ctr_min_impressions: float = _DEFAULTS.ctr_min_impressions
    cpc_metric: str = "cpc"
    traffic_metric: str = "visits"
    conversion_metric: str = "conversion_rate"
    ctr_metric: str = "ctr"

    def __post_init__(self) -> None:
        if self.cpc_jump <= 0:
            raise ParamsError(f"cpc_jump = {self.cpc_jump}, must be > 0 (0.30 means +30%)")
        for name in ("traffic_drop", "conversion_drop", "ctr_fraction"):
            value = getattr(self, name)
            if not 0 < value < 1:
                raise ParamsError(f"{name} = {value}, must be in (0, 1) (e.g. 0.20 for −20%)")
        if self.cpc_window < 1:
            raise ParamsError(f"cpc_window = {self.cpc_window}, must be ≥ 1 day")
        if self.industry_ctr is not None and not 0 < self.industry_ctr < 1:
            raise ParamsError(f"industry_ctr = {self.industry_ctr}, must be in (0, 1) or None")
        p_max = self.conversion_max_p_value
        if p_max is not None and not 0 < p_max <= 1:
            raise ParamsError(f"conversion_max_p_value = {p_max}, must be in (0, 1] or None")


@dataclass(frozen=True)
class RuleAlert:
    """A rule firing on one series from `ts` through `last_ts` (consecutive days).

    value / baseline: the first day's metric and what the rule compared it with (trailing CPC,
    same weekday last week, previous week's rate, industry CTR); change_pct = 100 × (value /
    baseline − 1). deadline: when the cause is due (CPC rule only), else None.
    """

    rule: str
    series_row: int
    series: str
    ts: pd.Timestamp
    value: float
    baseline: float
    change_pct: float
    deadline: pd.Timestamp | None
    last_ts: pd.Timestamp
    days: int


@dataclass(frozen=True)
class _Firing:
    """One rule on one metric's rows: per-day value, baseline and whether it fired."""

    rule: str
    rows: np.ndarray
    value: np.ndarray
    baseline: np.ndarray
    fired: np.ndarray
    deadline: pd.Timedelta | None


def _pct(share: float) -> str:
    return f"{round(100 * share)}pct"


def rule_names(settings: RuleSettings = RuleSettings()) -> dict[str, str]:
    """Stable rule names, carrying the threshold in force, e.g. {"cpc": "cpc_jump_30pct"}."""
    return {
        "cpc": f"cpc_jump_{_pct(settings.cpc_jump)}",
        "traffic": f"traffic_drop_{_pct(settings.traffic_drop)}",
        "conversion": f"conversion_rate_drop_{_pct(settings.conversion_drop)}",
        "ctr": f"ctr_below_{_pct(settings.ctr_fraction)}_industry",
    }


def _trailing_sum(x: np.ndarray, window: int, lag: int) -> np.ndarray:
    """Σ x[t − lag − window + 1 .. t − lag] per step (missing days count 0); NaN until full."""
    filled = np.nan_to_num(x, nan=0.0)
    cum = np.concatenate([np.zeros((x.shape[0], 1)), np.cumsum(filled, axis=1)], axis=1)
    out = np.full(x.shape, np.nan)
    first = lag + window - 1  # first step whose whole window lies inside the panel
    if first < x.shape[1]:
        t = np.arange(first, x.shape[1])
        out[:, first:] = cum[:, t - lag + 1] - cum[:, t - lag - window + 1]
    return out


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, numerator / denominator, np.nan)


def _cpc_rule(panel: Panel, rows: np.ndarray, s: RuleSettings, name: str) -> _Firing:
    spend, clicks = panel.numerator[rows], panel.denominator[rows]
    window_clicks = _trailing_sum(clicks, s.cpc_window, lag=1)
    baseline = _ratio(_trailing_sum(spend, s.cpc_window, lag=1), window_clicks)
    value = _ratio(spend, clicks)
    enough = (clicks >= s.cpc_min_clicks) & (window_clicks >= s.cpc_min_window_clicks)
    fired = enough & (value >= (1 + s.cpc_jump) * baseline)
    return _Firing(name, rows, value, baseline, fired, pd.Timedelta(hours=s.cpc_deadline_hours))


def _traffic_rule(panel: Panel, rows: np.ndarray, s: RuleSettings, name: str) -> _Firing:
    visits = panel.values[rows]
    last_week = np.full(visits.shape, np.nan)
    last_week[:, panel.season :] = visits[:, : -panel.season]
    fired = (last_week >= s.traffic_min_visits) & (visits <= (1 - s.traffic_drop) * last_week)
    return _Firing(name, rows, visits, last_week, fired, None)


def _conversion_rule(panel: Panel, rows: np.ndarray, s: RuleSettings, name: str) -> _Firing:
    week = panel.season
    conv_now = _trailing_sum(panel.numerator[rows], week, lag=0)
    visits_now = _trailing_sum(panel.denominator[rows], week, lag=0)
    conv_before = _trailing_sum(panel.numerator[rows], week, lag=week)
    visits_before = _trailing_sum(panel.denominator[rows], week, lag=week)
    rate_now, rate_before = _ratio(conv_now, visits_now), _ratio(conv_before, visits_before)
    fired = (conv_before >= s.conversion_min_conversions) & (
        rate_now <= (1 - s.conversion_drop) * rate_before
    )
    if s.conversion_max_p_value is not None:
        pooled = _ratio(conv_now + conv_before, visits_now + visits_before)
        with np.errstate(divide="ignore", invalid="ignore"):
            se = np.sqrt(pooled * (1 - pooled) * (1 / visits_now + 1 / visits_before))
            p_value = norm.cdf((rate_now - rate_before) / se)
        fired &= p_value < s.conversion_max_p_value
    return _Firing(name, rows, rate_now, rate_before, fired, None)


def _ctr_rule(panel: Panel, rows: np.ndarray, s: RuleSettings, name: str) -> _Firing:
    clicks, impressions = panel.numerator[rows], panel.denominator[rows]
    value = _ratio(clicks, impressions)
    benchmark = np.full(value.shape, s.industry_ctr)
    fired = (impressions >= s.ctr_min_impressions) & (value < s.ctr_fraction * benchmark)
    return _Firing(name, rows, value, benchmark, fired, None)


_RULES: dict[str, tuple[str, Callable[[Panel, np.ndarray, RuleSettings, str], _Firing]]] = {
    "cpc": ("cpc_metric", _cpc_rule),
    "traffic": ("traffic_metric", _traffic_rule),
    "conversion": ("conversion_metric", _conversion_rule),
    "ctr": ("ctr_metric", _ctr_rule),
}


def _firings(panel: Panel, settings: RuleSettings) -> list[_Firing]:
    if panel.frequency != "D":
        raise AnalysisError(
            f"handbook rules need a daily panel; got frequency {panel.frequency!r} (use 'D')"
        )
    names = rule_names(settings)
    firings = []
    for key, (metric_field, rule) in _RULES.items():
        rows = panel.rows(metric=getattr(settings, metric_field))
        if len(rows) == 0 or (key == "ctr" and settings.industry_ctr is None):
            continue
        firings.append(rule(panel, rows, settings, names[key]))
    return firings


def rule_flags(panel: Panel, *, settings: RuleSettings = RuleSettings()) -> dict[str, np.ndarray]:
    """Per rule, a boolean (n_series × n_steps) array: True where the rule fires that day."""
    flags = {}
    for firing in _firings(panel, settings):
        fired = np.zeros(panel.values.shape, dtype=bool)
        fired[firing.rows] = firing.fired
        flags[firing.rule] = fired
    return flags


def _runs(fired: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) step of each run of consecutive True values."""
    padded = np.concatenate([[False], fired, [False]]).astype(int)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[::2], edges[1::2] - 1, strict=True))


def _alert(firing: _Firing, i: int, first: int, last: int, panel: Panel) -> RuleAlert:
    """The alert of one run (steps first..last) of `firing` on its i-th row."""
    stamps = pd.DatetimeIndex(panel.timestamps)
    row = int(firing.rows[i])
    value, baseline = float(firing.value[i, first]), float(firing.baseline[i, first])
    return RuleAlert(
        rule=firing.rule,
        series_row=row,
        series=str(panel.keys["name"].iloc[row]),
        ts=stamps[first],
        value=value,
        baseline=baseline,
        change_pct=100.0 * (value / baseline - 1.0),
        deadline=None if firing.deadline is None else stamps[first] + firing.deadline,
        last_ts=stamps[last],
        days=int(last - first + 1),
    )


def evaluate_rules(panel: Panel, *, settings: RuleSettings = RuleSettings()) -> list[RuleAlert]:
    """Alerts of every rule on every series its metric fits, merged over consecutive days."""
    alerts = [
        _alert(firing, i, first, last, panel)
        for firing in _firings(panel, settings)
        for i in range(len(firing.rows))
        for first, last in _runs(firing.fired[i])
    ]
    return sorted(alerts, key=lambda a: (a.ts, a.rule, a.series_row))
