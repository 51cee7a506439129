"""Render the anomaly report in a notebook: one call per section, data values escaped.

Every heading, header and sentence comes from the catalogue (part `anomaly`) in the report's
language; series names keep their channel, campaign and keyword as written.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.anomaly import plots
from analysis.anomaly.report import (
    AnomalyReport,
    AnomalyTables,
    moment,
    series_label,
)
from analysis.anomaly.series import DEFINITIONS, METRIC_LABELS
from analysis.i18n import MINUS, catalogue, day, percent, plain, text
from analysis.reporting import finding, show_figure, show_table
from analysis.reporting.display import show_headline, show_warning


def _number(value: float) -> str:
    return plain(value, 4)


_RATE_LABELS = {METRIC_LABELS[m] for m, d in DEFINITIONS.items() if d[0] == "ratio"}


def _value(series: str, value: float, lang: str) -> str:
    """A series' value: rates (CTR, conversion rate) as percentages, the rest as numbers."""
    rate = series.rpartition(" · ")[2] in _RATE_LABELS
    return percent(value, lang, 2) if rate else _number(value)


def _change(value: float) -> str:
    """A change in percent with the one minus sign: +33%, −48%."""
    return f"{value:+.0f}%".replace("-", MINUS)


def show_overview(report: AnomalyReport) -> None:
    """The headline, how much was scored and the incident rate."""
    lang = report.lang
    show_headline(report.headline)
    finding(
        "{sentence}",
        sentence=text(
            "anomaly.overview",
            lang,
            series=report.series_scored,
            start=day(report.scored_from, lang),
            frequency=text(f"anomaly.frequency.{'D' if report.frequency == 'D' else 'h'}", lang),
            rate=f"{report.incidents_per_100_series_months:.1f}",
            short=len(report.series_too_short),
        ),
    )
    for source, steps in report.data_gaps.items():
        key = f"anomaly.source.{source}"
        show_warning(
            "{sentence}",
            sentence=text(
                "anomaly.data_gap",
                lang,
                source=text(key, lang) if key in catalogue(lang) else source,
                n=len(steps),
                first=moment(steps[0], lang),
            ),
        )


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
                    _value(s, v, lang)
                    for s, v in zip(rows["series"], rows["expected"], strict=True)
                ],
                text("anomaly.column.actual", lang): [
                    _value(s, v, lang) for s, v in zip(rows["series"], rows["actual"], strict=True)
                ],
                text("anomaly.column.deviation", lang): rows["deviation_pct"].map(_change),
                text("anomaly.column.severity", lang): rows["severity"].map(lambda v: f"{v:.2f}"),
                text("anomaly.column.rule", lang): rows["rule"].map(
                    lambda r: report.rule_texts.get(r, r) if isinstance(r, str) else "–"
                ),
                text("anomaly.column.chain", lang): rows["chain"].map(
                    lambda c: separator.join(series_label(s, lang) for s in c) or "–"
                ),
            }
        ),
        caption=text("anomaly.incidents.caption", lang),
    )
    finding(
        "{sentence}", sentence=text("anomaly.severity", lang, method=report.methods["severity"])
    )


def show_top_incidents(report: AnomalyReport, tables: AnomalyTables, top: int) -> None:
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
                    _value(s, v, lang) for s, v in zip(rows["series"], rows["value"], strict=True)
                ],
                text("anomaly.column.baseline", lang): [
                    _value(s, v, lang)
                    for s, v in zip(rows["series"], rows["baseline"], strict=True)
                ],
                text("anomaly.column.change", lang): rows["change_pct"].map(_change),
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
        score=text("anomaly.nab.score", lang, score=f"{nab['score']:.1f}"),
        detail=text("anomaly.nab.detail", lang, files=len(nab["files"]), tuning=nab["tuning"]),
    )
    rows = [
        {"file": name} | {k: _nab_cell(k, v, lang) for k, v in score.items()}
        for name, score in nab["files"].items()
    ]
    frame = pd.DataFrame(rows)
    show_table(
        frame.rename(columns={c: text(f"anomaly.nab.column.{c}", lang) for c in frame.columns}),
        caption=text("anomaly.nab.caption", lang),
    )
