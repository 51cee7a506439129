"""The A/B test report: title and copy experiments, a verdict each, with honest uncertainty."""

from __future__ import annotations

from analysis.abtest.display import (
    show_experiments,
    show_methods,
    show_overview,
    show_planning,
    show_portfolio,
)
from analysis.abtest.report import AbTestReport, run

__all__ = [
    "AbTestReport",
    "run",
    "show_experiments",
    "show_methods",
    "show_overview",
    "show_planning",
    "show_portfolio",
]
