"""This month's decisions, drawn from the other reports' results (never recomputed).

Each decision links to the section of the source report that supports it (`SECTIONS`: the
anchors the report notebooks set). Order, most urgent first: incidents with a handbook
deadline, invalid and decided tests, channel statuses, other incidents, the budget moves,
customer-segment actions; at most `max_decisions` are kept.

A decision is a catalogue key with the values it needs (codes, numbers, the source's own
names and sentences); `summary.wording` turns it into the sentence stakeholders read.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from analysis.summary.execution import channel_roi
from analysis.summary.sources import Source

if TYPE_CHECKING:  # the sources' results classes (`summary.sources.RESULTS_CLASSES`)
    from analysis.abtest.report import AbTestReport
    from analysis.anomaly.report import AnomalyReport
    from analysis.attribution.report import AttributionReport
    from analysis.rfm.report import RfmReport

SECTIONS = {
    "abtest": "verdicts",
    "attribution.status": "roi",
    "attribution.budget": "budget",
    "anomalies": "incidents",
    "rfm.classes": "classes",
    "rfm.migration": "migration",
}
"""Anchor ids (`<a id=…>`) in the source reports' notebooks that decisions link to."""
STATUS_ORDER = ("inefficient", "watch", "expand", "keep")
TOP_INCIDENTS = 3
TOP_BUDGET_MOVES = 3


@dataclass(frozen=True)
class Decision:
    """One decision as published: what to do, the report that supports it and the link to
    that section; `code` is the catalogue key its sentence was worded from."""

    kind: str  # incident | test | channel_status | budget | segment
    text: str
    source: str  # the source report's output name
    href: str  # "<report>.html#<anchor>"
    rank: int  # urgency, lower first (module docstring)
    code: str = ""


@dataclass(frozen=True)
class DrawnDecision:
    """A decision before it is worded: its catalogue key (`decision.*`) and the values the
    sentence is made of (codes, numbers, the source's own names and sentences)."""

    kind: str
    source: str
    href: str
    rank: int
    code: str
    values: dict[str, Any] = field(default_factory=dict)


def _href(source: Source, section: str) -> str:
    return f"{source.html or source.name + '.html'}#{SECTIONS[section]}"


def incident_decisions(source: Source) -> list[DrawnDecision]:
    """The most severe incidents and every one a handbook rule fired on, with its deadline."""
    results: AnomalyReport = source.results
    deadlines = {a.series: a.deadline for a in results.rule_alerts if a.deadline}
    incidents = results.incidents
    chosen = [i for n, i in enumerate(incidents) if n < TOP_INCIDENTS or i.rule]
    decisions = []
    for incident in chosen:
        deadline = deadlines.get(incident.series)
        values: dict[str, Any] = {
            "series": incident.series,
            "change": (incident.deviation_pct or 0) / 100,
            "kind": incident.kind,
            "start": incident.start,
            "end": incident.end,
        }
        code = "decision.incident"
        if deadline:
            code, values["deadline"] = "decision.incident_deadline", deadline
        decisions.append(
            DrawnDecision(
                "incident",
                source.name,
                _href(source, "anomalies"),
                0 if deadline else 3,
                code,
                values,
            )
        )
    return decisions


def test_decisions(source: Source) -> list[DrawnDecision]:
    """One decision per experiment: ship, keep the control, keep running or fix it."""
    decisions = []
    results: AbTestReport = source.results
    for experiment in results.experiments:
        decision = experiment.decision
        key = f"decision.test.{decision}" if decision in TEST_KEYS else "decision.test.other"
        if experiment.decision_text:  # it opens with the verdict: say it once
            key = "decision.test.other"
        values = {
            "experiment": experiment.experiment_id,
            "winner": experiment.winner or "",
            "control": experiment.control or "",
            "detail": experiment.decision_text or "",
        }
        rank = 1 if decision in ("ship", "invalid") else 2
        decisions.append(
            DrawnDecision("test", source.name, _href(source, "abtest"), rank, key, values)
        )
    return decisions


TEST_KEYS = ("ship", "keep_control", "inconclusive", "invalid", "blocked")


def channel_decisions(source: Source) -> list[DrawnDecision]:
    """One decision per status (expand, keep, watch, inefficient) listing its channels."""
    results: AttributionReport = source.results
    model = results.decision_model
    by_status: dict[str, list[tuple[str, float]]] = {}
    for channel in results.channels:
        roi = channel_roi(channel, model)
        if channel.status in STATUS_ORDER and roi is not None:
            by_status.setdefault(channel.status, []).append((channel.channel, roi))
    decisions = []
    for status in STATUS_ORDER:
        if status in by_status:
            values = {
                "channels": by_status[status],
                "model": "mmm" if results.roi_basis == "incremental" else model,
                "thresholds": asdict(results.thresholds),
            }
            decisions.append(
                DrawnDecision(
                    "channel_status",
                    source.name,
                    _href(source, "attribution.status"),
                    2 if status in ("inefficient", "expand") else 4,
                    f"decision.channel.{status}",
                    values,
                )
            )
    return decisions


def budget_decision(source: Source) -> list[DrawnDecision]:
    """The largest budget moves of the attribution report, in one decision."""
    results: AttributionReport = source.results
    lines = [b for b in results.budget if b.change]
    lines.sort(key=lambda b: abs(b.change), reverse=True)
    if not lines:
        return []
    moves = [
        {
            "channel": b.channel,
            "change_pct": b.change_pct,
            "current": b.current,
            "proposed": b.proposed,
        }
        for b in lines[:TOP_BUDGET_MOVES]
    ]
    href = _href(source, "attribution.budget")
    return [DrawnDecision("budget", source.name, href, 5, "decision.budget", {"moves": moves})]


def segment_decisions(source: Source) -> list[DrawnDecision]:
    """Win back the churned class; watch those who moved down a class."""
    results: RfmReport = source.results
    decisions = []
    churned = next((c for c in results.classes if c.name == "churned"), None)
    if churned and churned.customers:
        values = {"customers": churned.customers, "share": churned.share}
        href = _href(source, "rfm.classes")
        decisions.append(
            DrawnDecision("segment", source.name, href, 6, "decision.segment.churned", values)
        )
    if results.moved_down:
        values = {"customers": results.moved_down}
        href = _href(source, "rfm.migration")
        decisions.append(
            DrawnDecision("segment", source.name, href, 6, "decision.segment.moved_down", values)
        )
    return decisions


DRAWN_FROM = {
    "anomalies": (incident_decisions,),
    "abtest": (test_decisions,),
    "attribution": (channel_decisions, budget_decision),
    "rfm": (segment_decisions,),
}
"""Which decisions each kind of report yields (by the report's kind, not its output name)."""


def month_decisions(
    sources: dict[str, Source], kinds: dict[str, str], limit: int
) -> tuple[list[DrawnDecision], int]:
    """The month's decisions, most urgent first, and how many more were left out (unworded:
    `summary.wording.worded` adds the sentences)."""
    decisions = [
        decision
        for name, source in sources.items()
        if source.ok
        for draw in DRAWN_FROM.get(kinds.get(name, name), ())
        for decision in draw(source)
    ]
    decisions.sort(key=lambda d: d.rank)  # stable: a report's own order within a rank
    return decisions[:limit], max(0, len(decisions) - limit)
