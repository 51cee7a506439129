"""Assemble the anomaly report: series from the engine, scores, rules, incidents, NAB score."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.anomaly import detect as detector_module
from analysis.anomaly import nab, queries, rules, series
from analysis.anomaly.detect import Detection, detect
from analysis.anomaly.incidents import Incident, build_incidents, false_incident_rate
from analysis.anomaly.panel import Panel
from analysis.anomaly.settings import DetectorSettings
from analysis.errors import AnalysisError
from analysis.params import AnomalyParams, month_bounds
from analysis.warehouse import Warehouse

SOURCE_TABLES = {"spend": "spend", "visits": "touchpoints", "orders": "orders"}
SOURCE_METRICS = {
    "spend": {"spend", "impressions", "clicks", "ctr", "cpc", "cpm"},
    "visits": {"visits", "conversion_rate"},
    "orders": {"orders", "revenue", "conversion_rate"},
}
SEVERITY_METHOD = (
    "severity = |deviation %| / 100 × ln(1 + volume) × √days, volume = the incident's "
    "denominator (clicks, impressions, visits) for ratios and prices, else its larger of actual "
    "and expected; one story per incident seen at several levels, ranked by its largest member"
)


@dataclass(frozen=True)
class AnomalyReport:
    """Results of the anomaly report, as published to `<name>.json`."""

    headline: str
    period: str
    scored_from: str
    frequency: str
    series_scored: int
    series_too_short: list[str]
    incidents: list[dict]
    rule_alerts: list[dict]
    incidents_per_100_series_months: float
    detector: dict
    methods: dict[str, str]
    data_gaps: dict[str, list[str]]
    averaged_rows: int
    nab: dict | None


@dataclass(frozen=True)
class AnomalyTables:
    """What the notebook draws: the panel, its detection and the incidents."""

    panel: Panel
    detection: Detection
    incidents: list[Incident]
    first_scored: int


def run(warehouse: Warehouse, params: AnomalyParams) -> tuple[AnomalyReport, AnomalyTables]:
    """Score every series of the period against its own past and tell the incidents."""
    first, last = month_bounds(params.period)
    scored_from = params.scored_from or first
    history = scored_from - timedelta(days=params.history_days)
    build = _panel(warehouse, params, history, last)
    panel = build.panel
    settings = DetectorSettings()
    if params.threshold is not None:
        settings = replace(settings, threshold=params.threshold)
    detection = detect(panel, settings)
    start = int(np.searchsorted(panel.timestamps, np.datetime64(scored_from.isoformat())))
    in_window = _only_from(detection, start)
    alerts = _rule_alerts(panel, params, start)
    incidents = build_incidents(
        panel, in_window, rule_alerts=alerts, min_deviation=params.min_deviation
    )
    scored = np.isfinite(detection.score[:, start:]).any(axis=1)
    months = max((last - scored_from).days + 1, 1) / 30.4375
    report = AnomalyReport(
        headline=headline_sentence(incidents, len(alerts)),
        period=params.period,
        scored_from=scored_from.isoformat(),
        frequency=params.frequency,
        series_scored=int(scored.sum()),
        series_too_short=[panel.keys["name"].iat[r] for r in np.flatnonzero(detection.too_short)],
        incidents=[i.as_record() for i in incidents],
        rule_alerts=[_alert_record(a) for a in alerts],
        incidents_per_100_series_months=false_incident_rate(
            incidents, max(int(scored.sum()), 1), months
        ),
        detector=asdict(settings),
        methods={
            "detector": _detector_method(),
            "severity": SEVERITY_METHOD,
            "series": series.__doc__.split("\n\n", 1)[1].strip(),
        },
        data_gaps={k: v for k, v in build.gaps.items() if v},
        averaged_rows=build.averaged_rows,
        nab=_nab(panel, detection, params.nab_windows),
    )
    return report, AnomalyTables(panel, in_window, incidents, start)


def _panel(
    warehouse: Warehouse, params: AnomalyParams, first: date, last: date
) -> series.SeriesBuild:
    wanted = set(params.metrics)
    builders = {
        "spend": queries.spend_steps,
        "visits": queries.visit_steps,
        "orders": queries.order_steps,
    }
    sources = {}
    for source, build in builders.items():
        if source == "spend" and params.frequency == "h":
            continue  # spend is dated: no hourly spend series (module docstring of `series`)
        if wanted & SOURCE_METRICS[source] and warehouse.has_table(SOURCE_TABLES[source]):
            sources[source] = build(warehouse, first, last, list(params.levels), params.frequency)
    metric_rows = None
    if "series" in wanted and warehouse.has_table("metrics"):
        metric_rows = queries.metric_steps(warehouse, first, last, params.frequency)
    if not sources and metric_rows is None:
        raise AnalysisError(
            f"no series to score: metrics = {params.metrics} need one of the tables spend, "
            "touchpoints, orders (or metrics for 'series'), and none of them is present"
        )
    grid = series.step_grid(pd.Timestamp(first), pd.Timestamp(last), params.frequency)
    return series.build_panel(
        sources,
        grid,
        metrics=list(params.metrics),
        frequency=params.frequency,
        metric_rows=metric_rows,
    )


def _only_from(detection: Detection, start: int) -> Detection:
    """The detection with scores, flags, shifts and run steps before `start` dropped (history
    is not reported, and no incident reaches back into it)."""
    anomalous = detection.anomalous.copy()
    anomalous[:, :start] = False
    score = detection.score.copy()
    score[:, :start] = np.nan
    shifts = tuple(s for s in detection.shifts if s.start >= start)
    runs = tuple(replace(r, start=max(r.start, start)) for r in detection.runs if r.end >= start)
    return replace(detection, score=score, anomalous=anomalous, shifts=shifts, runs=runs)


def _rule_alerts(panel: Panel, params: AnomalyParams, start: int) -> list:
    if panel.frequency != "D" or panel.n_series == 0:
        return []
    settings = rules.RuleSettings(**params.rules.model_dump())
    first_ts = panel.timestamps[start] if start < len(panel.timestamps) else None
    alerts = rules.evaluate_rules(panel, settings=settings)
    return [a for a in alerts if first_ts is not None and np.datetime64(a.ts) >= first_ts]


def _alert_record(alert) -> dict:
    record = asdict(alert)
    for key in ("ts", "deadline", "last_ts"):
        value = record.get(key)
        record[key] = None if value is None else pd.Timestamp(value).isoformat()
    return record


def _detector_method() -> str:
    return " ".join(detector_module.__doc__.split("\n\n", 1)[1].split())


def headline_sentence(incidents: list[Incident], n_alerts: int) -> str:
    """E.g. "3 incident(s); the biggest: 百度SEM / … · CPC +45% (spike …); investigate by …"."""
    if not incidents:
        return f"No incidents this period; {n_alerts} rule alert(s)."
    top = incidents[0]
    sign = "+" if top.deviation_pct >= 0 else ""
    deadline = ""
    if top.rule and top.rule.startswith("cpc_jump"):
        deadline = (
            f"; investigate by {(top.start + pd.Timedelta(days=1)).date().isoformat()} (24 h)"
        )
    return (
        f"{len(incidents)} incident(s); the biggest: {top.series} {sign}{top.deviation_pct:.0f}% "
        f"({top.label}){deadline}."
    )


def _nab(panel: Panel, detection: Detection, windows_path: Path | None) -> dict | None:
    """The NAB score of the detections on series named like NAB files (alert at onset)."""
    if windows_path is None:
        return None
    windows = nab.load_windows(windows_path)
    onsets = detection.onsets(shifts=False, runs=False)  # points at incident onset, as nab_eval
    files, per_file = [], {}
    for row, name in enumerate(panel.keys["name"]):
        key = next((k for k in windows if Path(k).stem == name), None)
        if key is None:
            continue
        present = np.isfinite(panel.values[row])
        score = nab.score_file(panel.timestamps[present], onsets[row][present], windows[key])
        files.append(score)
        per_file[key] = asdict(score)
    if not files:
        raise AnalysisError(
            f"nab_windows = {str(windows_path)!r}: no series of the panel is named like a file in "
            "it (series names must be the file stems, e.g. exchange-2_cpc_results)"
        )
    return {
        "profile": "standard",
        "score": nab.normalised_score(files),
        "files": per_file,
        "published": {"Numenta HTM": 76.9, "windowed Gaussian": 56.9, "Twitter ADVec": 49.6},
        "tuning": "shipped defaults; no default number was picked by its NAB score, but design "
        "changes followed a first NAB run (see analysis.anomaly.nab_eval)",
    }
