"""Shared helpers notebooks call to show findings, tables and figures and publish results."""

from __future__ import annotations

from analysis.reporting.cell import params_from_cell
from analysis.reporting.display import (
    finding,
    show_contract_warnings,
    show_figure,
    show_headline,
    show_table,
    show_title,
)
from analysis.reporting.results import export_path, publish, read_record, to_jsonable
from analysis.reporting.session import open_report
from analysis.reporting.style import CHANNEL_COLOURS, channel_colour, setup_figures

__all__ = [
    "CHANNEL_COLOURS",
    "channel_colour",
    "export_path",
    "finding",
    "open_report",
    "params_from_cell",
    "publish",
    "read_record",
    "setup_figures",
    "show_contract_warnings",
    "show_figure",
    "show_headline",
    "show_table",
    "show_title",
    "to_jsonable",
]
