"""Render the anomaly report in a notebook: one call per section, data values escaped.

Every heading, header and sentence comes from the catalogue (part `anomaly`) in the report's
language; series names keep their channel, campaign and keyword as written.
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import pandas as pd

from analysis.anomaly import plots, steps
from analysis.anomaly.report import (
    AnomalyReport,
    AnomalyTables,
    moment,
    series_label,
)
from analysis.i18n import catalogue, day, text
from analysis.i18n.formats import money, number, percent, signed_percent
from analysis.reporting import finding, show_figure, show_table
from analysis.reporting.display import show_headline, show_warning

RATE_METRICS = ("ctr", "conversion_rate")
MONEY_METRICS = ("spend", "revenue", "cpc", "cpm")


def _changes(percents: pd.Series, lang: str) -> list[str]:
    """Changes given in percent, as +33% / −48%."""
    return [signed_percent(v / 100, lang, 0) for v in percents]


def format_value(value: float | None, metric: str, lang: str) -> str:
    """A metric's value for people: rates as percentages (16.95%), money with its currency
    (¥152,900, ¥2.35), other values with grouping and as many decimals as three significant
    digits need below 100 (152,900; 70.4; 0.0820), never in exponent notation."""
    if value is None or not np.isfinite(value):
        return "–"
    if metric in RATE_METRICS:
        return percent(value, lang, 2)
    size = abs(value)
    digits = 0 if size >= 100 or size == 0 else min(6, 2 - int(np.floor(np.log10(size))))
    if metric in MONEY_METRICS:
        return money(value, lang, max(digits, 2) if size < 100 else 0)
    return number(value, lang, digits)


def _rule_metric(rule: str) -> str:
    """The metric a handbook rule reads, from its stable name (`rules.rule_names`)."""
    for prefix, metric in (("cpc", "cpc"), ("traffic", "visits"), ("ctr", "ctr")):
        if rule.startswith(prefix):
            return metric
    return "conversion_rate" if rule.startswith("conversion") else "value"


def step_word(frequency: str, lang: str) -> str:
    """The step as readers say it: day, hour, 5 minutes."""
    minutes = steps.step_minutes(frequency)
    if minutes in (60, steps.MINUTES_PER_DAY):
        return text(f"anomaly.step.{steps.canonical(frequency)}", lang)
    return text("anomaly.step.minutes", lang, minutes=minutes)


def _frequency_word(frequency: str, lang: str) -> str:
    canonical = steps.canonical(frequency)
    if canonical in ("D", "h"):
        return text(f"anomaly.frequency.{canonical}", lang)
    return text("anomaly.frequency.step", lang, minutes=steps.step_minutes(frequency))


def show_overview(report: AnomalyReport, contract_warnings: list[str] | None = None) -> None:
    """The headline, how much was scored and the incident rate; then what the reader should
    know about the data: contract warnings, data gaps, averaged rows, early-scored series."""
    lang = report.lang
    show_headline(report.headline)
    finding(
        "{sentence}",
        sentence=text(
            "anomaly.overview",
            lang,
            series=report.series_scored,
            start=day(report.scored_from, lang),
            frequency=_frequency_word(report.frequency, lang),
            rate=f"{report.incidents_per_100_series_months:.1f}",
            short=len(report.series_too_short),
        ),
    )
    for warning in contract_warnings or ():
        show_warning("{sentence}", sentence=warning)
    for source, missing in report.data_gaps.items():
        key = f"anomaly.source.{source}"
        show_warning(
            "{sentence}",
            sentence=text(
                "anomaly.data_gap",
                lang,
                source=text(key, lang) if key in catalogue(lang) else source,
                n=len(missing),
                first=moment(missing[0], lang),
            ),
        )
    if report.averaged_rows:
        show_warning("{sentence}", sentence=text("anomaly.averaged", lang, n=report.averaged_rows))
    if report.series_early:
        finding("{sentence}", sentence=text("anomaly.early", lang, n=report.series_early))


def show_incidents(report: AnomalyReport) -> None:
    """The incident table by severity."""
    lang = report.lang
    if not report.incidents:
        finding("{note}", note=text("anomaly.incidents.none", lang))
        return
    rows = pd.DataFrame(report.incidents)
    separator = text("anomaly.separator", lang)
    show_table(
        pd.DataFrame(
            {
                text("anomaly.column.series", lang): rows["series"].map(
                    lambda s: series_label(s, lang)
                ),
                text("anomaly.column.what", lang): rows["label"],
                text("anomaly.column.peak", lang): rows["peak_ts"].map(lambda t: day(t, lang)),
                text("anomaly.column.expected", lang): [
                    format_value(v, m, lang)
                    for v, m in zip(rows["expected"], rows["metric"], strict=True)
                ],
                text("anomaly.column.actual", lang): [
                    format_value(v, m, lang)
                    for v, m in zip(rows["actual"], rows["metric"], strict=True)
                ],
                text("anomaly.column.deviation", lang): _changes(rows["deviation_pct"], lang),
                text("anomaly.column.severity", lang): rows["severity"].map(lambda v: f"{v:.2f}"),
                text("anomaly.column.rule", lang): rows["rule"].map(
                    lambda r: report.rule_texts.get(r, r) if isinstance(r, str) else "–"
                ),
                text("anomaly.column.chain", lang): rows["chain"].map(
                    lambda c: separator.join(series_label(s, lang) for s in c) or "–"
                ),
                text("anomaly.column.early", lang): [
                    text("anomaly.yes", lang) if e is True else "–"
                    for e in rows.get("early", pd.Series([None] * len(rows)))
                ],
            }
        ),
        caption=text("anomaly.incidents.caption", lang, step=step_word(report.frequency, lang)),
    )
    finding(
        "{sentence}", sentence=text("anomaly.severity", lang, method=report.methods["severity"])
    )


def show_top_incidents(tables: AnomalyTables, top: int) -> None:
    """For each top incident: actual against the expected band, and its drill-down."""
    lang = tables.lang
    for incident in tables.incidents[:top]:
        shown = series_label(incident.series, lang)
        show_figure(
            plots.incident_chart(
                tables.panel, tables.detection, incident, tables.first_scored, lang=lang
            ),
            alt=text("anomaly.figure.incident_alt", lang, series=shown),
        )
        if incident.drivers:
            show_table(
                pd.DataFrame(
                    {
                        text("anomaly.column.driver", lang): [
                            series_label(d["series"], lang) for d in incident.drivers
                        ],
                        text("anomaly.column.share", lang): [
                            f"{d['contribution']:.0%}" for d in incident.drivers
                        ],
                    }
                ),
                caption=text("anomaly.drivers.caption", lang, series=shown),
            )


def show_rule_alerts(report: AnomalyReport) -> None:
    """The handbook's rule alerts with their deadlines."""
    lang = report.lang
    if not report.rule_alerts:
        finding("{note}", note=text("anomaly.rules.none", lang))
        return
    rows = pd.DataFrame(report.rule_alerts)
    show_table(
        pd.DataFrame(
            {
                text("anomaly.column.rule", lang): rows["rule"].map(
                    lambda r: report.rule_texts.get(r, r)
                ),
                text("anomaly.column.series", lang): rows["series"].map(
                    lambda s: series_label(s, lang)
                ),
                text("anomaly.column.since", lang): rows["ts"].map(lambda t: day(t, lang)),
                text("anomaly.column.value", lang): [
                    format_value(v, _rule_metric(r), lang)
                    for v, r in zip(rows["value"], rows["rule"], strict=True)
                ],
                text("anomaly.column.baseline", lang): [
                    format_value(v, _rule_metric(r), lang)
                    for v, r in zip(rows["baseline"], rows["rule"], strict=True)
                ],
                text("anomaly.column.change", lang): _changes(rows["change_pct"], lang),
                text("anomaly.column.deadline", lang): rows["deadline"].map(
                    lambda t: moment(t, lang) if isinstance(t, str) else "–"
                ),
            }
        ),
        caption=text("anomaly.rules.caption", lang),
    )


def show_heatmap(tables: AnomalyTables, limit: int = 30) -> None:
    """Scores of the series with the largest |score| in the period, as a heatmap."""
    scores = np.abs(np.nan_to_num(tables.detection.score[:, tables.first_scored :]))
    if scores.size == 0:
        return
    rows = list(np.argsort(-scores.max(axis=1))[:limit])
    show_figure(
        plots.score_heatmap(
            tables.panel, tables.detection, tables.first_scored, rows, lang=tables.lang
        ),
        alt=text("anomaly.figure.heatmap_alt", tables.lang),
    )


def _nab_cell(column: str, value: object, lang: str) -> object:
    key = f"anomaly.nab.profile.{value}"
    return text(key, lang) if column == "profile" and key in catalogue(lang) else value


def show_nab(report: AnomalyReport) -> None:
    """The NAB score of this run's detections, when labelled windows were given."""
    if report.nab is None:
        return
    lang, nab = report.lang, report.nab
    finding(
        "<b>{score}</b>{detail}",
        score=text("anomaly.nab.score", lang, score=number(nab.score, lang, 1)),
        detail=text("anomaly.nab.detail", lang, files=len(nab.files), tuning=nab.tuning),
    )
    if nab.published:
        scores = ", ".join(f"{name} {value:.1f}" for name, value in nab.published.items())
        finding(
            "{sentence}",
            sentence=text("anomaly.nab.published", lang, category=nab.category, scores=scores),
        )
    rows = [
        {"file": name}
        | {k: _nab_cell(k, v, lang) for k, v in asdict(score).items() if k != "raw"}
        | {"raw": f"{score.raw:.2f}"}
        for name, score in nab.files.items()
    ]
    frame = pd.DataFrame(rows)
    show_table(
        frame.rename(columns={c: text(f"anomaly.nab.column.{c}", lang) for c in frame.columns}),
        caption=text("anomaly.nab.caption", lang),
    )
