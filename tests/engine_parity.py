"""Run the monthly demo batch on one engine and compare every number of two runs' records."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import yaml

from analysis.batch import run_batch
from analysis.params import load_batch_params

ROOT = Path(__file__).resolve().parents[1]
BATCH = ROOT / "params" / "monthly" / "2026-10.yaml"

RUN_KEYS = {"started", "finished", "seconds", "package_version", "run_id"}
"""Record keys that describe the run, not the data: they differ between any two runs."""


def run_demo_batch(data_dir: Path, out: Path, jobs: int = 1, **data: Any) -> dict[str, dict]:
    """The month's batch over `data_dir`, `data` added to its data block; every report must
    succeed. Returns each report's record (its results JSON) by report name.
    """
    values = yaml.safe_load(BATCH.read_text(encoding="utf-8"))
    values["data"] = {**values["data"], "path": str(data_dir), **data}
    for entry in values["reports"]:
        if "params" in entry:
            entry["params"] = str(ROOT / entry["params"])
    out.mkdir(parents=True, exist_ok=True)
    batch = out.parent / f"{out.name}.yaml"
    batch.write_text(yaml.safe_dump(values, allow_unicode=True), encoding="utf-8")
    outcomes = run_batch(load_batch_params(batch), out, jobs=jobs, progress=False)
    failed = {o.name: o.error for o in outcomes if o.status != "ok"}
    assert not failed, f"reports failed: {failed}"
    return {
        o.name: json.loads((out / f"{o.name}.json").read_text(encoding="utf-8")) for o in outcomes
    }


def differences(left: Any, right: Any, where: str = "", rel: float = 1e-9) -> list[str]:
    """Every place two records differ: a number beyond `rel`, text, keys or lengths.

    Run descriptions (times, versions, the engine named in params) are left out.
    """
    if isinstance(left, dict) and isinstance(right, dict):
        keys = (left.keys() | right.keys()) - RUN_KEYS
        found = []
        for key in sorted(keys, key=str):
            if key not in left or key not in right:
                found.append(f"{where}.{key}: only in one record")
            else:
                found += differences(left[key], right[key], f"{where}.{key}", rel)
        return found
    if isinstance(left, list) and isinstance(right, list):
        if len(left) != len(right):
            return [f"{where}: {len(left)} items against {len(right)}"]
        return [
            d
            for i, (a, b) in enumerate(zip(left, right, strict=True))
            for d in differences(a, b, f"{where}[{i}]", rel)
        ]
    if isinstance(left, float | int) and isinstance(right, float | int):
        if isinstance(left, bool) or isinstance(right, bool):
            return [] if left == right else [f"{where}: {left!r} != {right!r}"]
        same = (math.isnan(left) and math.isnan(right)) or math.isclose(
            left, right, rel_tol=rel, abs_tol=1e-12
        )
        return [] if same else [f"{where}: {left!r} != {right!r}"]
    return [] if left == right else [f"{where}: {left!r} != {right!r}"]


def count_numbers(record: Any) -> int:
    """How many numbers a record holds (to show a comparison compared something)."""
    if isinstance(record, dict):
        return sum(count_numbers(v) for k, v in record.items() if k not in RUN_KEYS)
    if isinstance(record, list):
        return sum(count_numbers(v) for v in record)
    return int(isinstance(record, float | int) and not isinstance(record, bool))
