"""Checks every statistics module shares on the arrays it is given: one home, one error.

Each raises `InputError` naming the argument, the first bad index and value, and the rule.
"""

from __future__ import annotations

import numpy as np

from analysis.errors import InputError


def as_finite_vector(name: str, values: np.ndarray) -> np.ndarray:
    """`values` as a non-empty 1-D float array of finite numbers, else InputError naming it."""
    array = np.asarray(values, dtype=float)
    if array.ndim != 1 or array.size == 0:
        raise InputError(f"{name} has shape {array.shape}; a non-empty 1-D array is accepted")
    check_where(name, array, ~np.isfinite(array), f"{name} must be finite")
    return array


def check_where(name: str, values: np.ndarray, bad: np.ndarray, rule: str) -> None:
    """Raise InputError naming the array, the first bad index and value, and the rule."""
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{name}[{index}] == {float(values[index])!r} ({int(bad.sum())} bad entries); {rule}"
        )
