"""The conventions peers offer, as named options, each against an independent computation."""

from __future__ import annotations

from pathlib import Path

import pytest
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

from analysis.abtest import bayesian, frequentist
from analysis.abtest.frequentist import proportion_estimate
from analysis.abtest.multiplicity import adjust_p_values
from analysis.abtest.report import methods
from analysis.abtest.sufficient import ProportionStats
from analysis.params import AbTestParams

ROOT = Path(__file__).resolve().parents[1]
CONTROL, TREATMENT = ProportionStats(20_000, 1_000), ProportionStats(19_800, 1_080)


def test_pooled_z_equals_statsmodels_proportions_ztest():
    pooled = frequentist.compare_proportions(CONTROL, TREATMENT, pooled=True)
    _, expected = proportions_ztest([1_080, 1_000], [19_800, 20_000])
    assert pooled.p_value == pytest.approx(expected, rel=1e-10)
    unpooled = frequentist.compare_proportions(CONTROL, TREATMENT)
    assert pooled.p_value != pytest.approx(unpooled.p_value, rel=1e-6)
    assert pooled.lift_abs_ci == unpooled.lift_abs_ci  # the CI stays Wald
    assert pooled.method.startswith("pooled")


def test_bonferroni_equals_statsmodels_multipletests():
    p_values = [0.01, 0.04, 0.03, 0.5]
    _, expected, _, _ = multipletests(p_values, method="bonferroni")
    assert adjust_p_values(p_values, method="bonferroni") == pytest.approx(list(expected))


def test_absolute_over_control_equals_statsmodels_wald_interval_over_control_rate():
    comparison = frequentist.absolute_over_control(
        frequentist.compare_proportions(CONTROL, TREATMENT)
    )
    low, high = confint_proportions_2indep(1_080, 19_800, 1_000, 20_000, method="wald")
    assert comparison.lift_rel_ci == pytest.approx((low / 0.05, high / 0.05), rel=1e-10)


def test_growthbook_relative_chance_matches_its_published_value():
    """49/100 against 51/100: GrowthBook's relative method gives 0.6092; the absolute normal
    approximation (what `normal_chance_to_beat` computes) gives 0.6114."""
    control, treatment = ProportionStats(100, 49), ProportionStats(100, 51)
    relative = bayesian.relative_chance_to_beat(
        proportion_estimate("control", control), proportion_estimate("treatment", treatment)
    )
    assert round(relative, 4) == 0.6092
    absolute = bayesian.normal_chance_to_beat(frequentist.compare_proportions(control, treatment))
    assert round(absolute.chance_to_beat_control, 4) == 0.6114


def test_options_are_named_in_the_methods_table():
    data = {"path": str(ROOT / "data" / "external" / "upworthy")}
    chosen = AbTestParams(
        period="2026-10",
        data=data,
        correction="bonferroni",
        proportion_test="pooled",
        relative_ci="absolute_over_control",
    )
    said = methods(chosen)
    assert "pooled" in said["proportions"] and "Bonferroni" in said["multiple arms"]
    assert "divided by the control" in said["relative lift CI"]
    default = methods(AbTestParams(period="2026-10", data=data))
    assert "unpooled" in default["proportions"] and "log" in default["relative lift CI"]


def test_cuped_is_claimed_only_where_a_covariate_was_used():
    params = AbTestParams(period="2026-10", data={"path": str(ROOT / "data" / "external")})
    assert params.cuped
    assert "nothing was adjusted" in methods(params)["CUPED"]
    assert "Deng et al. 2013" in methods(params, cuped_used=True)["CUPED"]
