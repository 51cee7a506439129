"""Run one report: validate, execute the notebook with papermill, write HTML, notebook and JSON.

Outputs land in `<out>/<name>.html|.ipynb|.json` only when the whole run succeeded: each is
written to a staging folder first and moved into place at the end, so a failed run leaves
the previous good report byte-identical and keeps the failed notebook as
`<name>.failed.ipynb` for debugging.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import papermill
from jupyter_client.manager import AsyncKernelManager
from papermill.exceptions import PapermillExecutionError

from analysis import __version__
from analysis.contract import TableChecks, check_contract, check_tables, require_needed
from analysis.errors import AnalysisError, ReportError
from analysis.html import notebook_to_html
from analysis.i18n import catalogue
from analysis.navigation import report_nav
from analysis.params import DataSource, ReportParams
from analysis.paths import NOTEBOOKS_DIR, REPORTS_DIR
from analysis.warehouse import open_warehouse, spark_session_released

log = logging.getLogger(__name__)

KERNEL_NAME = "marketing-analysis"
FALLBACK_KERNEL = "python3"


def report_title(report: str, lang: str = "en") -> str:
    """The report's title in `lang` (catalogue key `report.<name>`), else its name."""
    return catalogue(lang).get(f"report.{report}", report)


@dataclass(frozen=True)
class Prechecked:
    """Contract checks and fingerprints a batch made once for every report on one source."""

    source: DataSource
    checks: TableChecks
    fingerprints: dict[str, dict[str, Any]]


def precheck(source: DataSource, tables: list[str]) -> Prechecked:
    """Check and fingerprint `tables` of one source once (missing tables are recorded)."""
    with spark_session_released(source):  # a cluster's cores stay free for the kernels
        warehouse = open_warehouse(source)
        checks = check_tables(warehouse, tables)
        clean = {name for name, found in checks.items() if found == []}
        return Prechecked(source, checks, warehouse.fingerprint(clean))


@dataclass(frozen=True)
class RunOutcome:
    """What happened to one report run."""

    name: str
    report: str
    status: str  # "ok" or "failed"
    seconds: float
    html: Path | None = None
    headline: str | None = None
    error: str | None = None


def default_out_dir(params: ReportParams) -> Path:
    """reports/<period>/ under the project."""
    return REPORTS_DIR / params.period


def run_report(
    params: ReportParams,
    out_dir: Path | None = None,
    notebooks_dir: Path | None = None,
    prechecked: Prechecked | None = None,
) -> RunOutcome:
    """Run one validated report end to end; raise an `AnalysisError` on any failure."""
    started = datetime.now(UTC)
    clock = time.perf_counter()
    out_dir = (out_dir or default_out_dir(params)).resolve()
    notebook = (notebooks_dir or NOTEBOOKS_DIR) / f"{params.report}.ipynb"
    if not notebook.is_file():
        raise ReportError(f"report {params.report!r}: notebook {notebook} does not exist")
    name = params.output_name

    if prechecked is not None and prechecked.source != params.data:
        prechecked = None
    with spark_session_released(params.data):  # the kernel needs the cluster's cores
        warehouse = open_warehouse(params.data)
        contract = check_contract(
            warehouse,
            params.tables_needed,
            params.tables_optional,
            strict=params.data.strict,
            known=prechecked.checks if prechecked else None,
        )
        require_needed(contract, params.tables_needed)
        known_prints = prechecked.fingerprints if prechecked else {}
        fingerprint = {n: known_prints[n] for n in contract.checked if n in known_prints}
        fingerprint |= warehouse.fingerprint(set(contract.checked) - set(fingerprint))

    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=out_dir))
    try:
        executed = staging / f"{name}.ipynb"
        results_path = staging / "results.json"
        injected = params.notebook_parameters() | {
            "results_path": str(results_path),
            "contract_warnings": contract.warnings(params.lang),  # in the report's language
        }
        if "reports_dir" in injected and injected["reports_dir"] is None:
            injected["reports_dir"] = str(out_dir)  # a summary reads the reports it sits with
        failed_copy = out_dir / f"{name}.failed.ipynb"
        _execute(notebook, executed, injected, failed_copy, name)
        title = params.title or report_title(params.report, params.lang)
        try:
            results = _read_results(results_path, name)
            nav = report_nav(out_dir, params.period, name, params.lang)
            html = notebook_to_html(executed, title, params.lang, nav)
        except Exception as exc:
            shutil.copyfile(executed, failed_copy)
            if isinstance(exc, AnalysisError):
                raise
            raise ReportError(
                f"report {name}: the notebook ran but could not be turned into a report: "
                f"{type(exc).__name__}: {exc}. The executed notebook is kept at {failed_copy}; "
                "the previous report is untouched."
            ) from exc
        (staging / f"{name}.html").write_text(html, encoding="utf-8")
        record = {
            "report": params.report,
            "name": name,
            "status": "ok",
            "headline": results.get("headline"),
            "params": params.model_dump(mode="json"),
            "data_fingerprint": fingerprint,
            "contract_warnings": contract.warnings(),
            "package_version": __version__,
            "started": started.isoformat(timespec="seconds"),
            "finished": datetime.now(UTC).isoformat(timespec="seconds"),
            "results": results,
        }
        (staging / f"{name}.json").write_text(
            json.dumps(record, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
        )
        # exports the notebook wrote (e.g. <name>.segments.csv) first, the report files last
        main_files = {f"{name}{suffix}" for suffix in (".json", ".ipynb", ".html")}
        extras = [p for p in staging.iterdir() if p.name not in main_files | {"results.json"}]
        for extra in extras:
            extra.replace(out_dir / extra.name)
        for suffix in (".json", ".ipynb", ".html"):
            (staging / f"{name}{suffix}").replace(out_dir / f"{name}{suffix}")
        (out_dir / f"{name}.failed.ipynb").unlink(missing_ok=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return RunOutcome(
        name=name,
        report=params.report,
        status="ok",
        seconds=time.perf_counter() - clock,
        html=out_dir / f"{name}.html",
        headline=results.get("headline"),
    )


def _execute(
    notebook: Path, executed: Path, parameters: dict[str, Any], failed_copy: Path, name: str
) -> None:
    try:
        papermill.execute_notebook(
            str(notebook),
            str(executed),
            parameters=parameters,
            kernel_name=kernel_name(),
            cwd=str(notebook.parent),
            progress_bar=False,
            log_output=False,
            kernel_manager_class=LocalKernelManager,
        )
    except PapermillExecutionError as exc:
        if executed.exists():
            shutil.copyfile(executed, failed_copy)
        raise ReportError(describe_failure(name, exc, failed_copy)) from None
    except AnalysisError:
        raise
    except Exception as exc:  # kernel died, notebook unreadable: say which report and why
        raise ReportError(f"report {name}: the notebook could not run: {exc}") from exc


def describe_failure(name: str, exc: PapermillExecutionError, failed_copy: Path) -> str:
    """One readable paragraph: which cell failed, the cell's first line, the error."""
    first_line = next((line for line in exc.source.splitlines() if line.strip()), "")
    error = exc.evalue.strip().splitlines()
    # an AnalysisError raised inside the notebook already reads well: show it whole
    detail = "\n    ".join(error) if error else ""
    return (
        f"report {name} failed in cell {exc.exec_count} ({first_line.strip()[:80]!r}):\n"
        f"    {exc.ename}: {detail}\n"
        f"  The executed notebook is kept at {failed_copy}; the previous report is untouched."
    )


def _read_results(path: Path, name: str) -> dict[str, Any]:
    if not path.is_file():
        raise ReportError(
            f"report {name}: the notebook finished without publishing results; "
            "its last cell must call analysis.reporting.publish(results, results_path)"
        )
    return json.loads(path.read_text(encoding="utf-8"))


class LocalKernelManager(AsyncKernelManager):
    """Talks to the kernel over local socket files (IPC) instead of TCP on localhost.

    Nothing listens on a network port, and the kernel has no reason to warn that TCP
    traffic is unencrypted. Each kernel gets its own socket prefix, so parallel kernels of
    a batch never pick the same socket files.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.transport = "ipc"
        self.ip = str(Path(tempfile.gettempdir()) / f"analysis-kernel-{uuid.uuid4().hex}")


def kernel_name() -> str:
    """The project's registered kernel when present (make setup), else the default python3."""
    from jupyter_client.kernelspec import KernelSpecManager

    return (
        KERNEL_NAME if KERNEL_NAME in KernelSpecManager().find_kernel_specs() else FALLBACK_KERNEL
    )
