"""Shapley-value attribution of conversions and revenue over channel coalitions.

Game (Shao & Li 2011 / Dalessandro et al. 2012, as in the `mta` package): the value of a
coalition S is the conversions (or revenue) of every path whose channel SET lies inside S,
v(S) = Σ_{T ⊆ S} value of paths with channel set exactly T. Order and repeats in a path
do not matter. Checked against shared/reference/attribution.md §3 (a 7, b 3).

Two ways to the same numbers:
- exact coalition enumeration: v for all 2^n coalitions (bitmasks, subset-sum transform),
  then φ_i = Σ_{S ∌ i} |S|! (n − |S| − 1)! / n! · (v(S ∪ {i}) − v(S)); used while the
  channels present number at most `max_exact_channels`;
- closed form (Harsanyi dividends): v is a sum of unanimity games, one per channel set T
  with dividend = value of the paths on T, so each path's value is split equally among
  its distinct channels. Used above the limit (and exact too, at any size).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from analysis.attribution.credit import Credit
from analysis.attribution.pathset import PathSet
from analysis.errors import InputError

ShapleyMethod = Literal["exact coalition enumeration", "closed form (Harsanyi dividends)"]
ENUMERATION: ShapleyMethod = "exact coalition enumeration"
CLOSED_FORM: ShapleyMethod = "closed form (Harsanyi dividends)"
MAX_EXACT_CHANNELS = 12  # default: 2^12 coalitions take milliseconds
ENUMERATION_CEILING = 24  # 2^24 coalitions × 2 values is already ~270 MB


@dataclass(frozen=True, eq=False)
class ShapleyResult:
    """Shapley credit (model "shapley") and the method that computed it."""

    credit: Credit
    method: ShapleyMethod


def shapley(paths: PathSet, *, max_exact_channels: int = MAX_EXACT_CHANNELS) -> ShapleyResult:
    """Shapley value of conversions and revenue; coalition enumeration up to the limit.

    `max_exact_channels`: enumerate coalitions while the channels present in paths number at
    most this many (0 = always the closed form); above it use the closed form.
    """
    _check_max_exact_channels(max_exact_channels)
    present = np.unique(paths.touch_codes)
    values = np.column_stack([paths.conversions, paths.revenue])
    if len(present) <= max_exact_channels:
        method: ShapleyMethod = ENUMERATION
        credit = _enumerate_coalitions(paths, present, values)
    else:
        method = CLOSED_FORM
        credit = _harsanyi_split(paths, values)
    return ShapleyResult(
        credit=Credit(
            model="shapley",
            channels=paths.channels,
            conversions=credit[:, 0],
            revenue=credit[:, 1],
        ),
        method=method,
    )


def _enumerate_coalitions(paths: PathSet, present: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Shapley values by the coalition formula over all subsets of the channels present."""
    n_players = len(present)
    credit = np.zeros((len(paths.channels), values.shape[1]))
    if n_players == 0:
        return credit
    player_of_code = np.zeros(len(paths.channels), dtype=np.int64)
    player_of_code[present] = np.arange(n_players)
    bits = np.left_shift(1, player_of_code[paths.touch_codes])
    path_masks = np.bitwise_or.reduceat(bits, paths.path_starts)
    n_coalitions = 1 << n_players
    coalition_value = np.stack(
        [np.bincount(path_masks, weights=column, minlength=n_coalitions) for column in values.T],
        axis=1,
    )
    for player in range(n_players):  # subset sums: v(S) = Σ_{T ⊆ S} dividend(T)
        blocks = coalition_value.reshape(-1, 2, 1 << player, values.shape[1])
        blocks[:, 1] += blocks[:, 0]
    coalitions = np.arange(n_coalitions)
    sizes = np.zeros(n_coalitions, dtype=np.int64)  # |S| of each coalition S
    for player in range(n_players):
        sizes += (coalitions >> player) & 1
    size_weight = np.array(  # |S|! (n − |S| − 1)! / n!
        [1.0 / (n_players * math.comb(n_players - 1, size)) for size in range(n_players)]
    )
    for player in range(n_players):
        without = coalitions[(coalitions >> player) & 1 == 0]
        gains = coalition_value[without | (1 << player)] - coalition_value[without]
        credit[present[player]] = size_weight[sizes[without]] @ gains
    return credit


def _harsanyi_split(paths: PathSet, values: np.ndarray) -> np.ndarray:
    """Each path's value split equally among its distinct channels (Harsanyi dividends)."""
    n_channels = len(paths.channels)
    pair = np.unique(paths.touch_path * n_channels + paths.touch_codes)  # (path, channel) once
    path_of_pair, code_of_pair = np.divmod(pair, n_channels)
    distinct_channels = np.bincount(path_of_pair, minlength=paths.n_paths)
    shares = values[path_of_pair] / distinct_channels[path_of_pair, None]
    return np.stack(
        [np.bincount(code_of_pair, weights=column, minlength=n_channels) for column in shares.T],
        axis=1,
    )


def _check_max_exact_channels(max_exact_channels: int) -> None:
    if (
        isinstance(max_exact_channels, bool)
        or not isinstance(max_exact_channels, int)
        or not 0 <= max_exact_channels <= ENUMERATION_CEILING
    ):
        raise InputError(
            f"max_exact_channels = {max_exact_channels!r}, must be an integer from 0 to "
            f"{ENUMERATION_CEILING} (2^n coalitions are enumerated)"
        )
