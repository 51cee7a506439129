"""The monthly summary: scorecard, budget execution and decisions from the month's reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from analysis.i18n import text
from analysis.params import SummaryParams, month_bounds, previous_month
from analysis.paths import month_dir
from analysis.summary.decisions import Decision, month_decisions
from analysis.summary.execution import ExecutionLine, budget_execution
from analysis.summary.queries import channel_month
from analysis.summary.scorecard import (
    KpiLine,
    attribution_kpis,
    month_of_year_before,
    scorecard,
    warehouse_kpis,
)
from analysis.summary.sources import Source, read_source, read_sources
from analysis.summary.wording import worded
from analysis.warehouse import Warehouse
from analysis.weeks import weeks_of_month

FROM_ATTRIBUTION = ("channel_roi", "sem_lead_cost")


@dataclass(frozen=True)
class SourceLine:
    """A report the summary read: its status (ok, failed, missing, stale), headline, page."""

    name: str
    status: str
    headline: str | None
    href: str | None


@dataclass(frozen=True)
class WeekLine(SourceLine):
    """A week of the month (ISO, by its Thursday) and its weekly report, when one ran."""

    week: str = ""


@dataclass(frozen=True)
class SummaryReport:
    """Results of the monthly summary, as published to `<name>.json` (typed to the leaves,
    read back with `reporting.record.read_results`)."""

    RECORD_VERSION: ClassVar[int] = 1
    headline: str
    period: str
    lang: str
    sources: list[SourceLine]
    scorecard: list[KpiLine]
    status_rule: str
    budget_execution: list[ExecutionLine]
    decisions: list[Decision]
    decisions_left_out: int
    weekly: list[WeekLine] = field(default_factory=list)


def reports_folder(params: SummaryParams) -> Path:
    """Where the month's reports are: `reports_dir`, else reports/<period>/ (reports/zh/… in
    Chinese)."""
    return params.reports_dir or month_dir(params.period, params.lang)


def run(warehouse: Warehouse, params: SummaryParams) -> SummaryReport:
    """Read the month's reports and the warehouse's month totals; nothing is recomputed."""
    folder = reports_folder(params)
    sources = read_sources(folder, params.sources, params.period, params.run_id)
    kinds = {name: source.report for name, source in sources.items()}
    attribution = next(
        (s.results for n, s in sources.items() if s.ok and kinds[n] == "attribution"), None
    )
    previous = previous_month(params.period)
    earlier = read_source(folder.parent / previous, _named(kinds, "attribution"), previous)
    year_before = month_of_year_before(params.period)
    this_month = warehouse_kpis(warehouse, *month_bounds(params.period))
    this_month |= attribution_kpis(attribution, params.sem_channel)
    last_month = warehouse_kpis(warehouse, *month_bounds(previous))
    last_month |= attribution_kpis(earlier.results, params.sem_channel)
    last_year = warehouse_kpis(warehouse, *month_bounds(year_before))
    source_of = {kpi: _named(kinds, "attribution") for kpi in FROM_ATTRIBUTION}
    lines = scorecard(
        this_month, last_month, last_year, params.targets, params.at_risk_margin, source_of
    )
    spent = channel_month(warehouse, *month_bounds(params.period))
    actual = dict(zip(spent["channel"], spent["spend"], strict=True))
    execution = budget_execution(params.budget_plan, actual, attribution)
    drawn, left_out = month_decisions(sources, kinds, params.max_decisions)
    decisions = worded(drawn, params.lang)
    return SummaryReport(
        headline=headline(lines, decisions, sources, params.lang),
        period=params.period,
        lang=params.lang,
        sources=[_source_record(s) for s in sources.values()],
        scorecard=lines,
        status_rule=text("scorecard.rule", params.lang, margin=f"{params.at_risk_margin:.0%}"),
        budget_execution=execution,
        decisions=decisions,
        decisions_left_out=left_out,
        weekly=weekly_reports(folder, params.period),
    )


def weekly_reports(folder: Path, period: str) -> list[WeekLine]:
    """Each ISO week of the month (by its Thursday) with its weekly report, when one ran."""
    lines = []
    for week in weeks_of_month(period):
        source = read_source(folder, f"weekly-{week}", period)
        lines.append(WeekLine(source.name, source.status, source.headline, source.html, week))
    return lines


def _named(kinds: dict[str, str], kind: str) -> str:
    return next((name for name, k in kinds.items() if k == kind), kind)


def _source_record(source: Source) -> SourceLine:
    return SourceLine(source.name, source.status, source.headline, source.html)


def headline(
    lines: list[KpiLine], decisions: list[Decision], sources: dict[str, Source], lang: str
) -> str:
    """KPIs on/off track, the number of decisions, and any report missing or failed."""
    on_track = sum(line.status == "on_track" for line in lines)
    off_track = [line.kpi for line in lines if line.status == "off_track"]
    sentence = text(
        "summary.headline",
        lang,
        on_track=on_track,
        total=len(lines),
        decisions=len(decisions),
    )
    listed = text("summary.separator.list", lang)
    if off_track:
        names = listed.join(text(f"kpi.{kpi}", lang) for kpi in off_track)
        more = text("summary.headline_off_track", lang, kpis=names)
        sentence = text("summary.sentences", lang, first=sentence, then=more)
    absent = [s.name for s in sources.values() if not s.ok]
    if absent:
        more = text("summary.headline_absent", lang, reports=listed.join(absent))
        sentence = text("summary.sentences", lang, first=sentence, then=more)
    return sentence
