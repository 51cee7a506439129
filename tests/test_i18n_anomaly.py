"""The anomaly report in Chinese and English: every word the code writes from the catalogue."""

from __future__ import annotations

import re
import warnings
from dataclasses import fields, replace
from pathlib import Path

import pytest
from i18n_support import english_runs as runs_left
from i18n_support import visible_text
from matplotlib.figure import Figure

from analysis.anomaly import display, nab, report, rules, series
from analysis.anomaly.results import NabBox
from analysis.i18n import LANGUAGES, catalogue, text
from analysis.params import AnomalyParams
from analysis.reporting import display as reporting_display
from analysis.reporting import to_jsonable
from analysis.reporting.style import setup_figures
from analysis.warehouse import open_warehouse

ALLOWED_NAMES = ("CTR", "CPC", "CPM", "SEM", "NAB", "Numenta HTM", "windowed Gaussian")
ALLOWED_NAMES += ("Twitter ADVec", "realAdExchange", "analysis.anomaly.nab_eval")
"""Abbreviations and method names Chinese marketers write in English: no English sentence."""

CODES = ("series", "level", "metric", "kind", "direction", "rule", "start", "end", "chain")
"""Incident fields that are codes or data: the same whatever the report's language."""


def figure_text(figure: Figure) -> list[str]:
    """Titles, axis labels, legend entries and tick labels of every axes of a figure."""
    shown = []
    for axes in figure.axes:
        shown += [axes.get_title(), axes.get_xlabel(), axes.get_ylabel()]
        shown += [t.get_text() for t in axes.get_yticklabels()]
        legend = axes.get_legend()
        shown += [t.get_text() for t in legend.get_texts()] if legend else []
    return [s for s in shown if s]


def english_runs(shown: str, data_values: set[str]) -> list[str]:
    """English left once data values and allowed proper names are removed."""
    return runs_left(shown, data_values, ALLOWED_NAMES)


def _render(results, tables) -> tuple[str, list[str], list[str]]:
    """Call the notebook's display functions in order: the markup shown, the figures' text and
    matplotlib's warnings of glyphs its font lacks (boxes in the picture)."""
    markup: list[str] = []
    figures: list[str] = []

    def keep_figure(figure: Figure, *, alt: str) -> None:
        figures.extend(figure_text(figure))
        original_show_figure(figure, alt=alt)

    original_show_figure = display.show_figure
    with pytest.MonkeyPatch.context() as patch, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        patch.setattr(reporting_display, "display_html", markup.append)
        patch.setattr(display, "show_figure", keep_figure)
        display.show_overview(results)
        display.show_incidents(results)
        display.show_top_incidents(tables, 5)
        display.show_rule_alerts(results)
        display.show_heatmap(tables)
        display.show_nab(results)
    boxes = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    return "".join(markup), figures, boxes


@pytest.fixture(scope="module")
def shown(demo_dir: Path) -> dict[str, dict]:
    """The October anomaly report on the small demo warehouse, once per language: its
    results record, the text it displays, its figures' text and the data values it names."""
    assert setup_figures() is not None, "no CJK font: run `make setup` (pylopdf-fonts-zh-cn)"
    out = {}
    for lang in LANGUAGES:
        params = AnomalyParams(period="2026-10", data={"path": str(demo_dir)}, lang=lang)
        results, tables = report.run(open_warehouse(params.data), params)
        markup, figures, boxes = _render(results, tables)
        keys = tables.panel.keys
        data = {str(v) for c in ("channel", "campaign", "keyword") for v in keys[c].dropna()}
        data |= set(keys.loc[keys["level"] == "series", "name"])
        out[lang] = {
            "results": results,
            "record": to_jsonable(results),
            "text": visible_text(markup),
            "figures": figures,
            "boxes": boxes,
            "data": data,
        }
    return out


def test_the_demo_shows_every_section(shown) -> None:
    results = shown["en"]["results"]
    assert results.incidents and results.rule_alerts  # else the tables below are not tested
    assert len(shown["en"]["figures"]) > 10


@pytest.mark.parametrize(
    "key",
    [
        "anomaly.incidents.caption",
        "anomaly.rules.caption",
        "anomaly.column.chain",
        "anomaly.column.deadline",
        "anomaly.figure.heatmap_alt",
    ],
)
def test_headings_and_headers_are_in_the_report_language(shown, key: str) -> None:
    from analysis.anomaly.display import step_word

    def said(lang: str) -> str:  # the demo's series are daily
        return text(key, lang, step=step_word("D", lang))

    for lang, other in (("zh", "en"), ("en", "zh")):
        assert said(lang) in shown[lang]["text"]
        assert said(other) not in shown[lang]["text"]
    assert (
        "手册规则告警" in shown["zh"]["text"]
        and "异常事件（按严重程度从高到低" in shown["zh"]["text"]
    )
    assert "Handbook rule alerts" in shown["en"]["text"]


def test_figure_titles_and_legends_are_in_the_report_language(shown) -> None:
    zh, en = shown["zh"]["figures"], shown["en"]["figures"]
    assert text("anomaly.figure.heatmap_title", "zh") in zh
    assert {"预期区间", "预期值", "实际值"} <= set(zh)
    assert {"expected band", "expected", "actual"} <= set(en) and "expected band" not in zh
    assert any(t.endswith("突变）") or t.endswith("起水平变化）") for t in zh)
    assert shown["zh"]["boxes"] == []  # every Chinese glyph drawn, none as a box


def test_chinese_report_has_no_english_sentence(shown) -> None:
    zh = shown["zh"]
    left = english_runs(zh["text"] + " " + " ".join(zh["figures"]), zh["data"])
    assert left == []
    assert english_runs(shown["en"]["text"], shown["en"]["data"])  # the check can fail


def test_rule_names_read_as_the_handbook_says(shown) -> None:
    zh = shown["zh"]["results"]
    assert zh.rule_texts["cpc_jump_30pct"] == "CPC 较前 7 日均值上涨 ≥30%，24 小时内排查"
    assert zh.rule_texts["conversion_rate_drop_5pct"] == "转化率周环比下降 ≥5%"
    shown_rules = {a.rule for a in zh.rule_alerts}
    assert all(zh.rule_texts[r] in shown["zh"]["text"] for r in shown_rules)
    assert not any(r in shown["zh"]["text"] for r in shown_rules)  # no code shown to readers


def test_results_headline_is_in_the_report_language_and_codes_are_not(shown) -> None:
    zh, en = shown["zh"]["record"], shown["en"]["record"]
    assert zh["lang"] == "zh" and en["lang"] == "en"
    assert re.search(r"[\u4e00-\u9fff]", zh["headline"].split("最严重的是")[0])
    assert en["headline"].startswith(f"{len(en['incidents'])} incident(s); the biggest: ")
    assert "incident(s)" not in zh["headline"]
    for name in CODES:
        assert [i[name] for i in zh["incidents"]] == [i[name] for i in en["incidents"]], name
    assert [a["rule"] for a in zh["rule_alerts"]] == [a["rule"] for a in en["rule_alerts"]]
    assert zh["rule_texts"].keys() == en["rule_texts"].keys()
    assert re.search(r"[\u4e00-\u9fff]", zh["incidents"][0]["label"])
    assert en["incidents"][0]["label"].startswith(("spike", "shifted since", "shifted 20"))
    assert re.search(r"[\u4e00-\u9fff]", zh["methods"]["severity"])


def test_nab_sentence_and_table_are_in_the_report_language(shown) -> None:
    score = nab.FileScore(0.42, 1, 4, 0, 1)
    for lang in LANGUAGES:
        results = replace(
            shown[lang]["results"],
            nab=NabBox(
                profile="standard",
                score=62.6,
                files={"realAdExchange/exchange-2_cpc_results.csv": score},
                category=None,
                published=None,
                tuning=text("anomaly.nab.tuning", lang),
            ),
        )
        markup = []
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(reporting_display, "display_html", markup.append)
            display.show_nab(results)
        page = visible_text("".join(markup))
        assert text("anomaly.nab.score", lang, score="62.6") in page
        assert text("anomaly.nab.column.false_positives", lang) in page
        if lang == "zh":
            assert "NAB 得分（标准配置）：62.6" in page and "标准" in page
            assert english_runs(page, {"realAdExchange/exchange-2_cpc_results.csv"}) == []


def test_every_code_shown_to_readers_has_words_in_both_catalogues() -> None:
    for lang in LANGUAGES:
        entries = catalogue(lang)
        assert {f"anomaly.metric.{m}" for m in [*series.DEFINITIONS, "series"]} <= entries.keys()
        assert {f"anomaly.nab.column.{f.name}" for f in fields(nab.FileScore)} <= entries.keys()
        assert {f"anomaly.source.{s}" for s in report.SOURCE_TABLES} <= entries.keys()
        assert report.rule_texts(rules.RuleSettings(), lang).keys() == set(
            rules.rule_names().values()
        )


def test_series_names_keep_their_data_and_translate_their_metric() -> None:
    assert report.series_label("All channels · conversion rate", "zh") == "全部渠道 · 转化率"
    assert (
        report.series_label("百度SEM / 双11 / 大词 · visits", "zh")
        == "百度SEM / 双11 / 大词 · 访问量"
    )
    assert report.series_label("app_dau", "zh") == "app_dau"
    assert report.series_label("All channels · conversion rate", "en") == (
        "All channels · conversion rate"
    )
