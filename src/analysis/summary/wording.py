"""The month's decisions worded for stakeholders, from the catalogue (`decision.*`).

`summary.decisions` draws each decision as a catalogue key with its values; `worded` turns
them into the sentences the summary publishes and shows.
"""

from __future__ import annotations

from typing import Any

from analysis.anomaly.report import moment, series_label
from analysis.attribution.wording import model_label
from analysis.i18n import day, money, percent, signed_percent, text
from analysis.summary.decisions import Decision, DrawnDecision


def worded(decisions: list[DrawnDecision], lang: str) -> list[Decision]:
    """The decisions with their sentences in `lang`, in the same order."""
    return [
        Decision(d.kind, decision_text(d, lang), d.source, d.href, d.rank, d.code)
        for d in decisions
    ]


def decision_text(decision: DrawnDecision, lang: str) -> str:
    """One decision's sentence in `lang`."""
    words = {
        "incident": _incident,
        "test": _test,
        "channel_status": _channels,
        "budget": _budget,
        "segment": _segment,
    }[decision.kind]
    return words(decision.code, decision.values, lang)


def _incident(code: str, values: dict[str, Any], lang: str) -> str:
    said = {
        "series": series_label(values["series"], lang),
        "change": signed_percent(values["change"], lang, 0),
        "when": _when(values, lang),
    }
    if "deadline" in values:
        said["deadline"] = moment(values["deadline"], lang)
    return text(code, lang, **said)


def _when(incident: dict[str, Any], lang: str) -> str:
    """ "shifted since <day>", "spike on <day>" or "spike <day> to <day>" in `lang`."""
    start, end = day(incident.get("start"), lang), day(incident.get("end"), lang)
    if incident.get("kind") == "shift":
        return text("incident.shift", lang, start=start)
    if start == end:
        return text("incident.spike_day", lang, start=start)
    return text("incident.spike", lang, start=start, end=end)


def _test(code: str, values: dict[str, Any], lang: str) -> str:
    return text(code, lang, **values)


def _channels(code: str, values: dict[str, Any], lang: str) -> str:
    model = values["model"]
    return text(
        code,
        lang,
        channels=text("decision.list_separator", lang).join(
            f"{name} ({roi:.1f})" for name, roi in values["channels"]
        ),
        model=text("attribution.model_mmm", lang) if model == "mmm" else model_label(model, lang),
        **{name: f"{value:g}" for name, value in values["thresholds"].items()},
    )


def _budget(code: str, values: dict[str, Any], lang: str) -> str:
    moves = text("decision.list_separator", lang).join(
        text(
            "decision.budget_move",
            lang,
            channel=line["channel"],
            change=_change(line, lang),
            current=money(line["current"], lang),
            proposed=money(line["proposed"], lang),
        )
        for line in values["moves"]
    )
    return text(code, lang, moves=moves)


def _change(line: dict[str, Any], lang: str) -> str:
    if line.get("change_pct") is None:  # a new line, such as the reserve for tests
        return text("decision.budget_new", lang)
    return signed_percent(line["change_pct"], lang, 0)


def _segment(code: str, values: dict[str, Any], lang: str) -> str:
    said = {"customers": f"{values['customers']:,}"}
    if "share" in values:
        said["share"] = percent(values["share"], lang, 0)
    return text(code, lang, **said)
