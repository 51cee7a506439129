"""Warm kernels: a spare only for a report still to come, taken by the next report, always ended."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import nbformat
import pytest

from analysis import kernels
from analysis.batch import run_batch
from analysis.params import DataHealthParams, DataSource

pytestmark = pytest.mark.slow  # starts real kernels


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


@pytest.fixture
def short_tmp(monkeypatch):
    """Kernel sockets in a fresh short folder (a socket path holds at most 107 bytes), so the
    test sees only its own kernels' files."""
    folder = Path(tempfile.mkdtemp(prefix="k", dir="/tmp"))
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    yield folder
    kernels.plan_kernels(None)
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()


def _notebook(folder: Path) -> Path:
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("import json\nfrom os import path as p\n%time x = 1"),
            nbformat.v4.new_code_cell("def f():\n    import csv\n\nimport math, sys  # both"),
        ]
    )
    path = folder / "probe.ipynb"
    nbformat.write(notebook, path)
    return path


def test_notebook_imports_are_its_top_level_import_lines_in_order(tmp_path):
    # the first cell holds a magic (not Python): skipped; an import inside a function is not run
    assert kernels.notebook_imports(_notebook(tmp_path)) == "import math, sys"


def test_a_spare_is_started_only_for_a_report_still_to_come_and_taken_by_it(short_tmp):
    notebook = _notebook(short_tmp)
    kernels.plan_kernels(kernels.new_budget(1))
    kernels.start_spare(short_tmp)
    spare = kernels._spare
    assert spare is not None
    kernels.start_spare(short_tmp)  # one spare a process
    assert kernels._spare is spare
    manager = kernels.kernel_for(notebook)
    pid = manager.provisioner.pid
    try:
        assert manager is spare.manager and kernels._spare is None
        kernels.start_spare(short_tmp)  # the budget's one report has its kernel
        assert kernels._spare is None
    finally:
        kernels.stop_kernel(manager)
    assert not _alive(pid)
    assert not list(short_tmp.glob(f"{kernels.KERNEL_PREFIX}*")), "connection file and sockets"


def test_kill_kernels_ends_a_spare_and_the_batch_end_cleans_its_files(short_tmp):
    kernels.plan_kernels(kernels.new_budget(1))
    kernels.start_spare(short_tmp)
    pid = kernels._spare.manager.provisioner.pid
    assert _alive(pid)
    kernels.kill_kernels()  # what Ctrl-C and SIGTERM do
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(pid)
    kernels.plan_kernels(None)  # the batch's end: the killed spare's files are removed
    assert not list(short_tmp.glob(f"{kernels.KERNEL_PREFIX}*"))


def test_a_batch_leaves_no_kernel_and_no_connection_file(tiny_dir, short_tmp, tmp_path):
    reports = [
        DataHealthParams(period="2026-10", data=DataSource(path=tiny_dir), name=name)
        for name in ("one", "two", "three")
    ]
    outcomes = run_batch(reports, tmp_path / "out", jobs=2, progress=False)
    assert [o.status for o in outcomes] == ["ok", "ok", "ok"]
    assert kernels._spare is None
    deadline = time.monotonic() + 10  # workers exit after the batch returns
    while list(short_tmp.glob(f"{kernels.KERNEL_PREFIX}*")) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not list(short_tmp.glob(f"{kernels.KERNEL_PREFIX}*")), "a spare outlived the batch"
