"""Incremental ROI per paid channel from a focused marketing-mix model (numpy / scipy only).

Model, on revenue a day y_t (daily rows, or weekly rows divided by 7: `mmm_series`):

    y_t = baseline_t + Σ_c β_c · h_c(a_{c,t}) + ε_t
    baseline_t = intercept + trend·t + weekday dummies (daily steps) + known-event dummies
                 + γ·controls_t (standardised; e.g. organic channels' daily touches)
    a_{c,t} = λ_c · a_{c,t−1} + (1 − λ_c) · s_{c,t}   (geometric adstock, a_{−1} = s_0)
    h_c(a) = a / (a + K_c)                            (saturation, half-saturation K_c)

Adstock decay λ_c and half-saturation K_c are chosen from a stated grid (`DECAY_GRID`;
`HALF_SATURATION_GRID` × the channel's mean spend on days with spend) by coordinate descent
on the log posterior. The coefficients have a conjugate Gaussian posterior: flat prior on the
baseline, and a normal prior on each channel's ROI, moment-matched to Google Meridian's
default ROI prior LogNormal(0.2, 0.9) (mean 1.83, sd 2.05) — chosen as the anchor library's
default, not from scores on the demo. A lift test (channel, period, incremental revenue, its
standard error) enters as one more observation: β_c · Σ_period h_c = measured, with variance
se². The noise variance is the residual variance, inflated by (1 + ρ)/(1 − ρ) for the lag-1
autocorrelation ρ of the residuals (daily errors are not independent). The ROI interval is
integrated over each channel's (λ, K) grid, the other channels at their chosen curves: grid
points weighted by the Laplace approximation of their marginal posterior (where the data
hardly tell one curve from another, the interval says so), and so is the marginal ROI's (the
same draws); the budget's intervals are quantiles of seeded posterior draws of β at the chosen
λ, K (conditional on the curves).

Per channel: ROI = β·Σ h / Σ spend over the fitted days, marginal ROI at current daily spend
s (steady state, a = s): β·K / (s + K)², revenue share = β·Σ h / Σ y. A channel whose spend
never varies, or with fewer than `MIN_WEEKS` weeks of history, is not fitted: it gets the
code "cannot_estimate" and a reason code instead of numbers; so does every channel when the
revenue rows leave fewer than `MIN_RESIDUAL_ROWS` beyond the coefficients (too few weekly rows
for a trustworthy noise estimate). Steps without a revenue row are gaps, left out of the fit.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from analysis.attribution.mmm_series import DAY, StepSeries, step_series
from analysis.attribution.response import ResponseBand, ResponseCurve
from analysis.errors import AnalysisError

DECAY_GRID = (0.0, 0.2, 0.4, 0.6, 0.8)  # half-lives 0 to 3.1 days
HALF_SATURATION_GRID = (0.4, 0.6, 0.8, 1.1, 1.5, 2.0, 3.0)  # × median daily spend, days with spend
HALF_SATURATION_PRIOR = (0.8, 0.8)  # Meridian's default ec prior: TruncatedNormal(0.8, 0.8)
PRIOR_ROI_MEAN, PRIOR_ROI_SD = 1.83, 2.05  # Meridian's LogNormal(0.2, 0.9), moment-matched
MIN_WEEKS = 8
TREND_KNOT_DAYS = 91  # piecewise-linear trend, a knot a quarter: slower than flights and bursts
CONSTANT_CV = 0.01  # spend whose sd / mean is below this never varies
SWEEPS = 2
MIN_RESIDUAL_ROWS = 10  # revenue rows beyond the coefficients: fewer, and the noise is a guess
METHOD = "mmm_adstock_saturation_bayes_ridge"


@dataclass(frozen=True)
class MmmSettings:
    """How the marketing-mix model is fitted: interval level, posterior draws and their seed, the
    ROI prior, and event windows left out."""

    level: float = 0.9
    draws: int = 2000
    seed: int = 7
    prior_roi_mean: float = PRIOR_ROI_MEAN
    prior_roi_sd: float = PRIOR_ROI_SD
    events: tuple[tuple[date, date], ...] = ()
    step: int | None = None  # days a step (1 or 7); None: read from the dates


@dataclass(frozen=True)
class SaturationCurve:
    """A channel's fitted steady-state daily response β·s/(s + K), with posterior draws of β.

    Duck-types `response.ResponseCurve` where the budget reads it."""

    channel: str
    beta: float
    half_saturation: float
    beta_draws: np.ndarray = field(repr=False)
    level: float = 0.9
    supported: bool = True
    reason: str = "mmm"

    def marginal_roi_at(self, daily_spend: float) -> float:
        """Marginal ROI βK/(s + K)² at a daily spend."""
        return self.beta * self.half_saturation / (daily_spend + self.half_saturation) ** 2

    def marginal_roi_interval_at(self, daily_spend: float) -> tuple[float, float]:
        """`level` interval of the marginal ROI from the posterior draws of β."""
        slope = self.half_saturation / (daily_spend + self.half_saturation) ** 2
        low, high = _quantiles(self.beta_draws * slope, self.level)
        return low, high

    def band(self, daily_spend: np.ndarray) -> ResponseBand:
        """The curve and its pointwise `level` band (posterior draws of β) on a spend grid."""
        grid = np.asarray(daily_spend, dtype=float)
        shape = grid / (grid + self.half_saturation)
        tail = (1.0 - self.level) / 2
        low, high = np.quantile(self.beta_draws, [tail, 1.0 - tail])
        return ResponseBand(
            self.channel, grid, self.beta * shape, np.clip(low * shape, 0.0, None),
            high * shape, self.level, True,
        )  # fmt: skip

    def spend_for_marginal_roi(self, marginal: float) -> float:
        """Daily spend where marginal ROI equals `marginal` (may be < 0: none would do)."""
        if self.beta <= 0:
            return -math.inf
        return math.sqrt(self.beta * self.half_saturation / marginal) - self.half_saturation


AnyCurve = ResponseCurve | SaturationCurve
"""A channel's response curve as the budget and the figures read it: fitted to attributed
revenue (`response`), or the marketing-mix model's, which stands in for it."""


@dataclass(frozen=True)
class ChannelRoi:
    """A channel's incremental ROI, or why it cannot be estimated."""

    channel: str
    code: str  # "estimated" or "cannot_estimate"
    reason: str | None  # "constant_spend", "short_history", "no_spend", "too_few_rows"
    spend: float
    roi: float | None = None
    roi_interval: tuple[float, float] | None = None
    marginal_roi: float | None = None
    marginal_roi_interval: tuple[float, float] | None = None
    current_daily_spend: float | None = None
    incremental_revenue: float | None = None
    revenue_share: float | None = None
    decay: float | None = None
    half_saturation: float | None = None
    calibrated: bool = False


@dataclass(frozen=True)
class MmmFit:
    """The fitted model: per-channel results, curves and fit statistics."""

    channels: list[ChannelRoi]
    curves: dict[str, SaturationCurve]
    days: int
    first: date
    last: date
    r_squared: float
    noise_inflation: float
    daily: pd.DataFrame  # date, channel, spend, revenue (a day: the channel's fitted addition)
    method: str = METHOD
    step: int = DAY  # days a step of the fitted series (1 or 7)
    gaps: int = 0  # steps without a revenue row, left out of the fit
    controls: list[str] = field(default_factory=list)  # control series in the baseline

    def channel(self, name: str) -> ChannelRoi | None:
        """The channel's incremental-ROI record, or None if it was not in the fit."""
        return next((c for c in self.channels if c.channel == name), None)


def adstock(spend: np.ndarray, decay: float) -> np.ndarray:
    """Geometric adstock a_t = λ·a_{t−1} + (1 − λ)·s_t with a_{−1} = s_0."""
    if decay == 0:
        return spend.astype(np.float64)
    out = np.empty(len(spend))
    level = float(spend[0])
    for t, value in enumerate(spend):
        level = decay * level + (1.0 - decay) * value
        out[t] = level
    return out


def _quantiles(values: np.ndarray, level: float) -> tuple[float, float]:
    tail = (1.0 - level) / 2
    low, high = np.quantile(values, [tail, 1.0 - tail])
    return float(low), float(high)


def _baseline(
    dates: pd.DatetimeIndex, events: tuple[tuple[date, date], ...], step: int = DAY
) -> np.ndarray:
    """Intercept, piecewise-linear trend (a knot every `TREND_KNOT_DAYS`), weekday dummies at
    daily steps and a flag for each known event (a step is flagged when any of its days is)."""
    n = len(dates)
    t = np.arange(n, dtype=float)
    knot = max(TREND_KNOT_DAYS // step, 1)
    columns = [np.ones(n), t / n]
    columns += [np.maximum(t - at, 0.0) / n for at in range(knot, n - knot // 2, knot)]
    if step == DAY:
        weekday = dates.weekday.to_numpy()
        columns += [(weekday == d).astype(float) for d in range(1, 7) if (weekday == d).any()]
    ends = dates + pd.Timedelta(days=step - 1)
    for start, end in events:
        flag = np.asarray((ends >= pd.Timestamp(start)) & (dates <= pd.Timestamp(end)), float)
        if 0 < flag.sum() < n:
            columns.append(flag)
    return np.column_stack(columns)


def with_controls(
    base: np.ndarray, controls: pd.DataFrame, step: int, rows: np.ndarray
) -> tuple[np.ndarray, list[str]]:
    """The baseline with each control that varies over 8 weeks or more, standardised (its
    coefficient does not depend on its unit), and the names kept. A control the baseline
    already spans on the fitted `rows` (an event also given as a driver, a weekday flag) is
    left out: the coefficients would not be identified."""
    kept: list[str] = []
    for name in controls.columns:
        value = controls[name].to_numpy(float)
        if _screen(value, step) is not None:
            continue
        column = (value - value.mean()) / value.std()
        widened = np.column_stack([base, column])
        if np.linalg.matrix_rank(widened[rows]) > np.linalg.matrix_rank(base[rows]):
            base = widened
            kept.append(name)
    return base, kept


def _screen(spend: np.ndarray, step: int = DAY) -> str | None:
    """A reason code when a channel cannot be estimated, else None."""
    if spend.sum() <= 0:
        return "no_spend"
    active = np.flatnonzero(spend > 0)
    if (active[-1] - active[0] + 1) * step < MIN_WEEKS * 7:
        return "short_history"
    if spend.std() < CONSTANT_CV * spend.mean():
        return "constant_spend"
    return None


def span_days(series: StepSeries) -> int:
    """Days from the first revenue row's step to the end of the last one's."""
    rows = np.flatnonzero(series.observed)
    return 0 if len(rows) == 0 else int(rows[-1] - rows[0] + 1) * series.step


def fit_mmm(
    spend: pd.DataFrame,
    revenue: pd.Series,
    *,
    lift_tests: pd.DataFrame | None = None,
    current_days: int = 30,
    settings: MmmSettings | None = None,
    controls: pd.DataFrame | None = None,
) -> MmmFit:
    """Fit the model on `spend` (date, channel, spend) and `revenue` (indexed by date), daily
    or weekly rows (`mmm_series`), with optional `controls` (date, name, value) in the baseline.

    Steps without revenue are gaps (left out); a channel without a spend row on a step spent 0
    there; the current spend is the mean a day over the last `current_days` days. `lift_tests`
    has channel, start, end, incremental_revenue, std_error.
    """
    settings = settings or MmmSettings()
    series = step_series(spend, revenue, settings.step, controls)
    if span_days(series) < MIN_WEEKS * 7:
        raise AnalysisError(
            f"revenue covers {span_days(series)} days; the marketing-mix model needs at least "
            f"{MIN_WEEKS * 7} days (8 weeks)"
        )
    table, step = series.spend, series.step
    names = list(table.columns)
    results: dict[str, ChannelRoi] = {}
    fitted: list[str] = []
    for name in names:
        reason = _screen(table[name].to_numpy(float), step)
        if reason is not None:
            total = float(table[name].sum()) * step
            results[name] = ChannelRoi(name, "cannot_estimate", reason, total)
        else:
            fitted.append(name)
    base, controls_used = with_controls(
        _baseline(series.dates, settings.events, step), series.controls, step, series.observed
    )
    if series.observed.sum() < base.shape[1] + len(fitted) + MIN_RESIDUAL_ROWS:
        for name in fitted:
            total = float(table[name].sum()) * step
            results[name] = ChannelRoi(name, "cannot_estimate", "too_few_rows", total)
        fitted = []
    s = {name: table[name].to_numpy(float) for name in fitted}
    lifts = _lift_rows(lift_tests, series.dates, step, fitted)
    design = _Design(base, series.revenue, s, fitted, lifts, settings)
    choice, stacked, sigma2 = _choose_curves(design)
    h = stacked(choice)
    residual = design.solve(h, sigma2, full=True)[3]
    rho = float(np.corrcoef(residual[:-1], residual[1:])[0, 1]) if len(residual) > 2 else 0.0
    rho = min(max(rho, 0.0), 0.95)
    inflation = (1 + rho) / (1 - rho)
    mean, cov, _, residual = design.solve(h, sigma2 * inflation, full=True)
    k = base.shape[1]
    rng = np.random.default_rng(settings.seed)
    draws = rng.multivariate_normal(mean[k:], cov[k:, k:], size=settings.draws) if fitted else None
    curve_rng = np.random.default_rng((settings.seed, 1))
    current = max(1, min(round(current_days / step), len(series.dates)))
    y = series.revenue[series.observed]
    curves = {}
    for j, name in enumerate(fitted):
        decay, multiple = choice[name]
        half = multiple * design.scale[name]
        total_h, total_s = float(h[:, j].sum()), float(s[name].sum())
        assert draws is not None  # drawn whenever a channel is fitted
        beta, beta_draws = float(mean[k + j]), draws[:, j]
        now = float(s[name][-current:].mean())
        roi_draws, marginal_draws = _over_curves(
            name, now, choice, stacked, design, sigma2 * inflation, curve_rng
        )
        curve = SaturationCurve(name, beta, half, beta_draws, settings.level)
        curves[name] = curve
        results[name] = ChannelRoi(
            channel=name,
            code="estimated",
            reason=None,
            spend=total_s * step,
            roi=beta * total_h / total_s,
            roi_interval=_quantiles(roi_draws, settings.level),
            marginal_roi=curve.marginal_roi_at(now),
            marginal_roi_interval=_quantiles(marginal_draws, settings.level),
            current_daily_spend=now,
            incremental_revenue=beta * total_h * step,
            revenue_share=beta * float(h[series.observed, j].sum()) / float(y.sum()),
            decay=decay,
            half_saturation=half,
            calibrated=any(row[0] == name for row in lifts),
        )
    return MmmFit(
        channels=[results[name] for name in names],
        curves=curves,
        days=series.days,
        first=series.dates[0].date(),
        last=(series.dates[-1] + pd.Timedelta(days=step - 1)).date(),
        r_squared=1.0 - float(np.var(residual)) / float(np.var(y)),
        noise_inflation=inflation,
        daily=_fitted_daily(series, s, fitted, mean[k:], h),
        step=step,
        gaps=series.gaps,
        controls=controls_used,
    )


def _choose_curves(design: _Design) -> tuple[dict, Callable, float]:
    """Each channel's (decay, half-saturation multiple) by coordinate descent on the log
    posterior, the feature stacker, and the noise variance at the choice."""
    fitted, s, scale = design.fitted, design.s, design.scale
    choice = {name: (0.4, 0.8) for name in fitted}  # grid middle, prior centre as the start

    def features(name: str, decay: float, multiple: float) -> np.ndarray:
        stock = adstock(s[name], decay)
        return stock / (stock + multiple * scale[name])

    cache = {
        (n, d, m): features(n, d, m)
        for n in fitted
        for d in DECAY_GRID
        for m in HALF_SATURATION_GRID
    }

    def stacked(chosen: dict[str, tuple[float, float]]) -> np.ndarray:
        """The fitted channels' feature columns at the chosen (decay, half-saturation)."""
        if not fitted:
            return np.zeros((len(design.y), 0))
        return np.column_stack([cache[(n, *chosen[n])] for n in fitted])

    rows = design.rows
    base, y = design.base[rows], design.y[rows]
    sigma2 = float(np.var(y - base @ np.linalg.lstsq(base, y, rcond=None)[0]))
    for _ in range(SWEEPS):
        for name in fitted:
            best: tuple[float, float, float] | None = None
            for decay in DECAY_GRID:
                for multiple in HALF_SATURATION_GRID:
                    h = stacked(choice | {name: (decay, multiple)})
                    score = design.solve(h, sigma2)[2]
                    score += _half_saturation_penalty(multiple)
                    if best is None or score < best[0]:
                        best = (score, decay, multiple)
            assert best is not None  # the grids are not empty
            choice[name] = (best[1], best[2])
        residual = design.solve(stacked(choice), sigma2, full=True)[3]
        sigma2 = float(np.var(residual))
    return choice, stacked, sigma2


def _fitted_daily(
    series: StepSeries, s: dict, fitted: list[str], beta: np.ndarray, h: np.ndarray
) -> pd.DataFrame:
    """date, channel, spend and the channel's fitted revenue, a day on each step."""
    frames = [
        pd.DataFrame(
            {"date": series.dates, "channel": name, "spend": s[name], "revenue": beta[j] * h[:, j]}
        )
        for j, name in enumerate(fitted)
    ]
    empty = pd.DataFrame(columns=["date", "channel", "spend", "revenue"])
    return pd.concat(frames or [empty], ignore_index=True)


@dataclass(frozen=True)
class BudgetEffect:
    """Expected incremental revenue a month of spend buys under the fitted curves."""

    current: float  # at the current monthly spend per channel
    proposed: float
    difference: float  # proposed − current
    difference_interval: tuple[float, float]
    level: float


def budget_effect(
    curves: dict[str, SaturationCurve],
    current: dict[str, float],
    proposed: dict[str, float],
    days: float,
    level: float = 0.9,
) -> BudgetEffect:
    """Revenue the fitted channels add in a month at current vs proposed spend (steady state).

    The interval uses joint posterior draws of β (row i of every curve's draws is one draw)."""
    now = later = 0.0
    diff_draws: float | np.ndarray = 0.0
    for name, curve in curves.items():
        before = curve.half_saturation
        a = current.get(name, 0.0) / days
        b = proposed.get(name, 0.0) / days
        shape_now, shape_later = a / (a + before), b / (b + before)
        now += days * curve.beta * shape_now
        later += days * curve.beta * shape_later
        diff_draws = diff_draws + days * curve.beta_draws * (shape_later - shape_now)
    interval = _quantiles(np.atleast_1d(diff_draws), level) if curves else (0.0, 0.0)
    return BudgetEffect(now, later, later - now, interval, level)


def _over_curves(
    name: str,
    now: float,
    choice: dict[str, tuple[float, float]],
    stacked: Callable[[dict[str, tuple[float, float]]], np.ndarray],
    design: _Design,
    sigma2: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Joint draws of a channel's ROI and its marginal ROI at daily spend `now`, integrated
    over its (decay, half-saturation) grid.

    The other channels stay at their chosen curves. Each grid point's weight is the Laplace
    approximation of its marginal posterior, exp(−score/2)·|Σ|^½ (score: −2 log posterior at
    the mode, with the half-saturation prior); a draw picks a point by weight, then β from
    that point's Gaussian posterior. Where the data hardly tell one curve from another the
    ROI interval widens accordingly, instead of being conditional on one chosen curve.
    """
    j, k = design.fitted.index(name), design.base.shape[1]
    draws, scale = design.settings.draws, design.scale[name]
    log_weight, centre, spread, slope = [], [], [], []
    for decay in DECAY_GRID:
        for multiple in HALF_SATURATION_GRID:
            h = stacked(choice | {name: (decay, multiple)})
            mean, cov, score, _ = design.solve(h, sigma2, full=True)
            score += _half_saturation_penalty(multiple)
            per_beta = h[:, j].sum() / design.s[name].sum()
            log_weight.append(-score / 2 + 0.5 * np.linalg.slogdet(cov)[1])
            centre.append(mean[k + j] * per_beta)
            spread.append(math.sqrt(cov[k + j, k + j]) * per_beta)
            half = multiple * scale
            slope.append(half / (now + half) ** 2 / per_beta)  # marginal ROI per unit of ROI
    weight = np.exp(np.array(log_weight) - max(log_weight))
    pick = rng.choice(len(weight), size=draws, p=weight / weight.sum())
    noise = rng.standard_normal(draws)
    roi = np.array(centre)[pick] + np.array(spread)[pick] * noise
    return roi, roi * np.array(slope)[pick]


def _half_saturation_penalty(multiple: float) -> float:
    """−2 log prior of a half-saturation in median spends (Meridian: TruncatedNormal(0.8, 0.8))."""
    centre, sd = HALF_SATURATION_PRIOR
    return ((multiple - centre) / sd) ** 2


def _lift_rows(
    lift_tests: pd.DataFrame | None, dates: pd.DatetimeIndex, step: int, fitted: list[str]
) -> list[tuple[str, np.ndarray, float, float]]:
    """(channel, days of each step inside the test, measured incremental revenue, standard
    error) of usable tests: the test's revenue is β·Σ days·h over the steps it touches."""
    rows: list[tuple[str, np.ndarray, float, float]] = []
    if lift_tests is None:
        return rows
    first = dates.to_numpy(dtype="datetime64[D]").astype(np.int64)
    last = first + step - 1
    for test in lift_tests.itertuples(index=False):
        if test.channel not in fitted or not test.std_error > 0:
            continue
        start = np.datetime64(pd.Timestamp(test.start).date(), "D").astype(np.int64)
        end = np.datetime64(pd.Timestamp(test.end).date(), "D").astype(np.int64)
        days = np.clip(np.minimum(last, end) - np.maximum(first, start) + 1, 0, None)
        if days.any():
            rows.append(
                (test.channel, days.astype(float), float(test.incremental_revenue),
                 float(test.std_error))
            )  # fmt: skip
    return rows


@dataclass(frozen=True)
class _Design:
    """What every least-squares solve of one fit shares: the baseline columns, revenue a day
    (NaN on gaps), each fitted channel's spend a day, the lift-test rows and the settings."""

    base: np.ndarray
    y: np.ndarray
    s: dict[str, np.ndarray]
    fitted: list[str]
    lifts: list
    settings: MmmSettings

    @property
    def rows(self) -> np.ndarray:
        """Steps with revenue: the rows of the regression (adstock runs over every step)."""
        return ~np.isnan(self.y)

    @property
    def scale(self) -> dict[str, float]:
        """Each fitted channel's median spend a day on steps with spend (the K grid's unit)."""
        return {n: float(np.median(self.s[n][self.s[n] > 0])) for n in self.fitted}

    def solve(self, h: np.ndarray, sigma2: float, *, full: bool = False):
        """Posterior mean (and covariance, score, residual) of [baseline, β] for features `h`."""
        rows, s, fitted, lifts, settings = (
            self.rows,
            self.s,
            self.fitted,
            self.lifts,
            self.settings,
        )
        x = np.hstack([self.base, h])[rows]
        y = self.y[rows]
        k = self.base.shape[1]
        p = x.shape[1]
        precision = x.T @ x / sigma2
        rhs = x.T @ y / sigma2
        prior_precision = np.zeros(p)
        prior_mean = np.zeros(p)
        for j, name in enumerate(fitted):
            per_roi = s[name].sum() / max(h[:, j].sum(), 1e-12)  # β per unit of ROI
            prior_mean[k + j] = settings.prior_roi_mean * per_roi
            prior_precision[k + j] = 1.0 / (settings.prior_roi_sd * per_roi) ** 2
        precision[np.diag_indices(p)] += prior_precision
        rhs += prior_precision * prior_mean
        for name, days, measured, se in lifts:
            j = k + fitted.index(name)
            row = np.zeros(p)
            row[j] = days @ h[:, j - k]
            precision += np.outer(row, row) / se**2
            rhs += row * measured / se**2
        mean = np.linalg.solve(precision, rhs)
        residual = y - x @ mean
        score = float(residual @ residual) / sigma2
        score += float(prior_precision @ (mean - prior_mean) ** 2)
        for name, days, measured, se in lifts:
            j = k + fitted.index(name)
            score += (mean[j] * (days @ h[:, j - k]) - measured) ** 2 / se**2
        if not full:
            return mean, None, score, residual
        return mean, np.linalg.inv(precision), score, residual
