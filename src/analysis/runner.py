"""Run one report: validate, execute the notebook with papermill, write HTML, notebook and JSON.

Outputs land in `<out>/<name>.html|.ipynb|.json` only when the whole run succeeded: each is
written to a staging folder first and moved into place at the end, so a failed run leaves
the previous good report byte-identical and keeps the failed notebook as
`<name>.failed.ipynb` for debugging.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import ibis
import papermill
from papermill.exceptions import PapermillExecutionError

from analysis import __version__
from analysis.contract import (
    ContractReport,
    TableChecks,
    check_contract,
    check_tables,
    require_needed,
)
from analysis.engine import summed
from analysis.errors import AnalysisError, NoDataError, ParamsError, ReportError
from analysis.html import notebook_to_html, warm_up
from analysis.i18n import catalogue
from analysis.kernels import (  # noqa: F401  # re-exported: the batch and benchmarks use them
    KERNEL_PREFIX,
    LocalKernelManager,
    kernel_for,
    kernel_name,
    kill_kernels,
    prepare,
    start_spare,
    stop_kernel,
)
from analysis.navigation import report_nav, run_footer
from analysis.params import DataSource, ReportParams
from analysis.paths import NOTEBOOKS_DIR, month_dir
from analysis.schema import TABLES
from analysis.warehouse import Warehouse, open_warehouse, spark_session_released

log = logging.getLogger(__name__)

STAGING_PREFIX = ".staging-"
"""Staging folders `<out>/.staging-<pid>-<name>.<random>`; a batch removes those whose process
is gone (a killed run's, a stopped worker's)."""


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
    """reports/<period>/ under the project (reports/zh/<period>/ for a report in Chinese)."""
    return month_dir(params.period, params.lang)


FAILED_RECORD = ".failed.json"
"""`<name>.failed.json`: this run of the report failed (its error, run id and time). The
good `<name>.json` of an earlier run stays, but readers know it is not this run's."""


def exit_on_sigterm() -> None:
    """Turn SIGTERM into `SystemExit`, so a terminated run unwinds: kernels shut down, staging
    folders and private temporary files are removed, and the run is marked failed. (Only from
    the main thread, and only when nothing else handles SIGTERM already.)"""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _terminated)


def _terminated(signum: int, _frame: Any) -> None:
    raise SystemExit(128 + signum)


def new_run_id() -> str:
    """A run id: UTC time to the second plus 8 random hex digits (sorts by time)."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


def check_out_dir(out_dir: Path) -> Path:
    """The output folder, created if needed; a `ParamsError` when it is a file or cannot be
    written (checked before any kernel starts)."""
    if out_dir.exists() and not out_dir.is_dir():
        raise ParamsError(f"output folder {out_dir} is a file; give a folder (--out)")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ParamsError(
            f"output folder {out_dir} cannot be created: {exc.strerror or exc}; give a folder "
            "you can write to (--out)"
        ) from exc
    if not os.access(out_dir, os.W_OK | os.X_OK):
        raise ParamsError(f"output folder {out_dir} is not writable; give another (--out)")
    return out_dir


def run_report(
    params: ReportParams,
    out_dir: Path | None = None,
    notebooks_dir: Path | None = None,
    prechecked: Prechecked | None = None,
    run_id: str | None = None,
) -> RunOutcome:
    """Run one validated report end to end; raise an `AnalysisError` on any failure.

    Any failure (contract, no data, kernel death, a full disk) leaves `<name>.failed.json`
    next to the previous good report, so no reader takes that report for this run's.
    """
    out_dir = check_out_dir((out_dir or default_out_dir(params)).resolve())
    run_id = run_id or new_run_id()
    exit_on_sigterm()
    try:
        return _run_report(params, out_dir, notebooks_dir, prechecked, run_id)
    except KeyboardInterrupt:
        raise  # stopped by the user, not failed: the batch says what did not finish
    except BaseException as exc:  # a SIGTERM's SystemExit too: mark the run, then go on failing
        write_failure(out_dir, params, run_id, exc)
        raise


def write_failure(out_dir: Path, params: ReportParams, run_id: str, exc: BaseException) -> None:
    """Write `<name>.failed.json` (best effort: a full disk may refuse this too)."""
    record = {
        "report": params.report,
        "name": params.output_name,
        "status": "failed",
        "period": params.period,
        "run_id": run_id,
        "error": str(exc) or type(exc).__name__,
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    target = out_dir / f"{params.output_name}{FAILED_RECORD}"
    try:
        target.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    except OSError:
        log.warning("could not write %s", target)


def require_period_data(
    warehouse: Warehouse, params: ReportParams, checked: tuple[str, ...]
) -> None:
    """Raise `NoDataError` when none of the report's subject tables has a row in `period`."""
    tables = [n for n in params.period_tables if n in checked]
    if not tables:
        return
    first, last, period = params.data_window()
    seen: list[str] = []
    for name in tables:
        column = TABLES[name].time_column
        table = warehouse.table(name)
        assert column is not None
        inside = _in_period(table[column], first, last)
        row = (
            table.aggregate(
                rows=table.count(),
                in_period=inside.fill_null(False).cast("int64").sum(),
                first=table[column].min(),
                last=table[column].max(),
            )
            .to_pandas()
            .iloc[0]
        )
        if int(summed(row["in_period"])):
            return
        seen.append(
            f"table {name} ({warehouse.location(name)}) is empty"
            if not int(row["rows"])
            else f"table {name} ({warehouse.location(name)}) has {int(row['rows']):,} rows "
            f"from {_day(row['first'])} to {_day(row['last'])}, none in {period}"
        )
    subject = " or ".join(tables)
    raise NoDataError(
        f"report {params.output_name}: no {subject} rows in {period}: "
        + "; ".join(seen)
        + f". Choose a {_window_key(params, period)} the data covers or check the export.",
        tables[0],
        period,
    )


def _window_key(params: ReportParams, period: str) -> str:
    return "week (week: YYYY-Www)" if period != params.period else "period (period: YYYY-MM)"


def _in_period(column: ibis.Value, first: date, last: date) -> ibis.Value:
    if column.type().is_date():
        return (column >= first) & (column <= last)
    start = datetime.combine(first, datetime.min.time())
    return (column >= start) & (column < start + timedelta(days=(last - first).days + 1))


def _day(value: Any) -> str:
    return str(value)[:10] if value is not None and str(value) not in {"NaT", "None"} else "?"


def _run_report(
    params: ReportParams,
    out_dir: Path,
    notebooks_dir: Path | None,
    prechecked: Prechecked | None,
    run_id: str,
) -> RunOutcome:
    started = datetime.now(UTC)
    clock = time.perf_counter()
    notebook = (notebooks_dir or NOTEBOOKS_DIR) / f"{params.report}.ipynb"
    if not notebook.is_file():
        raise ReportError(f"report {params.report!r}: notebook {notebook} does not exist")
    name = params.output_name
    prepare(notebook)  # a warm kernel imports the report's modules while its data is checked

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
        require_period_data(warehouse, params, contract.checked)
        known_prints = prechecked.fingerprints if prechecked else {}
        fingerprint = {n: known_prints[n] for n in contract.checked if n in known_prints}
        fingerprint |= warehouse.fingerprint(set(contract.checked) - set(fingerprint))

    try:
        return _write_report(
            params, out_dir, notebook, contract, fingerprint, run_id, started, clock
        )
    except OSError as exc:  # a full disk, a folder removed under us: name the folder and cause
        raise ReportError(
            f"report {name}: its outputs cannot be written to {out_dir}: "
            f"{exc.strerror or exc}; the previous report is untouched."
        ) from exc


def _write_report(
    params: ReportParams,
    out_dir: Path,
    notebook: Path,
    contract: ContractReport,
    fingerprint: dict[str, Any],
    run_id: str,
    started: datetime,
    clock: float,
) -> RunOutcome:
    """Execute the notebook in a staging folder and move its outputs into place whole."""
    name = params.output_name
    # the pid in the name: a batch sweeping a killed run's folders leaves a live run's alone
    staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-{name}.", dir=out_dir))
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
            footer = run_footer(run_id, fingerprint, params.lang)
            html = notebook_to_html(executed, title, params.lang, nav, footer)
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
            "run_id": run_id,
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
        (out_dir / f"{name}{FAILED_RECORD}").unlink(missing_ok=True)
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
        _run_notebook(notebook, executed, parameters)
    except PapermillExecutionError as exc:
        if executed.exists():
            shutil.copyfile(executed, failed_copy)
        raise ReportError(describe_failure(name, exc, failed_copy)) from None
    except AnalysisError:
        raise
    except Exception as exc:  # kernel died, notebook unreadable: say which report and why
        raise ReportError(f"report {name}: the notebook could not run: {exc}") from exc


def _run_notebook(notebook: Path, executed: Path, parameters: dict[str, Any]) -> None:
    """Execute `notebook` in a warm kernel (`kernels.kernel_for`), then stop that kernel.

    Once the notebook has run, passed or failed, the next report's kernel is started (when
    one is to come), so it warms up while this report is written.
    """
    manager = kernel_for(notebook)
    warm_up()  # the HTML conversion's one-time set-up, while the kernel works
    try:
        papermill.execute_notebook(
            str(notebook),
            str(executed),
            parameters=parameters,
            kernel_name=manager.kernel_name,
            cwd=str(notebook.parent),
            progress_bar=False,
            log_output=False,
            km=manager,
        )
    except Exception:  # not SystemExit or Ctrl-C: nothing more runs then
        start_spare(notebook.parent)
        raise
    else:
        start_spare(notebook.parent)
    finally:
        stop_kernel(manager)


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
