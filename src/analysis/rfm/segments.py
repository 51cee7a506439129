"""Segment maps: the common ten-segment map over recency and frequency scores."""

from __future__ import annotations

import pandas as pd

RF_SEGMENTS: tuple[tuple[str, tuple[int, ...], tuple[int, ...]], ...] = (
    # name, R scores, F scores (5 = best)
    ("hibernating", (1, 2), (1, 2)),
    ("at risk", (1, 2), (3, 4)),
    ("can't lose", (1, 2), (5,)),
    ("about to sleep", (3,), (1, 2)),
    ("need attention", (3,), (3,)),
    ("loyal", (3, 4), (4, 5)),
    ("promising", (4,), (1,)),
    ("new", (5,), (1,)),
    ("potential loyalists", (4, 5), (2, 3)),
    ("champions", (5,), (4, 5)),
)
"""The common R×F map; every (R, F) pair of scores falls in exactly one segment."""


def rf_segment(r_score: int, f_score: int) -> str:
    """The ten-segment name of one pair of recency and frequency scores."""
    for name, recencies, frequencies in RF_SEGMENTS:
        if r_score in recencies and f_score in frequencies:
            return name
    raise ValueError(f"no segment for R={r_score}, F={f_score}; scores run 1–5")


def rf_segments(scores: pd.DataFrame) -> pd.Series:
    """The segment of every customer (from r_score and f_score)."""
    return pd.Series(
        [rf_segment(r, f) for r, f in zip(scores["r_score"], scores["f_score"], strict=True)],
        index=scores.index,
        name="rf_segment",
    )
