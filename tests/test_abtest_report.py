"""The A/B report recovers the demo's planted verdicts and names bad input precisely."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from record_roundtrip import assert_round_trips
from tiny import write_tiny

from analysis import abtest
from analysis.errors import DataContractError, ParamsError
from analysis.params import (
    AbTestParams,
    DataSource,
    load_report_params,
    read_yaml,
    validate_report,
)
from analysis.warehouse import open_warehouse

ROOT = Path(__file__).resolve().parents[1]


def _demo_params(demo_dir: Path, **extra) -> AbTestParams:
    """The shipped demo params, pointed at the test's demo warehouse before validation
    (a fresh clone has no data/demo, and a missing data path is a params error)."""
    values = read_yaml(ROOT / "params" / "abtest" / "demo.yaml")
    values |= {"data": {"path": str(demo_dir)}} | extra
    return AbTestParams.model_validate(values)


@pytest.fixture(scope="module")
def demo_results(demo_dir: Path):
    params = _demo_params(demo_dir)
    report, _ = abtest.run(open_warehouse(params.data), params)
    truth = json.loads((demo_dir / "truth.json").read_text(encoding="utf-8"))
    return report, {e["experiment_id"]: e for e in truth["experiments"]}


def test_each_planted_experiment_gets_the_decision_its_truth_implies(demo_results) -> None:
    report, truth = demo_results
    got = {r.experiment_id: (r.decision, r.winner) for r in report.experiments}
    assert got == {k: (t["decision"], t["winner"]) for k, t in truth.items()}


def test_planted_sample_ratio_mismatch_is_invalid_and_leads_the_headline(demo_results) -> None:
    report, truth = demo_results
    invalid = [r for r in report.experiments if r.srm_invalid]
    assert [r.experiment_id for r in invalid] == [k for k, t in truth.items() if t["srm"]]
    assert invalid[0].srm_p_value < 1e-3 and invalid[0].winner is None
    assert report.headline.startswith(f"{invalid[0].experiment_id}: Invalid")


def test_creative_under_half_the_industry_ctr_is_flagged_replace(demo_results) -> None:
    report, truth = demo_results
    creative = next(r for r in report.experiments if r.experiment_id == "creative_2026_10")
    assert creative.replace == truth["creative_2026_10"]["below_half_industry"] == ["C"]


def test_cuped_reports_a_variance_reduction_on_revenue(demo_results) -> None:
    report, _ = demo_results
    title = next(r for r in report.experiments if r.experiment_id == "title_2026_10")
    revenue = next(m for m in title.metrics if m.metric == "revenue_per_unit")
    reduction = revenue.cuped.arms[0].variance_reduction
    assert 0.01 < reduction < 0.5  # the demo's pre_revenue tracks each unit's propensity


def test_every_method_is_named(demo_results) -> None:
    report, _ = demo_results
    assert {"proportions", "means", "relative lift CI", "multiple arms", "Bayesian"} <= set(
        report.methods
    )
    assert "Holm" in report.methods["multiple arms"]
    assert all("Wald" in r.method for r in report.experiments)


def _arms_only(tmp_path: Path, rows: list[tuple]) -> Path:
    arms = pd.DataFrame(
        rows,
        columns=[
            "experiment_id",
            "variant",
            "label",
            "is_control",
            "planned_share",
            "units",
            "clicks",
        ],
    )
    return write_tiny(tmp_path / "arms", {"experiment_arms": arms})


def _analyse(folder: Path, **extra):
    extra = {"period": "2026-10", **extra}
    params = AbTestParams(data=DataSource(path=folder), **extra)
    return abtest.run(open_warehouse(params.data), params)[0]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [("E1", "A", "a", True, 0.5, 0, 0), ("E1", "B", "b", False, 0.5, 100, 5)],
            "experiment E1, arm A: no units",
        ),
        ([("E1", "A", "a", True, 1.0, 100, 5)], r"experiment E1 has 1 arm\(s\)"),
        (
            [("E1", "A", "a", True, 0.5, 100, 5), ("E1", "B", "b", False, 0.5, 100, 101)],
            "experiment E1, arm B: 101 clicks > 100 units",
        ),
        (
            [("E1", "A", "a", True, 0.5, 100, -1), ("E1", "B", "b", False, 0.5, 100, 5)],
            "experiment E1, arm A: clicks -1",
        ),
    ],
)
def test_bad_arms_name_experiment_and_arm(tmp_path, rows, message) -> None:
    with pytest.raises(DataContractError, match=message):
        _analyse(_arms_only(tmp_path, rows))


def test_unknown_metric_is_refused_naming_experiment_and_accepted_metrics(tmp_path) -> None:
    folder = _arms_only(
        tmp_path, [("E1", "A", "a", True, 0.5, 100, 5), ("E1", "B", "b", False, 0.5, 100, 7)]
    )
    with pytest.raises(ParamsError, match=r"conversion.*needs unit-level rows"):
        _analyse(folder, experiments=[{"id": "E1", "primary_metric": "conversion"}])
    values = {
        "report": "abtest",
        "period": "2026-10",
        "data": {"path": str(folder)},
        "experiments": [{"id": "E1", "primary_metric": "ctrr"}],
    }
    with pytest.raises(ParamsError, match=r"experiments.0.primary_metric.*'ctrr'"):
        validate_report(values, "test.yaml")


def test_shares_not_summing_to_one_break_the_contract(tmp_path) -> None:
    from analysis.contract import check_contract

    folder = _arms_only(
        tmp_path, [("E1", "A", "a", True, 0.5, 100, 5), ("E1", "B", "b", False, 0.4, 100, 7)]
    )
    with pytest.raises(DataContractError, match=r"E1 \(sum 0\.9\)"):
        check_contract(open_warehouse(DataSource(path=folder)), ["experiment_arms"])


def test_without_a_control_the_best_measured_arm_is_the_baseline(tmp_path) -> None:
    folder = _arms_only(
        tmp_path, [("E1", "P1", "a", False, 0.5, 1000, 50), ("E1", "P2", "b", False, 0.5, 1200, 40)]
    )
    result = _analyse(folder).experiments[0]
    assert result.control == "P2" and "most units" in result.control_reason


@pytest.mark.slow
def test_upworthy_archive_runs_through_the_same_code_path() -> None:
    params = load_report_params(ROOT / "params" / "abtest" / "upworthy.yaml")
    report, _ = abtest.run(open_warehouse(params.data), params)
    assert len(report.experiments) == 4873
    portfolio = report.portfolio
    assert portfolio.comparisons == 22666 - 4873
    assert portfolio.significant_adjusted_share <= portfolio.significant_raw_share
    assert portfolio.declared_winners == 1150 and 0 < portfolio.agreement_share < 1
    # the check against equal shares is made; failures gather in Upworthy's documented period
    assert portfolio.decisions["invalid"] == 753 and len(portfolio.srm_by_week) > 100
    window = portfolio.srm_window
    assert window.rate_inside >= 20 * window.rate_outside


def test_sequential_bounds_are_wider_than_the_fixed_interval(demo_dir: Path) -> None:
    params = _demo_params(demo_dir, sequential=True)
    report, _ = abtest.run(open_warehouse(params.data), params)
    title = next(r for r in report.experiments if r.experiment_id == "title_2026_10")
    arm = title.arms[1]
    assert arm.sequential_ci[0] < arm.lift_abs_ci[0] < arm.lift_abs < arm.lift_abs_ci[1]
    assert arm.lift_abs_ci[1] < arm.sequential_ci[1]
    assert "always-valid" in report.methods["sequential"]


@pytest.mark.slow
def test_html_in_a_label_is_shown_as_text_in_the_report(tmp_path: Path) -> None:
    from analysis.runner import run_report

    label = '<img src=x onerror="alert(1)"><b>限时折扣</b>'
    folder = _arms_only(
        tmp_path,
        [("E1", "A", label, True, 0.5, 5000, 250), ("E1", "B", "买一送一", False, 0.5, 5000, 300)],
    )
    params = AbTestParams(period="2026-10", data=DataSource(path=folder))
    run_report(params, tmp_path / "out")
    html = (tmp_path / "out" / "abtest.html").read_text(encoding="utf-8")
    shown = re.compile(
        r"&lt;img src=x onerror=(&quot;|\")alert\(1\)(&quot;|\")&gt;&lt;b&gt;限时折扣"
    )
    assert shown.search(html)  # the label as text, quotes either escaped or literal
    assert "<img src=x" not in html and "<b>限时折扣" not in html
    record = json.loads((tmp_path / "out" / "abtest.json").read_text(encoding="utf-8"))
    assert record["results"]["experiments"][0]["arms"][0]["label"] == label


def _unit_level(tmp_path: Path, *, ctr_b: float, revenue_b: float, units: int) -> Path:
    """Two arms of `units` each over 20 days; exact click counts, B's revenue per click given."""
    rng = np.random.default_rng(3)
    frames = []
    for variant, ctr, revenue in (("A", 0.05, 100.0), ("B", ctr_b, revenue_b)):
        clicked = np.zeros(units, dtype=int)
        clicked[: round(units * ctr)] = 1
        frames.append(
            pd.DataFrame(
                {
                    "experiment_id": "E1",
                    "unit_id": [f"{variant}{i}" for i in range(units)],
                    "variant": variant,
                    "exposed_at": pd.Timestamp("2026-10-01")
                    + pd.to_timedelta(rng.integers(0, 20 * 86_400, units), unit="s"),
                    "clicked": clicked,
                    "converted": clicked,
                    "revenue": clicked * rng.gamma(4.0, revenue / 4.0, units),
                    "pre_revenue": rng.gamma(2.0, 20.0, units),
                }
            )
        )
    arms = pd.DataFrame(
        {
            "experiment_id": "E1",
            "variant": ["A", "B"],
            "label": ["a", "b"],
            "is_control": [True, False],
            "planned_share": [0.5, 0.5],
            "units": pd.array([None, None], "Int64"),
            "clicks": pd.array([None, None], "Int64"),
        }
    )
    return write_tiny(
        tmp_path / "units", {"experiment_units": pd.concat(frames), "experiment_arms": arms}
    )


def test_a_winner_that_hurts_a_guardrail_is_blocked(tmp_path: Path) -> None:
    folder = _unit_level(tmp_path, ctr_b=0.065, revenue_b=40.0, units=20_000)
    result = _analyse(
        folder,
        experiments=[
            {"id": "E1", "primary_metric": "ctr", "guardrail_metrics": ["revenue_per_click"]}
        ],
    ).experiments[0]
    assert result.decision == "blocked" and result.winner is None
    assert "revenue per click" in result.decision_text  # the guardrail, by its name


def test_a_small_test_is_inconclusive_with_the_days_still_needed(tmp_path: Path) -> None:
    folder = _unit_level(tmp_path, ctr_b=0.052, revenue_b=100.0, units=2_000)
    result = _analyse(folder).experiments[0]
    assert result.decision == "inconclusive"
    # 4,000 units over ~20 days is ~200 a day; a 10% lift on 5% needs ~31k units per arm
    assert 250 < result.days_needed < 350
    assert f"about {result.days_needed} more day(s)" in result.decision_text


def test_sequential_monitoring_withholds_a_verdict_a_single_look_would_give(tmp_path) -> None:
    folder = _arms_only(
        tmp_path,
        [("E1", "A", "a", True, 0.5, 20_000, 1000), ("E1", "B", "b", False, 0.5, 20_000, 1090)],
    )
    assert _analyse(folder).experiments[0].decision == "ship"  # fixed-horizon p ≈ 0.043
    assert _analyse(folder, sequential=True).experiments[0].decision != "ship"


def test_one_worse_arm_does_not_keep_the_control_while_another_is_undecided(tmp_path) -> None:
    folder = _arms_only(
        tmp_path,
        [
            ("E1", "A", "a", True, 1 / 3, 10_000, 500),
            ("E1", "B", "b", False, 1 / 3, 10_000, 380),
            ("E1", "C", "c", False, 1 / 3, 10_000, 540),
        ],
    )
    result = _analyse(folder).experiments[0]
    assert result.decision == "inconclusive" and "for C" in result.decision_text


def test_benjamini_hochberg_adjusts_across_the_arms(tmp_path) -> None:
    from statsmodels.stats.multitest import multipletests

    folder = _arms_only(
        tmp_path,
        [
            ("E1", "A", "a", True, 0.25, 10_000, 500),
            ("E1", "B", "b", False, 0.25, 10_000, 560),
            ("E1", "C", "c", False, 0.25, 10_000, 590),
            ("E1", "D", "d", False, 0.25, 10_000, 505),
        ],
    )
    arms = _analyse(folder, correction="bh").experiments[0].arms[1:]
    expected = multipletests([a.p_value for a in arms], method="fdr_bh")[1]
    assert [a.p_value_adjusted for a in arms] == pytest.approx(list(expected), abs=1e-12)


def test_a_control_with_no_clicks_gets_an_absolute_lift_not_nan(tmp_path) -> None:
    folder = _arms_only(
        tmp_path, [("E1", "A", "a", True, 0.5, 5_000, 0), ("E1", "B", "b", False, 0.5, 5_000, 30)]
    )
    result = _analyse(folder).experiments[0]
    assert result.decision == "ship" and "nan" not in result.decision_text
    assert "absolute" in result.decision_text


def test_missing_control_flags_fall_back_to_the_best_measured_arm(tmp_path) -> None:
    folder = _arms_only(
        tmp_path, [("E1", "P1", "a", None, 0.5, 1000, 50), ("E1", "P2", "b", None, 0.5, 900, 40)]
    )
    assert _analyse(folder).experiments[0].control == "P1"


def test_zero_revenue_and_zero_clicks_are_shown_as_not_estimable(tmp_path) -> None:
    folder = _unit_level(tmp_path, ctr_b=0.0, revenue_b=100.0, units=500)
    result = _analyse(
        folder,
        experiments=[
            {
                "id": "E1",
                "primary_metric": "ctr",
                "secondary_metrics": ["revenue_per_unit", "revenue_per_click"],
            }
        ],
    ).experiments[0]
    per_click = next(m for m in result.metrics if m.metric == "revenue_per_click")
    assert per_click.arms[1].lift_abs is None and "denominator" in per_click.arms[1].note
    per_unit = next(m for m in result.metrics if m.metric == "revenue_per_unit")
    assert per_unit.arms[1].rate_or_mean == 0.0  # B has no revenue: a mean of 0, no crash


def test_experiments_without_exposures_in_the_period_are_left_out(demo_dir: Path) -> None:
    params = AbTestParams(period="2026-09", data=DataSource(path=demo_dir))
    report, _ = abtest.run(open_warehouse(params.data), params)
    assert report.experiments == [] and report.headline.startswith("No experiment")
    with pytest.raises(ParamsError, match=r"no exposures in 2026-09"):
        _analyse(demo_dir, period="2026-09", experiments=[{"id": "title_2026_10"}])


def test_the_results_record_reads_back_as_the_same_typed_report(demo_results) -> None:
    report, _ = demo_results
    payload = assert_round_trips(report)
    title = payload["experiments"][0]["metrics"][2]
    assert title["cuped"]["method"] and title["outliers"]["arms"]  # the nested records are there
    assert payload["planning"][0]["total_units"] == 2 * payload["planning"][0]["control_units"]
