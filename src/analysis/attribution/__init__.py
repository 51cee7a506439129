"""Channel ROI report: multi-touch attribution, ROI against the thresholds, budget moves."""

from __future__ import annotations

from analysis.attribution.display import (
    show_budget,
    show_models,
    show_overview,
    show_paths,
    show_quadrants,
    show_roi,
)
from analysis.attribution.report import AttributionReport, AttributionTables, run

__all__ = [
    "AttributionReport",
    "AttributionTables",
    "run",
    "show_budget",
    "show_models",
    "show_overview",
    "show_paths",
    "show_quadrants",
    "show_roi",
]
