"""Short runs: a few consecutive days that are off together, though no single day crosses
the point threshold and the run is over before the CUSUM confirms a shift.

A scan of moving sums (the MOSUM chart of Bauer & Hackl 1978, Technometrics 20:431; the
moving-average chart of Montgomery, "Introduction to Statistical Quality Control", §9.2) over
every window length w from 2 to `run_longest` steps, as in the scan statistics of Glaz, Naus
& Wallenstein ("Scan Statistics", 2001). For step t and window w, on the studentised
residuals t_i = (value − expected) / sd of `anomaly.detect`:
    S_w(t) = Σ_{i = t−w+1 … t} clip(t_i) / sqrt(v_w(ρ_t)),
    v_w(ρ) = w + 2 Σ_{j=1}^{w−1} (w − j) ρ^j,
the sum's standard deviation when the residuals are AR(1) with lag-1 autocorrelation ρ
(Box, Jenkins & Reinsel, "Time Series Analysis", §2.1.5).
- ρ_t is the sample autocorrelation of the residuals themselves over the scale window that
  ends before the longest window (`residual_autocorrelation`): not the CUSUM's estimate of the
  reference residuals, which carry the slow drift that the level term takes out of these.
- The w residuals share one estimated scale, so S_w is Student-t with that scale's degrees of
  freedom, and it is put on the normal scale like the point score: Φ⁻¹(F_t(S_w; df_t)).
  Summing the point scores instead would ignore the shared scale: on synthetic Gaussian
  series their 3-day sums exceed 4 three times as often as a normal variable does.
- Residuals enter winsorised at the t-quantile of ±`cusum_clip` normal SDs, as in the CUSUM,
  so a spike counts as 3 SDs at most and the window's other days must carry the rest (at
  4.0: a second day of 2.7 SDs). A lone spike stays a point.
An alarm is raised at t when max_w |S_w(t)| > `run_threshold`; windows with a missing step are
skipped. The run covers the alarm's window from its first to its last step leaning its way by
more than half the window's mean (each such step is likelier under the run's mean than under
none, the δ/2 of Hinkley's change point in `anomaly.shifts`); alarms of one direction whose
runs touch or overlap are one `Run`. Daily data only (`RUN_FREQUENCIES`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
from scipy import special

from analysis.anomaly.baseline import MAX_AUTOCORRELATION, season_cycle, student_to_z
from analysis.anomaly.settings import DetectorSettings
from analysis.anomaly.steps import canonical

BLOCK_ELEMENTS = 1 << 20
"""Series × steps scanned at once: a dozen temporaries of 8 MB, not of the whole panel."""
RUN_FREQUENCIES = ("D",)
"""The run threshold is calibrated per day on daily series (`DetectorSettings.run_threshold`);
data at shorter steps has no calibrated equivalent yet, so it is not scanned."""


@dataclass(frozen=True)
class Run:
    """A short run of panel row `series_row`: steps start … end lean `direction` together.

    confirmed: the first step on which the scan crossed `run_threshold` (when a daily monitor
    would have said so); statistic: the largest |S_w| of the run's alarms, signed.
    """

    series_row: int
    start: int
    end: int
    direction: Literal["up", "down"]
    confirmed: int
    statistic: float


def moving_sum_variance(rho: np.ndarray, window: int) -> np.ndarray:
    """v_w(ρ): variance of the sum of `window` consecutive unit-variance AR(1) steps."""
    lags = np.arange(1, window)
    return window + 2.0 * np.sum((window - lags) * np.power.outer(rho, lags), axis=-1)


def residual_autocorrelation(clipped: np.ndarray, width: int, lag: int, needed: int) -> np.ndarray:
    """Per step t, the lag-1 autocorrelation of the winsorised residuals `clipped` over the
    `width` steps before t − lag + 1, in [0, MAX_AUTOCORRELATION]; NaN below `needed` pairs.

    The sample autocorrelation Σ(x_i − m)(x_{i−1} − m) / Σ(x_i − m)² (Box, Jenkins & Reinsel
    §2.1.4) of residuals winsorised as they enter the scan: the clipping makes it robust, and
    it is more precise than the CUSUM's MAD-based estimate (SD 0.13 against 0.22 at
    ρ = 0.4 over 56 days), an error that the sum's variance would otherwise carry into the
    tail. Read before the longest window (lag), so a run under test is not taken for
    autocorrelation and does not widen its own yardstick.
    """
    n_series, n_steps = clipped.shape
    present = np.isfinite(clipped)
    x = np.where(present, clipped, 0.0)
    previous = np.zeros_like(x)
    previous[:, 1:] = x[:, :-1]
    pair = present.copy()
    pair[:, 0] = False
    pair[:, 1:] &= present[:, :-1]

    def window_sum(values: np.ndarray, size: int) -> np.ndarray:
        """Σ values over the last `size` of the `width` steps before step t − lag + 1."""
        running = np.concatenate([np.zeros((n_series, 1)), np.cumsum(values, axis=1)], axis=1)
        stop = np.arange(n_steps) - lag + 1
        return running[:, np.clip(stop, 0, n_steps)] - running[:, np.clip(stop - size, 0, n_steps)]

    count, total, squares = (window_sum(v, width) for v in (present * 1.0, x, x * x))
    # pairs (x_{i−1}, x_i) with both steps inside the window: i in its last width − 1 steps
    pairs = window_sum(pair * 1.0, width - 1)
    cross = window_sum(np.where(pair, x * previous, 0.0), width - 1)
    pair_sum = window_sum(np.where(pair, x + previous, 0.0), width - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = total / count
        numerator = cross - mean * pair_sum + pairs * mean**2
        denominator = squares - count * mean**2
        rho = np.clip(numerator / denominator, 0.0, MAX_AUTOCORRELATION)
    return np.where((pairs >= needed) & (denominator > 0), rho, np.nan)


def winsorised(studentised: np.ndarray, df: np.ndarray, clip: float) -> np.ndarray:
    """Residuals clipped at the t(df)-quantile with the tail of ±`clip` standard normal SDs."""
    with np.errstate(invalid="ignore"):
        limit = special.stdtrit(df, special.ndtr(clip))
    return np.clip(studentised, -limit, limit)


def scan(
    clipped: np.ndarray, df: np.ndarray, rho: np.ndarray, windows: range
) -> tuple[np.ndarray, np.ndarray]:
    """max_w |S_w(t)| on the normal scale with its sign, and the maximising w, per step.

    NaN (window 0) where no window of `windows` has all its steps and a known ρ and df.
    """
    n_series, n_steps = clipped.shape
    present = np.isfinite(clipped)
    zeros = np.zeros((n_series, 1))
    running = np.concatenate([zeros, np.cumsum(np.where(present, clipped, 0.0), axis=1)], axis=1)
    counts = np.concatenate([zeros, np.cumsum(present, axis=1)], axis=1)
    statistic = np.full(clipped.shape, np.nan)
    best = np.zeros(clipped.shape, dtype=int)
    for window in windows:
        if window > n_steps:
            break
        ends = np.arange(window - 1, n_steps)
        total = running[:, ends + 1] - running[:, ends + 1 - window]
        complete = counts[:, ends + 1] - counts[:, ends + 1 - window] == window
        with np.errstate(invalid="ignore"):
            ratio = total / np.sqrt(moving_sum_variance(rho[:, ends], window))
            scaled = np.where(complete, student_to_z(ratio, df[:, ends]), np.nan)
            current = statistic[:, ends]
            better = np.isfinite(scaled) & ~(np.abs(scaled) <= np.abs(current))
        statistic[:, ends] = np.where(better, scaled, current)
        best[:, ends] = np.where(better, window, best[:, ends])
    return statistic, best


def _run_steps(clipped: np.ndarray, last: int, window: int, sign: int) -> tuple[int, int]:
    """First and last step of the alarm's window leaning its way by more than half its mean."""
    leaning = sign * clipped[last - window + 1 : last + 1]
    strong = np.flatnonzero(leaning > leaning.mean() / 2)
    return last - window + 1 + int(strong[0]), last - window + 1 + int(strong[-1])


def find_runs(
    studentised: np.ndarray, df: np.ndarray, frequency: str, settings: DetectorSettings
) -> tuple[Run, ...]:
    """Short runs of every row of the residuals (n_series, n_steps), by row then time.

    studentised: (value − expected) / sd, NaN where a step has no score; df: the degrees of
    freedom of each step's sd (module docstring).
    """
    if canonical(frequency) not in RUN_FREQUENCIES or studentised.shape[1] == 0:
        return ()
    size = max(1, BLOCK_ELEMENTS // studentised.shape[1])
    runs: list[Run] = []
    for first in range(0, len(studentised), size):
        rows = slice(first, first + size)
        block = _block_runs(studentised[rows], df[rows], frequency, settings)
        runs += [replace(run, series_row=run.series_row + first) for run in block]
    return tuple(runs)


def _block_runs(
    studentised: np.ndarray, df: np.ndarray, frequency: str, settings: DetectorSettings
) -> list[Run]:
    """`find_runs` on one block of rows (row numbers within the block)."""
    clipped = winsorised(studentised, df, settings.cusum_clip)
    cycle = season_cycle(frequency)
    rho = residual_autocorrelation(
        clipped,
        settings.scale_cycles * cycle,
        settings.run_longest,
        settings.min_residual_cycles * cycle,
    )
    statistic, best = scan(clipped, df, rho, range(2, settings.run_longest + 1))
    alarms = np.abs(np.nan_to_num(statistic)) > settings.run_threshold
    runs: list[Run] = []
    for row, step in zip(*np.nonzero(alarms), strict=True):
        value = float(statistic[row, step])
        sign = 1 if value > 0 else -1
        first, last = _run_steps(clipped[row], int(step), int(best[row, step]), sign)
        run = Run(int(row), first, last, "up" if sign > 0 else "down", int(step), value)
        if runs and _continues(runs[-1], run):
            run = replace(
                runs[-1],
                start=min(runs[-1].start, first),
                end=max(runs[-1].end, last),
                statistic=max(runs[-1].statistic, value, key=abs),
            )
            runs.pop()
        runs.append(run)
    return runs


def _continues(previous: Run, run: Run) -> bool:
    """Whether `run` (a later alarm) touches or overlaps `previous` on its row and way."""
    same = (previous.series_row, previous.direction) == (run.series_row, run.direction)
    return same and run.start <= previous.end + 1
