"""Nothing wrong passes as ok: empty periods, failed runs, stale records, locks, leftovers."""

from __future__ import annotations

import errno
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tiny import tiny_tables, write_tiny

from analysis import runner
from analysis.batch import LOCK_FILE, folder_lock, remove_leftovers, run_batch
from analysis.errors import DataContractError, NoDataError, ParamsError, ReportError
from analysis.params import AnomalyParams, DataHealthParams, DataSource, RfmParams
from analysis.reporting.results import to_jsonable
from analysis.runner import run_report
from analysis.summary.sources import read_source


def _health_results() -> dict:
    """A data-health results record as the report publishes it (nothing in it is checked
    here but its shape: the summary reads records typed)."""
    from analysis.health.kpis import KpiChange
    from analysis.health.report import summarise

    kpis = [KpiChange(k, "", 1.0, 1.0, 0.0) for k in ("revenue", "orders", "spend")]
    return to_jsonable(summarise("2026-10", [], kpis, [], 0, lang="en"))


GOOD_RECORD = {
    "report": "data_health",
    "name": "data_health",
    "status": "ok",
    "run_id": "20261101T000000Z-old",
    "params": {"period": "2026-10"},
    "results": _health_results(),
}


def _health(data: Path, period: str = "2026-10") -> DataHealthParams:
    return DataHealthParams(period=period, data=DataSource(path=data))


def test_a_period_without_orders_is_a_named_no_data_error(tiny_dir: Path, tmp_path: Path):
    out = tmp_path / "out"
    with pytest.raises(NoDataError) as raised:
        run_report(RfmParams(period="2030-01", data=DataSource(path=tiny_dir)), out)
    message = str(raised.value)
    assert "no orders rows in 2030-01" in message
    assert "3 rows from 2026-10-01 to 2026-10-07" in message  # C3 asked for erasure
    assert (raised.value.table, raised.value.period) == ("orders", "2030-01")
    assert not (out / "rfm.html").exists()
    failed = json.loads((out / "rfm.failed.json").read_text(encoding="utf-8"))
    assert failed["status"] == "failed" and "2030-01" in failed["error"]


def test_an_empty_orders_table_is_a_named_no_data_error(tmp_path: Path):
    tables = tiny_tables()
    tables["orders"] = tables["orders"].iloc[0:0]
    data = write_tiny(tmp_path / "empty", tables)
    with pytest.raises(NoDataError, match=r"table orders \(.*orders.parquet\) is empty"):
        run_report(_health(data), tmp_path / "out")


def test_anomalies_need_rows_in_the_period_in_one_of_their_tables(tiny_dir, tmp_path):
    params = AnomalyParams(period="2030-01", data=DataSource(path=tiny_dir))
    with pytest.raises(NoDataError, match=r"no spend or touchpoints or orders or metrics rows"):
        run_report(params, tmp_path / "out")


def test_a_contract_failure_marks_the_run_failed_beside_the_good_report(tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "data_health.json").write_text(json.dumps(GOOD_RECORD), encoding="utf-8")
    before = (out / "data_health.json").read_bytes()
    tables = tiny_tables()
    tables["orders"].loc[0, "revenue"] = -5.0
    data = write_tiny(tmp_path / "broken", tables)
    assert read_source(out, "data_health", "2026-10").status == "ok"
    with pytest.raises(DataContractError):
        run_report(_health(data), out)
    assert (out / "data_health.json").read_bytes() == before  # the good report stays
    assert read_source(out, "data_health", "2026-10").status == "failed"


def test_a_record_of_another_run_is_stale_for_a_batch_summary(tmp_path: Path):
    (tmp_path / "data_health.json").write_text(json.dumps(GOOD_RECORD), encoding="utf-8")
    assert read_source(tmp_path, "data_health", "2026-10", run_id="this-run").status == "stale"
    same = read_source(tmp_path, "data_health", "2026-10", run_id=GOOD_RECORD["run_id"])
    assert same.status == "ok"


@pytest.mark.parametrize("kind", ["file", "unwritable"])
def test_a_bad_output_folder_is_a_params_error_before_any_kernel(tiny_dir, tmp_path, kind):
    out = tmp_path / "out"
    if kind == "file":
        out.write_text("not a folder", encoding="utf-8")
    else:
        if os.geteuid() == 0:
            pytest.skip("root writes anywhere")
        tmp_path.chmod(0o500)
        out = tmp_path / "sub" / "out"
    try:
        with pytest.raises(ParamsError, match=r"output folder"):
            run_report(_health(tiny_dir), out)
        with pytest.raises(ParamsError, match=r"output folder"):
            run_batch([_health(tiny_dir)], out, jobs=1, progress=False)
    finally:
        tmp_path.chmod(0o700)


def test_a_full_disk_while_writing_is_a_report_error_naming_the_folder(
    tiny_dir, tmp_path, monkeypatch
):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(runner.tempfile, "mkdtemp", full)
    with pytest.raises(ReportError, match=r"cannot be written to .*No space left on device"):
        run_report(_health(tiny_dir), tmp_path / "out")


def test_a_second_batch_into_a_locked_folder_refuses(tiny_dir: Path, tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    with (
        folder_lock(out, "first-run"),
        pytest.raises(ReportError, match=r"another batch \(run first-run"),
    ):
        run_batch([_health(tiny_dir, "2030-01")], out, jobs=1, progress=False)
    # released: the same batch now runs (and fails only on its empty period)
    (outcome,) = run_batch([_health(tiny_dir, "2030-01")], out, jobs=1, progress=False)
    assert outcome.status == "failed" and "no orders rows in 2030-01" in outcome.error
    assert (out / LOCK_FILE).exists() and (out / "index.html").exists()


def test_a_batch_removes_staging_folders_a_killed_run_left(tiny_dir, tmp_path):
    out = tmp_path / "out"
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()  # a process that is gone: its pid names a killed run's folder
    left = out / f"{runner.STAGING_PREFIX}{ended.pid}-rfm.abc123"
    live = out / f"{runner.STAGING_PREFIX}{os.getpid()}-abtest.def456"  # an `analysis run`
    for folder in (left, live):
        folder.mkdir(parents=True)
        (folder / "rfm.segments.csv").write_text("customer_id\nC1\n", encoding="utf-8")
    assert remove_leftovers(out) == [left] and not left.exists() and live.exists()
    left.mkdir()
    run_batch([_health(tiny_dir, "2030-01")], out, jobs=1, progress=False)
    assert not left.exists() and live.exists()


def test_a_failed_run_is_marked_failed_beside_the_earlier_good_record(tiny_dir, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "data_health.json").write_text(json.dumps(GOOD_RECORD), encoding="utf-8")
    (outcome,) = run_batch([_health(tiny_dir, "2030-01")], out, jobs=1, progress=False)
    assert outcome.status == "failed"
    failed = json.loads((out / "data_health.failed.json").read_text(encoding="utf-8"))
    assert failed["run_id"] != GOOD_RECORD["run_id"]
    assert read_source(out, "data_health", "2026-10").status == "failed"
    index = (out / "index.html").read_text(encoding="utf-8")
    rows = re.findall(r"<tr>(.*?)</tr>", index, flags=re.S)
    (row,) = [r for r in rows if "data_health" in r]
    assert '<td class="failed">' in row and "<pre>" in row  # the status and this run's error


WATCHED = """
import os, sys, time
from analysis.batch import watch_parent
watch_parent(int(sys.argv[1]), poll=0.1)
time.sleep(60)
"""

PARENT = """
import subprocess, sys, time, os
child = subprocess.Popen([sys.executable, "-c", sys.argv[1], str(os.getpid())])
print(child.pid, flush=True)
time.sleep(60)
"""


def test_a_worker_ends_when_the_batch_parent_is_killed():
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, WATCHED], stdout=subprocess.PIPE, text=True
    )
    child = int(parent.stdout.readline())
    time.sleep(1.0)  # the child has started its watch
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return  # gone
        if _is_zombie(child):
            return
        time.sleep(0.1)
    os.kill(child, signal.SIGKILL)
    pytest.fail("the worker outlived its killed parent by 10 s")


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except OSError:
        return False


def test_no_data_error_is_an_analysis_error_with_the_period():
    from analysis.errors import AnalysisError

    error = NoDataError("no orders rows in 2030-01", "orders", "2030-01")
    assert isinstance(error, AnalysisError) and error.period == "2030-01"


def test_temp_files_of_a_dead_process_are_removed_and_a_live_ones_kept(tmp_path: Path):
    from analysis.warehouse import SCRATCH_PREFIX, remove_orphaned_temp

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    orphan = tmp_path / f"{SCRATCH_PREFIX}{dead.pid}-abc"
    orphan.mkdir()
    (orphan / "0-orders.csv").write_text("order_id\nO1\n", encoding="utf-8")
    key = tmp_path / f"analysis-kernel-{dead.pid}-def.json"
    key.write_text("{}", encoding="utf-8")
    mine = tmp_path / f"{SCRATCH_PREFIX}{os.getpid()}-ghi"
    mine.mkdir()
    assert remove_orphaned_temp(SCRATCH_PREFIX, tmp_path) == [orphan]
    assert remove_orphaned_temp("analysis-kernel-", tmp_path) == [key]
    assert mine.exists() and not orphan.exists() and not key.exists()


TERMINATED = """
import sys, time
from pathlib import Path
from analysis.params import DataSource
from analysis.runner import exit_on_sigterm
from analysis.warehouse import open_warehouse
exit_on_sigterm()
warehouse = open_warehouse(DataSource(path=Path(sys.argv[1]), encoding="gb18030"))
warehouse.table("orders").count().execute()
print(warehouse.scratch_folder(), flush=True)
time.sleep(60)
"""


def test_sigterm_removes_the_transcoded_copy_of_an_export(tmp_path: Path):
    folder = tmp_path / "gb"
    folder.mkdir()
    tiny_tables()["orders"].to_csv(folder / "orders.csv", index=False, encoding="gb18030")
    run = subprocess.Popen(
        [sys.executable, "-c", TERMINATED, str(folder)], stdout=subprocess.PIPE, text=True
    )
    scratch = Path(run.stdout.readline().strip())
    assert any(scratch.iterdir())  # the UTF-8 copy of the export
    run.send_signal(signal.SIGTERM)
    assert run.wait(timeout=30) == 128 + signal.SIGTERM
    assert not scratch.exists()


def test_the_index_lists_an_earlier_report_whose_last_run_failed_as_failed(tiny_dir, tmp_path):
    out = tmp_path / "2026-10"
    out.mkdir()
    rfm = {**GOOD_RECORD, "report": "rfm", "name": "rfm", "results": {"headline": "old news"}}
    (out / "rfm.json").write_text(json.dumps(rfm), encoding="utf-8")
    (out / "rfm.html").write_text("<p>old</p>", encoding="utf-8")
    failed = {"report": "rfm", "name": "rfm", "status": "failed", "error": "kernel died"}
    (out / "rfm.failed.json").write_text(json.dumps(failed), encoding="utf-8")
    run_batch([_health(tiny_dir, "2030-01")], out, jobs=1, progress=False)
    index = (out / "index.html").read_text(encoding="utf-8")
    row = index[index.index('href="rfm.html"') :].split("</tr>")[0]
    assert "kernel died" in row and 'class="failed"' in row
    months = (tmp_path / "index.html").read_text(encoding="utf-8")
    row = months[months.index("2026-10/rfm.html") :].split("</tr>")[0]
    assert 'class="failed"' in row


@pytest.mark.slow
def test_a_batch_summary_calls_a_record_of_an_earlier_run_stale(tiny_dir, tmp_path):
    from analysis.params import SummaryParams

    out = tmp_path / "out"
    out.mkdir()
    rfm = {**GOOD_RECORD, "report": "rfm", "name": "rfm", "results": {"headline": "old news"}}
    (out / "rfm.json").write_text(json.dumps(rfm), encoding="utf-8")
    summary = SummaryParams(
        report="monthly_summary", period="2026-10", data=DataSource(path=tiny_dir)
    )
    reports = [_health(tiny_dir), summary]
    outcomes = run_batch(reports, out, jobs=1, progress=False)
    assert [o.status for o in outcomes] == ["ok", "ok"]
    record = json.loads((out / "monthly_summary.json").read_text(encoding="utf-8"))
    health = json.loads((out / "data_health.json").read_text(encoding="utf-8"))
    assert health["run_id"] == record["run_id"] == record["params"]["run_id"]
    page = (out / "data_health.html").read_text(encoding="utf-8")  # the page says it too
    footer = page[page.index('<footer class="report-run"') :]
    assert health["run_id"] in footer
    rows = health["data_fingerprint"]["orders"]["rows"]
    assert (
        f"orders {rows:,} rows, latest {health['data_fingerprint']['orders']['max_time'][:16]}"
        in footer
    )
    statuses = {s["name"]: s["status"] for s in record["results"]["sources"]}
    assert statuses["data_health"] == "ok" and statuses["rfm"] == "stale"


def test_a_terminated_worker_exits_instead_of_taking_the_next_report(tiny_dir, monkeypatch):
    """The pool catches a report's SystemExit and would hand the worker the next report."""
    from analysis import batch

    class Exited(Exception):
        pass

    def stop(*args, **kwargs):
        raise SystemExit(143)

    def exit_now(code):
        raise Exited(code)

    monkeypatch.setattr(batch, "run_report", stop)
    monkeypatch.setattr(batch.os, "_exit", exit_now)
    monkeypatch.setattr(batch, "_PARENT", os.getppid())
    with pytest.raises(Exited, match="143"):
        batch.run_one(_health(tiny_dir), tiny_dir, None, [])
    monkeypatch.setattr(batch, "_PARENT", None)
    with pytest.raises(SystemExit):
        batch.run_one(_health(tiny_dir), tiny_dir, None, [])


def test_a_week_without_rows_is_no_data_even_when_its_month_has_some(demo_dir, tmp_path):
    import duckdb

    from analysis.params import WeeklyParams
    from analysis.runner import require_period_data
    from analysis.warehouse import open_warehouse

    folder = tmp_path / "gap"
    folder.mkdir()
    duckdb.sql(
        f"COPY (SELECT * FROM '{demo_dir / 'page_views.parquet'}' WHERE CAST(ts AS DATE)"
        " NOT BETWEEN DATE '2026-10-11' AND DATE '2026-10-19')"
        f" TO '{folder / 'page_views.parquet'}' (FORMAT parquet)"
    )
    warehouse = open_warehouse(DataSource(path=folder))
    gap = WeeklyParams(week="2026-W42", data={"path": str(folder)})
    with pytest.raises(NoDataError, match=r"no page_views rows in 2026-W42.*week: YYYY-Www"):
        require_period_data(warehouse, gap, ("page_views",))
    require_period_data(
        warehouse, WeeklyParams(week="2026-W43", data={"path": str(folder)}), ("page_views",)
    )
