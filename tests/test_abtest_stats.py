"""A/B statistics against the published figures (shared/reference/abtest.md) and peers' code.

Frequentist comparisons, SRM and multiplicity; Bayesian, power, CUPED and sequential live
in their own test_abtest_*.py files.
"""

from __future__ import annotations

import math
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats import proportion as sm_proportion
from statsmodels.stats.multitest import multipletests

from analysis.abtest.frequentist import (
    compare_means,
    compare_proportions,
    compare_ratios,
    relative_ci_conventions,
)
from analysis.abtest.multiplicity import adjust_p_values
from analysis.abtest.srm import srm_p_value
from analysis.abtest.sufficient import MeanStats, ProportionStats, RatioStats
from analysis.errors import InputError

PROPERTY_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

# reference §1: tea-tasting orders_per_user
TEA_CONTROL = MeanStats(units=2023, total=1073, sum_squares=2073)
TEA_TREATMENT = MeanStats(units=1977, total=1133, sum_squares=2121)
# reference §2: GrowthBook unit test
GB_A = MeanStats(units=3407, total=1396.87, sum_squares=52377.9767)
GB_B = MeanStats(units=3461, total=2422.7, sum_squares=134698.29)


def mean_stats(values: np.ndarray) -> MeanStats:
    return MeanStats(len(values), float(values.sum()), float((values * values).sum()))


def ratio_stats(numerator: np.ndarray, denominator: np.ndarray) -> RatioStats:
    return RatioStats(
        units=len(numerator),
        numerator=float(numerator.sum()),
        denominator=float(denominator.sum()),
        numerator_squares=float((numerator * numerator).sum()),
        denominator_squares=float((denominator * denominator).sum()),
        cross=float((numerator * denominator).sum()),
    )


# ---------------------------------------------------------------- reference §1 and §2


def test_welch_reproduces_tea_tasting_difference_ci_and_p():
    result = compare_means(TEA_CONTROL, TEA_TREATMENT)
    # full-precision figures; the CI ends and p agree to within a few ulps (the published
    # run centred unit-level data; we start from Σy and Σy²)
    assert result.lift_abs == 0.04269014577177832
    assert result.lift_abs_ci[0] == pytest.approx(-0.010800201598205522, rel=1e-13)
    assert result.lift_abs_ci[1] == pytest.approx(0.09618049314176216, rel=1e-13)
    assert result.p_value == pytest.approx(0.11773177998716207, rel=1e-13)


def test_relative_ci_is_log_ratio_delta_with_t_at_log_scale_welch_dof():
    result = compare_means(TEA_CONTROL, TEA_TREATMENT)
    assert result.lift_rel_ci == (-0.019515294044061937, 0.1906880061278886)


def test_relative_ci_conventions_reproduce_the_other_published_figures():
    conventions = relative_ci_conventions(TEA_CONTROL, TEA_TREATMENT)
    as_percent = [
        tuple(round(100 * end, 2) for end in interval)
        for interval in (conventions.symmetric_delta, conventions.absolute_over_control)
    ]
    assert as_percent == [(-2.44, 18.54), (-2.04, 18.13)]
    assert conventions.log_ratio_delta == (-0.019515294044061937, 0.1906880061278886)


def test_welch_reproduces_growthbook_absolute_difference():
    result = compare_means(GB_A, GB_B)
    assert round(result.lift_abs, 10) == 0.29
    assert tuple(round(end, 5) for end in result.lift_abs_ci) == (0.04538, 0.53462)
    assert round(result.p_value, 5) == 0.02016


# ---------------------------------------------------------------- property tests vs peers


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")  # statsmodels' odds ratio
@PROPERTY_SETTINGS
@given(
    control_units=st.integers(1, 1_000_000),
    treatment_units=st.integers(1, 1_000_000),
    control_share=st.floats(0, 1),
    treatment_share=st.floats(0, 1),
    alpha=st.sampled_from([0.01, 0.05, 0.1, 0.2]),
)
def test_wald_equals_statsmodels_test_and_confint(
    control_units, treatment_units, control_share, treatment_share, alpha
):
    control = ProportionStats(control_units, round(control_share * control_units))
    treatment = ProportionStats(treatment_units, round(treatment_share * treatment_units))
    result = compare_proportions(control, treatment, alpha=alpha)
    if result.std_error == 0:  # both rates at 0 or 1: statsmodels returns nan
        return
    counts = (treatment.successes, treatment.units, control.successes, control.units)
    expected_p = sm_proportion.test_proportions_2indep(*counts, method="wald").pvalue
    expected_ci = sm_proportion.confint_proportions_2indep(*counts, method="wald", alpha=alpha)
    assert result.p_value == pytest.approx(expected_p, abs=1e-9)
    assert result.lift_abs_ci == pytest.approx(expected_ci, abs=1e-9)


@PROPERTY_SETTINGS
@given(
    seed=st.integers(0, 2**32 - 1),
    control_units=st.integers(2, 3000),
    treatment_units=st.integers(2, 3000),
    effect=st.floats(-2, 2),
    scale_ratio=st.floats(0.1, 10),
    alpha=st.sampled_from([0.01, 0.05, 0.1]),
)
def test_welch_equals_scipy_on_unit_level_data(
    seed, control_units, treatment_units, effect, scale_ratio, alpha
):
    rng = np.random.default_rng(seed)
    control = rng.normal(5, 1, control_units)
    treatment = rng.normal(5 + effect, scale_ratio, treatment_units)
    result = compare_means(mean_stats(control), mean_stats(treatment), alpha=alpha)
    expected = stats.ttest_ind(treatment, control, equal_var=False)
    expected_ci = expected.confidence_interval(confidence_level=1 - alpha)
    from_stats = stats.ttest_ind_from_stats(
        treatment.mean(), treatment.std(ddof=1), treatment_units,
        control.mean(), control.std(ddof=1), control_units, equal_var=False,
    )  # fmt: skip
    assert result.p_value == pytest.approx(expected.pvalue, abs=1e-9)
    assert result.p_value == pytest.approx(from_stats.pvalue, abs=1e-9)
    assert result.lift_abs_ci == pytest.approx((expected_ci.low, expected_ci.high), abs=1e-9)


# ---------------------------------------------------------------- ratio metrics


def test_ratio_delta_variance_matches_linearised_unit_level_variance():
    rng = np.random.default_rng(3)
    clicks = rng.poisson(3, 5000) + 1.0
    revenue = clicks * rng.gamma(2.0, 1.5, 5000)
    ratio = revenue.sum() / clicks.sum()
    # the delta method = variance of the linearised metric (y − R·x) / x̄, per unit
    linearised = (revenue - ratio * clicks) / clicks.mean()
    expected_se = math.sqrt(linearised.var(ddof=1) / 5000 * 2)  # two identical arms
    result = compare_ratios(ratio_stats(revenue, clicks), ratio_stats(revenue, clicks))
    assert result.control_value == pytest.approx(ratio, rel=1e-12)
    assert result.std_error == pytest.approx(expected_se, rel=1e-9)
    assert result.p_value == 1.0


def test_ratio_variance_matches_spread_over_simulated_experiments():
    rng = np.random.default_rng(11)
    experiments, units = 2000, 400
    clicks = rng.poisson(2, (experiments, units)) + 1.0
    revenue = clicks * rng.gamma(2.0, 1.0, (experiments, units)) + rng.normal(0, 1, clicks.shape)
    ratios = revenue.sum(axis=1) / clicks.sum(axis=1)
    predicted_var = np.mean(
        [compare_ratios(arm, arm).std_error ** 2 / 2 for arm in map(ratio_stats, revenue, clicks)]
    )
    # the spread of 2000 simulated ratios is known to about ±3%
    assert ratios.var(ddof=1) == pytest.approx(predicted_var, rel=0.1)


def test_ratio_z_test_and_relative_ci_by_hand():
    rng = np.random.default_rng(5)
    clicks_c, clicks_t = rng.poisson(3, 800) + 1.0, rng.poisson(3, 900) + 1.0
    revenue_c, revenue_t = clicks_c * rng.gamma(2, 1, 800), clicks_t * rng.gamma(2.2, 1, 900)
    result = compare_ratios(ratio_stats(revenue_c, clicks_c), ratio_stats(revenue_t, clicks_t))
    assert result.p_value == pytest.approx(
        2 * stats.norm.sf(abs(result.lift_abs) / result.std_error), rel=1e-12
    )
    low, high = result.lift_rel_ci
    assert low < result.lift_rel < high
    assert math.log1p(high) - math.log1p(result.lift_rel) == pytest.approx(
        math.log1p(result.lift_rel) - math.log1p(low), rel=1e-9
    )  # symmetric on the log scale


# ---------------------------------------------------------------- SRM


def test_srm_reproduces_reference_p_value():
    assert round(srm_p_value([44_000, 45_000], [0.5, 0.5]), 6) == 0.000802


def test_srm_equals_scipy_chisquare_for_three_arms():
    units, shares = [5_000, 2_400, 2_700], [0.5, 0.25, 0.25]
    expected = stats.chisquare(units, np.array(shares) * sum(units)).pvalue
    assert srm_p_value(units, shares) == pytest.approx(expected, rel=1e-12)


def test_srm_on_plan_is_not_flagged():
    assert srm_p_value([9_000, 1_000], [0.9, 0.1]) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("units", "shares", "message"),
    [
        ([50, 50], [0.5, 0.4], "sum to 0.9"),
        ([50, 50], [1.2, -0.2], r"planned_shares\[1\] = -0.2"),
        ([50, -3], [0.5, 0.5], r"units\[1\] = -3"),
        ([50], [1.0], "at least 2 arms"),
        ([50, 50, 50], [0.5, 0.5], "one share per arm"),
    ],
)
def test_srm_bad_input_names_the_value(units, shares, message):
    with pytest.raises(InputError, match=message):
        srm_p_value(units, shares)


# ---------------------------------------------------------------- multiplicity

p_value_lists = st.lists(
    st.one_of(st.floats(0, 1), st.sampled_from([0.0, 0.01, 0.04, 0.05, 0.5, 1.0])),
    min_size=1,
    max_size=30,
)


@PROPERTY_SETTINGS
@given(p_values=p_value_lists)
def test_holm_equals_statsmodels_multipletests(p_values):
    with mock.patch("gc.collect"):  # statsmodels' Holm calls gc.collect(): 0.1 s per example
        expected = multipletests(p_values, method="holm")[1]
    assert adjust_p_values(p_values, method="holm") == pytest.approx(list(expected), abs=1e-12)


@PROPERTY_SETTINGS
@given(p_values=p_value_lists)
def test_bh_equals_statsmodels_multipletests(p_values):
    expected = multipletests(p_values, method="fdr_bh")[1]
    assert adjust_p_values(p_values, method="bh") == pytest.approx(list(expected), abs=1e-12)


def test_holm_by_hand_with_ties():
    assert adjust_p_values([0.01, 0.04, 0.04, 0.5], method="holm") == pytest.approx(
        [0.04, 0.12, 0.12, 0.5]
    )


def test_no_adjustment_returns_the_p_values():
    assert adjust_p_values([0.2, 0.01], method="none") == [0.2, 0.01]


def test_p_value_outside_unit_interval_is_rejected_by_position():
    with pytest.raises(InputError, match=r"p_values\[1\] = 1.5"):
        adjust_p_values([0.1, 1.5], method="holm")


def test_unknown_adjustment_method_is_named():
    with pytest.raises(InputError, match="method = 'sidak'"):
        adjust_p_values([0.1], method="sidak")  # type: ignore[arg-type]


# ---------------------------------------------------------------- bad input


def test_zero_units_names_the_arm():
    with pytest.raises(InputError, match="control: units = 0"):
        compare_proportions(ProportionStats(0, 0), ProportionStats(10, 3))
    with pytest.raises(InputError, match="treatment: units = 1, must be at least 2"):
        compare_means(TEA_CONTROL, MeanStats(1, 1.0, 1.0))


def test_successes_above_units_is_rejected():
    with pytest.raises(InputError, match="treatment: successes = 12 with units = 10"):
        compare_proportions(ProportionStats(10, 3), ProportionStats(10, 12))


def test_negative_counts_are_rejected():
    with pytest.raises(InputError, match="control: successes = -1"):
        compare_proportions(ProportionStats(10, -1), ProportionStats(10, 3))
    with pytest.raises(InputError, match="treatment: units = -5"):
        compare_ratios(
            RatioStats(10, 5.0, 10.0, 5.0, 12.0, 6.0), RatioStats(-5, 5.0, 10.0, 5.0, 12.0, 6.0)
        )


def test_impossible_sum_of_squares_is_rejected():
    with pytest.raises(InputError, match="control: metric sum of squares = 10"):
        compare_means(MeanStats(10, 100.0, 10.0), TEA_TREATMENT)


def test_alpha_outside_unit_interval_is_rejected():
    with pytest.raises(InputError, match="alpha = 2"):
        compare_means(TEA_CONTROL, TEA_TREATMENT, alpha=2)


def test_zero_control_rate_gives_nan_relative_ci_not_an_error():
    result = compare_proportions(ProportionStats(100, 0), ProportionStats(100, 5))
    assert math.isnan(result.lift_rel) and all(math.isnan(end) for end in result.lift_rel_ci)
    assert result.lift_abs == pytest.approx(0.05)
