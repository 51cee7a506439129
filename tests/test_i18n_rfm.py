"""The RFM report in Chinese and English: every word the code writes comes from the catalogue."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from i18n_support import english_runs as runs_left
from i18n_support import report_page, report_results

from analysis.i18n import LANGUAGES, text
from analysis.params import DataSource, RfmParams
from analysis.reporting.record import VERSION_KEY, read_results
from analysis.reporting.results import to_jsonable
from analysis.rfm import classes, plots
from analysis.rfm.clusters import ClusterProfile
from analysis.rfm.report import RfmReport
from analysis.rfm.segments import RF_SEGMENTS
from analysis.rfm.wording import class_label, cluster_label, segment_label
from analysis.runner import run_report

PERIOD = "2026-10"
ALLOWED_NAMES = (
    "BG/NBD",
    "Gamma-Gamma",
    "Fader",
    "Hardie",
    "Lee",
    "k-means",
    "silhouette",
    "recency",
    "RFM",
    "CLV",
    "CRM",
    "VIP",
    "AOV",
    "P(alive)",
)
"""Method names, authors and abbreviations a Chinese analyst writes in English."""

SEGMENT_CODES = [name for name, _, _ in RF_SEGMENTS]
CLUSTER_WORDS = {
    "recency": ("recent", "lapsing"),
    "frequency": ("frequent", "infrequent"),
    "spend": ("high-spend", "low-spend"),
}


def english_runs(shown: str, data_values: list[str]) -> list[str]:
    """English left once data values and allowed proper names are removed."""
    return runs_left(shown, data_values, ALLOWED_NAMES)


@pytest.fixture(scope="module")
def reports(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The October RFM report on the small demo warehouse (scale 0.05), once per language."""
    out = tmp_path_factory.mktemp("i18n_rfm")
    for lang in LANGUAGES:
        run_report(RfmParams(period=PERIOD, data=DataSource(path=demo_dir), lang=lang), out / lang)
    return {lang: out / lang for lang in LANGUAGES}


def _page(reports: dict[str, Path], lang: str) -> str:
    return report_page(reports[lang], "rfm")


def _results(reports: dict[str, Path], lang: str) -> dict:
    return report_results(reports[lang], "rfm")


@pytest.mark.slow
def test_zh_report_shows_the_catalogue_headings_and_not_the_english(reports) -> None:
    zh_page, en_page = _page(reports, "zh"), _page(reports, "en")
    keys = [
        "rfm.column.class",
        "rfm.column.revenue_share",
        "rfm.column.mean_recency",
        "rfm.column.action",
        "rfm.column.threshold",
        "rfm.column.median_order_value",
        "rfm.rules.title",
        "rfm.rules.caption",
        "rfm.segments.caption",
        "rfm.clusters.caption",
        "rfm.migration.caption",
        "rfm.figure.rf.alt",
        "rfm.figure.clusters.alt",
        "rfm.figure.silhouette.alt",
        "rfm.figure.clv.alt",
        "rfm.figure.migration.alt",
        "rfm.action.churned",
        "rfm.class.churned",
        "rfm.segment.cant_lose",
        "rfm.segment.potential_loyalists",
    ]
    for key in keys:
        assert text(key, "zh") in zh_page, key
        assert text(key, "en") in en_page, key
        assert text(key, "en") not in zh_page, key
    assert "流失客户" in zh_page and "高价值客户" in zh_page


@pytest.mark.slow
def test_zh_report_has_no_english_sentence(reports) -> None:
    zh = _results(reports, "zh")
    data_values = ["rfm.segments", "parquet", "csv", *zh["rules"]]  # file and parameter names
    assert english_runs(_page(reports, "zh"), data_values) == []
    assert english_runs(_page(reports, "en"), data_values)  # the check does see English


@pytest.mark.slow
def test_results_headline_is_in_the_report_language_and_codes_are_the_same(reports) -> None:
    en, zh = _results(reports, "en"), _results(reports, "zh")
    assert (en["lang"], zh["lang"]) == ("en", "zh")
    assert re.search(r"[\u4e00-\u9fff]", zh["headline"]) and not english_runs(zh["headline"], [])
    assert "customers bought in the window" in en["headline"]
    assert not re.search(r"[\u4e00-\u9fff]", en["headline"])
    assert [c["name"] for c in zh["classes"]] == [c["name"] for c in en["classes"]]
    assert [c["name"] for c in zh["classes"]] == list(classes.CLASSES)
    assert [c["label"] for c in zh["classes"]] == [class_label(c, "zh") for c in classes.CLASSES]
    for field in ("rf_segments", "migration", "moved_down", "n_customers", "zero_value_orders"):
        assert zh[field] == en[field], field
    codes = ("cluster", "name", "customers")  # CLV totals may differ in the last digits
    assert [[p[c] for c in codes] for p in zh["clusters"]["profiles"]] == [
        [p[c] for c in codes] for p in en["clusters"]["profiles"]
    ]


@pytest.mark.slow
def test_published_record_reads_back_typed_and_writes_the_same_json(reports) -> None:
    for lang in LANGUAGES:
        payload = _results(reports, lang)
        back = read_results(RfmReport, payload)
        assert back.lang == lang and [c.name for c in back.classes] == list(classes.CLASSES)
        assert to_jsonable(back) | {VERSION_KEY: RfmReport.RECORD_VERSION} == payload


@pytest.mark.slow
def test_crm_export_is_the_same_machine_readable_file_in_both_languages(reports) -> None:
    en, zh = (pd.read_csv(reports[lang] / "rfm.segments.csv") for lang in LANGUAGES)
    assert list(zh.columns) == ["customer_id", "class", "rf_segment", "cluster", "clv", "p_alive"]
    codes = ["customer_id", "class", "rf_segment", "cluster"]
    assert zh[codes].equals(en[codes])
    assert zh["clv"].to_numpy() == pytest.approx(en["clv"].to_numpy(), rel=1e-3)
    assert set(zh["class"]) <= set(classes.CLASSES) and set(zh["rf_segment"]) <= set(SEGMENT_CODES)


def test_every_code_has_a_label_in_both_languages() -> None:
    for lang in LANGUAGES:
        labels = [class_label(c, lang) for c in (*classes.CLASSES, classes.NOT_BUYING)]
        labels += [segment_label(s, lang) for s in SEGMENT_CODES]
        assert len(set(labels)) == len(labels), lang
    for recency in CLUSTER_WORDS["recency"]:
        for frequency in CLUSTER_WORDS["frequency"]:
            for spend in CLUSTER_WORDS["spend"]:
                code = f"{recency}, {frequency}, {spend}"
                assert cluster_label(code, "en") == code
                assert not re.search(r"[A-Za-z]", cluster_label(code, "zh")), code


def _figure_words(figure) -> str:
    """Every title, axis label, tick label and legend entry of a figure."""
    words = []
    for axes in figure.axes:
        words += [axes.get_title(), axes.get_xlabel(), axes.get_ylabel()]
        words += [t.get_text() for t in axes.get_xticklabels() + axes.get_yticklabels()]
        legend = axes.get_legend()
        words += [t.get_text() for t in legend.get_texts()] if legend else []
    return " ".join(words)


def test_figures_are_titled_and_labelled_in_chinese() -> None:
    customers = pd.DataFrame(
        {
            "r_score": [5, 4, 1, 2],
            "f_score": [5, 3, 1, 2],
            "monetary_total": [3000.0, 800.0, 50.0, 120.0],
            "monetary_mean": [300.0, 200.0, 50.0, 60.0],
            "frequency": [10, 4, 1, 2],
            "class": ["high_value", "potential", "churned", "active"],
            "clv": [2000.0, 500.0, 10.0, 80.0],
            "cluster": [0, 0, 1, 1],
        },
        index=["C1", "C2", "C3", "C4"],
    )
    profiles = [
        ClusterProfile(0, "recent, frequent, high-spend", 2, 5.0, 3.0, 400.0, 2400.0),
        ClusterProfile(1, "lapsing, infrequent, low-spend", 2, 120.0, 1.0, 90.0, 180.0),
    ]
    before = pd.Series(["high_value", "active", "churned"], index=["C1", "C4", "C9"])
    moves = classes.migration(before, customers["class"])
    figures = {
        "rfm.figure.rf.title": plots.rf_heatmap(customers, "zh"),
        "rfm.figure.clusters.title": plots.cluster_scatter(customers, profiles, "zh"),
        "rfm.figure.silhouette.title": plots.silhouette_by_k({2: 0.4, 3: 0.5}, 3, "zh"),
        "rfm.figure.clv.title": plots.clv_by_class(customers, "zh"),
        "rfm.figure.migration.title": plots.migration_heatmap(moves, "zh"),
    }
    titles = {
        "rfm.figure.rf.title": text("rfm.figure.rf.title", "zh"),
        "rfm.figure.clusters.title": text("rfm.figure.clusters.title", "zh", k=2),
        "rfm.figure.silhouette.title": text("rfm.figure.silhouette.title", "zh", k=3),
        "rfm.figure.clv.title": text(
            "rfm.figure.clv.title", "zh", label=class_label("high_value", "zh")
        ),
        "rfm.figure.migration.title": text("rfm.figure.migration.title", "zh"),
    }
    for key, figure in figures.items():
        assert figure.axes[0].get_title() == titles[key]
        words = _figure_words(figure)
        assert re.search(r"[\u4e00-\u9fff]", words) and english_runs(words, []) == [], key
        assert not re.search(r"\b(score|orders|class|clusters|yuan)\b", words), key
    plt.close("all")
