"""The weekly report's page, run by the runner: Chinese from the catalogue, and no planted
personal data or live `<script>` on the page or in the results record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from i18n_support import english_runs, report_page, report_results

from analysis.params import DataSource, WeeklyParams
from analysis.reporting.record import VERSION_KEY, read_results
from analysis.reporting.results import to_jsonable
from analysis.runner import run_report
from analysis.schema import CHANNELS
from analysis.weekly.report import WeeklyReport

WEEK = "2026-W43"
ALLOWED_NAMES = ("Holm", "snownlp", "SEM", "z")
CUES = ["电话", "手机", "发票", "微信", "vx", "我叫", "联系人", "script"]


@pytest.fixture(scope="module")
def zh_page(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The zh page, its brand and complaint words set so the planted comments are the examples."""
    out = tmp_path_factory.mktemp("weekly_zh")
    params = WeeklyParams(
        week=WEEK,
        data=DataSource(path=demo_dir),
        lang="zh",
        brand_names=CUES,
        complaint_words=CUES,
        examples=20,
        incidents=False,
    )
    outcome = run_report(params, out)
    return out, outcome.name


@pytest.mark.slow
def test_zh_weekly_page_has_no_english_sentences(zh_page) -> None:
    folder, name = zh_page
    shown = report_page(folder, name)
    assert "数据周报" in shown and "转化漏斗" in shown
    assert english_runs(shown, [*CHANNELS, "(direct)"], ALLOWED_NAMES) == []


@pytest.mark.slow
def test_weekly_page_and_record_hold_no_planted_personal_data(zh_page, demo_dir) -> None:
    folder, name = zh_page
    truth = json.loads((demo_dir / "truth.json").read_text(encoding="utf-8"))["weekly"]
    page = (folder / f"{name}.html").read_text(encoding="utf-8")
    record = (folder / f"{name}.json").read_text(encoding="utf-8")
    assert "lin.wei88" not in page  # the planted comments are on the page, masked
    assert "l***@example.com" in page
    for planted in truth["personal"]:
        if planted["kind"] != "script":
            assert planted["value"] not in page and planted["value"] not in record
    assert "&lt;script&gt;" in page and "<script>alert" not in page


@pytest.mark.slow
def test_published_record_reads_back_typed_and_writes_the_same_json(zh_page) -> None:
    folder, name = zh_page
    payload = report_results(folder, name)
    back = read_results(WeeklyReport, payload)
    assert back.lang == "zh" and back.week == WEEK and back.reputation is not None
    assert to_jsonable(back) | {VERSION_KEY: WeeklyReport.RECORD_VERSION} == payload
