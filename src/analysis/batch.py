"""Run a month's batch of reports in parallel kernels and write the month's index page.

One failing report does not stop the others; the batch ends with a summary table and
`index.html` linking every report with its headline and status.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import multiprocessing
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing import get_context
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from analysis.errors import AnalysisError, ReportError
from analysis.fonts import with_page_font
from analysis.i18n import HTML_LANG, catalogue, month, text
from analysis.kernels import new_budget, plan_kernels, start_spare, stop_spare
from analysis.navigation import language_links
from analysis.params import DataSource, ReportParams
from analysis.paths import NOTEBOOKS_DIR
from analysis.reporting.results import RunRecord, read_record
from analysis.runner import (
    FAILED_RECORD,
    STAGING_PREFIX,
    Prechecked,
    RunOutcome,
    check_out_dir,
    exit_on_sigterm,
    kill_kernels,
    new_run_id,
    precheck,
    run_report,
)
from analysis.warehouse import remove_orphaned_temp

MONTH_FOLDER = re.compile(r"\d{4}-\d{2}")


LOCK_FILE = ".batch.lock"
"""An output folder's lock: one batch at a time writes a month (the OS releases it when the
holder dies, even by SIGKILL)."""


@contextlib.contextmanager
def folder_lock(out_dir: Path, run_id: str) -> Iterator[None]:
    """Hold `out_dir`'s lock for the batch, or refuse at once when another batch holds it."""
    path = out_dir / LOCK_FILE
    handle = path.open("a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another batch"
            raise ReportError(
                f"{out_dir} is being written by another batch ({holder}); wait for it to "
                "finish, or give another folder with --out"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"run {run_id}, process {os.getpid()}\n")
        handle.flush()
        yield
    finally:
        handle.close()


def remove_leftovers(out_dir: Path) -> list[Path]:
    """Staging folders (`.staging-<pid>-<name>.…`) that runs killed outright left in
    `out_dir`; a live process's (an `analysis run` writing to the same folder) are kept."""
    return remove_orphaned_temp(STAGING_PREFIX, out_dir)


def run_one(
    params: ReportParams,
    out_dir: Path,
    notebooks_dir: Path | None,
    prechecked: list[Prechecked],
    run_id: str | None = None,
) -> RunOutcome:
    """Run a report and turn any failure into a failed outcome with its message."""
    clock = time.perf_counter()
    mine = next((p for p in prechecked if p.source == params.data), None)
    if run_id is not None and "run_id" in type(params).model_fields:
        params = params.model_copy(update={"run_id": run_id})  # the summary reads this run only
    try:
        return run_report(params, out_dir, notebooks_dir, mine, run_id)
    except SystemExit as stop:
        if _PARENT is not None:  # the pool would report it and hand this worker the next report
            _exit_worker(stop.code if isinstance(stop.code, int) else 1)
        raise
    except AnalysisError as exc:
        message = str(exc)
    except Exception as exc:  # a bug must not stop the batch; keep its type and message
        message = f"unexpected {type(exc).__name__}: {exc}"
    if _ENDING:  # the SIGTERM's exit became another error (a kernel that died under nbclient)
        _exit_worker(128 + signal.SIGTERM)
    return RunOutcome(
        name=params.output_name,
        report=params.report,
        status="failed",
        seconds=time.perf_counter() - clock,
        error=message,
    )


def run_batch(
    reports: list[ReportParams],
    out_dir: Path,
    *,
    jobs: int = 2,
    notebooks_dir: Path | None = None,
    progress: bool = True,
) -> list[RunOutcome]:
    """Run every report (up to `jobs` at once), print progress, write index.html.

    The batch holds the folder's lock throughout and gives every report one run id. Ctrl-C
    stops it: kernels and workers are ended, unfinished reports' staging removed, and the
    index is not rewritten (`BatchInterrupted` names what finished). Kernels are started
    before they are needed (`analysis.kernels`): the workers' while the tables are checked,
    and the last group's (the summary's) as soon as a core is free.
    """
    out_dir = check_out_dir(out_dir.resolve())
    run_id = new_run_id()
    exit_on_sigterm()
    with folder_lock(out_dir, run_id):
        remove_leftovers(out_dir)
        # reports that read the others' results (the summary) run once those are written
        first = [p for p in reports if not p.runs_last]
        last = [p for p in reports if p.runs_last]
        outcomes: list[RunOutcome] = []
        batch = _Batch(out_dir, notebooks_dir, [], jobs, len(reports), progress, run_id)
        try:
            with _workers(first, batch) as pool:
                plan_kernels(new_budget(len(last) + (0 if pool else len(first))))
                if pool is None:  # this process runs the first report: its kernel starts now
                    start_spare(batch.notebooks)
                batch.shared.extend(precheck_sources(reports))
                _run_group(first, pool, batch, outcomes, then=last)
            _run_group(last, None, batch, outcomes)
        except KeyboardInterrupt:
            kill_kernels()  # a report running in this process (jobs 1, the summary) has one
            done = [o.name for o in outcomes]
            unfinished = [p.output_name for p in reports if p.output_name not in done]
            remove_leftovers(out_dir)  # the killed workers'; this process's run unwound its own
            raise BatchInterrupted(done, unfinished) from None
        finally:
            plan_kernels(None)  # and stop a spare no report took
        order = {p.output_name: i for i, p in enumerate(reports)}
        outcomes.sort(key=lambda o: order[o.name])
        write_index(out_dir, reports[0].period, outcomes, reports[0].lang)
        write_months_index(out_dir.parent, reports[0].lang)
    return outcomes


@dataclass(frozen=True)
class _Batch:
    """What every report of one batch run shares."""

    out_dir: Path
    notebooks_dir: Path | None
    shared: list[Prechecked]
    jobs: int
    total: int
    progress: bool
    run_id: str

    @property
    def notebooks(self) -> Path:
        """The folder of the report notebooks (their kernels' working folder)."""
        return self.notebooks_dir or NOTEBOOKS_DIR


@contextlib.contextmanager
def _workers(group: list[ReportParams], batch: _Batch) -> Iterator[ProcessPoolExecutor | None]:
    """Worker processes for `group` (None: it runs in this process), started at once so that
    their kernels warm up while the batch checks the tables; ended on Ctrl-C."""
    if batch.jobs <= 1 or len(group) <= 1:
        yield None
        return
    # spawn, not fork: a forked worker would share the parent's Spark gateway and DuckDB threads
    pool = ProcessPoolExecutor(
        max_workers=batch.jobs,
        mp_context=get_context("spawn"),
        initializer=start_worker,
        initargs=(
            max(1, (os.cpu_count() or 1) // batch.jobs),
            os.getpid(),
            new_budget(len(group)),
            batch.notebooks,
        ),
    )
    for _ in range(batch.jobs):  # the pool starts a worker per task submitted: start them all now
        pool.submit(_started)
    try:
        yield pool
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        _stop_workers()
        raise
    pool.shutdown()


def _started() -> None:
    """A task that only makes the pool start a worker."""


def _run_group(
    group: list[ReportParams],
    pool: ProcessPoolExecutor | None,
    batch: _Batch,
    outcomes: list[RunOutcome],
    then: list[ReportParams] | None = None,
) -> None:
    """Run `group` in `pool` (or here, one after another), appending each outcome as it
    finishes. Once fewer reports run than there are jobs, a core is free: the kernel of
    the first report `then` (the next group, run in this process) starts on it."""
    args = (batch.out_dir, batch.notebooks_dir, batch.shared, batch.run_id)
    if pool is None:
        for params in group:
            outcomes.append(run_one(params, *args))
            _progress(outcomes[-1], len(outcomes), batch.total, batch.progress)
        return
    futures = [pool.submit(run_one, p, *args) for p in group]
    for done, future in enumerate(as_completed(futures), start=1):
        outcomes.append(future.result())
        _progress(outcomes[-1], len(outcomes), batch.total, batch.progress)
        if len(group) - done < batch.jobs and then:
            start_spare(batch.notebooks, batch.notebooks / f"{then[0].report}.ipynb")


class BatchInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped the batch: which reports finished (their files are written) and which not."""

    def __init__(self, finished: list[str], unfinished: list[str]) -> None:
        super().__init__(finished, unfinished)
        self.finished = finished
        self.unfinished = unfinished


_PARENT: int | None = None
"""In a pool worker: the pid of the batch that started it."""


def start_worker(
    threads: int, parent: int, budget: Synchronized | None = None, notebooks: Path | None = None
) -> None:
    """A pool worker: bounded threads, Ctrl-C left to the batch, and it dies with the batch.

    The terminal sends SIGINT to every process of the batch; a worker that took it would
    print its tracebacks and keep its kernel busy, so the batch ends its workers itself.
    With a `budget`, it starts a kernel for its first report at once (in `notebooks`).
    """
    global _PARENT
    _PARENT = parent
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _end_worker)
    bound_threads(threads)
    watch_parent(parent)
    plan_kernels(budget)
    start_spare(notebooks or NOTEBOOKS_DIR)


def _exit_worker(code: int) -> None:
    gc.collect()  # private temporary folders go with their warehouse
    stop_spare()  # (killed already) its connection file and sockets: _exit skips atexit
    os._exit(code)


_ENDING = False
"""In a pool worker: SIGTERM arrived; start no kernel, take no next report."""


def _end_worker(signum: int, _frame: object) -> None:
    """SIGTERM in a worker: kill its kernels (they run in sessions of their own), then

    - from the batch (Ctrl-C): exit at once; the batch removes the staging folders;
    - from the orphan watch (the batch is gone): unwind the report, so it is marked failed
      and its staging and temporary files are removed; `run_one` then exits.
    """
    global _ENDING
    _ENDING = True
    plan_kernels(None, stop=False)  # no spare is started on the way out
    kill_kernels()
    if os.getppid() == _PARENT:
        os._exit(128 + signum)
    raise SystemExit(128 + signum)


def _stop_workers(grace: float = 2.0) -> None:
    """End this process's worker processes: SIGTERM, then SIGKILL after `grace` seconds."""
    workers = multiprocessing.active_children()
    for worker in workers:
        worker.terminate()
    deadline = time.monotonic() + grace
    for worker in workers:
        worker.join(max(0.0, deadline - time.monotonic()))
        if worker.is_alive():
            worker.kill()
            worker.join()


THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "DUCKDB_THREADS",
)
"""Thread pools a kernel would otherwise size to every core (BLAS, OpenMP for k-means, DuckDB)."""


PARENT_POLL_SECONDS = 1.0
EXIT_GRACE_SECONDS = 20.0
"""How long an orphaned worker may take to unwind (shut its kernel down) before it is ended."""


def watch_parent(parent: int, poll: float = PARENT_POLL_SECONDS) -> threading.Thread:
    """End this process when `parent` is gone (a kill -9 of the batch leaves no one to read
    the results: the worker would finish the queue unseen, then idle). The kernels it started
    watch it in turn (Jupyter's parent poller) and end with it."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll)
        os.kill(os.getpid(), signal.SIGTERM)  # a worker kills its kernels and exits
        time.sleep(EXIT_GRACE_SECONDS)
        os._exit(1)

    watcher = threading.Thread(target=watch, name="watch-parent", daemon=True)
    watcher.start()
    return watcher


def bound_threads(threads: int) -> None:
    """Give this worker, and the kernels it starts, `threads` threads per pool.

    With `--jobs N`, N kernels share the machine: each gets cores // N, so two kernels
    never run 2 × cores threads of k-means or BLAS against each other. A value the user
    set already is kept.
    """
    for variable in THREAD_VARIABLES:
        os.environ.setdefault(variable, str(threads))


def precheck_sources(reports: list[ReportParams]) -> list[Prechecked]:
    """Check every table the reports use once per data source (each report reuses it).

    A source that cannot be opened is left out: its reports then fail with the message.
    """
    by_source: dict[str, tuple[DataSource, list[str]]] = {}
    for params in reports:
        key = params.data.model_dump_json()
        source, tables = by_source.setdefault(key, (params.data, []))
        tables += [*params.tables_needed, *params.tables_optional]
    shared = []
    for source, tables in by_source.values():
        try:
            shared.append(precheck(source, tables))
        except Exception:
            continue
    return shared


def _progress(outcome: RunOutcome, done: int, total: int, show: bool) -> None:
    if show:
        mark = "ok    " if outcome.status == "ok" else "FAILED"
        print(f"[{done}/{total}] {mark} {outcome.name} ({outcome.seconds:.1f} s)", file=sys.stderr)


def summary_table(outcomes: list[RunOutcome]) -> str:
    """A plain-text table: report, status, seconds; failures' messages below it."""
    width = max(len("report"), *(len(o.name) for o in outcomes))
    lines = [f"{'report':<{width}}  status  seconds", f"{'-' * width}  ------  -------"]
    lines += [f"{o.name:<{width}}  {o.status:<6}  {o.seconds:7.1f}" for o in outcomes]
    for failed in (o for o in outcomes if o.status != "ok"):
        lines += ["", f"{failed.name} failed:", f"  {failed.error}"]
    return "\n".join(lines)


def _page(template: str, target: Path, **values: object) -> Path:
    """Render a template (autoescaped) and move it into place whole."""
    env = Environment(
        loader=PackageLoader("analysis", "templates"), autoescape=select_autoescape(["j2"])
    )
    page = with_page_font(env.get_template(template).render(**values))
    partial = target.with_suffix(".html.partial")
    partial.write_text(page, encoding="utf-8")
    partial.replace(target)
    return target


def _texts(lang: str, period: str = "") -> dict[str, str]:
    """The catalogue's index and column texts in `lang`, period filled where asked."""
    return {
        key.replace(".", "_"): template.replace("{period}", month(period, lang))
        for key, template in catalogue(lang).items()
        if key.startswith(("index.", "column.", "report.", "source.status.", "nav."))
    }


def write_months_index(root: Path, lang: str = "en") -> Path:
    """root/index.html: every month folder with a month index, each report's headline and status."""
    months = []
    for folder in sorted(
        (p for p in root.iterdir() if MONTH_FOLDER.fullmatch(p.name)), reverse=True
    ):
        if not (folder / "index.html").is_file():
            continue
        records = [read_record(path) for path in _record_paths(folder)]
        entries = [
            {
                "name": r.name,
                "report": r.report,
                "status": _last_status(folder, r)[0],
                "headline": r.headline,
                "href": f"{folder.name}/{r.name}.html"
                if (folder / f"{r.name}.html").is_file()
                else None,
            }
            for r in records
            if r is not None
        ]
        months.append(
            {
                "period": folder.name,
                "label": month(folder.name, lang),
                "href": f"{folder.name}/index.html",
                "entries": entries,
            }
        )
    return _page(
        "months.html.j2",
        root / "index.html",
        months=months,
        t=_texts(lang),
        lang=HTML_LANG[lang],
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )


def _record_paths(folder: Path) -> list[Path]:
    """The reports' records `<name>.json` (not the failure markers `<name>.failed.json`)."""
    return sorted(p for p in folder.glob("*.json") if not p.name.endswith(FAILED_RECORD))


def write_index(out_dir: Path, period: str, outcomes: list[RunOutcome], lang: str = "en") -> Path:
    """index.html of the month: each report's link, headline and status (data escaped)."""
    entries = [_index_entry(out_dir, o) for o in outcomes]
    listed = {o.name for o in outcomes}
    earlier = [read_record(path) for path in _record_paths(out_dir)]
    entries += [
        _earlier_entry(out_dir, record)
        for record in earlier
        if record is not None and record.name not in listed
    ]
    failed = sum(e["status"] != "ok" for e in entries)
    texts = _texts(lang, period)
    texts["index_failed"] = text("index.failed", lang, count=failed)
    return _page(
        "index.html.j2",
        out_dir / "index.html",
        period=period,
        entries=entries,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        failed=failed,
        t=texts,
        lang=HTML_LANG[lang],
        languages=Markup(" · ".join(language_links(out_dir, period, "index", lang))),
    )


def _index_entry(out_dir: Path, outcome: RunOutcome) -> dict:
    previous = out_dir / f"{outcome.name}.html"
    return {
        "name": outcome.name,
        "report": outcome.report,
        "status": outcome.status,
        "headline": outcome.headline,
        "error": outcome.error,
        "href": f"{outcome.name}.html" if previous.exists() else None,
    }


def _earlier_entry(out_dir: Path, record: RunRecord) -> dict:
    """A report of the month not in this batch: its last run's status, which is 'failed'
    when that run left `<name>.failed.json` (the good report linked is then an older one)."""
    status, error = _last_status(out_dir, record)
    outcome = RunOutcome(
        record.name, record.report, status, 0.0, headline=record.headline, error=error
    )
    return {**_index_entry(out_dir, outcome), "earlier": True}


def _last_status(folder: Path, record: RunRecord) -> tuple[str, str | None]:
    marker = read_record(folder / f"{record.name}{FAILED_RECORD}")
    if marker is not None:
        return "failed", marker.error
    return record.status, None
