"""The RFM report: customer classes, R×F segments, clusters, lifetime value and migration."""

from __future__ import annotations

from analysis.rfm.display import (
    export_segments,
    show_clusters,
    show_lifetime_value,
    show_migration,
    show_overview,
    show_rules,
    show_segments,
)
from analysis.rfm.report import RfmReport, RfmTables, run

__all__ = [
    "RfmReport",
    "RfmTables",
    "export_segments",
    "run",
    "show_clusters",
    "show_lifetime_value",
    "show_migration",
    "show_overview",
    "show_rules",
    "show_segments",
]
