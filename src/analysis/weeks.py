"""Calendar units: ISO weeks (the weekly report's period: 2026-W43, its Monday, the weeks
before it) and the mean month length the reports turn days into months with."""

from __future__ import annotations

import re
from datetime import date, timedelta

from analysis.errors import ParamsError

DAYS_PER_MONTH = 30.4375
"""Days in the average month: 365.25 / 12 (a year with its leap day averaged in)."""

_WEEK = re.compile(r"^(\d{4})-W(0[1-9]|[1-4]\d|5[0-3])$")


def check_week(value: str) -> str:
    """`value` if it is an ISO week such as 2026-W43 that exists, else a ValueError."""
    match = _WEEK.match(str(value))
    if not match:
        raise ValueError(f"{value!r} is not an ISO week; write YYYY-Www, such as 2026-W43")
    year, week = int(match.group(1)), int(match.group(2))
    try:
        date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ValueError(f"{value!r}: {year} has no ISO week {week}") from None
    return value


def week_monday(week: str) -> date:
    """The Monday of ISO week `week` (YYYY-Www)."""
    try:
        year, number = (int(part) for part in check_week(week).split("-W"))
    except ValueError as exc:
        raise ParamsError(f"week: {exc}") from None
    return date.fromisocalendar(year, number, 1)


def week_of(day: date) -> str:
    """The ISO week (YYYY-Www) a day falls in."""
    year, number, _ = day.isocalendar()
    return f"{year}-W{number:02d}"


def week_month(week: str) -> str:
    """The month (YYYY-MM) an ISO week belongs to: the month of its Thursday."""
    thursday = week_monday(week) + timedelta(days=3)
    return f"{thursday.year}-{thursday.month:02d}"


def weeks_back(week: str, count: int) -> list[str]:
    """`count` weeks ending with `week`, oldest first."""
    monday = week_monday(week)
    return [week_of(monday - timedelta(weeks=k)) for k in range(count - 1, -1, -1)]


def weeks_of_month(month: str) -> list[str]:
    """The ISO weeks whose Thursday falls in `month` (YYYY-MM), in order."""
    year, mon = (int(part) for part in month.split("-"))
    day = date(year, mon, 1)
    weeks: list[str] = []
    while day.month == mon:
        if day.weekday() == 3:
            weeks.append(week_of(day))
        day += timedelta(days=1)
    return weeks
