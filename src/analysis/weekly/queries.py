"""The weekly report's engine work (ibis): sessions per week and channel, content, comments.

Every query returns a small aggregate; only comment texts (grouped, then masked in Python
before anything is shown or stored) and a few example comments leave the engine.
A week is the ISO week (Monday to Sunday) of a session's first page view, of a content
day, or of a comment; weeks are assigned by comparing with the Mondays, so DuckDB and
PySpark agree exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

import ibis
import ibis.expr.types as ir
import pandas as pd

from analysis.warehouse import Warehouse

DIRECT = "(direct)"
"""The channel code of sessions without a channel (typed-in address, bookmarks, unknown)."""


def _bound(day: date) -> ir.Value:
    return ibis.timestamp(datetime(day.year, day.month, day.day))


def _week_index(ts: ir.TimestampValue, mondays: Sequence[date]) -> ir.IntegerValue:
    """0 for the first Monday's week, 1 for the next…; -1 outside (filtered out)."""
    cases = [(ts < _bound(m + timedelta(days=7)), i) for i, m in enumerate(mondays)]
    return ibis.cases(*cases, else_=-1)


def _mondays(first_monday: date, weeks: int) -> list[date]:
    return [first_monday + timedelta(weeks=k) for k in range(weeks)]


def session_counts(
    warehouse: Warehouse, first_monday: date, weeks: int, steps: Sequence[str]
) -> pd.DataFrame:
    """Per week and channel: sessions, page views, logged-in users and sessions reaching each
    funnel step (`reached_<step>`: sessions that viewed a page of that type)."""
    mondays = _mondays(first_monday, weeks)
    views = warehouse.table("page_views")
    start, end = mondays[0], mondays[-1] + timedelta(days=7)
    views = views.filter((views.ts >= _bound(start)) & (views.ts < _bound(end)))
    flags = {f"reached_{step}": (views.page_type == step).cast("int64").max() for step in steps}
    sessions = views.group_by("session_id").aggregate(
        channel=views.channel.max(),
        user_id=views.user_id.max(),
        started=views.ts.min(),
        pages=views.count(),
        **flags,
    )
    sessions = sessions.mutate(
        week=_week_index(sessions.started, mondays),
        channel=sessions.channel.fill_null(DIRECT),
    )
    counts = sessions.group_by(["week", "channel"]).aggregate(
        sessions=sessions.count(),
        page_views=sessions.pages.sum(),
        users=sessions.user_id.nunique(),
        **{name: sessions[name].sum() for name in flags},
    )
    frame = counts.order_by(["week", "channel"]).to_pandas()
    frame["week"] = frame["week"].astype("int64")
    for column in ["sessions", "page_views", "users", *flags]:
        frame[column] = frame[column].fillna(0).astype("int64")
    return frame.reset_index(drop=True)


def content_weeks(warehouse: Warehouse, first_monday: date, weeks: int) -> pd.DataFrame:
    """Per content item and week: reads, completions, likes, shares, comments, followers,
    with the item's channel, title, format and publication time."""
    mondays = _mondays(first_monday, weeks)
    daily = warehouse.table("content_daily")
    start, end = mondays[0], mondays[-1] + timedelta(days=7)
    daily = daily.filter((daily.date >= start) & (daily.date < end))
    daily = daily.mutate(week=_week_index(daily.date.cast("timestamp"), mondays))
    sums = daily.group_by(["content_id", "week"]).aggregate(
        reads=daily.reads.sum(),
        completions=daily.completions.sum(),
        likes=daily.likes.sum(),
        shares=daily.shares.sum(),
        comments=daily.comments.sum(),
        followers_gained=daily.followers_gained.sum(),
    )
    content = warehouse.table("content")
    joined = sums.join(content, sums.content_id == content.content_id).select(
        sums.content_id,
        sums.week,
        content.channel,
        content.title,
        content.format,
        content.published_at,
        *[sums[c] for c in ("reads", "completions", "likes", "shares", "comments")],
        sums.followers_gained,
    )
    return joined.order_by(["week", "content_id"]).to_pandas()


def comment_texts(warehouse: Warehouse, first_monday: date, weeks: int) -> pd.DataFrame:
    """Per week: each distinct comment text and how often it was written (for sentiment)."""
    mondays = _mondays(first_monday, weeks)
    comments = warehouse.table("comments")
    start, end = mondays[0], mondays[-1] + timedelta(days=7)
    comments = comments.filter((comments.ts >= _bound(start)) & (comments.ts < _bound(end)))
    comments = comments.mutate(week=_week_index(comments.ts, mondays))
    grouped = comments.group_by(["week", "text"]).aggregate(count=comments.count())
    return grouped.order_by(["week", "text"]).to_pandas()


def _complaints(warehouse: Warehouse, brands: Sequence[str], words: Sequence[str]) -> ir.Table:
    comments = warehouse.table("comments")
    names = ibis.or_(*[comments.text.contains(b) for b in brands])
    complaint = ibis.or_(*[comments.text.contains(w) for w in words])
    return comments.filter(names & complaint)


def complaint_weeks(
    warehouse: Warehouse,
    first_monday: date,
    weeks: int,
    brands: Sequence[str],
    words: Sequence[str],
) -> pd.DataFrame:
    """Per week: comments naming a brand name with a complaint word, first and last time."""
    mondays = _mondays(first_monday, weeks)
    found = _complaints(warehouse, brands, words)
    start, end = mondays[0], mondays[-1] + timedelta(days=7)
    found = found.filter((found.ts >= _bound(start)) & (found.ts < _bound(end)))
    found = found.mutate(week=_week_index(found.ts, mondays))
    per_week = found.group_by("week").aggregate(
        comments=found.count(),
        channels=found.channel.nunique(),
        first=found.ts.min(),
        last=found.ts.max(),
    )
    return per_week.order_by("week").to_pandas()


def complaint_examples(
    warehouse: Warehouse,
    monday: date,
    brands: Sequence[str],
    words: Sequence[str],
    limit: int,
) -> pd.DataFrame:
    """The week's first `limit` complaint comments: time, channel, text (unmasked: mask next)."""
    found = _complaints(warehouse, brands, words)
    found = found.filter(
        (found.ts >= _bound(monday)) & (found.ts < _bound(monday + timedelta(days=7)))
    )
    return found.select("ts", "channel", "text").order_by(["ts", "text"]).limit(limit).to_pandas()
