"""The report's params from a notebook's parameters cell, taken by name.

The parameters cell is the one list of a notebook's parameters; the set-up cell passes the
kernel's names (`globals()`) here instead of naming each parameter again, so the cell and the
params model cannot drift, and a bad value or a misspelt name in JupyterLab gets the same
message as `python -m analysis run` gives for a params file.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from types import ModuleType
from typing import Any

from analysis.params import REPORTS, ReportParams, validate_report

KERNEL_ONLY = frozenset({"results_path", "contract_warnings"})
"""Names of the parameters cell the runner fills for the kernel; they are not params."""

TYPO_CUTOFF = 0.8
"""How close (difflib ratio) a name must be to a parameter to be read as a misspelling of it."""


def params_from_cell(cell: Mapping[str, Any], source: str = "parameters cell") -> ReportParams:
    """Validate the report's params from the names the parameters cell defined.

    Every parameter of the report's model the cell defines is passed; a name close to one but
    not it (`lookback_dayz`) is passed too, so the model refuses it naming the accepted keys.
    """
    report = cell.get("report")
    model = REPORTS.get(report) if isinstance(report, str) else None
    if model is None:
        return validate_report({"report": report}, source)  # raises, naming the reports
    fields = list(model.model_fields)
    values = {name: cell[name] for name in fields if name in cell}
    for name, value in cell.items():
        if name in values or name in KERNEL_ONLY or name.startswith("_"):
            continue
        if isinstance(value, ModuleType | type) or callable(value):
            continue
        if difflib.get_close_matches(name, fields, n=1, cutoff=TYPO_CUTOFF):
            values[name] = value
    return validate_report(values, source)
