"""Level shifts: a two-sided CUSUM over many series, reported as "shifted since <date>".

Tabular CUSUM (Page 1954; Montgomery, "Introduction to Statistical Quality Control", §9.1)
on standardised residuals against the seasonal reference, first whitened for lag-1
autocorrelation ρ (a CUSUM of AR(1) residuals, Montgomery §10.4; Alwan & Roberts 1988):
z_t = (r_t − ρ r_{t−1}) / sqrt(1 − ρ²) — correlated residuals would otherwise add up into
false shifts. Then
    C⁺_t = max(0, C⁺_{t−1} + z_t − k),   C⁻_t = max(0, C⁻_{t−1} − z_t − k),
with z winsorised at ±clip (Lucas & Crosier 1982) so one spike cannot confirm a shift. A
shift is confirmed at the first step where C⁺ or C⁻ exceeds h. Its start is the maximum-
likelihood change point inside the run in which that sum has stayed above zero (Hinkley
1971): with δ the run's mean z, the step after the last minimum of Σ (z − δ/2) — the run's
first step (Montgomery's N⁺ counter) is often a noise step before the change. Missing steps
(NaN z) leave the sums unchanged. Vectorised over series; the loop runs over steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from analysis.anomaly.baseline import nanmedian


@dataclass(frozen=True)
class Shift:
    """A confirmed level shift of panel row `series_row`.

    start: first step at the new level ("shifted since timestamps[start]"); confirmed: the step
    on which the CUSUM crossed h (when a daily monitor would have said so); direction: "up" or
    "down"; size: median residual against the old seasonal baseline over the later half of
    start … confirmed, in the metric's units (the step the baseline was reset by).
    """

    series_row: int
    start: int
    direction: Literal["up", "down"]
    size: float
    confirmed: int


def whiten(z: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """AR(1) innovations (z_t − ρ_t z_{t−1}) / sqrt(1 − ρ_t²); z_t itself after a missing step."""
    previous = np.full(z.shape, np.nan)
    previous[:, 1:] = z[:, :-1]
    innovation = (z - rho * previous) / np.sqrt(1.0 - rho**2)
    return np.where(np.isnan(previous), z, innovation)


@dataclass(frozen=True)
class CusumAlarm:
    """First CUSUM crossing per row: `confirmed` = −1 where none; direction +1 up / −1 down."""

    confirmed: np.ndarray
    start: np.ndarray
    direction: np.ndarray


def first_cusum_alarm(
    z: np.ndarray, begin: np.ndarray, *, k: float, h: float, clip: float
) -> CusumAlarm:
    """First step ≥ begin[row] where row's two-sided CUSUM of z (n_series, n_steps) exceeds h."""
    n_series, n_steps = z.shape
    z = np.clip(z, -clip, clip)
    upper, lower = np.zeros(n_series), np.zeros(n_series)
    up_start = np.zeros(n_series, dtype=int)
    down_start = np.zeros(n_series, dtype=int)
    confirmed = np.full(n_series, -1)
    start = np.full(n_series, -1)
    direction = np.zeros(n_series, dtype=int)
    live = np.ones(n_series, dtype=bool)
    for t in range(int(begin.min(initial=n_steps)), n_steps):
        step = z[:, t]
        use = live & (begin <= t) & np.isfinite(step)
        if not use.any():
            continue
        new_upper = np.maximum(0.0, upper + step - k)
        new_lower = np.maximum(0.0, lower - step - k)
        up_start = np.where(use & (upper == 0) & (new_upper > 0), t, up_start)
        down_start = np.where(use & (lower == 0) & (new_lower > 0), t, down_start)
        upper = np.where(use, new_upper, upper)
        lower = np.where(use, new_lower, lower)
        up, down = use & (upper > h), use & (lower > h)
        if up.any() or down.any():
            hit = up | down
            confirmed[hit] = t
            direction[hit] = np.where(up[hit], 1, -1)
            start[hit] = np.where(up[hit], up_start[hit], down_start[hit])
            live &= ~hit
            if not live.any():
                break
    found = confirmed >= 0
    if not found.any():
        return CusumAlarm(confirmed=confirmed, start=start, direction=direction)
    start[found] = change_points(z[found] * direction[found, None], start[found], confirmed[found])
    return CusumAlarm(confirmed=confirmed, start=start, direction=direction)


def change_points(z: np.ndarray, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Hinkley's change point of an upward mean shift of z inside first … last, per row."""
    steps = np.arange(z.shape[1])
    inside = (steps >= first[:, None]) & (steps <= last[:, None]) & np.isfinite(z)
    values = np.where(inside, z, 0.0)
    delta = values.sum(axis=1) / np.maximum(inside.sum(axis=1), 1)
    increments = np.where(inside, values - delta[:, None] / 2, 0.0)
    before = np.cumsum(increments, axis=1) - increments  # Σ over first … τ − 1
    candidates = np.where(inside, before, np.inf)
    last_minimum = z.shape[1] - 1 - np.argmin(candidates[:, ::-1], axis=1)
    return np.where(inside.any(axis=1), last_minimum, first)


def shift_sizes(residuals: np.ndarray, start: np.ndarray, confirmed: np.ndarray) -> np.ndarray:
    """Per row, the median residual over the later half of start … confirmed (≥ 3 steps).

    The later half, because an early start estimate (noise that happened to lean the shift's
    way) would otherwise dilute the size with pre-shift steps.
    """
    length = confirmed - start + 1
    first = np.maximum(start, confirmed - np.maximum(3, (length + 1) // 2) + 1)
    steps = np.arange(residuals.shape[1])
    inside = (steps >= first[:, None]) & (steps <= confirmed[:, None])
    return nanmedian(np.where(inside, residuals, np.nan), min_count=1)
