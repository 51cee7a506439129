"""Causal robust seasonal baseline and residual scale for many series at once.

Every statistic at step t reads only steps before t: what a monitor knew that morning.
All functions take (n_series, n_steps) float arrays with NaN for missing steps and are
vectorised over series; loops run only over seasonal lags.

Method (trailing seasonal medians with a robust level, in the spirit of the seasonal-naive
median forecasts of Hyndman & Athanasopoulos, "Forecasting: Principles and Practice" §5.2,
made robust with medians as in Twitter's S-H-ESD, Hochenbaum et al. 2017):
1. season: daily data — median of the same weekday over the last `history_weeks` weeks;
   hourly data — median of the same hour over the last `history_days` days, plus the median
   of those residuals at the same hour of the week ±1 hour over the last `history_weeks`
   weeks (the ±1 hour gives 3 values a week, so the weekly shape is known, robustly, after
   one week; until then the weekly term is 0, the scale is at least the cold-start scale
   of step 5, and no shift is watched for). Sub-daily data gets its seasonal model from
   day ~5: 3 days for the hour-of-day median, 2 days of residuals for the scale.
2. level: median of the seasonal residuals of the last `level_cycles` cycles (14 days / 48
   hours; 0 unless at least half of them are present), which follows drift; abrupt shifts
   are the CUSUM's job (step 4 of `anomaly.detect`).
3. expected = season + level; reference = season alone (what the CUSUM reads, so that a
   level shift is not absorbed by the fast level before it can be confirmed).
4. scale: 1.4826 × MAD of the residuals in the last `scale_cycles` cycles (Hampel 1974;
   1.4826 makes the MAD consistent for a Gaussian standard deviation); the same for the
   reference residuals, with their robust lag-1 autocorrelation (`lag1_autocorrelation`),
   which the CUSUM whitens by. The point scale (not the CUSUM's, whose residuals are
   winsorised) is widened where the residuals' tail is heavier than a Gaussian's
   (`tail_quantile`, settings), and with 150 or more residuals the tail's shape is read as
   Student-t degrees of freedom (from the 95th percentile over the median deviation), which
   the score uses (`anomaly.detect`): a heavy-tailed series keeps (roughly) the false-alarm
   budget a Gaussian one has.
5. cold start: where the seasonal model is not ready (too few seasonal lags or residuals),
   expected = reference = median of the last `level_cycles` cycles of values, scale = their
   MAD, never below `early_relative_scale` × |median|, from `early_values` values on (the
   4th value is the first scored); the t-distribution of a MAD of n values (df = 0.37 n,
   `anomaly.detect`) widens the band honestly while n is small. Such steps are `early`.
   Sub-daily data first waits for a day of values (at most the window, 512 steps): before
   that, a series' own first morning rise would read as an anomaly.
Every window is at most `max_window_steps` steps long (settings). Sub-daily steps of any
length (a minute to 12 hours) use the hourly design with `steps_per_day` in place of 24.
Medians and the MAD ignore a minority of anomalous past steps, so past anomalies do not
drag the baseline or inflate the scale.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy import special

from analysis.anomaly.settings import DetectorSettings
from analysis.anomaly.steps import is_daily, steps_per_day

MAD_TO_SD = 1.4826  # 1 / Φ⁻¹(3/4): MAD of a Gaussian × 1.4826 = its standard deviation
MAX_AUTOCORRELATION = 0.95
MAD_EFFICIENCY = 0.3675  # Gaussian efficiency of the MAD (Rousseeuw & Croux 1993, JASA 88:1273)


@dataclass(frozen=True)
class Baseline:
    """Per-step baseline of a block of series (all arrays (n_series, n_steps)).

    expected: season + level; reference: season alone; scale / reference_scale: robust SD of
    the past residuals against each (NaN until `min_residual_cycles` cycles of residuals);
    n_residuals: how many residuals each scale was read from; reference_autocorrelation:
    robust lag-1 autocorrelation of the reference residuals, in [0, MAX_AUTOCORRELATION];
    early: steps scored by the cold-start model (module docstring, 5), whose expected and
    reference are the median of the last values and scale their MAD; complete: steps whose
    every seasonal term is known (where the CUSUM watches for shifts); tail_df: Student-t
    degrees of freedom of the residuals' tail (∞: Gaussian, or too few residuals to tell).
    """

    expected: np.ndarray
    reference: np.ndarray
    scale: np.ndarray
    reference_scale: np.ndarray
    n_residuals: np.ndarray
    reference_autocorrelation: np.ndarray
    early: np.ndarray
    complete: np.ndarray
    tail_df: np.ndarray


def nanmedian(stack: np.ndarray, *, axis: int = -1, min_count: int = 1) -> np.ndarray:
    """Median over `axis` ignoring NaN; NaN where fewer than `min_count` values are present.

    Exact, and several times faster than `np.nanmedian`: of a slice's m NaNs, ⌊m/2⌋ become
    −inf and the rest +inf, which leaves the median of the valid values at the middle
    position(s) (`_middle`).
    """
    stack = np.moveaxis(stack, axis, -1)
    missing = np.isnan(stack)
    n_missing = missing.sum(axis=-1)
    if n_missing.any():
        rank = np.cumsum(missing, axis=-1, dtype=np.int32)
        low = rank <= (n_missing // 2)[..., None]
        balanced = np.where(missing, np.where(low, -np.inf, np.inf), stack)
    else:
        balanced = np.array(stack)
    return _middle(balanced, stack.shape[-1] - n_missing, min_count)


def _middle(balanced: np.ndarray, count: np.ndarray, min_count: int) -> np.ndarray:
    """Median of the `count` finite values of each last-axis slice of a balanced array.

    `balanced` holds ±inf for its missing values, ⌊m/2⌋ of them −inf; it is partitioned in
    place (one `np.partition`; the lower middle is the maximum of the lower half).
    """
    width = balanced.shape[-1]
    half = width // 2
    balanced.partition(half, axis=-1)
    upper = balanced[..., half]
    lower = balanced[..., :half].max(axis=-1) if half else upper
    odd = upper if width % 2 else lower
    with np.errstate(invalid="ignore"):
        median = np.where(count % 2 == 1, odd, 0.5 * (lower + upper))
    return np.where(count >= max(min_count, 1), median, np.nan)


STRIDE_FROM = 256
"""Windows longer than this are read every width / 64 steps and held until the next reading
(5-minute data: every 8 steps, 40 minutes, for a 512-step window), which keeps sub-hourly
series affordable; shorter windows (daily and hourly data) are read at every step. Each
reading still uses only the steps before it, so a held value is causal."""


def window_stride(width: int) -> int:
    """Steps between readings of a trailing window statistic (`STRIDE_FROM`)."""
    return 1 if width <= STRIDE_FROM else width // 64


def _held(sampled: np.ndarray, stride: int, n_steps: int) -> np.ndarray:
    """Readings taken every `stride` steps, each held over the steps up to the next."""
    return sampled if stride == 1 else np.repeat(sampled, stride, axis=1)[:, :n_steps]


def _balanced_windows(
    values: np.ndarray, width: int, stride: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Trailing windows (every `stride`-th step) as a fresh balanced array (see `_middle`) and
    each window's count.

    A missing step's rank among the NaNs of a window is its running NaN count minus the count
    before the window, so one running count over time replaces a count per window.
    """
    n_series, n_steps = values.shape
    padded = np.concatenate([np.full((n_series, width), np.nan), values], axis=1)
    missing = np.isnan(padded)
    running = np.cumsum(missing, axis=1, dtype=np.int32)
    before = np.concatenate([np.zeros((n_series, 1), np.int32), running[:, :-1]], axis=1)
    n_missing = (running[:, width - 1 : width - 1 + n_steps] - before[:, :n_steps])[:, ::stride]
    windows = sliding_window_view(padded, width, axis=1)[:, :n_steps:stride]
    balanced = np.array(windows)
    window_missing = sliding_window_view(missing, width, axis=1)[:, :n_steps:stride]
    np.copyto(balanced, np.inf, where=window_missing)
    low = (
        sliding_window_view(running, width, axis=1)[:, :n_steps:stride]
        <= (before[:, :n_steps:stride] + n_missing // 2)[..., None]
    )
    np.copyto(balanced, -np.inf, where=window_missing & low)
    return balanced, width - n_missing


def trailing_median(values: np.ndarray, width: int, min_count: int) -> np.ndarray:
    """Median of the `width` steps before each step (NaN below `min_count` present); long
    windows are read every `window_stride(width)` steps."""
    stride = window_stride(width)
    balanced, count = _balanced_windows(values, width, stride)
    return _held(_middle(balanced, count, min_count), stride, values.shape[1])


def trailing_mad_scale(
    residuals: np.ndarray, width: int, min_count: int, *, tail_quantile: float | None = None
) -> np.ndarray:
    """`trailing_scale_and_tail` without the tail's degrees of freedom."""
    return trailing_scale_and_tail(residuals, width, min_count, tail_quantile=tail_quantile)[0]


def tail_degrees_of_freedom(ratio: np.ndarray, tail_quantile: float) -> np.ndarray:
    """Student-t degrees of freedom ν whose q-quantile of |x| over its median |x| equals
    `ratio` (q = tail_quantile): ∞ at or below a Gaussian's ratio (2.91 for 0.95), at least
    MIN_TAIL_DF (heavier tails are read as t3), NaN where the ratio is unknown."""
    grid = np.logspace(np.log10(MIN_TAIL_DF), 3, 200)
    upper = special.stdtrit(grid, 0.5 + tail_quantile / 2.0) / special.stdtrit(grid, 0.75)
    gaussian = special.ndtri(0.5 + tail_quantile / 2.0) / special.ndtri(0.75)
    nu = np.interp(ratio, upper[::-1], grid[::-1])  # the ratio falls as ν grows
    nu = np.where(ratio <= gaussian, np.inf, nu)
    return np.where(np.isfinite(ratio), nu, np.nan)


def trailing_scale_and_tail(
    residuals: np.ndarray, width: int, min_count: int, *, tail_quantile: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """1.4826 × MAD of the `width` residuals before each step (Hampel 1974); long windows are
    read every `window_stride(width)` steps.

    The deviations |r − median| are taken in place on the partitioned windows (the median is
    blind to order), the −inf placeholders restored so the array stays balanced.
    tail_quantile: widen the scale where the residuals' tail is heavier than a Gaussian's:
    to q / z_q when that is larger (so also where the MAD is 0 but the tail is not), q the
    `tail_quantile` quantile of |r − median| and z_q a Gaussian's (1.96 for 0.95), from
    TAIL_MIN_COUNT residuals on; read every width / TAIL_READINGS steps. Also returned: the
    tail's Student-t degrees of freedom (`tail_degrees_of_freedom` of q / MAD), from
    TAIL_DF_MIN_COUNT residuals on (∞ before, and without tail_quantile).
    """
    stride = window_stride(width)
    n_steps = residuals.shape[1]
    balanced, count = _balanced_windows(residuals, width, stride)
    centre = _middle(balanced, count, min_count)
    low = balanced == -np.inf
    np.subtract(balanced, np.nan_to_num(centre)[..., None], out=balanced)
    np.abs(balanced, out=balanced)
    np.copyto(balanced, -np.inf, where=low)
    mad = _middle(balanced, count, min_count)
    scale = MAD_TO_SD * mad
    if tail_quantile is None:
        return _held(scale, stride, n_steps), np.full(residuals.shape, np.inf)
    # the tail moves slowly: read it on every `every`-th window and hold it
    every = max(1, width // TAIL_READINGS // stride)
    sampled = np.sort(balanced[:, ::every], axis=-1)
    n_low = low[:, ::every].sum(axis=-1)
    n_valid = count[:, ::every]
    position = n_low + np.floor(tail_quantile * np.maximum(n_valid - 1, 0)).astype(int)
    position = np.minimum(position, balanced.shape[-1] - 1)
    tail = np.take_along_axis(sampled, position[..., None], axis=-1)[..., 0]
    gaussian = special.ndtri(0.5 + tail_quantile / 2.0)
    widened = np.where((n_valid >= TAIL_MIN_COUNT) & np.isfinite(tail), tail / gaussian, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        # a lower bound: TAIL_RATIO_SIGMAS standard errors (≈ 1.3 / √n relative, Gaussian) off,
        # so a Gaussian series' sampling noise is not read as a heavy tail
        deflate = 1.0 - TAIL_RATIO_SIGMAS * TAIL_RATIO_SE / np.sqrt(np.maximum(n_valid, 1))
        # where half the residuals tie (MAD 0: a series on a lattice, e.g. CPU % in steps of
        # 0.066) the ratio measures the lattice, not the tail: the shape is left unknown
        sampled_mad = mad[:, ::every]
        readable = (n_valid >= TAIL_DF_MIN_COUNT) & (sampled_mad > 0)
        ratio = np.where(readable, deflate * tail / sampled_mad, np.nan)
    nu = tail_degrees_of_freedom(np.where(np.isnan(ratio), np.nan, ratio), tail_quantile)
    nu = np.where(np.isnan(nu), np.inf, nu)
    widened = _held(widened, every, scale.shape[1])
    nu = _held(nu, every, scale.shape[1])
    scale = np.where(np.isfinite(scale), np.maximum(scale, widened), scale)
    return _held(scale, stride, n_steps), _held(nu, stride, n_steps)


TAIL_MIN_COUNT = 20
"""Residuals needed before the tail widening reads a 95th percentile (the 19th of 20)."""
TAIL_DF_MIN_COUNT = 100
"""Residuals needed before the tail's shape (its t degrees of freedom) is read: from 100 on
(sub-daily data) the ratio's relative standard error is 13% or less, and it is read at its
lower bound (`TAIL_RATIO_SIGMAS` standard errors down); daily data (56 residuals) keeps the
Gaussian tail and its Satterthwaite df."""
TAIL_RATIO_SE = 1.3
"""Relative standard error × √n of the 95th percentile of |r − median| over the MAD for
Gaussian residuals (delta method: 0.95 from the quantile, 1.1 from the MAD, added in
quadrature and rounded up)."""
TAIL_RATIO_SIGMAS = 1.0
"""The ratio is read at its one-standard-error lower bound (about a 16% chance that a
Gaussian series' noise still reads as a tail slightly heavier than Gaussian)."""
MIN_TAIL_DF = 3.0
"""Tails heavier than Student's t3 are read as t3 (a finite variance)."""
TAIL_READINGS = 8
"""Tail readings per window length: every width / 8 steps (each held until the next), which
costs an eighth of a reading at every step; the 95th percentile of a window moves by at most
1/8 of its values between readings."""


def trailing_count(values: np.ndarray, width: int) -> np.ndarray:
    """Number of present (non-NaN) steps among the `width` steps before each step."""
    running = np.concatenate(
        [np.zeros((values.shape[0], 1)), np.cumsum(~np.isnan(values), axis=1)], axis=1
    )
    steps = np.arange(values.shape[1])
    return running[:, steps] - running[:, np.maximum(steps - width, 0)]


def lagged_median(values: np.ndarray, lags: list[int], min_lags: int) -> np.ndarray:
    """Median of values[t − lag] over `lags` (all ≥ 1; NaN below `min_lags` present)."""
    n_steps = values.shape[1]
    stack = np.full((*values.shape, len(lags)), np.nan)
    for column, lag in enumerate(lags):
        if lag < n_steps:
            stack[:, lag:, column] = values[:, : n_steps - lag]
    return nanmedian(stack, min_count=min_lags)


def seasonal_lags(period: int, n_periods: int, spread: int = 0) -> list[int]:
    """Lags k·period + j for k = 1 … n_periods and |j| ≤ spread."""
    return [k * period + j for k in range(1, n_periods + 1) for j in range(-spread, spread + 1)]


def lag1_autocorrelation(
    residuals: np.ndarray, scale: np.ndarray, width: int, min_count: int
) -> np.ndarray:
    """Robust lag-1 autocorrelation from scales: ρ = 1 − s_Δ² / (2 s²), in [0, 0.95].

    For a stationary series var(r_t − r_{t−1}) = 2σ²(1 − ρ); s is the MAD scale of r and s_Δ
    that of its first differences over the same trailing window (a robust analogue of the
    von Neumann ratio, von Neumann 1941). Negative values are taken as 0 (no whitening).
    """
    difference = np.full(residuals.shape, np.nan)
    difference[:, 1:] = residuals[:, 1:] - residuals[:, :-1]
    difference_scale = trailing_mad_scale(difference, width, min_count)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = 1.0 - difference_scale**2 / (2.0 * scale**2)
    return np.clip(np.nan_to_num(rho, nan=0.0), 0.0, MAX_AUTOCORRELATION)


def season_cycle(frequency: str) -> int:
    """Steps in the shortest season: 7 (a week of days) or the steps in a day (24 for hours)."""
    return 7 if is_daily(frequency) else steps_per_day(frequency)


def window_steps(cycles: int, frequency: str, settings: DetectorSettings) -> int:
    """`cycles` seasons in steps, at most `settings.max_window_steps`."""
    return int(min(cycles * season_cycle(frequency), settings.max_window_steps))


def seasonal_component(
    values: np.ndarray, frequency: str, settings: DetectorSettings
) -> tuple[np.ndarray, np.ndarray]:
    """Step 1 of the module docstring, and where every seasonal term is known (sub-daily
    data: the weekly term too; until then shifts are not watched, since a weekend would
    read as one)."""
    if is_daily(frequency):
        lags = seasonal_lags(7, settings.history_weeks)
        season = lagged_median(values, lags, settings.min_lags)
        return season, np.isfinite(season)
    day = steps_per_day(frequency)
    daily = lagged_median(values, seasonal_lags(day, settings.history_days), settings.min_lags)
    weekly_lags = seasonal_lags(7 * day, settings.history_weeks, spread=1)
    weekly = lagged_median(values - daily, weekly_lags, settings.min_lags)
    season = daily + np.nan_to_num(weekly, nan=0.0)  # the weekly shape joins once a week is known
    return season, np.isfinite(daily) & np.isfinite(weekly)


def robust_baseline(values: np.ndarray, frequency: str, settings: DetectorSettings) -> Baseline:
    """Steps 1–5 of the module docstring for one block of series."""
    cycle = season_cycle(frequency)
    season, complete = seasonal_component(values, frequency, settings)
    seasonal_residual = values - season
    level_width = window_steps(settings.level_cycles, frequency, settings)
    level = trailing_median(seasonal_residual, level_width, min_count=(level_width + 1) // 2)
    expected = season + np.nan_to_num(level, nan=0.0)
    width = window_steps(settings.scale_cycles, frequency, settings)
    needed = min(settings.min_residual_cycles * cycle, width // 2)
    residual = values - expected
    tail = settings.tail_quantile
    # the CUSUM winsorises its residuals (`cusum_clip`): its scale is not tail-widened
    reference_scale = trailing_mad_scale(seasonal_residual, width, needed)
    scale, tail_df = trailing_scale_and_tail(residual, width, needed, tail_quantile=tail)
    n_residuals = trailing_count(residual, width)
    autocorrelation = lag1_autocorrelation(seasonal_residual, reference_scale, width, needed)
    early = ~(np.isfinite(expected) & np.isfinite(scale))
    partial = ~early & ~complete  # sub-daily, weekly term not known yet
    if early.any() or partial.any():
        # trailing windows read only the past: the early model is needed up to the last
        # early or partial step (a prefix of the steps, usually the first week or weeks)
        until = int(np.flatnonzero((early | partial).any(axis=0))[-1]) + 1
        # sub-daily data: a day of values first, or its own daily cycle is a surprise
        first_day = 1 if is_daily(frequency) else min(cycle, level_width)
        needed_early = max(settings.early_values, first_day)
        prefix = _early_model(values[:, :until], level_width, settings, needed_early)
        first_median, first_scale, first_n = (
            np.concatenate([part, np.full((len(values), values.shape[1] - until), np.nan)], axis=1)
            for part in prefix
        )
        expected = np.where(early, first_median, expected)
        season = np.where(early, first_median, season)
        scale = np.where(early, first_scale, scale)
        reference_scale = np.where(early, first_scale, reference_scale)
        n_residuals = np.where(early, first_n, n_residuals)
        autocorrelation = np.where(early, 0.0, autocorrelation)
        # without the weekly term a weekend is not expected: its band is the early one's
        scale = np.where(partial, np.fmax(scale, first_scale), scale)
        early &= np.isfinite(first_median)
    return Baseline(
        expected=expected,
        reference=season,
        scale=scale,
        reference_scale=reference_scale,
        n_residuals=n_residuals,
        reference_autocorrelation=autocorrelation,
        early=early,
        complete=complete & ~early,
        tail_df=tail_df,
    )


def _early_model(
    values: np.ndarray, width: int, settings: DetectorSettings, needed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Median, floored MAD scale and count of the last `width` values (step 5), from `needed`
    values on."""
    width = max(width, needed)
    median = trailing_median(values, width, min_count=needed)
    scale = trailing_mad_scale(values, width, needed, tail_quantile=settings.tail_quantile)
    scale = np.maximum(scale, settings.early_relative_scale * np.abs(median))
    return median, scale, trailing_count(values, width)


def student_to_z(t: np.ndarray, df: np.ndarray) -> np.ndarray:
    """The standard normal quantile with the same tail probability as t under Student's t(df).

    Where that tail underflows (|t| beyond ~10¹⁵), t itself, which is larger still.
    """
    tail = special.stdtr(df, -np.abs(t))
    with np.errstate(divide="ignore"):
        z = np.where(tail > 0, -special.ndtri(tail), np.abs(t))
    return np.sign(t) * z
