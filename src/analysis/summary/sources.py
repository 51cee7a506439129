"""The month's other reports as the summary reads them: their typed results, or why absent.

A report's results are read back with `reporting.record.read_results` into the class it
published (`RESULTS_CLASSES`, by report kind): the summary reads attributes, never raw keys.
A record this package cannot read (another version, another shape) is stale: the report
must run again.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from analysis.errors import ReportError
from analysis.reporting.record import read_results
from analysis.reporting.results import read_record

log = logging.getLogger(__name__)

RESULTS_CLASSES = {
    "data_health": "analysis.health.report:DataHealth",
    "abtest": "analysis.abtest.report:AbTestReport",
    "rfm": "analysis.rfm.report:RfmReport",
    "attribution": "analysis.attribution.report:AttributionReport",
    "anomalies": "analysis.anomaly.report:AnomalyReport",
    "weekly": "analysis.weekly.report:WeeklyReport",
    "monthly_summary": "analysis.summary.report:SummaryReport",
}
"""Each report kind's results class, imported only when a record of that kind is read."""

SourceStatus = Literal["ok", "failed", "missing", "stale"]


@dataclass(frozen=True)
class Source:
    """One report of the month: `results` when it ran, else the status that says why not.

    failed: the run left `<name>.failed.ipynb` or `<name>.failed.json` (its results are not
    used, even when an older good report of the month exists); missing: no results JSON for
    the month; stale: a batch's summary (`run_id` given) found a record of another run.
    """

    name: str
    report: str  # the report kind its record names (the output name when there is none)
    status: SourceStatus
    results: Any  # an instance of the kind's class in `RESULTS_CLASSES`; None unless ok
    html: str | None  # the report's file name next to the summary, when it exists

    @property
    def ok(self) -> bool:
        """True when the source report ran and published its results."""
        return self.status == "ok"

    @property
    def headline(self) -> str | None:
        """The report's headline sentence, when its results were read."""
        return getattr(self.results, "headline", None)


def read_source(folder: Path, name: str, period: str, run_id: str | None = None) -> Source:
    """The report `name` of `period` in `folder` (the summary never recomputes it); with a
    batch's `run_id`, a record of another run is stale and its results are not used."""
    html = f"{name}.html" if (folder / f"{name}.html").is_file() else None
    record = read_record(folder / f"{name}.json")
    kind = record.report if record else name
    failed = (folder / f"{name}.failed.ipynb").is_file() or (
        folder / f"{name}.failed.json"
    ).is_file()
    if failed:
        return Source(name, kind, "failed", None, html)
    if record is None or record.period != period:
        return Source(name, kind, "missing", None, None)
    if run_id is not None and record.run_id != run_id:
        return Source(name, kind, "stale", None, html)
    results = record.results
    if record.status != "ok" or results is None:
        return Source(name, kind, "failed", None, html)
    try:
        typed: Any = read_results(results_class(kind), results, source=str(folder / f"{name}.json"))
    except ReportError as exc:  # another version or shape: written by another package
        log.warning("%s", exc)
        return Source(name, kind, "stale", None, html)
    return Source(name, kind, "ok", typed, html)


def results_class(kind: str) -> type:
    """The results class of a report kind (`RESULTS_CLASSES`)."""
    if kind not in RESULTS_CLASSES:
        raise ReportError(
            f"no results class for report kind {kind!r}; known: {', '.join(RESULTS_CLASSES)}"
        )
    module, _, name = RESULTS_CLASSES[kind].partition(":")
    return getattr(importlib.import_module(module), name)


def read_sources(
    folder: Path, names: list[str], period: str, run_id: str | None = None
) -> dict[str, Source]:
    """Every named report of the month, in the given order."""
    return {name: read_source(folder, name, period, run_id) for name in names}
