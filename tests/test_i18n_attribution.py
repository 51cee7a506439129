"""The channel ROI report in Chinese and English: every word the code writes follows `lang`.

One run per language of the real notebook on the small demo warehouse; the zh page must read
in Chinese apart from data values and proper names, the en page keeps its English, and the
results JSON keeps the same codes and numbers in both (only its sentences change language).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from i18n_support import visible_text

from analysis.attribution import plots
from analysis.attribution.budget import STATUSES
from analysis.attribution.channels import QUADRANTS
from analysis.i18n import catalogue, text
from analysis.params import ATTRIBUTION_MODELS, AttributionParams
from analysis.schema import CHANNELS

SHOWN_KEYS = (  # headings, headers and words the report shows, whose two languages differ
    "attribution.caption.budget",
    "attribution.caption.methods",
    "attribution.caption.paths",
    "attribution.caption.quadrants",
    "attribution.column.reason",
    "attribution.column.new_customers",
    "attribution.column.depends_on_model",
    "attribution.model.first_touch",
    "attribution.budget.test_reserve",
    "attribution.curve.fitted",
    "attribution.alt.revenue",
    "attribution.alt.quadrants",
)
PROPER_NAMES = (  # method and metric names a Chinese analyst writes in Latin letters
    "Markov",
    "Shapley",
    "Harsanyi",
    "BG/NBD",
    "Gamma-Gamma",
    "LTV:CAC",
    "decision_model",
    "ROI",
    "CAC",
    "LTV",
    "CLV",
    "AIC",
    "n/a",
)
ASCII_RUN = re.compile(r"[A-Za-z]+(?:[\s,;:.'’()/&-]+[A-Za-z]+){3,}")
"""Four or more ASCII words in a row: an English phrase, not a name or a formula."""


def english_runs(shown: str, data: tuple[str, ...] = CHANNELS) -> list[str]:
    """Runs of 4+ ASCII words left once data values and allowed proper names are taken out."""
    for value in sorted((*data, *PROPER_NAMES), key=len, reverse=True):
        shown = shown.replace(value, "〇")
    return ASCII_RUN.findall(shown)


def test_the_helper_finds_an_english_phrase_but_not_names() -> None:
    assert english_runs("小红书 的状态取决于模型：Markov 下 ROI 3.1（BG/NBD、Gamma-Gamma）") == []
    assert english_runs("y = a·(1 − exp(−x/b))：饱和时") == []
    assert english_runs("边际 ROI held at current spend") == ["held at current spend"]


@pytest.fixture(scope="module")
def pages(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple]:
    """The report page and results record of one run per language."""
    from analysis.runner import run_report

    runs = {}
    for lang in ("zh", "en"):
        out = tmp_path_factory.mktemp(f"attribution-{lang}")
        params = AttributionParams(period="2026-10", data={"path": str(demo_dir)}, lang=lang)
        run_report(params, out)
        page = (out / "attribution.html").read_text(encoding="utf-8")
        record = json.loads((out / "attribution.json").read_text(encoding="utf-8"))
        runs[lang] = (page, record["results"])
    return runs


@pytest.mark.slow
def test_headings_headers_and_alt_text_follow_the_language(pages) -> None:
    zh, en = visible_text(pages["zh"][0]), visible_text(pages["en"][0])
    for key in SHOWN_KEYS:
        assert text(key, "zh") in zh and text(key, "zh") not in en, key
        assert text(key, "en") in en and text(key, "en") not in zh, key
    assert "Next month's budget" not in zh and "Channel" not in zh and "yuan" not in zh


@pytest.mark.slow
def test_the_chinese_page_has_no_english_sentence(pages) -> None:
    page, results = pages["zh"]
    assert english_runs(visible_text(page)) == []  # paths are channel names joined by " > "
    sentences = [results["headline"], *results["findings"], *results["methods"].values()]
    sentences += [line["reason"] for line in results["budget"]] + results["budget_notes"]
    sentences += [results["budget_method"], *(c["quadrant"] for c in results["channels"])]
    assert [s for s in sentences if english_runs(s)] == []


@pytest.mark.slow
def test_results_sentences_change_language_and_codes_do_not(pages) -> None:
    zh, en = pages["zh"][1], pages["en"][1]
    assert (zh["lang"], en["lang"]) == ("zh", "en")
    cjk = re.compile(r"[\u4e00-\u9fff]")
    assert cjk.search(_without_channels(zh["headline"])) and not english_runs(zh["headline"])
    assert not cjk.search(_without_channels(en["headline"])) and "incremental ROI" in en["headline"]
    codes = ("channel", "status", "status_by_model", "quadrant_code", "decision_model")
    assert [{k: c[k] for k in codes} for c in zh["channels"]] == [
        {k: c[k] for k in codes} for c in en["channels"]
    ]
    # the engine's parallel sums may differ in the last bits between runs: numbers are close
    assert [c["roi"] for c in zh["channels"]] == [pytest.approx(c["roi"]) for c in en["channels"]]
    assert [b["status"] for b in zh["budget"]] == [b["status"] for b in en["budget"]]
    assert [b["proposed"] for b in zh["budget"]] == pytest.approx(
        [b["proposed"] for b in en["budget"]], abs=0.05
    )
    assert (zh["models"], zh["decision_model"]) == (en["models"], en["decision_model"])
    assert set(zh["methods"]) == set(en["methods"])
    assert zh["paths"] == pytest.approx(en["paths"])


def _without_channels(sentence: str) -> str:
    for channel in CHANNELS:
        sentence = sentence.replace(channel, "")
    return sentence


def test_figure_titles_labels_and_legends_are_chinese() -> None:
    lengths = pd.DataFrame({"length": [1, 2, 3], "converting": [5, 3, 1], "null": [7, 2, 1]})
    credits = pd.DataFrame(
        {
            "model": ["markov", "markov", "last_touch", "last_touch"],
            "channel": ["知乎", "抖音", "知乎", "抖音"],
            "revenue": [2_000.0, 1_000.0, 500.0, 2_500.0],
        }
    )
    for figure, title in (
        (plots.path_length_chart(lengths, "zh"), "attribution.figure.lengths.title"),
        (plots.revenue_by_model(credits, ["markov", "last_touch"], "zh"), None),
    ):
        axes = figure.axes[0]
        words = [axes.get_title(), axes.get_xlabel(), axes.get_ylabel()]
        words += [t.get_text() for t in axes.get_legend().get_texts()]
        assert [w for w in words if english_runs(w)] == []
        if title:
            assert axes.get_title() == text(title, "zh")
        plt.close(figure)
    legend = plots.revenue_by_model(credits, ["markov", "last_touch"], "zh").axes[0].get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["Markov", "末次触点"]
    plt.close("all")


def test_every_model_status_and_quadrant_code_has_words_in_both_languages() -> None:
    keys = [f"attribution.model.{m}" for m in ATTRIBUTION_MODELS]
    keys += [f"attribution.{kind}.{s}" for s in STATUSES for kind in ("status", "status_rule")]
    keys += [f"attribution.quadrant.{q}" for q in QUADRANTS.values()]
    for lang in ("en", "zh"):
        assert [k for k in keys if k not in catalogue(lang)] == [], lang
