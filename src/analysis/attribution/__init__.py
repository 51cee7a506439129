"""Channel ROI report: multi-touch attribution, ROI against the thresholds, budget moves.

The report's entry points are imported on first use, so that the models alone
(`analysis.attribution.markov`, `rules`, `shapley`, `pathset`) load without the report's
engine, figure and display modules (a process that only attributes paths stays small).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from analysis.attribution.display import (
        show_budget,
        show_models,
        show_overview,
        show_paths,
        show_quadrants,
        show_roi,
    )
    from analysis.attribution.report import AttributionReport, AttributionTables, run

_HOME = {
    "AttributionReport": "report",
    "AttributionTables": "report",
    "run": "report",
    "show_budget": "display",
    "show_models": "display",
    "show_overview": "display",
    "show_paths": "display",
    "show_quadrants": "display",
    "show_roi": "display",
}

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


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOME[name]}"), name)
