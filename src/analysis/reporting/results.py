"""Publish a report's results: typed records to JSON for the runner, the index and later reports."""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.errors import ReportError
from analysis.reporting.record import VERSION_KEY, record_version


def to_jsonable(value: Any) -> Any:  # noqa: C901  # one flat branch per type, read top down
    """Convert results (dataclasses, NamedTuples, numpy, pandas, dates) to JSON-ready values.

    NaN and infinities become None: JSON has no such numbers and a reader must see "n/a".
    """
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, np.ndarray):
        return to_jsonable(value.tolist())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple) and hasattr(value, "_asdict"):
        return to_jsonable(value._asdict())
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [to_jsonable(v) for v in value]
    if isinstance(value, pd.DataFrame):
        return [to_jsonable(r) for r in value.to_dict(orient="records")]
    if isinstance(value, pd.Series):
        return to_jsonable(value.to_dict())
    if isinstance(value, np.generic):
        return to_jsonable(value.item())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, pd.Timestamp | datetime | date):
        return value.isoformat()
    if not isinstance(value, str) and pd.isna(value):
        return None
    return value


def publish(results: Any, results_path: str | None) -> dict[str, Any]:
    """Write the results JSON where the runner asked; in JupyterLab (no path) just return it."""
    payload = to_jsonable(results)
    if not isinstance(payload, dict) or "headline" not in payload:
        raise ReportError(
            f"publish: results of type {type(results).__name__} are not a record with a "
            "'headline' sentence; pass the report's results dataclass"
        )
    payload[VERSION_KEY] = record_version(type(results))
    if results_path:
        Path(results_path).write_text(
            json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8"
        )
    return payload


@dataclass(frozen=True)
class RunRecord:
    """What a run wrote beside its report: `<name>.json` (status ok, with the report's
    results) or the failure marker `<name>.failed.json` (status failed, with the error).

    `period` is the run's month (`params.period` of an ok record); `results` is the report's
    own record, still JSON: `reporting.record.read_results` types it by the report's class.
    """

    report: str
    name: str
    status: str
    run_id: str | None = None
    period: str | None = None
    headline: str | None = None
    error: str | None = None
    results: dict[str, Any] | None = None


def read_record(path: Path) -> RunRecord | None:
    """The run's record at `path`, or None when the file is missing, unreadable or not such a
    record (a record needs its report, name and status as text)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(raw, dict) or not all(
        isinstance(raw.get(k), str) for k in ("report", "name", "status")
    ):
        return None
    params = raw["params"] if isinstance(raw.get("params"), dict) else {}
    results = raw.get("results") if isinstance(raw.get("results"), dict) else None
    return RunRecord(
        report=raw["report"],
        name=raw["name"],
        status=raw["status"],
        run_id=_text(raw.get("run_id")),
        period=_text(raw.get("period", params.get("period"))),
        headline=_text(raw.get("headline")),
        error=_text(raw.get("error")),
        results=results,
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def export_path(results_path: str | None, name: str, suffix: str) -> Path | None:
    """Where a report writes an extra output (`<name><suffix>`), moved into place with the
    report when the run succeeds; None in JupyterLab, where nothing is exported."""
    return Path(results_path).parent / f"{name}{suffix}" if results_path else None
