"""The weekly data report (数据周报): channel traffic, the conversion funnel, the week's
incidents, content against its targets, comment sentiment and reputation alerts."""

from __future__ import annotations

from analysis.privacy import mask_text
from analysis.weekly.display import (
    show_content,
    show_funnel,
    show_incidents,
    show_overview,
    show_reputation,
    show_sentiment,
    show_traffic,
)
from analysis.weekly.report import WeeklyReport, run

__all__ = [
    "WeeklyReport",
    "mask_text",
    "run",
    "show_content",
    "show_funnel",
    "show_incidents",
    "show_overview",
    "show_reputation",
    "show_sentiment",
    "show_traffic",
]
