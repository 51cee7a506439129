"""Shared helpers notebooks call to show findings, tables and figures and publish results.

The helpers are imported on first use, so that a process that only reads run records
(`analysis.reporting.results`: the batch and its workers) loads no figure or display modules
(matplotlib, IPython); a report's kernel imports them before its report comes
(`analysis.kernels.WARM_UP`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_HOME = {
    "CHANNEL_COLOURS": "style",
    "channel_colour": "style",
    "export_path": "results",
    "finding": "display",
    "open_report": "session",
    "params_from_cell": "cell",
    "publish": "results",
    "read_record": "results",
    "setup_figures": "style",
    "show_contract_warnings": "display",
    "show_figure": "display",
    "show_headline": "display",
    "show_table": "display",
    "show_title": "display",
    "to_jsonable": "results",
}

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


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOME[name]}"), name)
