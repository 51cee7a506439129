"""Reputation alerts: comments naming the brand next to a complaint word (投诉, 差评 …).

A week is an alert when it has at least `min_comments` such comments and that count is
improbable under the weeks before it: Poisson upper tail P(X ≥ count | mean of the earlier
weeks, at least 0.5) below `max_p_value`. Example comments are masked (`mask_text`) here,
before they reach a page or the results file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from scipy.stats import poisson

from analysis.privacy import mask_text

MIN_BASELINE = 0.5


@dataclass(frozen=True)
class ComplaintWeek:
    """One week's brand complaints."""

    week: str
    comments: int
    channels: int
    first: str | None
    last: str | None


@dataclass(frozen=True)
class ComplaintExample:
    """One complaint comment of the week, its text masked (`mask_text`)."""

    ts: str | None  # "YYYY-MM-DD HH:MM"
    channel: str
    text: str | None  # None: the comment had no text


@dataclass(frozen=True)
class ReputationAlert:
    """The report week's brand complaints against the weeks before, with masked examples."""

    week: str
    comments: int
    baseline: float  # mean count of the earlier weeks
    p_value: float
    alert: bool
    first: str | None
    last: str | None
    examples: list[ComplaintExample]


def complaint_weeks(counts: pd.DataFrame, weeks: Sequence[str]) -> list[ComplaintWeek]:
    """Every week (zero where no complaint was found)."""
    by_week = counts.set_index("week")
    rows = []
    for index, week in enumerate(weeks):
        if index in by_week.index:
            row = by_week.loc[index]
            rows.append(
                ComplaintWeek(
                    week,
                    int(row["comments"]),
                    int(row["channels"]),
                    _time(row["first"]),
                    _time(row["last"]),
                )
            )
        else:
            rows.append(ComplaintWeek(week, 0, 0, None, None))
    return rows


def reputation_alert(
    history: Sequence[ComplaintWeek],
    examples: pd.DataFrame,
    *,
    min_comments: int,
    max_p_value: float,
) -> ReputationAlert:
    """The last week of `history` judged against the weeks before it."""
    this = history[-1]
    earlier = [w.comments for w in history[:-1]]
    baseline = sum(earlier) / len(earlier) if earlier else 0.0
    p_value = float(poisson.sf(this.comments - 1, max(baseline, MIN_BASELINE)))
    shown = [
        ComplaintExample(ts=_time(row.ts), channel=row.channel, text=mask_text(row.text))
        for row in examples.itertuples(index=False)
    ]
    return ReputationAlert(
        week=this.week,
        comments=this.comments,
        baseline=baseline,
        p_value=p_value,
        alert=this.comments >= min_comments and p_value < max_p_value,
        first=this.first,
        last=this.last,
        examples=shown,
    )


def _time(value: object) -> str | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")
