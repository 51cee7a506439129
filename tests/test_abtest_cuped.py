"""CUPED: variance reduction ≈ ρ², no-op for an unrelated covariate, equal to OLS."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.regression.linear_model import OLS

from analysis.abtest.cuped import compare_means_cuped, cuped_theta
from analysis.abtest.frequentist import compare_means
from analysis.abtest.sufficient import CovariateStats, MeanStats
from analysis.errors import InputError


def covariate_stats(metric: np.ndarray, covariate: np.ndarray) -> CovariateStats:
    return CovariateStats(
        units=len(metric),
        total=float(metric.sum()),
        sum_squares=float((metric * metric).sum()),
        covariate_total=float(covariate.sum()),
        covariate_squares=float((covariate * covariate).sum()),
        cross=float((metric * covariate).sum()),
    )


def correlated_arm(rng: np.random.Generator, units: int, rho: float, shift: float = 0.0):
    """y and x with unit variance and correlation rho; y shifted by the treatment effect."""
    covariate = rng.normal(0, 1, units)
    metric = rho * covariate + np.sqrt(1 - rho * rho) * rng.normal(0, 1, units) + 10 + shift
    return metric, covariate


def test_variance_reduction_is_correlation_squared():
    rng = np.random.default_rng(2013)
    control = covariate_stats(*correlated_arm(rng, 20_000, 0.6))
    treatment = covariate_stats(*correlated_arm(rng, 20_000, 0.6, shift=0.05))
    result = compare_means_cuped(control, treatment)
    assert result.variance_reduction == pytest.approx(0.36, abs=0.015)
    assert result.theta == pytest.approx(0.6, abs=0.015)
    unadjusted = compare_means(
        MeanStats(control.units, control.total, control.sum_squares),
        MeanStats(treatment.units, treatment.total, treatment.sum_squares),
    )
    assert result.comparison.std_error == pytest.approx(
        unadjusted.std_error * np.sqrt(1 - result.variance_reduction), rel=0.01
    )


def test_unrelated_covariate_leaves_the_estimate_unchanged():
    rng = np.random.default_rng(7)
    control = covariate_stats(*correlated_arm(rng, 5_000, 0.0))
    treatment = covariate_stats(*correlated_arm(rng, 5_000, 0.0, shift=0.1))
    result = compare_means_cuped(control, treatment)
    unadjusted = compare_means(
        MeanStats(control.units, control.total, control.sum_squares),
        MeanStats(treatment.units, treatment.total, treatment.sum_squares),
    )
    assert abs(result.theta) < 0.05
    assert result.variance_reduction < 0.005
    assert result.comparison.lift_abs == pytest.approx(
        unadjusted.lift_abs, abs=0.1 * unadjusted.std_error
    )
    assert result.comparison.std_error == pytest.approx(unadjusted.std_error, rel=0.01)


def test_cuped_equals_ols_with_treatment_dummy_and_centred_covariate():
    rng = np.random.default_rng(42)
    control_y, control_x = correlated_arm(rng, 3_000, 0.7)
    treatment_y, treatment_x = correlated_arm(rng, 2_500, 0.7, shift=0.08)
    treatment_x = treatment_x * 1.3 + 0.05  # different covariate spread and mean per arm
    result = compare_means_cuped(
        covariate_stats(control_y, control_x), covariate_stats(treatment_y, treatment_x)
    )
    covariate = np.concatenate([control_x, treatment_x])
    design = np.column_stack(
        [np.ones(5_500), np.repeat([0.0, 1.0], [3_000, 2_500]), covariate - covariate.mean()]
    )
    fit = OLS(np.concatenate([control_y, treatment_y]), design).fit(cov_type="HC2")
    assert result.comparison.lift_abs == pytest.approx(fit.params[1], abs=1e-12)
    assert result.theta == pytest.approx(fit.params[2], abs=1e-12)
    # HC2 and Welch on adjusted variances differ only through the estimated slope
    assert result.comparison.std_error == pytest.approx(fit.bse[1], rel=2e-3)
    # the adjusted means are the fitted values at the pooled covariate mean
    assert result.comparison.control_value == pytest.approx(fit.params[0], abs=1e-12)


def test_theta_is_zero_when_the_covariate_is_constant():
    rng = np.random.default_rng(1)
    metric = rng.normal(0, 1, 100)
    flat = np.ones(100)
    assert cuped_theta(covariate_stats(metric, flat), covariate_stats(metric + 1, flat)) == 0.0


def test_cuped_needs_two_units_per_arm():
    one = CovariateStats(1, 1.0, 1.0, 1.0, 1.0, 1.0)
    with pytest.raises(InputError, match="control: units = 1"):
        compare_means_cuped(one, one)
