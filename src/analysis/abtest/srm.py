"""Sample-ratio mismatch: does the observed split of units match the planned shares?

Pearson chi-square goodness of fit with expected = total × planned share (scipy
`chisquare`). Industry practice (Eppo, Statsig, GrowthBook) flags p < 0.001; that
threshold belongs in the report's params, not here. Two tiers: below `warn_alpha` the
split is suspicious (the verdict stands with a caveat), below `alpha` it is invalid.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
from scipy import special

from analysis.errors import InputError

SHARE_TOLERANCE = 1e-6


def srm_p_value(units: Sequence[int], planned_shares: Sequence[float]) -> float:
    """P-value that the units split as planned; Pearson chi-square goodness of fit."""
    _check(units, planned_shares)
    observed = np.asarray(units, dtype=float)
    shares = np.asarray(planned_shares, dtype=float)
    expected = observed.sum() * shares / shares.sum()  # exact sum, as chisquare requires
    statistic = float(((observed - expected) ** 2 / expected).sum())  # Pearson chi-square
    return float(special.chdtrc(len(observed) - 1, statistic))


SrmTier = Literal["not_checked", "ok", "warn", "invalid"]


def srm_tier(p_value: float | None, *, warn_alpha: float, alpha: float) -> SrmTier:
    """not_checked (no p), invalid (p < alpha), warn (p < warn_alpha) or ok."""
    if p_value is None:
        return "not_checked"
    if p_value < alpha:
        return "invalid"
    return "warn" if p_value < warn_alpha else "ok"


def _check(units: Sequence[int], planned_shares: Sequence[float]) -> None:
    if len(units) < 2:
        raise InputError(f"units = {list(units)!r}, need at least 2 arms")
    if len(units) != len(planned_shares):
        raise InputError(
            f"units has {len(units)} arms but planned_shares = {list(planned_shares)!r} "
            f"has {len(planned_shares)}; give one share per arm"
        )
    for position, count in enumerate(units):
        if not count >= 0:
            raise InputError(f"units[{position}] = {count!r}, unit counts must be ≥ 0")
    if sum(units) == 0:
        raise InputError(f"units = {list(units)!r}, at least one arm must have units")
    for position, share in enumerate(planned_shares):
        if not share > 0:
            raise InputError(f"planned_shares[{position}] = {share!r}, shares must be > 0")
    total_share = math.fsum(planned_shares)
    if abs(total_share - 1) > SHARE_TOLERANCE:
        raise InputError(
            f"planned_shares = {list(planned_shares)!r} sum to {total_share!r}, "
            f"must sum to 1 (± {SHARE_TOLERANCE})"
        )
