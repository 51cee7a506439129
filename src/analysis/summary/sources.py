"""The month's other reports as the summary reads them: their results JSON, or why it is absent."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

SourceStatus = Literal["ok", "failed", "missing"]


@dataclass(frozen=True)
class Source:
    """One report of the month: `results` when it ran, else the status that says why not.

    failed: the run left `<name>.failed.ipynb` (its results are not used, even when an older
    good report of the month exists); missing: no results JSON for the month.
    """

    name: str
    status: SourceStatus
    results: dict[str, Any] | None
    html: str | None  # the report's file name next to the summary, when it exists

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def read_source(folder: Path, name: str, period: str) -> Source:
    """The report `name` of `period` in `folder` (the summary never recomputes it)."""
    html = f"{name}.html" if (folder / f"{name}.html").is_file() else None
    if (folder / f"{name}.failed.ipynb").is_file():
        return Source(name, "failed", None, html)
    record = _record(folder / f"{name}.json")
    if record is None or record.get("params", {}).get("period") != period:
        return Source(name, "missing", None, None)
    results = record.get("results")
    if record.get("status") != "ok" or not isinstance(results, dict):
        return Source(name, "failed", None, html)
    return Source(name, "ok", results, html)


def read_sources(folder: Path, names: list[str], period: str) -> dict[str, Source]:
    """Every named report of the month, in the given order."""
    return {name: read_source(folder, name, period) for name in names}


def _record(path: Path) -> dict[str, Any] | None:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None
