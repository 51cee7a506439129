"""Traffic by channel week on week, with paid, free and private (私域) traffic apart."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import pandas as pd

TrafficClass = Literal["paid", "free", "private"]
TRAFFIC_CLASSES: tuple[TrafficClass, ...] = ("paid", "free", "private")


@dataclass(frozen=True)
class ChannelTraffic:
    """One channel's sessions, page views and users this week and last."""

    channel: str
    traffic_class: TrafficClass
    sessions: int
    sessions_last_week: int
    change: float | None  # relative, sessions on last week
    page_views: int
    users: int
    orders: int  # sessions that reached the funnel's last step
    conversion: float | None  # orders / sessions


@dataclass(frozen=True)
class ClassTraffic:
    """Paid, free or private traffic in total, and its share of all sessions."""

    traffic_class: TrafficClass
    sessions: int
    sessions_last_week: int
    change: float | None
    share: float | None
    share_last_week: float | None


def traffic_class(channel: str, paid: Sequence[str], private: Sequence[str]) -> TrafficClass:
    """Private when listed as private, paid when listed as paid, free otherwise."""
    if channel in private:
        return "private"
    return "paid" if channel in paid else "free"


def _change(now: float, before: float) -> float | None:
    return now / before - 1 if before > 0 else None


def channel_traffic(
    counts: pd.DataFrame,
    *,
    this_week: int,
    last_step: str,
    paid: Sequence[str],
    private: Sequence[str],
    order: Sequence[str],
) -> list[ChannelTraffic]:
    """Every channel with sessions this week or last, in `order` (others after, by name)."""
    now = counts[counts["week"] == this_week].set_index("channel")
    before = counts[counts["week"] == this_week - 1].set_index("channel")
    channels = sorted(set(now.index) | set(before.index), key=lambda c: _rank(c, order))
    rows = []
    for channel in channels:
        current = now.loc[channel] if channel in now.index else None
        sessions = int(current["sessions"]) if current is not None else 0
        last = int(before.loc[channel, "sessions"]) if channel in before.index else 0
        orders = int(current[f"reached_{last_step}"]) if current is not None else 0
        rows.append(
            ChannelTraffic(
                channel=channel,
                traffic_class=traffic_class(channel, paid, private),
                sessions=sessions,
                sessions_last_week=last,
                change=_change(sessions, last),
                page_views=int(current["page_views"]) if current is not None else 0,
                users=int(current["users"]) if current is not None else 0,
                orders=orders,
                conversion=orders / sessions if sessions else None,
            )
        )
    return rows


def class_traffic(rows: Sequence[ChannelTraffic]) -> list[ClassTraffic]:
    """Paid, free and private totals with their shares this week and last."""
    total = sum(r.sessions for r in rows)
    total_last = sum(r.sessions_last_week for r in rows)
    result = []
    for kind in TRAFFIC_CLASSES:
        sessions = sum(r.sessions for r in rows if r.traffic_class == kind)
        last = sum(r.sessions_last_week for r in rows if r.traffic_class == kind)
        result.append(
            ClassTraffic(
                traffic_class=kind,
                sessions=sessions,
                sessions_last_week=last,
                change=_change(sessions, last),
                share=sessions / total if total else None,
                share_last_week=last / total_last if total_last else None,
            )
        )
    return result


def _rank(channel: str, order: Sequence[str]) -> tuple[int, str]:
    return (order.index(channel), "") if channel in order else (len(order), channel)
