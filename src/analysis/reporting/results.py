"""Publish a report's results: typed records to JSON for the runner, the index and later reports."""

from __future__ import annotations

import dataclasses
import json
import math
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


def read_record(path: Path) -> dict[str, Any] | None:
    """The runner's record `<name>.json` (report, name, status, …), or None when the file is
    missing, unreadable or not such a record."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or not {"report", "name", "status"} <= record.keys():
        return None
    return record


def export_path(results_path: str | None, name: str, suffix: str) -> Path | None:
    """Where a report writes an extra output (`<name><suffix>`), moved into place with the
    report when the run succeeds; None in JupyterLab, where nothing is exported."""
    return Path(results_path).parent / f"{name}{suffix}" if results_path else None
