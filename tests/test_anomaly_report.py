"""The anomaly report on demo data: planted anomalies found, few incidents, clear errors."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from analysis.anomaly import report
from analysis.anomaly.incidents import false_incident_rate
from analysis.errors import AnalysisError
from analysis.params import AnomalyParams, month_bounds
from analysis.warehouse import open_warehouse

ANOMALY_SCALE = 0.5  # at the suite's 0.05 a keyword has a few clicks a day: rules stay quiet


@pytest.fixture(scope="module")
def demo_anomalies(tmp_path_factory: pytest.TempPathFactory):
    from analysis.demo import generate

    demo_dir = tmp_path_factory.mktemp("anomaly-demo") / "demo"
    generate(demo_dir, seed=7, scale=ANOMALY_SCALE)
    params = AnomalyParams(period="2026-10", data={"path": str(demo_dir)})
    results, tables = report.run(open_warehouse(params.data), params)
    truth = json.loads((demo_dir / "truth.json").read_text())["anomalies"]
    return results, tables, {a["metric"]: a for a in truth}


def _within_a_day(start: str, planted: str) -> bool:
    return abs((pd.Timestamp(start) - pd.Timestamp(planted)).days) <= 1


def test_planted_cpc_spike_is_an_incident_on_its_keyword(demo_anomalies) -> None:
    results, _, planted = demo_anomalies
    spike = planted["cpc"]
    found = [
        i for i in results.incidents if spike["keyword"] in i.series and i.metric in ("cpc", "cpm")
    ]
    assert found and any(_within_a_day(i.start, spike["start"]) for i in found)
    assert all(i.direction == "up" for i in found)


def test_planted_cpc_spike_fires_the_handbook_rule_with_a_deadline(demo_anomalies) -> None:
    results, _, planted = demo_anomalies
    spike = planted["cpc"]
    alerts = [
        a
        for a in results.rule_alerts
        if a.rule.startswith("cpc_jump") and spike["keyword"] in a.series
    ]
    assert alerts and _within_a_day(alerts[0].ts, spike["start"])
    assert pd.Timestamp(alerts[0].deadline) - pd.Timestamp(alerts[0].ts) == pd.Timedelta(hours=24)


def test_planted_traffic_drop_is_found_on_its_channel(demo_anomalies) -> None:
    results, _, planted = demo_anomalies
    drop = planted["touches"]
    found = [
        i
        for i in results.incidents
        if i.series.startswith(drop["channel"]) and i.direction == "down"
    ] + [a for a in results.rule_alerts if a.series.startswith(drop["channel"])]
    assert any(_within_a_day(getattr(f, "start", None) or f.ts, drop["start"]) for f in found)


PLANTED_SHOWS_IN = {
    "cpc": {"CPC", "CPM", "spend"},
    "touches": {"visits", "clicks", "impressions", "spend"},
    "conversion_rate": {"conversion rate", "orders", "revenue"},
    "clicks": {"clicks", "impressions", "spend", "CTR", "CPC", "CPM"},
}
"""The series (metric labels) a planted change moves: a CPC jump raises the keyword's spend and
CPM too; fewer touches are fewer visits and clicks; a conversion dip is fewer orders; a new
keyword's launch spike is more clicks (and impressions and spend)."""


def _on_planted_series(incident: dict, planted: dict) -> bool:
    """Whether the incident's headline or chain is a series of the planted entity and metric."""
    entity = " / ".join(
        p for p in (planted["channel"], planted["campaign"], planted["keyword"]) if p
    )
    members = [incident.series, *incident.chain]
    return any(
        name.split(" · ")[0] == entity
        and name.split(" · ")[1] in PLANTED_SHOWS_IN[planted["metric"]]
        for name in members
    )


def _explains(planted: dict, incident: dict) -> bool:
    """The incident is on the planted series and overlaps its days (± 1)."""
    first = pd.Timestamp(planted["start"]) - pd.Timedelta(days=1)
    last = pd.Timestamp(planted["end"]) + pd.Timedelta(days=1)
    overlaps = pd.Timestamp(incident.start) <= last and pd.Timestamp(incident.end) >= first
    return _on_planted_series(incident, planted) and overlaps


def test_every_planted_anomaly_is_an_incident_on_its_series_within_a_day(demo_anomalies) -> None:
    results, _, planted = demo_anomalies
    assert set(planted) == set(PLANTED_SHOWS_IN)
    for anomaly in planted.values():
        found = [
            i
            for i in results.incidents
            if _on_planted_series(i, anomaly) and _within_a_day(i.start, anomaly["start"])
        ]
        assert found, f"planted {anomaly['metric']} on {anomaly['channel']} not an incident"
        direction = "up" if anomaly["magnitude"] > 0 else "down"
        assert found[0].direction == direction


def test_false_incidents_stay_within_two_per_100_series_months(demo_anomalies) -> None:
    results, _, planted = demo_anomalies
    false = [i for i in results.incidents if not any(_explains(a, i) for a in planted.values())]
    first, last = month_bounds(results.period)
    months = ((last - first).days + 1) / 30.4375
    rate = false_incident_rate(false, n_series=results.series_scored, n_months=months)
    assert len(false) < len(results.incidents)  # the planted ones are explained, not false
    assert rate <= 2.0, [(i.series, i.start) for i in false]


def test_incidents_stay_few(demo_anomalies) -> None:
    results, _, _ = demo_anomalies
    assert results.series_scored > 100
    assert len(results.incidents) <= 30


def test_no_series_table_is_a_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    pd.DataFrame({"customer_id": ["c1"], "requested_at": [pd.Timestamp("2026-10-01")]}).to_parquet(
        folder / "erasures.parquet"
    )
    params = AnomalyParams(period="2026-10", data={"path": str(folder)})
    with pytest.raises(AnalysisError, match="no series to score"):
        report.run(open_warehouse(params.data), params)


def test_nab_report_scores_the_vendored_files() -> None:
    root = Path(__file__).resolve().parents[1] / "data" / "external" / "nab"
    params = AnomalyParams(
        period="2011-09",
        scored_from=date(2011, 7, 1),
        data={"path": str(root / "warehouse"), "strict": False},
        metrics=["series"],
        frequency="h",
        history_days=14,
        min_deviation=0,
        nab_windows=root / "labels" / "combined_windows.json",
    )
    results, _ = report.run(open_warehouse(params.data), params)
    assert len(results.nab.files) == 6
    assert sum(f.n_windows for f in results.nab.files.values()) == 14
    assert 56.9 < results.nab.score <= 100  # above the windowed-Gaussian floor


def test_the_published_record_reads_back_as_the_same_typed_report(demo_anomalies) -> None:
    from analysis.reporting.record import VERSION_KEY, read_results
    from analysis.reporting.results import to_jsonable

    results, _, _ = demo_anomalies
    payload = to_jsonable(results) | {VERSION_KEY: 1}
    back = read_results(report.AnomalyReport, json.loads(json.dumps(payload)))
    assert back == results and results.incidents and results.rule_alerts
    assert to_jsonable(back) | {VERSION_KEY: 1} == payload
