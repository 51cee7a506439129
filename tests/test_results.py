"""Results become JSON that says 'n/a' for missing numbers and never fails on numpy or pandas."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from analysis.errors import ReportError
from analysis.reporting.results import publish, to_jsonable


@dataclass(frozen=True)
class Finding:
    headline: str
    lift: float
    when: pd.Timestamp
    values: np.ndarray


def test_numpy_pandas_and_missing_values_become_plain_json(tmp_path) -> None:
    finding = Finding("B wins", float("nan"), pd.NaT, np.array([1.5, np.inf]))
    payload = to_jsonable(
        {"finding": finding, "count": np.int64(3), "day": pd.Timestamp("2026-10-01")}
    )
    assert payload == {
        "finding": {"headline": "B wins", "lift": None, "when": None, "values": [1.5, None]},
        "count": 3,
        "day": "2026-10-01T00:00:00",
    }
    path = tmp_path / "results.json"
    publish(finding, str(path))
    assert json.loads(path.read_text())["headline"] == "B wins"


def test_publish_refuses_results_without_a_headline() -> None:
    with pytest.raises(ReportError, match="not a record with a 'headline'"):
        publish({"lift": 0.1}, None)


def test_a_run_record_is_read_typed_and_anything_else_is_none(tmp_path) -> None:
    from analysis.reporting.results import RunRecord, read_record

    ok = {
        "report": "rfm",
        "name": "rfm",
        "status": "ok",
        "run_id": "r1",
        "headline": "B wins",
        "params": {"period": "2026-10"},
        "results": {"headline": "B wins"},
    }
    failed = {"report": "rfm", "name": "rfm", "status": "failed", "period": "2026-10", "error": "x"}
    for name, record in {
        "ok": ok,
        "failed": failed,
        "junk": [1],
        "nameless": {"status": "ok"},
    }.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(record), encoding="utf-8")
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    assert read_record(tmp_path / "ok.json") == RunRecord(
        "rfm", "rfm", "ok", "r1", "2026-10", "B wins", None, {"headline": "B wins"}
    )
    assert read_record(tmp_path / "failed.json") == RunRecord(
        "rfm", "rfm", "failed", period="2026-10", error="x"
    )
    for name in ("junk", "nameless", "broken", "absent"):
        assert read_record(tmp_path / f"{name}.json") is None
