"""Multiple-comparison adjustment of p-values (several variants or metrics against control).

Holm (1979) controls the family-wise error rate, as tea-tasting and GrowthBook do;
Bonferroni (m·p, capped at 1) controls it too, more conservatively, as many peers offer;
Benjamini–Hochberg (1995) controls the false discovery rate. All equal statsmodels
`multipletests(method="holm" / "bonferroni" / "fdr_bh")`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np

from analysis.errors import InputError

AdjustmentMethod = Literal["holm", "bonferroni", "bh", "none"]


def adjust_p_values(p_values: Sequence[float], *, method: AdjustmentMethod) -> list[float]:
    """Adjusted p-values in input order; Holm step-down, Bonferroni or Benjamini–Hochberg."""
    _check_p_values(p_values)
    if method not in ("holm", "bonferroni", "bh", "none"):
        raise InputError(f"method = {method!r}, must be one of 'holm', 'bonferroni', 'bh', 'none'")
    values = np.asarray(p_values, dtype=float)
    if method == "none" or values.size == 0:
        return [float(p) for p in values]
    if method == "bonferroni":
        return [float(p) for p in np.minimum(values * values.size, 1.0)]
    order = np.argsort(values)
    ranked = values[order]
    adjusted = _holm(ranked) if method == "holm" else _benjamini_hochberg(ranked)
    result = np.empty_like(adjusted)
    result[order] = adjusted
    return [float(p) for p in result]


def _holm(ranked: np.ndarray) -> np.ndarray:
    """Holm: running max of (m − i)·p_(i), capped at 1 (p sorted ascending, i from 0)."""
    m = ranked.size
    return np.minimum(np.maximum.accumulate(ranked * (m - np.arange(m))), 1.0)


def _benjamini_hochberg(ranked: np.ndarray) -> np.ndarray:
    """BH: running min from the top of m·p_(i)/i, capped at 1 (p sorted ascending, i from 1)."""
    m = ranked.size
    scaled = ranked * m / np.arange(1, m + 1)
    return np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)


def _check_p_values(p_values: Sequence[float]) -> None:
    for position, p in enumerate(p_values):
        if not (
            isinstance(p, int | float | np.integer | np.floating)
            and not math.isnan(p)
            and 0 <= p <= 1
        ):
            raise InputError(
                f"p_values[{position}] = {p!r}, every p-value must be a number in [0, 1]"
            )
