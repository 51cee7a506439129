"""The A/B report in Chinese and English: every word the code writes comes from the catalogue."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from arms import arm_result
from i18n_support import english_runs as runs_left
from i18n_support import report_page, report_results, visible_text
from record_roundtrip import assert_round_trips
from tiny import write_tiny

from analysis import abtest
from analysis.abtest import decisions, frequentist, plots
from analysis.abtest.decisions import decide
from analysis.abtest.display import DECISION_RULES, METHOD_NAMES, PLANNING_COLUMNS
from analysis.abtest.metrics import METRICS
from analysis.abtest.report import VERDICTS
from analysis.abtest.wording import decision_sentence
from analysis.i18n import LANGUAGES, text
from analysis.params import AbTestParams, DataSource, read_yaml, validate_report
from analysis.reporting import setup_figures
from analysis.runner import run_report
from analysis.warehouse import open_warehouse

ROOT = Path(__file__).resolve().parents[1]
ALLOWED_NAMES = (
    "Wald",
    "Welch–Satterthwaite",
    "Welch",
    "Holm",
    "Benjamini–Hochberg",
    "Beta-Binomial",
    "Beta",
    "Pearson",
    "Deng et al.",
    "Waudby-Smith et al.",
    "tea-tasting",
    "GrowthBook",
    "CUPED",
    "delta",
    "alpha",
    "SRM",
    "CTR",
    "MDE",
    "FWER",
    "FDR",
    "JSON",
)
"""Method names, authors and abbreviations a Chinese analyst writes in English."""

PARAMETER_NAMES = ["is_control", "pre_revenue", "check_srm", "false", "planning"]
"""Column and parameter names the report quotes as written."""

CJK = re.compile(r"[\u4e00-\u9fff]")


def english_runs(shown: str, data_values: list[str]) -> list[str]:
    """English left once data values, parameter names and allowed proper names are removed."""
    return runs_left(shown, [*data_values, *PARAMETER_NAMES], ALLOWED_NAMES)


def _data_values(results: dict) -> list[str]:
    """Experiment ids, arm names and labels of a results record (data, never translated)."""
    values = []
    for experiment in results["experiments"]:
        values.append(experiment["experiment_id"])
        values += [a["variant"] for a in experiment["arms"]]
        values += [a["label"] for a in experiment["arms"]]
    return values


# ---------------------------------------------------------------- the demo report, both languages


@pytest.fixture(scope="module")
def reports(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The October A/B report on the small demo warehouse (scale 0.05), once per language."""
    out = tmp_path_factory.mktemp("i18n_abtest")
    for lang in LANGUAGES:
        values = read_yaml(ROOT / "params" / "abtest" / "demo.yaml")
        values |= {"data": {"path": str(demo_dir)}, "lang": lang}
        run_report(validate_report(values, "demo.yaml"), out / lang)
    return {lang: out / lang for lang in LANGUAGES}


def _page(reports: dict[str, Path], lang: str) -> str:
    return report_page(reports[lang], "abtest")


def _results(reports: dict[str, Path], lang: str) -> dict:
    return report_results(reports[lang], "abtest")


@pytest.mark.slow
def test_zh_report_shows_the_catalogue_headings_and_not_the_english(reports) -> None:
    zh_page, en_page = _page(reports, "zh"), _page(reports, "en")
    keys = [
        "abtest.caption.verdicts",
        "abtest.caption.methods",
        "abtest.caption.planning",
        "abtest.column.experiment",
        "abtest.column.verdict",
        "abtest.column.lift_rel",
        "abtest.column.chance_to_beat",
        "abtest.column.expected_loss",
        "abtest.column.variance_reduction",
        "abtest.column.total_units",
        "abtest.column.units",
        "abtest.cuped.method",
        "abtest.rules.title",
        "abtest.rules.keep_control",
        "abtest.methods.what.relative_lift_ci",
        "abtest.methods.sequential_off",
        "abtest.metric_label.conversion",
        "abtest.control_reason.flagged",
    ]
    for key in keys:
        assert text(key, "zh") in zh_page, key
        assert text(key, "en") in en_page, key
        assert text(key, "en") not in zh_page, key
    for role, metric in (("primary", "ctr"), ("guardrail", "revenue_per_unit")):
        label = text(f"abtest.metric_label.{metric}", "zh")
        assert text(f"abtest.caption.metric.{role}", "zh", metric=label) in zh_page, role
    alt = text("abtest.alt.forest", "zh", experiment="title_2026_10")
    assert alt in zh_page and text("abtest.alt.forest", "en", experiment="title_2026_10") in en_page
    assert "上线 B" in zh_page and "保留对照组" in zh_page and "样本比例失衡" in zh_page


@pytest.mark.slow
def test_zh_report_has_no_english_sentence(reports) -> None:
    data_values = _data_values(_results(reports, "zh"))
    assert english_runs(_page(reports, "zh"), data_values) == []
    assert english_runs(_page(reports, "en"), data_values)  # the check does see English


@pytest.mark.slow
def test_results_sentences_follow_the_language_and_codes_do_not(reports) -> None:
    zh, en = _results(reports, "zh"), _results(reports, "en")
    assert zh["lang"] == "zh" and en["lang"] == "en"
    assert CJK.search(zh["headline"]) and "无效" in zh["headline"]
    assert en["headline"].startswith("creative_2026_10: Invalid") and not CJK.search(
        en["headline"].replace("限时折扣", "").replace("买一送一", "")
    )

    codes = ("experiment_id", "decision", "winner", "control", "metric", "srm_invalid", "replace")

    def coded(results: dict) -> list[dict]:
        return [{k: e[k] for k in codes} for e in results["experiments"]]

    assert coded(zh) == coded(en)
    assert {e["decision"] for e in zh["experiments"]} <= set(VERDICTS)
    assert list(zh["methods"]) == list(en["methods"])  # entry names stay English codes
    for experiment in zh["experiments"]:
        assert CJK.search(experiment["decision_text"]), experiment["experiment_id"]
        assert CJK.search(experiment["control_reason"]) and CJK.search(experiment["method"])
    for experiment in en["experiments"]:
        assert not CJK.search(experiment["decision_text"]), experiment["experiment_id"]


# ---------------------------------------------------------------- fast, in-process checks


def _arms_warehouse(tmp_path: Path) -> Path:
    """Six platform-aggregate experiments: ship, keep, wait, invalid, a control with no clicks
    and three arms."""
    rows = [
        ("E_ship", "A", "限时折扣", True, 0.5, 20_000, 1_000),
        ("E_ship", "B", "买一送一", False, 0.5, 20_000, 1_200),
        ("E_keep", "A", "标题甲", True, 0.5, 40_000, 1_600),
        ("E_keep", "B", "标题乙", False, 0.5, 40_000, 1_600),
        ("E_wait", "A", "文案甲", True, 0.5, 2_000, 100),
        ("E_wait", "B", "文案乙", False, 0.5, 2_000, 105),
        ("E_srm", "A", "创意甲", True, 0.5, 5_000, 250),
        ("E_srm", "B", "创意乙", False, 0.5, 4_000, 200),
        ("E_zero", "A", "海报甲", True, 0.5, 5_000, 0),
        ("E_zero", "B", "海报乙", False, 0.5, 5_000, 30),
        ("E_three", "A", "图甲", True, 1 / 3, 10_000, 500),
        ("E_three", "B", "图乙", False, 1 / 3, 10_000, 510),
        ("E_three", "C", "图丙", False, 1 / 3, 10_000, 520),
    ]
    columns = [
        "experiment_id",
        "variant",
        "label",
        "is_control",
        "planned_share",
        "units",
        "clicks",
    ]
    return write_tiny(tmp_path / "arms", {"experiment_arms": pd.DataFrame(rows, columns=columns)})


def _shown(monkeypatch: pytest.MonkeyPatch, lang: str, folder: Path) -> tuple[str, dict]:
    """Every section of the report shown in-process; the HTML it displayed, and its results."""
    params = AbTestParams(
        period="2026-10",
        data=DataSource(path=folder),
        lang=lang,
        industry_ctr=0.05,
        planning=[{"baseline": 0.05, "mde_relative": 0.1}],
    )
    report, daily = abtest.run(open_warehouse(params.data), params)
    setup_figures()  # the CJK font, as a report's first cell sets it
    markup: list[str] = []
    monkeypatch.setattr("analysis.reporting.display.display", lambda obj: markup.append(obj.data))
    abtest.show_overview(report)
    abtest.show_experiments(report, daily, params)
    abtest.show_portfolio(report)
    abtest.show_planning(report)
    abtest.show_methods(report)
    plt.close("all")
    # the record, with its portfolio and a zero-click control's NaN lifts, reads back typed
    return visible_text("".join(markup)), assert_round_trips(report)


def test_every_verdict_and_the_portfolio_read_in_chinese(tmp_path, monkeypatch) -> None:
    folder = _arms_warehouse(tmp_path)
    zh_page, zh = _shown(monkeypatch, "zh", folder)
    en_page, en = _shown(monkeypatch, "en", folder)
    assert {e["experiment_id"]: e["decision"] for e in zh["experiments"]} == {
        "E_ship": "ship",
        "E_keep": "keep_control",
        "E_wait": "inconclusive",
        "E_srm": "invalid",
        "E_zero": "ship",
        "E_three": "inconclusive",
    }
    assert [e["decision"] for e in zh["experiments"]] == [e["decision"] for e in en["experiments"]]
    assert zh["portfolio"] == en["portfolio"]  # the portfolio is numbers and codes only
    assert english_runs(zh_page, _data_values(zh)) == []
    assert english_runs(en_page, _data_values(en))
    for key in (
        "abtest.caption.portfolio_verdicts",
        "abtest.caption.lift_percentiles",
        "abtest.alt.histogram",
        "abtest.verdict.keep_control",
        "abtest.decision.wait_data_no_dates",
    ):
        assert text(key, "zh") in zh_page and text(key, "en") in en_page, key
        assert text(key, "en") not in zh_page, key
    assert zh["headline"].startswith("共分析 6 个测试：") and "6 tests analysed" in en["headline"]
    assert "B、C 暂无结论" in zh_page and "Inconclusive for B, C" in en_page
    assert "绝对差值" in zh_page and "替换 A" in zh_page  # the zero-click control, under 2.5%


EN_VERDICT = {
    "ship": "Ship B",
    "blocked": "Blocked",
    "keep_control": "Keep A",
    "inconclusive": "Inconclusive",
    "invalid": "Invalid",
}


@pytest.mark.parametrize(
    ("treatments", "srm_p", "harmed", "days", "code"),
    [
        ([arm_result("B", 0.2, (0.1, 0.3), 0.001)], None, {}, None, "ship"),
        (
            [arm_result("B", 0.2, (0.1, 0.3), 0.001)],
            None,
            {"B": ["revenue_per_click"]},
            None,
            "blocked",
        ),
        ([arm_result("B", -0.2, (-0.3, -0.1), 0.001)], None, {}, None, "keep_control"),
        ([arm_result("B", 0.01, (-0.05, 0.07), 0.8)], None, {}, None, "keep_control"),
        ([arm_result("B", 0.05, (-0.1, 0.2), 0.5)], None, {}, 12, "inconclusive"),
        ([arm_result("B", 0.05, (-0.1, 0.2), 0.5)], None, {}, None, "inconclusive"),
        ([arm_result("B", 0.2, (0.1, 0.3), 0.001)], 1e-6, {}, None, "invalid"),
    ],
)
def test_each_verdict_sentence_is_written_in_the_language_asked(
    treatments, srm_p, harmed, days, code
) -> None:
    control = arm_result("A", None, (0.0, 0.0), 1.0)
    decision = decide(
        treatments=treatments,
        srm_p_value=srm_p,
        srm_alpha=0.001,
        alpha=0.05,
        mde_relative=0.1,
        harmed_guardrails=harmed,
        days_needed=days,
    )
    assert decision.code == code
    said = {
        lang: decision_sentence(
            decision,
            control="A",
            arms=[control, *treatments],
            srm_p_value=srm_p,
            mde_relative=0.1,
            days_needed=days,
            lang=lang,
        )
        for lang in LANGUAGES
    }
    assert CJK.search(said["zh"]) and english_runs(said["zh"], ["A", "B"]) == []
    assert not CJK.search(said["en"]) and said["en"].startswith(EN_VERDICT[code])


def test_figures_are_titled_and_labelled_in_the_report_language(demo_dir: Path) -> None:
    values = read_yaml(ROOT / "params" / "abtest" / "demo.yaml")
    values |= {"data": {"path": str(demo_dir)}, "lang": "zh"}
    params = validate_report(values, "demo.yaml")
    report, _ = abtest.run(open_warehouse(params.data), params)
    title = next(r for r in report.experiments if r.experiment_id == "title_2026_10")
    axes = plots.forest_plot(title, params.mde_relative, "zh").axes[0]
    assert axes.get_title() == "title_2026_10：上线 B"
    assert axes.get_xlabel() == "CTR 相对 A 的提升（%）"
    assert axes.get_legend().get_texts()[0].get_text() == "值得上线的最小提升（10%）"
    histogram = plots.lift_histogram(report.experiments, params.alpha, "zh").axes[0]
    assert histogram.get_xlabel() == text("abtest.figure.histogram_x", "zh")
    assert "校正后" in histogram.get_title()
    plt.close("all")


def test_english_catalogue_keeps_the_words_of_the_statistics_modules() -> None:
    """The English method names and rules are the ones the statistics modules document."""
    assert text("abtest.method.proportion", "en") == frequentist.PROPORTION_METHOD
    assert text("abtest.method.mean", "en") == frequentist.MEAN_METHOD
    assert text("abtest.method.ratio", "en") == frequentist.RATIO_METHOD
    documented = decisions.__doc__.split("(the report prints them from the catalogue")[1]
    documented = " ".join(documented.split(":", 1)[1].split())
    printed = " ".join(text(key, "en") for key in DECISION_RULES)
    assert printed == documented


def test_every_key_the_code_builds_exists_in_both_languages() -> None:
    """Keys made from codes (metrics, roles, verdicts) and the tables' key maps."""
    keys = [f"abtest.metric_{kind}.{m}" for m in METRICS for kind in ("name", "label")]
    keys += [f"abtest.caption.metric.{role}" for role in ("primary", "secondary", "guardrail")]
    keys += [f"abtest.{kind}.{code}" for code in VERDICTS for kind in ("verdict", "figure.verdict")]
    keys += [*METHOD_NAMES.values(), *DECISION_RULES, *(k for k, _ in PLANNING_COLUMNS.values())]
    for lang in LANGUAGES:
        for key in keys:
            assert text(key, lang, metric="m", winner="B", control="A"), (key, lang)
