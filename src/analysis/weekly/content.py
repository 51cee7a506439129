"""Content of the week ranked by reads, with completion and share rates against the targets.

Completion rate = completions / reads (plays watched to the end / plays) and is judged only
for video formats on a channel with a target (the handbook: Douyin ≥ 30%). A series is the
text inside 【…】 at the start of a title (「【护肤误区】第3期」 → 护肤误区), else the text
before a ｜ or | (「成分党实测｜2」 → 成分党实测); other items are their own series.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

VIDEO_FORMATS = ("short_video", "live", "video")
_SERIES = re.compile(r"^\s*【([^】]+)】|^([^｜|]+)[｜|]")


@dataclass(frozen=True)
class ContentLine:
    """One content item's week."""

    rank: int
    content_id: str
    channel: str
    title: str
    format: str
    series: str
    reads: int
    reads_last_week: int
    completion_rate: float | None
    completion_target: float | None
    below_target: bool
    share_rate: float | None
    likes: int
    comments: int
    followers_gained: int


@dataclass(frozen=True)
class SeriesLine:
    """A series' week: its items, reads and pooled completion rate against the target."""

    series: str
    channel: str
    items: int
    reads: int
    completion_rate: float | None
    completion_target: float | None
    below_target: bool


def series_of(title: str) -> str:
    """The series a title belongs to: its 【…】 or text before ｜, else the title itself."""
    match = _SERIES.match(title or "")
    return (match.group(1) or match.group(2)).strip() if match else (title or "")


def content_lines(
    weeks: pd.DataFrame, *, this_week: int, targets: Mapping[str, float]
) -> list[ContentLine]:
    """Items with reads this week, most read first."""
    now = weeks[weeks["week"] == this_week]
    before = weeks[weeks["week"] == this_week - 1].set_index("content_id")["reads"]
    now = now.sort_values(["reads", "content_id"], ascending=[False, True])
    lines = []
    for rank, row in enumerate(now.itertuples(index=False), start=1):
        reads = int(row.reads)
        target = targets.get(row.channel) if row.format in VIDEO_FORMATS else None
        completion = int(row.completions) / reads if reads and row.format in VIDEO_FORMATS else None
        lines.append(
            ContentLine(
                rank=rank,
                content_id=row.content_id,
                channel=row.channel,
                title=row.title,
                format=row.format,
                series=series_of(row.title),
                reads=reads,
                reads_last_week=int(before.get(row.content_id, 0)),
                completion_rate=completion,
                completion_target=target,
                below_target=completion is not None and target is not None and completion < target,
                share_rate=int(row.shares) / reads if reads else None,
                likes=int(row.likes),
                comments=int(row.comments),
                followers_gained=int(row.followers_gained),
            )
        )
    return lines


def series_lines(
    weeks: pd.DataFrame, lines: Sequence[ContentLine], *, this_week: int
) -> list[SeriesLine]:
    """Video series of the week with their pooled completion rate, lowest against target first."""
    now = weeks[(weeks["week"] == this_week) & weeks["format"].isin(VIDEO_FORMATS)].copy()
    now["series"] = now["title"].map(series_of)
    targets = {(line.series, line.channel): line.completion_target for line in lines}
    result = []
    for (series, channel), rows in now.groupby(["series", "channel"], sort=True):
        reads = int(rows["reads"].sum())
        rate = int(rows["completions"].sum()) / reads if reads else None
        target = targets.get((series, channel))
        result.append(
            SeriesLine(
                series=series,
                channel=channel,
                items=len(rows),
                reads=reads,
                completion_rate=rate,
                completion_target=target,
                below_target=rate is not None and target is not None and rate < target,
            )
        )
    return sorted(result, key=lambda s: (not s.below_target, -(s.reads)))
