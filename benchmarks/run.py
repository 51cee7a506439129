"""`make bench`: wall time and peak memory of the report batch and of demo generation.

Each measurement runs in a fresh subprocess; peak memory is the largest resident set of
that process tree (`wait4` rusage: the process and every descendant it waited for, such as
notebook kernels). Ratios compare against baselines measured in the same run:
- the report batch against the floor of one bare papermill run (an empty notebook: kernel
  start-up, execution and HTML conversion, nothing of ours), per report;
- demo generation at scale 10 against scale 1 (10.0 means perfectly linear);
- each report of the batch, run alone, at scale 10 (and any scale in BATCH_SCALES) against
  the same report at scale 1 (10.0 means linear in the data).

`python benchmarks/run.py batch-scales` runs only the per-report section.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
PYTHON = sys.executable
MONTH = "2026-10"


@dataclass(frozen=True)
class Measurement:
    name: str
    seconds: float
    peak_mb: float
    note: str = ""


def measure(name: str, command: list[str], note: str = "") -> Measurement:
    """Run `command`, return its wall time and the peak RSS of its process tree."""
    return _measured(name, command, subprocess.DEVNULL, note)


def _measured(name: str, command: list[str], stdout, note: str = "") -> Measurement:
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=stdout)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"benchmark {name!r} failed: {' '.join(command)}")
    return Measurement(name, seconds, usage.ru_maxrss / 1024, note)


def floor_notebook() -> Path:
    """An empty notebook (one no-op cell tagged parameters): the papermill floor."""
    import nbformat

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    notebook.cells[0].metadata["tags"] = ["parameters"]
    path = OUT / "floor.ipynb"
    nbformat.write(notebook, path)
    return path


FLOOR_SCRIPT = """
import sys, papermill
from pathlib import Path
from analysis.html import notebook_to_html
from analysis.runner import LocalKernelManager, kernel_name
source, executed = sys.argv[1], sys.argv[2]
papermill.execute_notebook(source, executed, kernel_name=kernel_name(), progress_bar=False,
                           kernel_manager_class=LocalKernelManager)
Path(executed).with_suffix(".html").write_text(notebook_to_html(Path(executed), "floor"))
"""


def measure_reporting(name: str, command: list[str]) -> tuple[Measurement, float]:
    """Like `measure`, plus the inner 'compute seconds: N' the command prints."""
    log = OUT / "last-output.txt"
    with log.open("w") as sink:
        measured = _measured(name, command, sink)
    return measured, float(log.read_text().split(" seconds: ")[1].split()[0])


@dataclass(frozen=True)
class CellTimes:
    """Where a report's time went inside its executed notebook (papermill's cell timings)."""

    setup: float  # parameters and the set-up cell: imports, validating params, opening data
    compute: float  # every cell after the set-up: the report's own queries, statistics, display
    kernel_wait: float  # from papermill's start to the first cell: kernel start-up or its warm-up


def cell_times(executed: Path) -> CellTimes:
    """Sum papermill's per-cell durations: set-up up to the first cell that imports, the
    report's own compute after it."""
    notebook = json.loads(executed.read_text(encoding="utf-8"))
    cells = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    sources = ["".join(cell["source"]).split("\n") for cell in cells]
    imports = [any(x.startswith(("import ", "from ")) for x in lines) for lines in sources]
    first_import = imports.index(True)
    durations = [cell["metadata"]["papermill"]["duration"] or 0.0 for cell in cells]
    started = datetime.fromisoformat(notebook["metadata"]["papermill"]["start_time"])
    first = datetime.fromisoformat(cells[0]["metadata"]["papermill"]["start_time"])
    return CellTimes(
        sum(durations[: first_import + 1]),
        sum(durations[first_import + 1 :]),
        (first - started).total_seconds(),
    )


def report_breakdown(out: Path, table: str, floor: float) -> list[Measurement]:
    """Per report of a batch: its time in the batch (the summary table's seconds: checks,
    kernel, notebook, HTML, writing) split into its own compute and the overhead around it."""
    rows = [line.split() for line in table.splitlines()]
    seconds = {row[0]: float(row[2]) for row in rows if len(row) == 3 and row[1] == "ok"}
    results = []
    for name, total in seconds.items():
        cells = cell_times(out / f"{name}.ipynb")
        overhead = total - cells.compute
        note = (
            f"compute {cells.compute:.1f} s + overhead {overhead:.1f} s "
            f"({overhead / floor:.2f}× the floor: set-up cell {cells.setup:.1f} s, waiting for "
            f"the kernel {cells.kernel_wait:.1f} s, checks, papermill, HTML "
            f"{overhead - cells.setup - cells.kernel_wait:.1f} s)"
        )
        results.append(Measurement(f"  {name}", total, 0.0, note))
    return results


def abtest_benchmarks() -> list[Measurement]:
    """10 million units in the engine vs loaded into pandas; the Upworthy archive."""
    script = str(ROOT / "benchmarks" / "abtest_bench.py")
    units = OUT / "abtest-10m"
    if not (units / "experiment_units.parquet").exists():
        measure("generate 10M units", [PYTHON, script, "make-units", str(units), "10000000"])
    ours, ours_compute = measure_reporting(
        "A/B, one experiment of 10M units (engine)", [PYTHON, script, "engine", str(units)]
    )
    baseline, base_compute = measure_reporting(
        "A/B baseline: 10M rows loaded into pandas", [PYTHON, script, "pandas", str(units)]
    )
    ours = Measurement(
        ours.name,
        ours.seconds,
        ours.peak_mb,
        f"compute {ours_compute:.1f} s vs {base_compute:.1f} s = "
        f"{base_compute / ours_compute:.1f}× faster (whole process "
        f"{baseline.seconds / ours.seconds:.1f}×); {baseline.peak_mb / ours.peak_mb:.1f}× less "
        "memory",
    )
    upworthy, statistics = measure_reporting(
        "A/B, Upworthy archive (4,873 tests), whole run", [PYTHON, script, "upworthy"]
    )
    upworthy = Measurement(
        upworthy.name,
        upworthy.seconds,
        upworthy.peak_mb,
        f"statistics alone {statistics:.1f} s (goal < 10 s)",
    )
    return [ours, baseline, upworthy]


def rfm_benchmarks() -> list[Measurement]:
    """RFM table and scores at demo scale RFM_SCALE (default 100, ~25M orders) vs baselines."""
    scale = os.environ.get("RFM_SCALE", "100")
    demo = OUT / f"demo-scale-{scale}"
    if not (demo / "truth.json").exists():
        measure(
            f"demo generation, scale {scale}",
            [PYTHON, "-m", "analysis", "demo", "--out", str(demo), "--scale", scale],
        )
    script = str(ROOT / "benchmarks" / "rfm_bench.py")
    ours, ours_s = measure_reporting(
        f"RFM table + scores, scale {scale} (ours)", [PYTHON, script, "ours", str(demo)]
    )
    duck, duck_s = measure_reporting(
        "  baseline (b): raw DuckDB SQL", [PYTHON, script, "duckdb", str(demo)]
    )
    pandas, pandas_s = measure_reporting(
        "  baseline (a): pure pandas groupby", [PYTHON, script, "pandas", str(demo)]
    )
    ours = Measurement(
        ours.name,
        ours.seconds,
        ours.peak_mb,
        f"compute {ours_s:.1f} s = {ours_s / duck_s:.2f}× raw DuckDB (goal ≤ 1.5), "
        f"{pandas_s / ours_s:.1f}× faster than pandas (goal ≥ 5); peak {ours.peak_mb / 1024:.2f} "
        "GB (goal < 3)",
    )
    duck = Measurement(duck.name, duck.seconds, duck.peak_mb, f"compute {duck_s:.1f} s")
    pandas = Measurement(pandas.name, pandas.seconds, pandas.peak_mb, f"compute {pandas_s:.1f} s")
    return [ours, duck, pandas]


def rfm_report_benchmark(demo: Path) -> Measurement:
    """The whole RFM report (rfm.run) at scale 1, and its clustering step alone."""
    script = str(ROOT / "benchmarks" / "rfm_bench.py")
    measured, compute = measure_reporting(
        "RFM report (rfm.run), scale 1", [PYTHON, script, "report", str(demo)]
    )
    printed = (OUT / "last-output.txt").read_text()
    clustering = float(printed.split("clustering seconds: ")[1].split()[0])
    return Measurement(
        measured.name,
        measured.seconds,
        measured.peak_mb,
        f"compute {compute:.1f} s, of which clustering {clustering:.1f} s (goal: a few seconds)",
    )


def one_report_batches(demo: Path, tag: str) -> list[tuple[str, Path]]:
    """The month's batch split into one-report batch files over `demo`, in batch order."""
    import yaml

    batch = yaml.safe_load((ROOT / "params" / "monthly" / f"{MONTH}.yaml").read_text("utf-8"))
    batch["data"] = {**batch["data"], "path": str(demo)}
    files = []
    for entry in batch["reports"]:
        single = OUT / f"batch-{tag}-{entry['report']}.yaml"
        single.write_text(yaml.safe_dump({**batch, "reports": [entry]}, allow_unicode=True))
        files.append((entry["report"], single))
    return files


SUMMARY_PARAMS = ROOT / "params" / "monthly_summary" / "demo.yaml"


def per_report_benchmarks(demo: Path, scale: str) -> dict[str, Measurement]:
    """Each report alone (`analysis batch` of one report, --jobs 1), in batch order into one
    folder: wall time and peak RSS of the process tree (driver + the report's kernel). The
    summary runs with `analysis run`, outside a batch: a one-report batch gives it a run id
    of its own, under which the others' records (of earlier one-report batches) are stale
    and it would read none of them."""
    out = OUT / f"reports-scale-{scale}"
    shutil.rmtree(out, ignore_errors=True)
    measured = {}
    for report, single in one_report_batches(demo, f"scale-{scale}"):
        command = [PYTHON, "-m", "analysis", "batch", str(single), "--jobs", "1"]
        if report == "monthly_summary":
            command = [PYTHON, "-m", "analysis", "run", str(SUMMARY_PARAMS)]
            command += ["--set", f"data.path={demo}", "--set", f"period={MONTH}"]
        measured[report] = measure(f"  {report}, scale {scale}", [*command, "--out", str(out)])
    return measured


def batch_scale_benchmarks(demo_1: Path) -> list[Measurement]:
    """Per report at scale 1 (the baseline) and at each of BATCH_SCALES (default 10), and the
    whole batch with --jobs 2 at each scale."""
    baseline = per_report_benchmarks(demo_1, "1")
    results = list(baseline.values())
    for scale in os.environ.get("BATCH_SCALES", "10").split():
        demo = OUT / f"demo-scale-{scale}"
        if not (demo / "truth.json").exists():
            results.append(
                measure(
                    f"demo generation, scale {scale}",
                    [PYTHON, "-m", "analysis", "demo", "--out", str(demo), "--scale", scale],
                )
            )
        scaled = per_report_benchmarks(demo, scale)
        for report, measured in scaled.items():
            ratio = measured.seconds / baseline[report].seconds
            memory = measured.peak_mb / baseline[report].peak_mb
            note = f"{ratio:.1f}× the time, {memory:.1f}× the memory of scale 1"
            results.append(Measurement(measured.name, measured.seconds, measured.peak_mb, note))
        batch_file = OUT / f"batch-scale-{scale}.yaml"
        batch_text = (ROOT / "params" / "monthly" / f"{MONTH}.yaml").read_text(encoding="utf-8")
        batch_file.write_text(batch_text.replace("path: data/demo", f"path: {demo}"))
        whole = measure(
            f"monthly batch {MONTH}, scale {scale}, --jobs 2",
            [
                *(PYTHON, "-m", "analysis", "batch", str(batch_file), "--jobs", "2"),
                *("--out", str(OUT / f"reports-batch-scale-{scale}")),
            ],
        )
        alone = sum(m.seconds for m in scaled.values())
        note = f"{alone / whole.seconds:.2f}× faster than the reports one after another"
        results.append(Measurement(whole.name, whole.seconds, whole.peak_mb, note))
    return results


def print_table(results: list[Measurement]) -> None:
    print(f"\n{'benchmark':<48} {'seconds':>8} {'peak MB':>8}  note")
    for m in results:
        peak = f"{m.peak_mb:8.0f}" if m.peak_mb else " " * 8  # 0: not measured on its own
        print(f"{m.name:<48} {m.seconds:8.1f} {peak}  {m.note}")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    if sys.argv[1:] == ["batch-scales"]:
        demo_1 = OUT / "demo-scale-1"
        if not (demo_1 / "truth.json").exists():
            measure("demo, scale 1", [PYTHON, "-m", "analysis", "demo", "--out", str(demo_1)])
        print_table(batch_scale_benchmarks(demo_1))
        return
    results: list[Measurement] = []

    demo_1 = OUT / "demo-scale-1"
    demo_10 = OUT / "demo-scale-10"
    for folder in (demo_1, demo_10):
        shutil.rmtree(folder, ignore_errors=True)
    gen_1 = measure(
        "demo generation, scale 1",
        [PYTHON, "-m", "analysis", "demo", "--out", str(demo_1), "--scale", "1"],
    )
    gen_10 = measure(
        "demo generation, scale 10",
        [PYTHON, "-m", "analysis", "demo", "--out", str(demo_10), "--scale", "10"],
    )
    gen_10 = Measurement(
        gen_10.name,
        gen_10.seconds,
        gen_10.peak_mb,
        f"time ratio to scale 1: {gen_10.seconds / gen_1.seconds:.1f} (10.0 = linear)",
    )
    results += [gen_1, gen_10]

    floor = measure(
        "floor: one bare papermill run + HTML",
        [PYTHON, "-c", FLOOR_SCRIPT, str(floor_notebook()), str(OUT / "floor-out.ipynb")],
    )
    results.append(floor)
    batch_file = OUT / "batch.yaml"
    batch_text = (ROOT / "params" / "monthly" / f"{MONTH}.yaml").read_text(encoding="utf-8")
    batch_file.write_text(batch_text.replace("path: data/demo", f"path: {demo_1}"))
    reports = batch_text.count("- report:")
    for jobs in (1, 2):
        out = OUT / f"reports-jobs-{jobs}"
        table = OUT / f"batch-jobs-{jobs}.txt"
        with table.open("w") as sink:
            command = [PYTHON, "-m", "analysis", "batch", str(batch_file), "--jobs", str(jobs)]
            command += ["--out", str(out)]
            run = _measured(
                f"monthly batch {MONTH}, --jobs {jobs} ({reports} report(s))", command, sink
            )
        per_report = run.seconds / reports
        results.append(
            Measurement(
                run.name,
                run.seconds,
                run.peak_mb,
                f"{per_report:.1f} s a report = {per_report / floor.seconds:.2f}× the floor",
            )
        )
        results += report_breakdown(out, table.read_text(encoding="utf-8"), floor.seconds)

    weekly = measure(
        "weekly report 2026-W43, scale 1",
        [
            PYTHON,
            "-m",
            "analysis",
            "run",
            str(ROOT / "params" / "weekly" / "demo.yaml"),
            "--set",
            f"data.path={demo_1}",
            "--out",
            str(OUT / "reports-weekly"),
        ],
    )
    note = f"{weekly.seconds / floor.seconds:.2f}× the floor"
    results.append(Measurement(weekly.name, weekly.seconds, weekly.peak_mb, note))

    results += batch_scale_benchmarks(demo_1)
    shutil.rmtree(demo_10, ignore_errors=True)
    results += abtest_benchmarks()
    results += rfm_benchmarks()
    results.append(rfm_report_benchmark(demo_1))

    print_table(results)
    (OUT / "results.json").write_text(json.dumps([asdict(m) for m in results], indent=2))
    for script in (
        "attribution_bench.py",
        "anomaly_bench.py",
        "mmm_bench.py",
        "pysimmmulator_bench.py",
        "mmm_anchor.py",  # Meridian beside ours when its venv exists, else ours alone and how
    ):
        # each prints its own table: ours against the reference measured in the same run
        if (ROOT / "benchmarks" / script).exists():
            print()
            subprocess.run([PYTHON, str(ROOT / "benchmarks" / script)], cwd=ROOT, check=True)


if __name__ == "__main__":
    main()
