"""Each notebook's parameters cell is the one list of its parameters: the set-up cell takes
them by name (`reporting.params_from_cell`), so the cell must hold every parameter of the
report's model, and a misspelt or bad one in JupyterLab gets the CLI's message."""

from __future__ import annotations

import nbformat
import pytest

from analysis.errors import ParamsError
from analysis.params import REPORTS
from analysis.paths import NOTEBOOKS_DIR
from analysis.reporting import params_from_cell
from analysis.reporting.cell import KERNEL_ONLY


def _cell(report: str) -> dict:
    """The names the notebook's parameters cell defines, with its default values."""
    notebook = nbformat.read(NOTEBOOKS_DIR / f"{report}.ipynb", as_version=4)
    cell = next(c for c in notebook.cells if "parameters" in c.metadata.get("tags", []))
    names: dict = {}
    exec(cell.source, {}, names)  # the project's own notebook, not data
    return names


@pytest.mark.parametrize("report", sorted(REPORTS))
def test_the_parameters_cell_holds_every_parameter_of_the_model(report: str) -> None:
    names = set(_cell(report))
    assert set(REPORTS[report].model_fields) <= names, report
    assert not names - set(REPORTS[report].model_fields) - KERNEL_ONLY, report


@pytest.mark.parametrize("report", ["rfm", "weekly", "attribution"])
def test_the_cell_defaults_make_the_params_by_name(report: str, tmp_path) -> None:
    cell = _cell(report) | {"period": "2026-10", "data": {"path": str(tmp_path)}}
    params = params_from_cell(cell | {"get_ipython": print, "reporting": pytest})
    for name in REPORTS[report].model_fields:
        value = getattr(params, name)
        given = cell[name]
        if name != "data" and not hasattr(value, "model_dump"):  # nested models: their own tests
            assert value == given or given is None or list(value) == list(given), name


def test_a_misspelt_parameter_gets_the_cli_message(tmp_path) -> None:
    cell = _cell("rfm") | {"period": "2026-10", "lookback_dayz": 90}
    cell["data"] = {"path": str(tmp_path)}
    with pytest.raises(ParamsError, match=r"unknown key 'lookback_dayz'; accepted keys here:.*"):
        params_from_cell(cell)


def test_a_bad_value_names_the_parameter_and_the_value(tmp_path) -> None:
    cell = _cell("rfm") | {"period": "2026-13", "data": {"path": str(tmp_path)}}
    with pytest.raises(ParamsError, match=r"(?s)parameters cell: 1 invalid.*key 'period'.*2026-13"):
        params_from_cell(cell)


def test_an_unknown_report_lists_the_reports() -> None:
    with pytest.raises(ParamsError, match=r"'rmf' is not a report; accepted: .*rfm"):
        params_from_cell({"report": "rmf"})
