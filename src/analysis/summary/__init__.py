"""The monthly summary for stakeholders: KPI scorecard, budget execution, this month's decisions."""

from __future__ import annotations

from analysis.summary.display import (
    show_decisions,
    show_execution,
    show_overview,
    show_scorecard,
    show_sources,
)
from analysis.summary.report import SummaryReport, run

__all__ = [
    "SummaryReport",
    "run",
    "show_decisions",
    "show_execution",
    "show_overview",
    "show_scorecard",
    "show_sources",
]
