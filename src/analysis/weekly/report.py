"""Assemble the weekly data report (数据周报): one typed record with its headline first.

Codes stay English in the record (`paid`, `cart`, `short_video`); the headline and the
incident sentences are in the report's language. Every comment text in the record has been
through `mask_text`.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import timedelta
from typing import ClassVar

import pandas as pd

from analysis.anomaly import report as anomaly_report
from analysis.errors import AnalysisError
from analysis.i18n import percent, signed_percent, text
from analysis.params import AnomalyParams, WeeklyParams
from analysis.schema import CHANNELS
from analysis.warehouse import Warehouse
from analysis.weekly import queries
from analysis.weekly.content import ContentLine, SeriesLine, content_lines, series_lines
from analysis.weekly.funnel import FunnelStep, funnel_steps, worst_step
from analysis.weekly.reputation import (
    ComplaintWeek,
    ReputationAlert,
    complaint_weeks,
    reputation_alert,
)
from analysis.weekly.sentiment import METHOD, WeekSentiment, weekly_sentiment
from analysis.weekly.traffic import ChannelTraffic, ClassTraffic, channel_traffic, class_traffic
from analysis.weeks import week_monday, weeks_back

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WeekIncident:
    """An anomaly-detector incident that overlaps the week, with its sentence in `lang`."""

    series: str  # the detector's series code, e.g. "小红书 · revenue"
    metric: str
    start: str  # ISO day
    end: str
    deviation_pct: float | None  # None: no expected level to compare with
    sentence: str


@dataclass(frozen=True)
class WeeklyReport:
    """Results JSON of the weekly report.

    Typed down to its leaves and read back by `reporting.record.read_results`; raise
    `RECORD_VERSION` when a field is renamed, removed or changes meaning.
    """

    RECORD_VERSION: ClassVar[int] = 1
    headline: str
    week: str
    period: str
    lang: str
    weeks: list[str]  # the trend's weeks, this one last
    traffic: list[ChannelTraffic]
    traffic_classes: list[ClassTraffic]
    funnel: list[FunnelStep]
    worst_step: FunnelStep | None
    funnel_test: str  # the stated test, in the report's language
    incidents: list[WeekIncident]
    content: list[ContentLine]
    series: list[SeriesLine]
    sentiment: list[WeekSentiment]
    sentiment_method: str
    complaints: list[ComplaintWeek]
    reputation: ReputationAlert | None
    missing_tables: list[str]


def run(warehouse: Warehouse, params: WeeklyParams) -> WeeklyReport:
    """Everything the weekly page shows, from the engine's aggregates."""
    weeks = weeks_back(params.week, params.history_weeks)
    first = week_monday(weeks[0])
    this = len(weeks) - 1
    steps = params.funnel_steps
    counts = queries.session_counts(warehouse, first, len(weeks), steps)
    traffic = channel_traffic(
        counts,
        this_week=this,
        last_step=steps[-1],
        paid=params.paid_channels,
        private=params.private_channels,
        order=(*CHANNELS, queries.DIRECT),
    )
    funnel = funnel_steps(counts, steps, this_week=this, alpha=params.alpha)
    listed = {row.channel: i for i, row in enumerate(traffic)}  # the channels' usual order
    funnel = sorted(funnel, key=lambda s: listed.get(s.channel, len(listed)))
    missing = [t for t in ("content", "content_daily", "comments") if not warehouse.has_table(t)]
    content, series = [], []
    if not {"content", "content_daily"} & set(missing):
        per_week = queries.content_weeks(warehouse, first, len(weeks))
        content = content_lines(per_week, this_week=this, targets=params.completion_targets)
        series = series_lines(per_week, content, this_week=this)
    sentiment, complaints, reputation = [], [], None
    if "comments" not in missing:
        texts = queries.comment_texts(warehouse, first, len(weeks))
        sentiment = weekly_sentiment(
            texts,
            weeks,
            negative_below=params.negative_below,
            positive_above=params.positive_above,
        )
        found = queries.complaint_weeks(
            warehouse, first, len(weeks), params.brand_names, params.complaint_words
        )
        complaints = complaint_weeks(found, weeks)
        examples = queries.complaint_examples(
            warehouse,
            week_monday(params.week),
            params.brand_names,
            params.complaint_words,
            params.examples,
        )
        reputation = reputation_alert(
            complaints,
            examples,
            min_comments=params.alert_min_comments,
            max_p_value=params.alert_max_p_value,
        )
    incidents = week_incidents(warehouse, params) if params.incidents else []
    worst = worst_step(funnel)
    return WeeklyReport(
        headline=headline(traffic, worst, series, reputation, params),
        week=params.week,
        period=params.period,
        lang=params.lang,
        weeks=weeks,
        traffic=traffic,
        traffic_classes=class_traffic(traffic),
        funnel=funnel,
        worst_step=worst,
        funnel_test=text("weekly.funnel.test", params.lang, alpha=f"{params.alpha:g}"),
        incidents=incidents,
        content=content,
        series=series,
        sentiment=sentiment,
        sentiment_method=text("weekly.sentiment.method", params.lang, method=METHOD),
        complaints=complaints,
        reputation=reputation,
        missing_tables=missing,
    )


def week_incidents(warehouse: Warehouse, params: WeeklyParams) -> list[WeekIncident]:
    """The anomaly detector's incidents (total and channel level) that overlap the week, each
    with a sentence in the report's language."""
    monday = week_monday(params.week)
    sunday = monday + timedelta(days=6)
    detector_params = AnomalyParams(
        report="anomalies",
        period=params.period,
        data=params.data,
        lang=params.lang,
        scored_from=monday,
        levels=["total", "channel"],
    )
    try:
        found, _ = anomaly_report.run(warehouse, detector_params)
    except AnalysisError as exc:  # no series to score: the page says so, the rest stands
        log.warning("weekly incidents: %s", exc)
        return []
    rows = []
    for incident in found.incidents:
        start, end = pd.Timestamp(incident.start).date(), pd.Timestamp(incident.end).date()
        if start > sunday or end < monday:
            continue
        series = anomaly_report.series_label(incident.series, params.lang)
        deviation = incident.deviation_pct
        rows.append(
            WeekIncident(
                series=incident.series,
                metric=incident.metric,
                start=start.isoformat(),
                end=end.isoformat(),
                deviation_pct=deviation
                if deviation is not None and math.isfinite(deviation)
                else None,
                sentence=incident_sentence(series, deviation, incident.label, params.lang),
            )
        )
    return rows


def incident_sentence(series: str, deviation_pct: float | None, when: str, lang: str) -> str:
    """ "<series>: +215% against its expected level, <when>." in `lang`; a deviation the
    detector could not compute (no expected level) reads "–", never a crash or "nan%"."""
    change = None if deviation_pct is None else deviation_pct / 100
    return text(
        "weekly.incident.sentence",
        lang,
        series=series,
        change=signed_percent(change, lang, 0),
        when=when,
    )


def headline(
    traffic: list[ChannelTraffic],
    worst: FunnelStep | None,
    series: list[SeriesLine],
    reputation: ReputationAlert | None,
    params: WeeklyParams,
) -> str:
    """Sessions on last week; the step that lost most orders; low series; a complaint burst."""
    lang = params.lang
    sessions = sum(r.sessions for r in traffic)
    before = sum(r.sessions_last_week for r in traffic)
    change = sessions / before - 1 if before else None
    parts = [
        text(
            "weekly.headline.traffic",
            lang,
            week=params.week,
            sessions=f"{sessions:,}",
            change=percent(change, lang, 1) if change is None else f"{100 * change:+.1f}%",
        )
    ]
    if worst is not None:
        parts.append(
            text(
                "weekly.headline.worst_step",
                lang,
                channel=channel_name(worst.channel, lang),
                from_step=step_name(worst.from_step, lang),
                step=step_name(worst.step, lang),
                orders=f"{worst.orders_lost:.0f}",
            )
        )
    low = [s for s in series if s.below_target]
    if low:
        parts.append(
            text(
                "weekly.headline.low_completion",
                lang,
                series=low[0].series,
                rate=percent(low[0].completion_rate, lang, 0),
                target=percent(low[0].completion_target, lang, 0),
            )
        )
    if reputation is not None and reputation.alert:
        parts.append(text("weekly.headline.complaints", lang, count=reputation.comments))
    return ("" if lang == "zh" else " ").join(parts)


def step_name(step: str, lang: str) -> str:
    """A funnel page's name in `lang` (unknown page types as written)."""
    return text(f"weekly.step.{step}", lang) if f"weekly.step.{step}" in _keys(lang) else step


def channel_name(channel: str, lang: str) -> str:
    """A channel as written; sessions without one as 'direct' in `lang`."""
    return text("weekly.direct", lang) if channel == queries.DIRECT else channel


def _keys(lang: str) -> dict[str, str]:
    from analysis.i18n import catalogue

    return catalogue(lang)
