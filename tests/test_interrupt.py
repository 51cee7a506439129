"""Ctrl-C during a batch: one line, exit 130, every report and kernel stopped within seconds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from analysis.batch import LOCK_FILE
from analysis.paths import NOTEBOOKS_DIR

pytestmark = pytest.mark.slow

KERNELS_GONE_WITHIN_SECONDS = 10.0
STOP_WITHIN_SECONDS = 10.0  # generous on a loaded 2-core machine; it takes about 1 s


def _notebooks_that_hang(folder: Path, pids: Path) -> Path:
    """data_health whose first code cell records the kernel's pid, then sleeps for minutes."""
    folder.mkdir(parents=True)
    notebook = nbformat.read(NOTEBOOKS_DIR / "data_health.ipynb", as_version=4)
    hang = nbformat.v4.new_code_cell(
        "import os, time\n"
        f"open(os.path.join({str(pids)!r}, str(os.getpid())), 'w').close()\n"
        "time.sleep(300)"
    )
    first_code = next(i for i, c in enumerate(notebook.cells) if c.cell_type == "code")
    notebook.cells.insert(first_code, hang)
    nbformat.write(notebook, folder / "data_health.ipynb")
    return folder


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_ctrl_c_stops_the_batch_with_one_line_and_exit_130(tiny_dir, tmp_path):
    pids = tmp_path / "kernels"
    pids.mkdir()
    notebooks = _notebooks_that_hang(tmp_path / "notebooks", pids)
    batch = tmp_path / "batch.yaml"
    batch.write_text(
        f"period: 2026-10\ndata: {{path: {tiny_dir}}}\nreports:\n"
        "  - {report: data_health, name: one}\n  - {report: data_health, name: two}\n"
        "  - {report: data_health, name: three}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    command = [sys.executable, "-m", "analysis", "batch", str(batch), "--out", str(out)]
    command += ["--jobs", "2", "--notebooks", str(notebooks)]
    batch_run = subprocess.Popen(  # its own process group, as a terminal's foreground job
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    deadline = time.monotonic() + 120
    while len(list(pids.iterdir())) < 2 and batch_run.poll() is None:
        assert time.monotonic() < deadline, "the two kernels never started"
        time.sleep(0.2)
    kernels = [int(p.name) for p in pids.iterdir()]

    os.killpg(batch_run.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
    pressed = time.monotonic()
    stdout, stderr = batch_run.communicate(timeout=60)
    took = time.monotonic() - pressed

    assert batch_run.returncode == 130
    assert took < STOP_WITHIN_SECONDS
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("interrupted (Ctrl-C): finished 0 of 3")
    assert "one, two, three" in lines[0]
    assert stdout == ""
    # a worker kills its kernels; one the batch had to SIGKILL first leaves them to their
    # parent poller (ipykernel checks its parent every second): gone within seconds either way
    deadline = time.monotonic() + KERNELS_GONE_WITHIN_SECONDS
    while [pid for pid in kernels if _alive(pid)] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in kernels if _alive(pid)], "a kernel outlived the batch"
    left = [p for p in out.iterdir() if p.name != LOCK_FILE]  # the lock file stays, unlocked
    assert not left, "no staging folder, report or index.html is left"
