"""When things happen: times drawn with the brand's mild growth over the year."""

from __future__ import annotations

import numpy as np

from analysis.demo.world import DAY, DAYS, GROWTH, HORIZON, IS_WEEKEND


def growing_times(rng: np.random.Generator, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Times in [low, high) with density rising linearly by GROWTH over the period."""
    low, high = np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)
    k = GROWTH / (2.0 * HORIZON)  # F(t) ∝ t + k t², inverted in closed form
    area = (high - low) + k * (high**2 - low**2)
    level = low + k * low**2 + rng.random(np.shape(low)) * area
    return (np.sqrt(1.0 + 4.0 * k * level) - 1.0) / (2.0 * k)


def day_of(seconds: np.ndarray) -> np.ndarray:
    """Day index (0 = first day of the period) of times in seconds, clipped into the period."""
    return np.clip(np.asarray(seconds) // DAY, 0, DAYS - 1).astype(np.int64)


def weekend_of(seconds: np.ndarray) -> np.ndarray:
    """True where the time falls on a Saturday or Sunday."""
    return IS_WEEKEND[day_of(seconds)]
