"""The conversion funnel per channel: each step's conversion this week and last, the change,
whether it is beyond noise, and the orders each step lost.

Test: pooled two-proportion z-test (two-sided) of a step's conversion this week against last
week, Holm-adjusted across every channel and step of the week (family-wise error ≤ alpha).
Orders lost at a step: sessions that reached the step before it this week × (last week's
conversion − this week's) × last week's conversion from the step to the last one (orders).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from scipy.stats import norm
from statsmodels.stats.multitest import multipletests


@dataclass(frozen=True)
class FunnelStep:
    """One step (previous page → page) of one channel's funnel in the week."""

    channel: str
    step: str  # the page reached, e.g. "cart"
    from_step: str  # the page before it, e.g. "review"
    entered: int  # sessions that reached from_step this week
    reached: int  # sessions that reached step this week
    conversion: float | None
    conversion_last_week: float | None
    change_pp: float | None  # percentage points
    p_value: float | None
    p_holm: float | None
    beyond_noise: bool
    orders_lost: float | None  # negative: orders gained


def two_proportion_p(x1: int, n1: int, x2: int, n2: int) -> float | None:
    """Two-sided p-value of the pooled two-proportion z-test; None without data."""
    if n1 <= 0 or n2 <= 0:
        return None
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0
    z = (x1 / n1 - x2 / n2) / se
    return float(2 * norm.sf(abs(z)))


def _rate(x: int, n: int) -> float | None:
    return x / n if n > 0 else None


def funnel_steps(
    counts: pd.DataFrame, steps: Sequence[str], *, this_week: int, alpha: float
) -> list[FunnelStep]:
    """Every channel's steps in week `this_week` of `counts` (from `queries.session_counts`)."""
    now = counts[counts["week"] == this_week].set_index("channel")
    before = counts[counts["week"] == this_week - 1].set_index("channel")
    last = f"reached_{steps[-1]}"
    rows = []
    for channel in now.index:
        current = now.loc[channel]
        previous = before.loc[channel] if channel in before.index else None
        for from_step, step in itertools.pairwise(steps):
            entered, reached = int(current[f"reached_{from_step}"]), int(current[f"reached_{step}"])
            rate = _rate(reached, entered)
            old_in = int(previous[f"reached_{from_step}"]) if previous is not None else 0
            old_out = int(previous[f"reached_{step}"]) if previous is not None else 0
            old_rate = _rate(old_out, old_in)
            onward = _rate(int(previous[last]), old_out) if previous is not None else None
            lost = (
                entered * (old_rate - rate) * onward
                if rate is not None and old_rate is not None and onward is not None
                else None
            )
            rows.append(
                (
                    channel,
                    step,
                    from_step,
                    entered,
                    reached,
                    rate,
                    old_rate,
                    two_proportion_p(reached, entered, old_out, old_in),
                    lost,
                )
            )
    tested = [i for i, row in enumerate(rows) if row[7] is not None]
    adjusted: list[float | None] = [None] * len(rows)
    if tested:
        holm = multipletests([rows[i][7] for i in tested], alpha=alpha, method="holm")[1]
        for i, p in zip(tested, holm, strict=True):
            adjusted[i] = float(p)
    return [
        FunnelStep(
            channel=row[0],
            step=row[1],
            from_step=row[2],
            entered=row[3],
            reached=row[4],
            conversion=row[5],
            conversion_last_week=row[6],
            change_pp=(100 * (row[5] - row[6]))
            if row[5] is not None and row[6] is not None
            else None,
            p_value=row[7],
            p_holm=p,
            beyond_noise=p is not None and p < alpha,
            orders_lost=row[8],
        )
        for row, p in zip(rows, adjusted, strict=True)
    ]


def worst_step(steps: Sequence[FunnelStep]) -> FunnelStep | None:
    """The step that lost the most orders on last week (None when none lost any)."""
    losing = [s for s in steps if s.orders_lost is not None and s.orders_lost > 0]
    return max(losing, key=lambda s: s.orders_lost or 0.0) if losing else None
