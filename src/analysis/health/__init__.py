"""The data-health report: what is in the warehouse, whether it can be trusted, the month's KPIs."""

from __future__ import annotations

from analysis.health.display import (
    axis_label,
    biggest_moves,
    coverage_sentence,
    daily_sentence,
    figure_alt,
    kpi_caption,
    kpi_frame,
    leader_title,
    profile_caption,
    profile_frame,
)
from analysis.health.kpis import KpiChange, month_kpis
from analysis.health.profile import TableProfile, profile_tables
from analysis.health.queries import (
    daily_orders_by_channel,
    daily_spend_by_channel,
    erased_count,
    unmatched_erasures,
)
from analysis.health.report import DataHealth, summarise

__all__ = [
    "DataHealth",
    "KpiChange",
    "TableProfile",
    "axis_label",
    "biggest_moves",
    "coverage_sentence",
    "daily_orders_by_channel",
    "daily_sentence",
    "daily_spend_by_channel",
    "erased_count",
    "figure_alt",
    "kpi_caption",
    "kpi_frame",
    "leader_title",
    "month_kpis",
    "profile_caption",
    "profile_frame",
    "profile_tables",
    "summarise",
    "unmatched_erasures",
]
