"""Level shifts: a two-sided CUSUM over many series, reported as "shifted since <date>".

Tabular CUSUM (Page 1954; Montgomery, "Introduction to Statistical Quality Control", §9.1)
on standardised residuals z against the seasonal reference:
    C⁺_t = max(0, C⁺_{t−1} + z_t − k),   C⁻_t = max(0, C⁻_{t−1} − z_t − k),
with z winsorised at ±clip (Lucas & Crosier 1982) so one spike cannot confirm a shift. A
shift is confirmed at the first step where C⁺ or C⁻ exceeds h; it started at the first step
of the run in which that sum has stayed above zero (Montgomery's N⁺ / N⁻ counter). Missing
steps (NaN z) leave the sums unchanged. Vectorised over series; the loop runs over steps.
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
    "down"; size: median residual against the old seasonal baseline over start … confirmed,
    in the metric's units (the step the baseline was reset by).
    """

    series_row: int
    start: int
    direction: Literal["up", "down"]
    size: float
    confirmed: int


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
    return CusumAlarm(confirmed=confirmed, start=start, direction=direction)


def shift_sizes(residuals: np.ndarray, start: np.ndarray, confirmed: np.ndarray) -> np.ndarray:
    """Per row, the median of residuals[row, start … confirmed] (the step's estimated size)."""
    steps = np.arange(residuals.shape[1])
    inside = (steps >= start[:, None]) & (steps <= confirmed[:, None])
    return nanmedian(np.where(inside, residuals, np.nan), min_count=1)
