"""Open a report's warehouse in a notebook, whether the runner started it or an analyst did."""

from __future__ import annotations

from analysis.contract import check_contract
from analysis.i18n.currency import use_currency
from analysis.params import ReportParams
from analysis.reporting.style import setup_figures
from analysis.warehouse import Warehouse, open_warehouse


def open_report(
    params: ReportParams, contract_warnings: list[str] | None
) -> tuple[Warehouse, list[str]]:
    """The warehouse and the contract warnings to show, in the report's language.

    The runner checks the contract before the kernel starts and passes its warnings in;
    in JupyterLab (`contract_warnings` is None) the check runs here, as warnings.
    """
    setup_figures()
    use_currency(params.currency)
    warehouse = open_warehouse(params.data)
    if contract_warnings is None:
        contract_warnings = check_contract(
            warehouse, params.tables_needed, params.tables_optional, strict=False
        ).warnings(params.lang)
    return warehouse, list(contract_warnings)
