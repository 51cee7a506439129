"""Typed records the anomaly report publishes to `<name>.json` (read back with
`reporting.record.read_results`): incidents, rule alerts and the NAB box, down to the leaves.

Times are ISO text (a day alone at midnight: "2026-10-20"), as the page and the monthly summary
read them; a number that could not be computed is None, never NaN.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from analysis.anomaly.nab import FileScore


@dataclass(frozen=True)
class Driver:
    """A child series of an incident's headline series and its share of the deviation."""

    series: str
    contribution: float


@dataclass(frozen=True)
class IncidentRecord:
    """One incident as published: `anomaly.incidents.Incident` with ISO times, its English
    `label` (the page rewords it for its readers) and `early`: whether its peak step
    was scored by the cold-start model (wider band); None when that is not known."""

    series: str
    level: str
    metric: str
    start: str
    end: str
    peak_ts: str
    direction: Literal["up", "down"]
    expected: float | None
    actual: float | None
    deviation_pct: float | None
    severity: float | None
    rule: str | None
    drivers: list[Driver]
    kind: Literal["spike", "shift"]
    chain: list[str]
    series_row: int
    label: str
    ongoing: bool = True
    early: bool | None = None


@dataclass(frozen=True)
class AlertRecord:
    """A handbook rule firing (`anomaly.rules.RuleAlert`) with ISO times."""

    rule: str
    series_row: int
    series: str
    ts: str
    value: float | None
    baseline: float | None
    change_pct: float | None
    deadline: str | None
    last_ts: str
    days: int


@dataclass(frozen=True)
class NabBox:
    """The NAB score of series named like NAB files, with the published figures of their
    category (None when the files span several categories)."""

    profile: str
    score: float | None
    files: dict[str, FileScore]
    category: str | None
    published: dict[str, float] | None
    tuning: str
