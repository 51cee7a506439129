"""The monthly summary: decisions drawn from the month's reports, links, missing sources, KPIs."""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from pathlib import Path

import pytest

from analysis import abtest, anomaly, attribution, rfm, summary
from analysis.params import read_yaml, validate_report
from analysis.reporting import display as reporting_display
from analysis.reporting import to_jsonable
from analysis.summary.decisions import SECTIONS
from analysis.summary.scorecard import kpi_status
from analysis.warehouse import open_warehouse

ROOT = Path(__file__).resolve().parents[1]
SUMMARY_PARAMS = ROOT / "params" / "monthly_summary" / "demo.yaml"
SCALE = 0.5  # the planted incidents need the volume of half the demo (see test_anomaly_report)
RUNS = {
    "abtest": (abtest.run, ROOT / "params" / "abtest" / "demo.yaml"),
    "rfm": (rfm.run, ROOT / "params" / "rfm" / "demo.yaml"),
    "attribution": (attribution.run, ROOT / "params" / "attribution" / "demo.yaml"),
    "anomalies": (anomaly.run, ROOT / "params" / "anomalies" / "demo.yaml"),
}


def _params(report_file: Path, demo: Path, **extra: object):
    values = read_yaml(report_file) | {"data": {"path": str(demo)}, **extra}
    return validate_report(values, str(report_file))


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    """A demo warehouse and a folder holding the results records of its October reports."""
    from analysis.demo import generate

    base = tmp_path_factory.mktemp("summary")
    demo = base / "demo"
    truth = generate(demo, seed=7, scale=SCALE)
    folder = base / "reports" / "2026-10"
    folder.mkdir(parents=True)
    for name, (run, params_file) in RUNS.items():
        params = _params(params_file, demo)
        results = run(open_warehouse(params.data), params)[0]
        record = {
            "report": name,
            "name": name,
            "status": "ok",
            "headline": results.headline,
            "params": params.model_dump(mode="json"),
            "results": to_jsonable(results),
        }
        (folder / f"{name}.json").write_text(json.dumps(record, ensure_ascii=False))
    return demo, folder, truth


def _summary(demo: Path, folder: Path, **extra: object):
    params = _params(SUMMARY_PARAMS, demo, reports_dir=str(folder), **extra)
    return summary.run(open_warehouse(params.data), params)


def test_summary_lists_the_planted_october_decisions(month) -> None:
    demo, folder, truth = month
    report = _summary(demo, folder)
    texts = [d.text for d in report.decisions]
    assert len(texts) <= 10
    winner = next(e for e in truth["experiments"] if e["decision"] == "ship")
    # the A/B report's verdict sentence, said once ("title: Ship B: +20.1% …", not "ship B. Ship B")
    shipped = next(t for t in texts if t.startswith(f"{winner['experiment_id']}: "))
    assert shipped.startswith(f"{winner['experiment_id']}: Ship {winner['winner']}:")
    assert shipped.lower().count(f"ship {winner['winner']}".lower()) == 1
    invalid = next(e for e in truth["experiments"] if e["decision"] == "invalid")
    assert any(t.startswith(f"{invalid['experiment_id']}: Invalid:") for t in texts)
    channels = json.loads((folder / "attribution.json").read_text())["results"]["channels"]
    statuses = [d.text for d in report.decisions if d.kind == "channel_status"]
    for channel in (c for c in channels if c["spend"] > 0):
        said = next(t for t in statuses if f"{channel['channel']} (" in t)
        assert said.startswith(
            {"expand": "Expand", "keep": "Keep", "watch": "Watch"}.get(
                channel["status"], "Fix or cut"
            )
        )
    planted = {a["metric"]: a for a in truth["anomalies"]}
    incidents = [d.text for d in report.decisions if d.kind == "incident"]
    assert any(planted["cpc"]["keyword"] in t and "by 2026-10-15" in t for t in incidents)
    assert any(t.startswith(f"Investigate {planted['touches']['channel']} ·") for t in incidents)


def test_the_summary_reads_typed_records_and_publishes_one(month) -> None:
    """The month's records are read back as their reports' classes (`read_results`), and the
    summary's own record round-trips the same way."""
    from record_roundtrip import assert_round_trips

    from analysis.summary.sources import read_source

    demo, folder, _ = month
    for name, kind in (("attribution", "AttributionReport"), ("rfm", "RfmReport")):
        source = read_source(folder, name, "2026-10")
        assert source.ok and type(source.results).__name__ == kind
    assert_round_trips(_summary(demo, folder))


def test_a_record_of_another_version_is_stale_not_read(month, tmp_path) -> None:
    from analysis.summary.sources import read_source

    _, folder, _ = month
    record = json.loads((folder / "rfm.json").read_text())
    record["results"]["record_version"] = 99
    (tmp_path / "rfm.json").write_text(json.dumps(record), encoding="utf-8")
    assert read_source(tmp_path, "rfm", "2026-10").status == "stale"


def test_every_decision_links_to_a_section_its_report_sets(month) -> None:
    demo, folder, _ = month
    for decision in _summary(demo, folder).decisions:
        page, anchor = decision.href.split("#")
        notebook = (ROOT / "notebooks" / page.replace(".html", ".ipynb")).read_text()
        assert f'<a id=\\"{anchor}\\"></a>' in notebook, decision.href
    assert set(SECTIONS.values()) <= {
        "verdicts",
        "roi",
        "budget",
        "incidents",
        "classes",
        "migration",
    }


def test_a_missing_or_failed_report_is_named_and_the_rest_carries_on(
    month, tmp_path, monkeypatch
) -> None:
    demo, folder, _ = month
    partial = tmp_path / "2026-10"
    partial.mkdir()
    for name in ("abtest", "rfm", "attribution"):
        (partial / f"{name}.json").write_text((folder / f"{name}.json").read_text())
    (partial / "rfm.failed.ipynb").write_text("{}")
    report = _summary(demo, partial)
    status = {s.name: s.status for s in report.sources}
    assert status["anomalies"] == "missing" and status["rfm"] == "failed"
    assert status["abtest"] == "ok" and status["data_health"] == "missing"
    assert "anomalies" in report.headline and "rfm" in report.headline
    assert {d.kind for d in report.decisions} == {"test", "channel_status", "budget"}
    shown: list[str] = []
    monkeypatch.setattr(reporting_display, "display_html", shown.append)
    summary.show_overview(report)
    warnings = [m for m in shown if m.startswith("<div style") and "the rest of the summary" in m]
    assert len(warnings) == 3 and any("has no results" in m and "anomalies" in m for m in warnings)


def test_a_report_of_another_month_is_not_read(month, tmp_path) -> None:
    demo, folder, _ = month
    other = tmp_path / "2026-10"
    other.mkdir()
    record = json.loads((folder / "abtest.json").read_text())
    record["params"]["period"] = "2026-09"
    (other / "abtest.json").write_text(json.dumps(record))
    report = _summary(demo, other)
    assert asdict(report.sources[1]) == {
        "name": "abtest",
        "status": "missing",
        "headline": None,
        "href": None,
    }


def test_scorecard_reads_warehouse_and_attribution_and_states_its_rule(month) -> None:
    demo, folder, _ = month
    report = _summary(demo, folder)
    lines = {line.kpi: line for line in report.scorecard}
    assert list(lines) == [
        "site_conversion",
        "paid_conversion",
        "repurchase",
        "channel_roi",
        "sem_lead_cost",
        "free_traffic_share",
    ]
    channels = json.loads((folder / "attribution.json").read_text())["results"]["channels"]
    sem = next(c for c in channels if c["channel"] == "百度SEM")
    assert lines["sem_lead_cost"].actual == pytest.approx(sem["cac"])
    assert lines["sem_lead_cost"].source == "attribution"
    paid = [c for c in channels if c["spend"] > 0]
    roi = sum(c["revenue"]["markov"] for c in paid) / sum(c["spend"] for c in paid)
    assert lines["channel_roi"].actual == pytest.approx(roi)
    assert lines["site_conversion"].last_year is None  # the demo starts in 2025-11
    assert lines["site_conversion"].change_on_month is not None
    assert "at most 10%" in report.status_rule


@pytest.mark.parametrize(
    ("actual", "target", "higher", "expected"),
    [
        (0.026, 0.025, True, "on_track"),
        (0.023, 0.025, True, "at_risk"),  # 8% short, within the 10% margin
        (0.020, 0.025, True, "off_track"),
        (190.0, 200.0, False, "on_track"),
        (215.0, 200.0, False, "at_risk"),
        (260.0, 200.0, False, "off_track"),
        (None, 200.0, False, "no_data"),
    ],
)
def test_status_rule(actual, target, higher, expected) -> None:
    assert kpi_status(actual, target, higher, 0.10) == expected


def test_budget_execution_explains_variance_with_the_channel_status(month) -> None:
    demo, folder, _ = month
    lines = {line.channel: line for line in _summary(demo, folder).budget_execution}
    plan = read_yaml(SUMMARY_PARAMS)["budget_plan"]
    assert set(plan) <= set(lines)
    for channel, planned in plan.items():
        line = lines[channel]
        assert line.variance == pytest.approx(line.actual - planned)
        assert line.status is not None and line.cause.startswith("execution.cause.")


def test_summary_in_chinese_names_data_as_written(month) -> None:
    demo, folder, _ = month
    report = _summary(demo, folder, lang="zh")
    assert re.search(r"项 KPI 中 \d 项达标", report.headline)
    assert any("百度SEM" in d.text and "调查" in d.text for d in report.decisions)
    incidents = [d.text for d in report.decisions if d.kind == "incident"]
    assert any("抖音 · 访问量" in t for t in incidents), incidents  # the planted traffic drop
    channels = [d.text for d in report.decisions if d.kind == "channel_status"]
    # judged on incremental ROI: the model is named in words, never by its code
    assert channels and all("营销组合模型" in t and "markov" not in t for t in channels)
    assert any("ROI > 3 " in t for t in channels)  # the thresholds the attribution report used
    assert not any(re.search(r" · (visits|orders|revenue|spend|clicks)\b", t) for t in incidents)
    # Chinese punctuation and dates: lists with 、, no space between sentences, no ISO day
    assert ", " not in report.headline and "。 " not in report.headline
    deadlines = [t for t in incidents if "前查明原因" in t]
    assert deadlines and all(re.search(r"\d{4}年\d{1,2}月\d{1,2}日", t) for t in deadlines)
    assert not any(re.search(r"\d{4}-\d{2}-\d{2}", t) for t in deadlines)


def test_summary_params_file_validates(month) -> None:
    params = _params(SUMMARY_PARAMS, month[0])  # a clean clone has no data/demo
    assert params.report == "monthly_summary" and params.runs_last
    assert params.budget_plan["百度SEM"] == 250000
