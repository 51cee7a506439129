"""Rule-based attribution: first touch, last touch, linear and position-based (U-shaped).

Each rule gives every touch of a path a weight (the weights of a path sum to 1); a channel
gets the sum of its touches' weights times the path's conversions, and the same share of
the path's revenue. A channel touched twice in a path gets both touches' weights
(linear: A > B > A gives A 2/3). Definitions as in Google Analytics' attribution models
and the `mta` package; checked against shared/reference/attribution.md §2.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from analysis.attribution.credit import Credit
from analysis.attribution.pathset import PathSet
from analysis.errors import InputError

POSITION_WEIGHTS = (0.4, 0.2, 0.4)  # first, middle, last: the usual U-shaped 40/20/40
WEIGHT_SUM_TOLERANCE = 1e-9


def first_touch(paths: PathSet) -> Credit:
    """All of a path's credit to its first touch."""
    weights = np.zeros(len(paths.touch_codes))
    weights[paths.path_starts] = 1.0
    return _credit("first_touch", paths, weights)


def last_touch(paths: PathSet) -> Credit:
    """All of a path's credit to its last touch."""
    weights = np.zeros(len(paths.touch_codes))
    weights[paths.path_ends] = 1.0
    return _credit("last_touch", paths, weights)


def linear(paths: PathSet) -> Credit:
    """A path's credit split equally among its touches."""
    weights = 1.0 / paths.lengths[paths.touch_path]
    return _credit("linear", paths, weights)


def position_based(paths: PathSet, *, weights: Sequence[float] = POSITION_WEIGHTS) -> Credit:
    """U-shaped credit: `weights` = (first, middle, last) shares, summing to 1.

    Paths of three or more touches give the first and last touch their weights and split
    the middle weight equally among the touches between. A two-touch path has no middle:
    first and last weights are renormalised (40/20/40 → 50/50). A one-touch path gets all.
    """
    first, middle, last = _check_position_weights(weights)
    lengths = paths.lengths[paths.touch_path]
    touch_weights = np.zeros(len(paths.touch_codes))
    long_path = lengths >= 3
    touch_weights[long_path] = middle / (lengths[long_path] - 2)  # middles; ends overwritten
    starts, ends = paths.path_starts, paths.path_ends
    path_lengths = paths.lengths
    touch_weights[starts] = np.select(
        [path_lengths == 1, path_lengths == 2], [1.0, first / (first + last)], first
    )
    touch_weights[ends[path_lengths >= 2]] = np.where(
        path_lengths[path_lengths >= 2] == 2, last / (first + last), last
    )
    return _credit("position_based", paths, touch_weights)


def _credit(model: str, paths: PathSet, touch_weights: np.ndarray) -> Credit:
    """Sum each channel's touch weights × its path's conversions (and revenue)."""
    n_channels = len(paths.channels)
    path_of_touch = paths.touch_path
    conversions = np.bincount(
        paths.touch_codes,
        weights=touch_weights * paths.conversions[path_of_touch],
        minlength=n_channels,
    )
    revenue = np.bincount(
        paths.touch_codes,
        weights=touch_weights * paths.revenue[path_of_touch],
        minlength=n_channels,
    )
    return Credit(model=model, channels=paths.channels, conversions=conversions, revenue=revenue)


def _check_position_weights(weights: Sequence[float]) -> tuple[float, float, float]:
    try:
        values = tuple(float(weight) for weight in weights)
    except (TypeError, ValueError) as error:
        raise InputError(
            f"position_based weights = {weights!r}, need 3 numbers (first, middle, last)"
        ) from error
    if len(values) != 3:
        raise InputError(
            f"position_based weights = {tuple(weights)!r}, need 3 shares (first, middle, last)"
        )
    if not all(math.isfinite(value) and value >= 0 for value in values):
        raise InputError(f"position_based weights = {values!r}, every share must be ≥ 0")
    if abs(math.fsum(values) - 1) > WEIGHT_SUM_TOLERANCE:
        raise InputError(
            f"position_based weights = {values!r} sum to {math.fsum(values)!r}, must sum to 1"
        )
    first, middle, last = values
    if first + last == 0:
        raise InputError(
            f"position_based weights = {values!r}: first + last must be > 0, "
            f"or two-touch paths would get no credit"
        )
    return first, middle, last
