"""Render the anomaly report in a notebook: one call per section, data values escaped."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.anomaly import plots
from analysis.anomaly.report import AnomalyReport, AnomalyTables
from analysis.reporting import finding, show_figure, show_table
from analysis.reporting.display import show_warning


def show_overview(report: AnomalyReport) -> None:
    """The headline, how much was scored and the incident rate."""
    finding("<b>{headline}</b>", headline=report.headline)
    finding(
        "{series} series scored from {start} ({frequency}); {rate} incidents per 100 "
        "series-months; {short} series too short to score.",
        series=report.series_scored,
        start=report.scored_from,
        frequency="daily" if report.frequency == "D" else "hourly",
        rate=f"{report.incidents_per_100_series_months:.1f}",
        short=len(report.series_too_short),
    )
    for source, steps in report.data_gaps.items():
        show_warning(
            "Data gap: {source} has no rows on {n} step(s) (first {first}); its series are "
            "missing there, not zero.",
            source=source,
            n=len(steps),
            first=steps[0],
        )


def show_incidents(report: AnomalyReport) -> None:
    """The incident table by severity."""
    if not report.incidents:
        finding("No incidents in the scored period.")
        return
    rows = pd.DataFrame(report.incidents)
    show_table(
        pd.DataFrame(
            {
                "Series": rows["series"],
                "What": rows["label"],
                "Peak": rows["peak_ts"].str[:10],
                "Expected": rows["expected"].map(lambda v: f"{v:,.4g}"),
                "Actual": rows["actual"].map(lambda v: f"{v:,.4g}"),
                "Deviation": rows["deviation_pct"].map(lambda v: f"{v:+.0f}%"),
                "Severity": rows["severity"].map(lambda v: f"{v:.2f}"),
                "Rule": rows["rule"].fillna("–"),
                "Also seen at": rows["chain"].map(lambda c: "; ".join(c) or "–"),
            }
        ),
        caption="Incidents, most severe first",
    )
    finding("Severity: {method}", method=report.methods["severity"])


def show_top_incidents(report: AnomalyReport, tables: AnomalyTables, top: int) -> None:
    """For each top incident: actual against the expected band, and its drill-down."""
    for incident in tables.incidents[:top]:
        show_figure(
            plots.incident_chart(tables.panel, tables.detection, incident, tables.first_scored),
            alt=f"{incident.series}: actual against expected",
        )
        if incident.drivers:
            show_table(
                pd.DataFrame(
                    {
                        "Driver": [d["series"] for d in incident.drivers],
                        "Share of the deviation": [
                            f"{d['contribution']:.0%}" for d in incident.drivers
                        ],
                    }
                ),
                caption=f"Where {incident.series}'s deviation comes from",
            )


def show_rule_alerts(report: AnomalyReport) -> None:
    """The handbook's rule alerts with their deadlines."""
    if not report.rule_alerts:
        finding("No handbook rule fired in the scored period.")
        return
    rows = pd.DataFrame(report.rule_alerts)
    show_table(
        pd.DataFrame(
            {
                "Rule": rows["rule"],
                "Series": rows["series"],
                "Since": rows["ts"].str[:10],
                "Value": rows["value"].map(lambda v: f"{v:,.4g}"),
                "Baseline": rows["baseline"].map(lambda v: f"{v:,.4g}"),
                "Change": rows["change_pct"].map(lambda v: f"{v:+.0f}%"),
                "Deadline": rows["deadline"].fillna("–").str[:16],
            }
        ),
        caption="Handbook rule alerts",
    )


def show_heatmap(tables: AnomalyTables, limit: int = 30) -> None:
    """Scores of the series with the largest |score| in the period, as a heatmap."""
    scores = np.abs(np.nan_to_num(tables.detection.score[:, tables.first_scored :]))
    if scores.size == 0:
        return
    rows = list(np.argsort(-scores.max(axis=1))[:limit])
    show_figure(
        plots.score_heatmap(tables.panel, tables.detection, tables.first_scored, rows),
        alt="Anomaly scores by series and day",
    )


def show_nab(report: AnomalyReport) -> None:
    """The NAB score of this run's detections, when labelled windows were given."""
    if report.nab is None:
        return
    nab = report.nab
    finding(
        "<b>NAB score (standard profile): {score}</b> over {files} files; {tuning}. Published "
        "on realAdExchange: Numenta HTM 76.9, windowed Gaussian 56.9, Twitter ADVec 49.6.",
        score=f"{nab['score']:.1f}",
        files=len(nab["files"]),
        tuning=nab["tuning"],
    )
    show_table(
        pd.DataFrame([{"File": name} | score for name, score in nab["files"].items()]),
        caption="NAB per file",
    )
