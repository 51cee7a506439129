"""The data-health report in Chinese and English: every word the code writes from the catalogue."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from i18n_support import english_runs as runs_left
from i18n_support import report_page, report_results

from analysis import health
from analysis.engine import NO_CHANNEL
from analysis.health.display import FIGURE_VALUES
from analysis.health.kpis import UNITS
from analysis.health.plots import daily_by_channel
from analysis.i18n import LANGUAGES, catalogue, text
from analysis.params import DataHealthParams, DataSource
from analysis.reporting import display
from analysis.reporting.record import VERSION_KEY, read_results
from analysis.reporting.results import to_jsonable
from analysis.runner import run_report
from analysis.schema import CHANNELS, TABLES
from analysis.warehouse import open_warehouse

PERIOD = "2026-10"
ALLOWED_NAMES = ("KPI", "AOV", "CTR", "CPC", "PIPL", "SEM", "ROI")
"""Abbreviations Chinese marketers write in English; they are no English sentence."""


def english_runs(shown: str) -> list[str]:
    """Runs of 4+ ASCII words left once data values and allowed proper names are removed."""
    data_values = [NO_CHANNEL, *CHANNELS, *TABLES]
    data_values += [column.name for spec in TABLES.values() for column in spec.columns]
    return runs_left(shown, data_values, ALLOWED_NAMES)


@pytest.fixture(scope="module")
def reports(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The October data-health report on the small demo warehouse, once per language."""
    out = tmp_path_factory.mktemp("i18n_health")
    folders = {}
    for lang in LANGUAGES:
        params = DataHealthParams(period=PERIOD, data=DataSource(path=demo_dir), lang=lang)
        run_report(params, out / lang)
        folders[lang] = out / lang
    return folders


def _page(reports: dict[str, Path], lang: str) -> str:
    return report_page(reports[lang], "data_health")


def _results(reports: dict[str, Path], lang: str) -> dict:
    return report_results(reports[lang], "data_health")


@pytest.mark.slow
def test_zh_report_shows_the_catalogue_headings_and_not_the_english(reports) -> None:
    zh_page, en_page = _page(reports, "zh"), _page(reports, "en")
    keys = [
        "health.column.this_month",
        "health.column.last_month",
        "health.column.duplicated_keys",
        "health.column.nulls",
        "health.kpi.revenue",
        "health.kpi.repurchase_rate",
        "health.profile.caption",
        "health.contract.none",
        "health.figure.alt.orders",
        "health.figure.alt.spend",
    ]
    for key in keys:
        assert text(key, "zh") in zh_page, key
        assert text(key, "en") not in zh_page, key
        assert text(key, "en") in en_page, key
    caption = {lang: text("health.kpi.caption", lang, period=PERIOD) for lang in LANGUAGES}
    assert caption["zh"] in zh_page and caption["en"] not in zh_page


@pytest.mark.slow
def test_zh_report_has_no_english_sentence(reports) -> None:
    assert english_runs(_page(reports, "zh")) == []
    assert english_runs(_page(reports, "en")), "the check finds no English even in English"


@pytest.mark.slow
def test_headline_is_in_the_report_language_and_codes_are_the_same(reports) -> None:
    zh, en = _results(reports, "zh"), _results(reports, "en")
    assert zh["lang"] == "zh" and en["lang"] == "en"
    assert re.search(r"[\u4e00-\u9fff]", zh["headline"]) and not english_runs(zh["headline"])
    assert "收入" in zh["headline"] and "元" in zh["headline"]
    assert en["headline"].startswith(f"{PERIOD}: revenue ¥")
    assert not re.search(r"[\u4e00-\u9fff]", en["headline"])
    for field in ("period", "tables", "contract_warnings", "erased_customers"):
        assert zh[field] == en[field], field
    for results in (zh, en):
        assert [(k["kpi"], k["unit"]) for k in results["kpis"]] == list(UNITS.items())
    numbers = ("this_month", "last_month", "change")  # engine float sums may differ in an ulp
    for zh_kpi, en_kpi in zip(zh["kpis"], en["kpis"], strict=True):
        zh_values, en_values = ([k[n] for n in numbers] for k in (zh_kpi, en_kpi))
        for zh_value, en_value in zip(zh_values, en_values, strict=True):
            assert zh_value == (None if en_value is None else pytest.approx(en_value, rel=1e-9))


@pytest.mark.slow
def test_published_record_reads_back_as_the_same_typed_object(reports, demo_dir) -> None:
    """The record the report writes is what `read_results` rebuilds, field for field."""
    for lang in LANGUAGES:
        payload = _results(reports, lang)
        back = read_results(health.DataHealth, payload)
        assert back.lang == lang and back.kpis[0].kpi == "revenue"
        assert to_jsonable(back) | {VERSION_KEY: 1} == payload
    warehouse = open_warehouse(DataSource(path=demo_dir))
    needed = DataHealthParams.tables_needed + DataHealthParams.tables_optional
    computed = health.summarise(
        PERIOD,
        health.profile_tables(warehouse, list(needed)),
        health.month_kpis(warehouse, PERIOD),
        payload["contract_warnings"],
        health.erased_count(warehouse),
        lang="en",
    )
    assert read_results(health.DataHealth, to_jsonable(computed)) == computed


def test_every_dynamic_key_exists_in_both_languages() -> None:
    for lang in LANGUAGES:
        entries = catalogue(lang)
        for kpi in UNITS:
            assert {f"health.kpi.{kpi}", f"health.kpi_name.{kpi}"} <= entries.keys(), kpi
        for value in FIGURE_VALUES:
            for kind in ("figure.title", "figure.empty", "figure.alt", "axis"):
                assert f"health.{kind}.{value}" in entries, (lang, kind, value)


DAILY_ORDERS = pd.DataFrame(
    {
        "date": pd.to_datetime(["2026-10-01", "2026-10-01", "2026-10-02"]),
        "channel": ["百度SEM", "小红书", "百度SEM"],
        "orders": [3, 1, 6],
        "revenue": [30.0, 10.0, 60.0],
    }
)


def test_zh_sentences_and_titles_name_the_leaders_in_chinese() -> None:
    spend = pd.DataFrame(
        {"date": DAILY_ORDERS["date"], "channel": ["小红书"] * 3, "spend": [1.0] * 3}
    )
    assert health.daily_sentence(DAILY_ORDERS, spend, lang="zh") == (
        "百度SEM 是 90% 订单的末次触点渠道，小红书 占花费的 100%；"
        "订单最多的一天是 2026年10月2日，共 6 单。"
    )
    assert health.leader_title(DAILY_ORDERS, "revenue", lang="zh") == "百度SEM 收入最多，占本月 90%"
    empty = DAILY_ORDERS.iloc[0:0]
    assert health.leader_title(empty, "orders", lang="zh") == "本月没有订单"
    no_spend = health.daily_sentence(DAILY_ORDERS, spend.iloc[0:0], lang="en")
    assert "no ad spend was recorded" in no_spend


def test_zh_figure_labels_its_day_axis_in_chinese() -> None:
    figure = daily_by_channel(
        DAILY_ORDERS,
        "orders",
        title=health.leader_title(DAILY_ORDERS, "orders", lang="zh"),
        ylabel=health.axis_label("orders", lang="zh"),
        lang="zh",
    )
    axes = figure.axes[0]
    assert (axes.get_xlabel(), axes.get_ylabel()) == ("日期", "每日订单数")
    assert axes.get_title() == "百度SEM 订单最多，占本月 90%"


def test_contract_warning_box_heading_is_in_the_report_language(monkeypatch) -> None:
    shown: list[str] = []
    monkeypatch.setattr(display, "display_html", shown.append)
    warning = "table orders, column revenue, rule 'revenue ≥ 0': 1 row(s) break it (e.g. O1)."
    display.show_contract_warnings([warning], lang="zh")
    display.show_contract_warnings([], lang="zh")
    assert "<b>数据契约警告（1 条）</b>" in shown[0] and "Data contract" not in shown[0]
    assert "revenue ≥ 0" in shown[0]  # the warning itself is shown as the check wrote it
    assert shown[1] == "<p>数据符合所检查的全部契约规则。</p>"
