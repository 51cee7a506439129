"""Assemble the anomaly report: series from the engine, scores, rules, incidents, NAB score.

The sentences it stores (headline, incident labels, rule wording, the severity method, the NAB
tuning note) are in the report's language (`params.lang`, catalogue part `anomaly`); codes
(`kind`, `direction`, `metric`, `level`, `rule`) and series names stay as the detector made them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd

from analysis.anomaly import detect as detector_module
from analysis.anomaly import nab, queries, rules, series, steps
from analysis.anomaly.detect import Detection, detect
from analysis.anomaly.incidents import Incident, build_incidents, false_incident_rate
from analysis.anomaly.nab_eval import PUBLISHED_BY_CATEGORY
from analysis.anomaly.panel import Panel
from analysis.anomaly.results import AlertRecord, Driver, IncidentRecord, NabBox
from analysis.anomaly.settings import DetectorSettings
from analysis.errors import AnalysisError
from analysis.i18n import catalogue, day, percent, text
from analysis.params import AnomalyParams, month_bounds
from analysis.warehouse import Warehouse
from analysis.weeks import DAYS_PER_MONTH

SOURCE_TABLES = {"spend": "spend", "visits": "touchpoints", "orders": "orders"}
SOURCE_METRICS = {
    "spend": {"spend", "impressions", "clicks", "ctr", "cpc", "cpm"},
    "visits": {"visits", "conversion_rate"},
    "orders": {"orders", "revenue", "conversion_rate"},
}


@dataclass(frozen=True)
class AnomalyReport:
    """Results of the anomaly report, as published to `<name>.json`."""

    RECORD_VERSION: ClassVar[int] = 1

    headline: str
    period: str
    scored_from: str
    frequency: str
    series_scored: int
    series_too_short: list[str]
    incidents: list[IncidentRecord]
    rule_alerts: list[AlertRecord]
    incidents_per_100_series_months: float
    detector: DetectorSettings
    methods: dict[str, str]
    data_gaps: dict[str, list[str]]
    averaged_rows: int
    series_early: int  # series scored by the cold-start model on some step of the period
    nab: NabBox | None
    rule_texts: dict[str, str]  # rule name → its wording for readers, thresholds in force
    lang: str


@dataclass(frozen=True)
class AnomalyTables:
    """What the notebook draws: the panel, its detection and the incidents."""

    panel: Panel
    detection: Detection
    incidents: list[Incident]
    first_scored: int
    lang: str


def run(warehouse: Warehouse, params: AnomalyParams) -> tuple[AnomalyReport, AnomalyTables]:
    """Score every series of the period against its own past and tell the incidents."""
    first, last = month_bounds(params.period)
    scored_from = params.scored_from or first
    history = scored_from - timedelta(days=params.history_days)
    params = params.model_copy(update={"frequency": _frequency(warehouse, params, history, last)})
    build = _panel(warehouse, params, history, last)
    panel = build.panel
    settings = DetectorSettings()
    if params.threshold is not None:
        settings = replace(settings, threshold=params.threshold)
    detection = detect(panel, settings)
    start = int(np.searchsorted(panel.timestamps, np.datetime64(scored_from.isoformat())))
    in_window = _only_from(detection, start)
    rule_settings = rules.RuleSettings(**params.rules.model_dump())
    alerts = _rule_alerts(panel, rule_settings, start)
    incidents = build_incidents(
        panel, in_window, rule_alerts=alerts, min_deviation=params.min_deviation
    )
    scored = np.isfinite(detection.score[:, start:]).any(axis=1)
    early = detection.early[:, start:] if detection.early is not None else np.zeros((0, 0))
    months = max((last - scored_from).days + 1, 1) / DAYS_PER_MONTH
    report = AnomalyReport(
        headline=headline_sentence(
            incidents, len(alerts), lang=params.lang, hours=rule_settings.cpc_deadline_hours
        ),
        period=params.period,
        scored_from=scored_from.isoformat(),
        frequency=params.frequency,
        series_scored=int(scored.sum()),
        series_too_short=[str(panel.keys["name"].iat[r]) for r in detection.too_short],
        incidents=[_incident_record(i, params.lang, detection) for i in incidents],
        rule_alerts=[_alert_record(a) for a in alerts],
        incidents_per_100_series_months=false_incident_rate(
            incidents, max(int(scored.sum()), 1), months
        ),
        detector=settings,
        methods={
            "detector": _detector_method(),
            "severity": text("anomaly.method.severity", params.lang),
            "series": series.__doc__.split("\n\n", 1)[1].strip(),
        },
        data_gaps={k: v for k, v in build.gaps.items() if v} | _series_gaps(panel, start),
        averaged_rows=build.averaged_rows,
        series_early=int(early.any(axis=1).sum()) if early.size else 0,
        nab=_nab(panel, detection, params.nab_windows, params.lang),
        rule_texts=rule_texts(rule_settings, params.lang),
        lang=params.lang,
    )
    return report, AnomalyTables(panel, in_window, incidents, start, params.lang)


def _frequency(warehouse: Warehouse, params: AnomalyParams, first: date, last: date) -> str:
    """The step in force: the params' step, or (`auto`) the step of the metrics table's
    timestamps (`anomaly.steps.infer_step`), else daily."""
    if params.frequency != "auto":
        return steps.canonical(params.frequency)
    if "series" in params.metrics and warehouse.has_table("metrics"):
        stamps = queries.metric_timestamps(warehouse, first, last)
        if len(stamps) >= 2:
            return steps.infer_step(stamps)
    return "D"


def _series_gaps(panel: Panel, start: int) -> dict[str, list[str]]:
    """Missing steps of each `metrics` series from `start` (between its first and last value),
    keyed "metrics · <series>"."""
    gaps = {}
    stamps = pd.DatetimeIndex(panel.timestamps)
    for row in np.flatnonzero((panel.keys["level"] == "series").to_numpy()):
        present = np.flatnonzero(np.isfinite(panel.values[row]))
        if present.size == 0:
            continue
        missing = np.flatnonzero(~np.isfinite(panel.values[row, present[0] : present[-1] + 1]))
        missing = missing[missing + present[0] >= start] + present[0]
        if missing.size:
            gaps[f"metrics · {panel.keys['name'].iat[row]}"] = [
                ts.isoformat() for ts in stamps[missing]
            ]
    return gaps


def _panel(
    warehouse: Warehouse, params: AnomalyParams, first: date, last: date
) -> series.SeriesBuild:
    wanted, levels, frequency = set(params.metrics), list(params.levels), params.frequency
    builders = {
        "spend": lambda: queries.spend_steps(warehouse, first, last, levels),
        "visits": lambda: queries.visit_steps(warehouse, first, last, levels, frequency),
        "orders": lambda: queries.order_steps(warehouse, first, last, levels, frequency),
    }
    sources = {}
    for source, build in builders.items():
        if source == "spend" and not steps.is_daily(frequency):
            continue  # spend is dated: no hourly spend series (module docstring of `series`)
        if wanted & SOURCE_METRICS[source] and warehouse.has_table(SOURCE_TABLES[source]):
            sources[source] = build()
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


def _rule_alerts(panel: Panel, settings: rules.RuleSettings, start: int) -> list:
    if panel.frequency != "D" or panel.n_series == 0:
        return []
    first_ts = panel.timestamps[start] if start < len(panel.timestamps) else None
    alerts = rules.evaluate_rules(panel, settings=settings)
    return [a for a in alerts if first_ts is not None and np.datetime64(a.ts) >= first_ts]


def _alert_record(alert: rules.RuleAlert) -> AlertRecord:
    record = asdict(alert)
    for key in ("ts", "deadline", "last_ts"):
        value = record.get(key)
        record[key] = None if value is None else pd.Timestamp(value).isoformat()
    return AlertRecord(**record)


def _detector_method() -> str:
    return " ".join(detector_module.__doc__.split("\n\n", 1)[1].split())


def headline_sentence(
    incidents: list[Incident], n_alerts: int, *, lang: str, hours: float = 24
) -> str:
    """E.g. "3 incident(s); the biggest: 百度SEM / … · CPC +45% (spike …); investigate by …"."""
    if not incidents:
        return text("anomaly.headline.none", lang, alerts=n_alerts)
    top = incidents[0]
    values = {
        "count": len(incidents),
        "series": series_label(top.series, lang),
        "change": f"{top.deviation_pct:+.0f}%",
        "when": incident_when(top.kind, top.start, top.end, lang, top.ongoing),
    }
    if top.rule and top.rule.startswith("cpc_jump"):
        deadline = day(top.start + pd.Timedelta(hours=hours), lang)
        return text(
            "anomaly.headline.top_deadline", lang, deadline=deadline, hours=f"{hours:g}", **values
        )
    return text("anomaly.headline.top", lang, **values)


def moment(value: object, lang: str) -> str:
    """A step in `lang`: its day at midnight (2026-10-14, 2026年10月14日), else with the time
    of day (2026-10-14 06:00): no ISO "T" on a page."""
    stamp = pd.Timestamp(value)
    if stamp == stamp.normalize():
        return day(stamp, lang)
    return f"{day(stamp, lang)} {stamp:%H:%M}"


def incident_when(kind: str, start: object, end: object, lang: str, ongoing: bool = True) -> str:
    """ "shifted since <day>", "shifted <day> to <day>" (recovered), "spike on <day>" or
    "spike <day> to <day>" in `lang`."""
    first, last = moment(start, lang), moment(end, lang)
    if kind == "shift" and ongoing:
        return text("incident.shift", lang, start=first)
    if kind == "shift":
        return text("incident.shift_ended", lang, start=first, end=last)
    if first == last:
        return text("incident.spike_day", lang, start=first)
    return text("incident.spike", lang, start=first, end=last)


def metric_label(metric: str, lang: str) -> str:
    """The metric as readers name it (cpc → CPC, visits → 访问量); unknown codes as they are."""
    key = f"anomaly.metric.{metric}"
    return text(key, lang) if key in catalogue(lang) else series.METRIC_LABELS.get(metric, metric)


_METRIC_OF_LABEL = {label: metric for metric, label in series.METRIC_LABELS.items()}


def series_label(name: str, lang: str) -> str:
    """A series name ("All channels · conversion rate", "百度SEM / … · CPC") with its metric
    and the word "All channels" in `lang`; the channel, campaign and keyword stay as written."""
    where, dot, label = name.rpartition(" · ")
    if not dot or label not in _METRIC_OF_LABEL:
        return name
    if where == "All channels":
        where = text("anomaly.all_channels", lang)
    return f"{where} · {metric_label(_METRIC_OF_LABEL[label], lang)}"


def rule_texts(settings: rules.RuleSettings, lang: str) -> dict[str, str]:
    """Each handbook rule's name → its wording with the thresholds in force, e.g.
    cpc_jump_30pct → "CPC 较前 7 日均值上涨 ≥30%，24 小时内排查"."""
    names = rules.rule_names(settings)
    return {
        names["cpc"]: text(
            "anomaly.rule.cpc",
            lang,
            threshold=percent(settings.cpc_jump, lang, 0),
            window=settings.cpc_window,
            hours=f"{settings.cpc_deadline_hours:g}",
        ),
        names["traffic"]: text(
            "anomaly.rule.traffic", lang, threshold=percent(settings.traffic_drop, lang, 0)
        ),
        names["conversion"]: text(
            "anomaly.rule.conversion", lang, threshold=percent(settings.conversion_drop, lang, 0)
        ),
        names["ctr"]: text(
            "anomaly.rule.ctr", lang, fraction=percent(settings.ctr_fraction, lang, 0)
        ),
    }


def _incident_record(
    incident: Incident, lang: str, detection: Detection | None = None
) -> IncidentRecord:
    """The incident's record with its `label` in the report's language and `early`: whether
    its peak step was scored by the cold-start model (wider band)."""
    record = incident.as_record()
    early = detection.early if detection is not None else None
    if detection is not None and early is not None:
        peak = int(np.searchsorted(detection.timestamps, np.datetime64(incident.peak_ts)))
        record["early"] = bool(early[incident.series_row, min(peak, early.shape[1] - 1)])
    record["label"] = incident_when(
        incident.kind, incident.start, incident.end, lang, incident.ongoing
    )
    record["drivers"] = [Driver(**d) for d in record["drivers"]]
    return IncidentRecord(**record)


def _nab(panel: Panel, detection: Detection, windows_path: Path | None, lang: str) -> NabBox | None:
    """The NAB score of the detections on series named like NAB files (alert at onset)."""
    if windows_path is None:
        return None
    windows = nab.load_windows(windows_path)
    onsets = detection.onsets(shifts=False, runs=False)  # points at incident onset, as nab_eval
    files, per_file, categories = [], {}, set()
    for row, name in enumerate(panel.keys["name"]):
        key = next((k for k in windows if Path(k).stem == name), None)
        if key is None:
            continue
        present = np.isfinite(panel.values[row])
        score = nab.score_file(panel.timestamps[present], onsets[row][present], windows[key])
        files.append(score)
        per_file[key] = score
        categories.add(key.split("/", 1)[0])
    if not files:
        raise AnalysisError(
            f"nab_windows = {str(windows_path)!r}: no series of the panel is named like a file in "
            "it (series names must be the file stems, e.g. exchange-2_cpc_results)"
        )
    category = categories.pop() if len(categories) == 1 else None
    return NabBox(
        profile="standard",
        score=nab.normalised_score(files),
        files=per_file,
        category=category,
        published=PUBLISHED_BY_CATEGORY.get(category) if category else None,
        tuning=text("anomaly.nab.tuning", lang),
    )
