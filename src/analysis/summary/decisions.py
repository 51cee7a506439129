"""This month's decisions, drawn from the other reports' results (never recomputed).

Each decision links to the section of the source report that supports it (`SECTIONS`: the
anchors the report notebooks set). Order, most urgent first: incidents with a handbook
deadline, invalid and decided tests, channel statuses, other incidents, the budget moves,
customer-segment actions; at most `max_decisions` are kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from analysis.anomaly.report import series_label
from analysis.attribution.wording import model_label
from analysis.i18n import day, money, percent, signed_percent, text
from analysis.params import RoiThresholds
from analysis.summary.execution import channel_roi
from analysis.summary.sources import Source

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
    """One decision: what to do, the report that supports it and the link to that section."""

    kind: str  # incident | test | channel_status | budget | segment
    text: str
    source: str  # the source report's output name
    href: str  # "<report>.html#<anchor>"
    rank: int  # urgency, lower first (module docstring)


def _href(source: Source, section: str) -> str:
    return f"{source.html or source.name + '.html'}#{SECTIONS[section]}"


def incident_decisions(source: Source, lang: str) -> list[Decision]:
    """The most severe incidents and every one a handbook rule fired on, with its deadline."""
    results = source.results or {}
    deadlines = {
        a["series"]: a["deadline"] for a in results.get("rule_alerts", []) if a.get("deadline")
    }
    incidents = results.get("incidents", [])
    chosen = [i for n, i in enumerate(incidents) if n < TOP_INCIDENTS or i.get("rule")]
    decisions = []
    for incident in chosen:
        deadline = deadlines.get(incident["series"])
        values = {
            "series": series_label(incident["series"], lang),
            "change": signed_percent((incident.get("deviation_pct") or 0) / 100, lang, 0),
            "when": _when(incident, lang),
        }
        if deadline:
            shown = deadline[:16].replace("T", " ")
            words = text("decision.incident_deadline", lang, deadline=shown, **values)
        else:
            words = text("decision.incident", lang, **values)
        decisions.append(
            Decision(
                "incident", words, source.name, _href(source, "anomalies"), 0 if deadline else 3
            )
        )
    return decisions


def _when(incident: dict, lang: str) -> str:
    """ "shifted since <day>", "spike on <day>" or "spike <day> to <day>" in `lang`."""
    start, end = day(incident.get("start"), lang), day(incident.get("end"), lang)
    if incident.get("kind") == "shift":
        return text("incident.shift", lang, start=start)
    if start == end:
        return text("incident.spike_day", lang, start=start)
    return text("incident.spike", lang, start=start, end=end)


def test_decisions(source: Source, lang: str) -> list[Decision]:
    """One decision per experiment: ship, keep the control, keep running or fix it."""
    decisions = []
    for experiment in (source.results or {}).get("experiments", []):
        decision = experiment.get("decision", "")
        key = f"decision.test.{decision}" if decision in TEST_KEYS else "decision.test.other"
        if experiment.get("decision_text"):  # it opens with the verdict: say it once
            key = "decision.test.other"
        words = text(
            key,
            lang,
            experiment=experiment["experiment_id"],
            winner=experiment.get("winner") or "",
            control=experiment.get("control") or "",
            detail=experiment.get("decision_text") or "",
        )
        rank = 1 if decision in ("ship", "invalid") else 2
        decisions.append(Decision("test", words, source.name, _href(source, "abtest"), rank))
    return decisions


TEST_KEYS = ("ship", "keep_control", "inconclusive", "invalid", "blocked")


def channel_decisions(source: Source, lang: str) -> list[Decision]:
    """One decision per status (expand, keep, watch, inefficient) listing its channels."""
    results = source.results or {}
    model = results.get("decision_model", "markov")
    by_status: dict[str, list[str]] = {}
    for channel in results.get("channels", []):
        roi = channel_roi(channel, model)
        if channel.get("status") in STATUS_ORDER and roi is not None:
            by_status.setdefault(channel["status"], []).append(f"{channel['channel']} ({roi:.1f})")
    decisions = []
    for status in STATUS_ORDER:
        if status in by_status:
            words = text(
                f"decision.channel.{status}",
                lang,
                channels=text("decision.list_separator", lang).join(by_status[status]),
                model=text("attribution.model_mmm", lang)
                if results.get("roi_basis") == "incremental"
                else model_label(model, lang),
                **_thresholds(results),
            )
            decisions.append(
                Decision(
                    "channel_status",
                    words,
                    source.name,
                    _href(source, "attribution.status"),
                    2 if status in ("inefficient", "expand") else 4,
                )
            )
    return decisions


def _thresholds(results: dict) -> dict[str, str]:
    """The ROI thresholds the attribution report applied (handbook defaults if it names none)."""
    applied = RoiThresholds().model_dump() | (results.get("thresholds") or {})
    return {name: f"{value:g}" for name, value in applied.items()}


def budget_decision(source: Source, lang: str) -> list[Decision]:
    """The largest budget moves of the attribution report, in one decision."""
    lines = [b for b in (source.results or {}).get("budget", []) if b.get("change")]
    lines.sort(key=lambda b: abs(b["change"]), reverse=True)
    if not lines:
        return []
    moves = text("decision.list_separator", lang).join(
        text(
            "decision.budget_move",
            lang,
            channel=b["channel"],
            change=_change(b, lang),
            current=money(b["current"], lang),
            proposed=money(b["proposed"], lang),
        )
        for b in lines[:TOP_BUDGET_MOVES]
    )
    words = text("decision.budget", lang, moves=moves)
    return [Decision("budget", words, source.name, _href(source, "attribution.budget"), 5)]


def _change(line: dict, lang: str) -> str:
    if line.get("change_pct") is None:  # a new line, such as the reserve for tests
        return text("decision.budget_new", lang)
    return signed_percent(line["change_pct"], lang, 0)


def segment_decisions(source: Source, lang: str) -> list[Decision]:
    """Win back the churned class; watch those who moved down a class."""
    results = source.results or {}
    decisions = []
    churned = next((c for c in results.get("classes", []) if c.get("name") == "churned"), None)
    if churned and churned.get("customers"):
        words = text(
            "decision.segment.churned",
            lang,
            customers=f"{churned['customers']:,}",
            share=percent(churned.get("share"), lang, 0),
        )
        decisions.append(Decision("segment", words, source.name, _href(source, "rfm.classes"), 6))
    if results.get("moved_down"):
        words = text("decision.segment.moved_down", lang, customers=f"{results['moved_down']:,}")
        decisions.append(Decision("segment", words, source.name, _href(source, "rfm.migration"), 6))
    return decisions


DRAWN_FROM = {
    "anomalies": (incident_decisions,),
    "abtest": (test_decisions,),
    "attribution": (channel_decisions, budget_decision),
    "rfm": (segment_decisions,),
}
"""Which decisions each kind of report yields (by the report's kind, not its output name)."""


def month_decisions(
    sources: dict[str, Source], kinds: dict[str, str], lang: str, limit: int
) -> tuple[list[Decision], int]:
    """The month's decisions, most urgent first, and how many more were left out."""
    decisions = [
        decision
        for name, source in sources.items()
        if source.ok
        for draw in DRAWN_FROM.get(kinds.get(name, name), ())
        for decision in draw(source, lang)
    ]
    decisions.sort(key=lambda d: d.rank)  # stable: a report's own order within a rank
    return decisions[:limit], max(0, len(decisions) - limit)
