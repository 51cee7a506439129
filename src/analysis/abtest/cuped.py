"""CUPED: a mean comparison with variance reduced by a pre-period covariate.

Deng, Xu, Kohavi & Walker (2013), "Improving the sensitivity of online controlled
experiments by utilizing pre-experiment data" (WSDM). The adjusted metric of a unit is
y − θ(x − x̄) with θ = cov(y, x)/var(x). Here θ is the pooled *within-arm* slope
(centred cross-products and squares of both arms added up), which is the OLS coefficient
of x in y ~ treatment + x, so the adjusted lift equals that regression's treatment
coefficient exactly. Deng et al. estimate θ on the pooled data; with randomised arms the
two slopes differ only by the between-arm term, which vanishes in expectation.
"""

from __future__ import annotations

from dataclasses import dataclass

from analysis.abtest.frequentist import (
    ArmEstimate,
    Comparison,
    check_alpha,
    check_units,
    sample_covariance,
    sample_variance,
    welch_comparison,
)
from analysis.abtest.sufficient import CovariateStats

CUPED_METHOD = (
    "CUPED (Deng et al. 2013; θ = pooled within-arm cov(y, x)/var(x)); Welch t-test on "
    "adjusted variances; t CI; relative CI by delta method on log ratio of adjusted means"
)


@dataclass(frozen=True)
class CupedComparison:
    """A CUPED-adjusted comparison, its θ and the share of variance the covariate removed."""

    comparison: Comparison
    theta: float
    variance_reduction: float  # 1 − var_adjusted / var_unadjusted (pooled within arms)


@dataclass(frozen=True)
class _ArmMoments:
    units: int
    mean_y: float
    mean_x: float
    var_y: float
    var_x: float
    cov_xy: float


def _moments(arm: str, stats_: CovariateStats) -> _ArmMoments:
    check_units(arm, stats_.units, minimum=2)
    n = stats_.units
    return _ArmMoments(
        units=n,
        mean_y=stats_.total / n,
        mean_x=stats_.covariate_total / n,
        var_y=sample_variance(arm, "metric", n, stats_.total, stats_.sum_squares),
        var_x=sample_variance(
            arm, "covariate", n, stats_.covariate_total, stats_.covariate_squares
        ),
        cov_xy=sample_covariance(n, stats_.covariate_total, stats_.total, stats_.cross),
    )


def cuped_theta(control: CovariateStats, treatment: CovariateStats) -> float:
    """θ = Σ_arms centred Σxy / Σ_arms centred Σx² (pooled within-arm OLS slope); 0 if x is flat."""
    return _pooled_theta([_moments("control", control), _moments("treatment", treatment)])


def _pooled_theta(arms: list[_ArmMoments]) -> float:
    covariance = sum((arm.units - 1) * arm.cov_xy for arm in arms)
    variance = sum((arm.units - 1) * arm.var_x for arm in arms)
    return covariance / variance if variance > 0 else 0.0


def _adjusted_variance(arm: _ArmMoments, theta: float) -> float:
    return max(arm.var_y - 2 * theta * arm.cov_xy + theta * theta * arm.var_x, 0.0)


def compare_means_cuped(
    control: CovariateStats, treatment: CovariateStats, *, alpha: float = 0.05
) -> CupedComparison:
    """Compare two means adjusted by a pre-period covariate; CUPED (Deng et al. 2013) + Welch.

    Adjusted mean ȳ − θ(x̄ − x̄_pooled) per arm, adjusted variance var(y) − 2θcov + θ²var(x).
    """
    check_alpha(alpha)
    control_arm, treatment_arm = _moments("control", control), _moments("treatment", treatment)
    theta = _pooled_theta([control_arm, treatment_arm])
    pooled_mean_x = (control.covariate_total + treatment.covariate_total) / (
        control.units + treatment.units
    )
    control_var = _adjusted_variance(control_arm, theta)
    treatment_var = _adjusted_variance(treatment_arm, theta)
    comparison = welch_comparison(
        CUPED_METHOD,
        ArmEstimate(
            control_arm.mean_y - theta * (control_arm.mean_x - pooled_mean_x),
            control_var,
            control_arm.units,
        ),
        ArmEstimate(
            treatment_arm.mean_y - theta * (treatment_arm.mean_x - pooled_mean_x),
            treatment_var,
            treatment_arm.units,
        ),
        alpha,
    )
    return CupedComparison(
        comparison=comparison,
        theta=float(theta),
        variance_reduction=float(
            _variance_reduction([control_arm, treatment_arm], [control_var, treatment_var])
        ),
    )


def _variance_reduction(arms: list[_ArmMoments], adjusted: list[float]) -> float:
    """1 − pooled adjusted variance / pooled unadjusted variance (0 when y is constant)."""
    unadjusted_ss = sum((arm.units - 1) * arm.var_y for arm in arms)
    adjusted_ss = sum((arm.units - 1) * var for arm, var in zip(arms, adjusted, strict=True))
    return 1 - adjusted_ss / unadjusted_ss if unadjusted_ss > 0 else 0.0
