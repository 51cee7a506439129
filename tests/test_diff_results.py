"""scripts/diff_results.py: two tiny fake report folders, planted differences found, noise not."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "diff_results.py"
_spec = importlib.util.spec_from_file_location("diff_results", SCRIPT)
assert _spec is not None and _spec.loader is not None
diff_results = importlib.util.module_from_spec(_spec)
sys.modules["diff_results"] = diff_results  # dataclasses look their module up by name
_spec.loader.exec_module(diff_results)


def _record(**results: object) -> dict[str, object]:
    return {
        "report": "abtest",
        "run_id": "20261207T210916Z-25c9f120",
        "started": "2026-12-07T21:09:16Z",
        "package_version": "0.1.0",
        "status": "ok",
        "results": results,
    }


BASE = {
    "lift": 0.1234567890123,
    "p_value": 0.008,
    "n": 1200,
    "significant": True,
    "nan_metric": float("nan"),
    "decision": "expand",
    "channels": [{"roi": 1.5, "spend": 1000.0}, {"roi": 2.5, "spend": 0.0}],
}


def _folder(root: Path, name: str, files: dict[str, dict[str, object]]) -> Path:
    folder = root / name
    folder.mkdir()
    for file_name, record in files.items():
        (folder / file_name).write_text(json.dumps(record), encoding="utf-8")
    return folder


def test_identical_folders_differ_in_nothing_and_exit_zero(tmp_path: Path) -> None:
    before = _folder(tmp_path, "a", {"abtest.json": _record(**BASE)})
    after = _folder(tmp_path, "b", {"abtest.json": _record(**BASE)})
    counts, differences = diff_results.compare_folders(before, after)
    assert differences == []
    # lift, p_value, n, significant, nan_metric, 2 x (roi, spend): NaN on both sides is equal
    assert counts == {"abtest.json": 9}
    assert diff_results.main([str(before), str(after)]) == 0


def test_float_noise_within_tolerance_is_not_a_difference(tmp_path: Path) -> None:
    noisy = dict(BASE, lift=BASE["lift"] * (1 + 1e-12))
    before = _folder(tmp_path, "a", {"abtest.json": _record(**BASE)})
    after = _folder(tmp_path, "b", {"abtest.json": _record(**noisy)})
    assert diff_results.compare_folders(before, after)[1] == []


def test_planted_changes_are_each_reported_with_their_path(tmp_path: Path) -> None:
    changed = dict(
        BASE,
        lift=BASE["lift"] * (1 + 1e-6),  # above rel 1e-9
        significant=False,
        nan_metric=0.5,
        channels=[{"roi": 1.5, "spend": 1000.0}, {"roi": 2.5}],  # spend gone
        extra=3,  # a number only after
    )
    before = _folder(tmp_path, "a", {"abtest.json": _record(**BASE)})
    after = _folder(tmp_path, "b", {"abtest.json": _record(**changed)})
    _, differences = diff_results.compare_folders(before, after)
    found = {d.path: (d.before, d.after) for d in differences}
    assert found == {
        "results.lift": (BASE["lift"], BASE["lift"] * (1 + 1e-6)),
        "results.significant": (1.0, 0.0),
        "results.nan_metric": (pytest.approx(float("nan"), nan_ok=True), 0.5),
        "results.channels[1].spend": (0.0, None),
        "results.extra": (None, 3.0),
    }
    assert diff_results.main([str(before), str(after)]) == 1


def test_run_specific_fields_and_strings_are_left_out_by_default(tmp_path: Path) -> None:
    other_run = _record(**dict(BASE, decision="hold"))
    other_run["run_id"] = "20261208T000000Z-ffffffff"
    other_run["seconds"] = 12.5  # a timing: run-specific, not a result
    before = _folder(tmp_path, "a", {"abtest.json": _record(**BASE)})
    after = _folder(tmp_path, "b", {"abtest.json": other_run})
    assert diff_results.compare_folders(before, after)[1] == []
    _, with_strings = diff_results.compare_folders(before, after, strings=True)
    assert [(d.path, d.before, d.after) for d in with_strings] == [
        ("results.decision", "expand", "hold")
    ]


def test_a_report_missing_on_one_side_is_a_difference(tmp_path: Path) -> None:
    before = _folder(tmp_path, "a", {"abtest.json": _record(**BASE), "rfm.json": _record(n=1)})
    after = _folder(
        tmp_path,
        "b",
        {"abtest.json": _record(**BASE), "rfm.failed.json": _record(n=1)},
    )
    _, differences = diff_results.compare_folders(before, after)
    assert [(d.file, d.after) for d in differences] == [("rfm.json", None)]


def test_command_line_prints_the_difference_and_exits_one(tmp_path: Path) -> None:
    before = _folder(tmp_path, "a", {"abtest.json": _record(**BASE)})
    after = _folder(tmp_path, "b", {"abtest.json": _record(**dict(BASE, n=1201))})
    run = subprocess.run(
        [sys.executable, str(SCRIPT), str(before), str(after)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1
    assert "abtest.json:results.n: 1200.0 → 1201.0" in run.stdout
    assert "1 differ" in run.stdout.splitlines()[-1]


def test_a_folder_without_results_is_refused_with_exit_two(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SystemExit) as stop:
        diff_results.main([str(empty), str(empty)])
    assert stop.value.code == 2
