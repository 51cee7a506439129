"""Anomaly report: explained, ranked alerts on daily (or hourly) marketing metrics."""

from __future__ import annotations

from analysis.anomaly.display import (
    show_heatmap,
    show_incidents,
    show_nab,
    show_overview,
    show_rule_alerts,
    show_top_incidents,
)
from analysis.anomaly.report import AnomalyReport, AnomalyTables, run

__all__ = [
    "AnomalyReport",
    "AnomalyTables",
    "run",
    "show_heatmap",
    "show_incidents",
    "show_nab",
    "show_overview",
    "show_rule_alerts",
    "show_top_incidents",
]
