"""RFM scores 1–5 by quintiles, with one documented tie rule.

Tie rule: a customer's score is 1 + ⌊5 × (share of customers with a strictly worse
value)⌋, capped at 5. Tied values therefore always get the same score, and the scores are
deterministic (no random tie-breaking). With heavily tied values (most customers with one
order) fewer than five distinct scores can occur: all one-order customers share score 1 and
the next value jumps to the score its position earns. Recency is scored so that more
recent (fewer days) is better; frequency and monetary so that more is better.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SCORES = 5


COUNTING_RANGE = 10_000_000  # integer values spanning less than this are counted, not sorted


def strictly_worse(values: pd.Series, *, higher_is_better: bool = True) -> np.ndarray:
    """For each customer, how many customers have a strictly worse value.

    Whole numbers (days, orders) are counted with one bincount, in linear time; other values
    are ranked (ties take the lowest rank). Both give the same numbers.
    """
    raw = values.to_numpy()
    if np.issubdtype(raw.dtype, np.integer) and len(raw) and np.ptp(raw) < COUNTING_RANGE:
        offsets = (raw - raw.min()) if higher_is_better else (raw.max() - raw)
        counts = np.bincount(offsets)
        below = np.concatenate([[0], np.cumsum(counts)[:-1]])
        return below[offsets].astype(float)
    ordered = values if higher_is_better else -values
    return ordered.rank(method="min").to_numpy() - 1


def quintile_scores(values: pd.Series, *, higher_is_better: bool = True) -> pd.Series:
    """Scores 1–5 (5 = best) by the tie rule above."""
    worse = strictly_worse(values, higher_is_better=higher_is_better)
    scores = 1 + np.floor(SCORES * worse / max(len(values), 1)).astype(int)
    return pd.Series(np.minimum(scores, SCORES), index=values.index, name=values.name)


def rfm_scores(rfm: pd.DataFrame) -> pd.DataFrame:
    """r_score, f_score, m_score for each customer of an RFM table."""
    return rfm.assign(
        r_score=quintile_scores(rfm["recency_days"], higher_is_better=False),
        f_score=quintile_scores(rfm["frequency"]),
        m_score=quintile_scores(rfm["monetary_total"]),
    )
