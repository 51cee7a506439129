"""Frequentist comparison of a treatment arm with control, from sufficient statistics.

Three metric kinds, one result type (`Comparison`):

- proportions: unpooled Wald z-test and the matching Wald CI (as spotify-confidence and
  statsmodels `test_proportions_2indep(method="wald")`);
- means: Welch t-test with Welch–Satterthwaite degrees of freedom (as tea-tasting and
  GrowthBook);
- ratios of per-unit sums: delta-method variance of ȳ/x̄ (Deng et al. 2018, "Applying the
  delta method in metric analytics"), z-test.

Relative lift CIs use the delta method on log(treatment / control), exponentiated
(tea-tasting's convention), so they are asymmetric and never cross −100%.
`relative_ci_conventions` gives the two other published conventions for comparison.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from scipy import special  # scipy.stats costs ~1 s to import in every report kernel

from analysis.abtest.sufficient import MeanStats, ProportionStats, RatioStats
from analysis.errors import InputError

NAN_INTERVAL = (math.nan, math.nan)


@dataclass(frozen=True)
class Comparison:
    """Treatment against control on one metric: lifts, their CIs and the two-sided p-value."""

    method: str
    control_value: float  # rate, mean or ratio of control
    treatment_value: float
    lift_abs: float  # treatment − control
    lift_abs_ci: tuple[float, float]
    lift_rel: float  # treatment / control − 1
    lift_rel_ci: tuple[float, float]  # delta method on log(treatment / control), exp, − 1
    p_value: float  # two-sided
    std_error: float  # of lift_abs


@dataclass(frozen=True)
class RelativeCiConventions:
    """One relative-lift CI under the three conventions peers publish (reports must name one)."""

    log_ratio_delta: tuple[float, float]  # tea-tasting; the one `Comparison` carries
    symmetric_delta: tuple[float, float]  # GrowthBook: r − 1 ± q·se(r)
    absolute_over_control: tuple[float, float]  # spotify-confidence: CI of T − C, / C


# ---------------------------------------------------------------- validation


def check_alpha(alpha: float) -> None:
    """Raise InputError unless 0 < alpha < 1."""
    if not 0 < alpha < 1:
        raise InputError(f"alpha = {alpha!r}, must be strictly between 0 and 1")


def check_units(arm: str, units: int, *, minimum: int) -> None:
    """Raise InputError naming the arm unless it has at least `minimum` units."""
    if units < minimum:
        raise InputError(
            f"{arm}: units = {units!r}, must be at least {minimum} to compute this statistic"
        )


def check_proportion(arm: str, stats_: ProportionStats) -> None:
    """Raise InputError naming the arm unless 0 ≤ successes ≤ units and units ≥ 1."""
    check_units(arm, stats_.units, minimum=1)
    if not 0 <= stats_.successes <= stats_.units:
        raise InputError(
            f"{arm}: successes = {stats_.successes!r} with units = {stats_.units!r}; "
            "successes must be between 0 and units"
        )


def sample_variance(arm: str, label: str, units: int, total: float, sum_squares: float) -> float:
    """Sample variance (n − 1) from n, Σy and Σy²; InputError if Σy² < (Σy)²/n."""
    centred = sum_squares - total * total / units
    if centred < -1e-9 * max(abs(sum_squares), 1.0):
        raise InputError(
            f"{arm}: {label} sum of squares = {sum_squares!r} is below "
            f"total²/units = {total * total / units!r}; they cannot come from one metric"
        )
    return max(centred, 0.0) / (units - 1)


def sample_covariance(units: int, total_x: float, total_y: float, cross: float) -> float:
    """Sample covariance (n − 1) from n, Σx, Σy and Σxy."""
    return (cross - total_x * total_y / units) / (units - 1)


# ---------------------------------------------------------------- shared pieces


def welch_dof(
    control_mean_var: float, control_units: int, treatment_mean_var: float, treatment_units: int
) -> float:
    """Welch–Satterthwaite degrees of freedom from the variances of the two arm means."""
    denominator = control_mean_var**2 / (control_units - 1) + treatment_mean_var**2 / (
        treatment_units - 1
    )
    if denominator == 0:
        return math.inf
    return (control_mean_var + treatment_mean_var) ** 2 / denominator


def two_sided_quantile(alpha: float, dof: float = math.inf) -> float:
    """The 1 − alpha/2 quantile of Student's t at `dof` (the normal when dof is infinite)."""
    if math.isinf(dof):
        return float(special.ndtri(1 - alpha / 2))
    return float(special.stdtrit(dof, 1 - alpha / 2))


def two_sided_p(lift: float, std_error: float, dof: float = math.inf) -> float:
    """Two-sided p-value of lift / std_error against t(dof) or the normal."""
    if std_error == 0:
        return 1.0 if lift == 0 else 0.0
    statistic = abs(lift) / std_error
    if math.isinf(dof):
        return float(2 * special.ndtr(-statistic))
    return float(2 * special.stdtr(dof, -statistic))


@dataclass(frozen=True)
class ArmEstimate:
    """One arm's estimate, the per-unit variance behind it and its units (var of estimate = v/n)."""

    value: float
    unit_variance: float
    units: int

    def __post_init__(self) -> None:  # plain floats out, whatever numeric types came in
        object.__setattr__(self, "value", float(self.value))
        object.__setattr__(self, "unit_variance", float(self.unit_variance))
        object.__setattr__(self, "units", int(self.units))

    @property
    def variance(self) -> float:
        """Variance of the estimate."""
        return self.unit_variance / self.units

    @property
    def log_variance(self) -> float:
        """Variance of log(estimate) by the delta method: v / value² / n."""
        return self.unit_variance / self.value / self.value / self.units


def log_ratio_ci(
    control: ArmEstimate, treatment: ArmEstimate, *, quantile: float
) -> tuple[float, float]:
    """CI of treatment/control − 1 by the delta method on the log ratio, exponentiated.

    var(log T/C) ≈ var(T)/T² + var(C)/C²; NaN when either value is ≤ 0 (no log).
    """
    if control.value <= 0 or treatment.value <= 0:
        return NAN_INTERVAL
    log_se = math.sqrt(control.log_variance + treatment.log_variance)
    ratio = treatment.value / control.value
    spread = float(np.exp(log_se * quantile))  # np.exp: tea-tasting's rounding, to the last digit
    return (ratio / spread - 1, ratio * spread - 1)


def relative_lift(control_value: float, treatment_value: float) -> float:
    """treatment / control − 1 (NaN when control is 0)."""
    return treatment_value / control_value - 1 if control_value != 0 else math.nan


def z_comparison(
    method: str, control: ArmEstimate, treatment: ArmEstimate, alpha: float
) -> Comparison:
    """z-test and normal-quantile CIs of treatment − control (relative CI on the log ratio)."""
    lift = treatment.value - control.value
    std_error = math.sqrt(control.variance + treatment.variance)
    z = two_sided_quantile(alpha)
    return Comparison(
        method=method,
        control_value=control.value,
        treatment_value=treatment.value,
        lift_abs=lift,
        lift_abs_ci=(lift - z * std_error, lift + z * std_error),
        lift_rel=relative_lift(control.value, treatment.value),
        lift_rel_ci=log_ratio_ci(control, treatment, quantile=z),
        p_value=two_sided_p(lift, std_error),
        std_error=std_error,
    )


def welch_comparison(
    method: str, control: ArmEstimate, treatment: ArmEstimate, alpha: float
) -> Comparison:
    """Welch t-test and t CIs from each arm's mean, sample variance (n − 1) and units.

    The relative CI uses t at the Welch dof of the log-scale variances var/mean²/n
    (tea-tasting's convention; it reproduces shared/reference/abtest.md §1 to the digit).
    """
    lift = treatment.value - control.value
    std_error = math.sqrt(control.variance + treatment.variance)
    dof = welch_dof(control.variance, control.units, treatment.variance, treatment.units)
    half_width = two_sided_quantile(alpha, dof) * std_error
    return Comparison(
        method=method,
        control_value=control.value,
        treatment_value=treatment.value,
        lift_abs=lift,
        lift_abs_ci=(lift - half_width, lift + half_width),
        lift_rel=relative_lift(control.value, treatment.value),
        lift_rel_ci=_welch_log_ratio_ci(control, treatment, alpha),
        p_value=two_sided_p(lift, std_error, dof),
        std_error=std_error,
    )


def _welch_log_ratio_ci(
    control: ArmEstimate, treatment: ArmEstimate, alpha: float
) -> tuple[float, float]:
    """Log-ratio delta CI with t at the Welch dof of the log-scale variances."""
    if control.value <= 0 or treatment.value <= 0:
        return NAN_INTERVAL
    log_dof = welch_dof(
        control.log_variance, control.units, treatment.log_variance, treatment.units
    )
    return log_ratio_ci(control, treatment, quantile=two_sided_quantile(alpha, log_dof))


# ---------------------------------------------------------------- public comparisons


PROPORTION_METHOD = (
    "unpooled Wald z-test; Wald CI; relative CI by delta method on log ratio (normal quantile)"
)
POOLED_PROPORTION_METHOD = (
    "pooled two-proportion z-test; Wald CI; relative CI by delta method on log ratio "
    "(normal quantile)"
)
MEAN_METHOD = (
    "Welch t-test (Welch–Satterthwaite dof); t CI; relative CI by delta method on log ratio "
    "(t at the Welch dof of the log-scale variances, as tea-tasting)"
)
RATIO_METHOD = (
    "delta-method variance of the ratio of means (Deng et al. 2018); z-test; normal CI; "
    "relative CI by delta method on log ratio"
)


def proportion_estimate(arm: str, stats_: ProportionStats) -> ArmEstimate:
    """The arm's rate p with per-unit variance p(1 − p) (validated)."""
    check_proportion(arm, stats_)
    rate = stats_.rate
    return ArmEstimate(rate, rate * (1 - rate), stats_.units)


def mean_estimate(arm: str, stats_: MeanStats) -> ArmEstimate:
    """The arm's mean with its sample variance (n − 1) (validated, ≥ 2 units)."""
    check_units(arm, stats_.units, minimum=2)
    variance = sample_variance(arm, "metric", stats_.units, stats_.total, stats_.sum_squares)
    return ArmEstimate(stats_.mean, variance, stats_.units)


def ratio_estimate(arm: str, stats_: RatioStats) -> ArmEstimate:
    """The arm's ratio ȳ/x̄ with its delta-method per-unit variance (Deng et al. 2018).

    n·Var(ȳ/x̄) ≈ s_yy/x̄² − 2 ȳ s_xy/x̄³ + ȳ² s_xx/x̄⁴, sample moments with n − 1.
    """
    check_units(arm, stats_.units, minimum=2)
    if stats_.denominator == 0:
        raise InputError(f"{arm}: denominator total = 0, the ratio is undefined")
    n = stats_.units
    mean_y, mean_x = stats_.numerator / n, stats_.denominator / n
    var_y = sample_variance(arm, "numerator", n, stats_.numerator, stats_.numerator_squares)
    var_x = sample_variance(arm, "denominator", n, stats_.denominator, stats_.denominator_squares)
    cov_xy = sample_covariance(n, stats_.denominator, stats_.numerator, stats_.cross)
    unit_variance = (
        var_y / mean_x**2 - 2 * mean_y * cov_xy / mean_x**3 + mean_y**2 * var_x / mean_x**4
    )
    return ArmEstimate(stats_.ratio, max(unit_variance, 0.0), n)


def compare_proportions(
    control: ProportionStats,
    treatment: ProportionStats,
    *,
    alpha: float = 0.05,
    pooled: bool = False,
) -> Comparison:
    """Compare two rates; unpooled Wald z-test and Wald CI, var = p(1 − p)/n per arm.

    Equals statsmodels `test_proportions_2indep(method="wald")` and
    `confint_proportions_2indep(method="wald")` (as spotify-confidence). With `pooled`, the
    p-value uses the pooled rate's standard error √(p̄(1 − p̄)(1/n_C + 1/n_T)) (the classic
    two-proportion z-test, statsmodels `proportions_ztest`); the CIs stay Wald.
    """
    check_alpha(alpha)
    base, other = (
        proportion_estimate("control", control),
        proportion_estimate("treatment", treatment),
    )
    result = z_comparison(PROPORTION_METHOD, base, other, alpha)
    if not pooled:
        return result
    rate = (control.successes + treatment.successes) / (control.units + treatment.units)
    pooled_se = math.sqrt(rate * (1 - rate) * (1 / control.units + 1 / treatment.units))
    return replace(
        result,
        method=POOLED_PROPORTION_METHOD,
        p_value=two_sided_p(result.lift_abs, pooled_se),
    )


def absolute_over_control(comparison: Comparison) -> Comparison:
    """The same comparison with its relative CI as the absolute CI divided by the control
    value (spotify-confidence's convention); NaN when control is 0."""
    low, high = comparison.lift_abs_ci
    base = comparison.control_value
    interval = (low / base, high / base) if base != 0 else NAN_INTERVAL
    return replace(comparison, lift_rel_ci=interval)


def compare_means(control: MeanStats, treatment: MeanStats, *, alpha: float = 0.05) -> Comparison:
    """Compare two means; Welch t-test, t CI at the Welch–Satterthwaite dof (tea-tasting).

    Equals scipy `ttest_ind_from_stats(equal_var=False)`; relative CI by delta method on
    the log ratio of means.
    """
    check_alpha(alpha)
    return welch_comparison(
        MEAN_METHOD,
        mean_estimate("control", control),
        mean_estimate("treatment", treatment),
        alpha,
    )


def compare_ratios(
    control: RatioStats, treatment: RatioStats, *, alpha: float = 0.05
) -> Comparison:
    """Compare two ratio metrics (Σy/Σx); delta-method variance (Deng et al. 2018), z-test."""
    check_alpha(alpha)
    return z_comparison(
        RATIO_METHOD,
        ratio_estimate("control", control),
        ratio_estimate("treatment", treatment),
        alpha,
    )


def relative_ci_conventions(
    control: MeanStats, treatment: MeanStats, *, alpha: float = 0.05
) -> RelativeCiConventions:
    """Relative-lift CI of two means under the three peer conventions (reference §1).

    Log-ratio delta (tea-tasting), symmetric delta on the ratio with t at the Welch dof
    (GrowthBook), and the absolute Welch CI divided by the control mean (spotify-confidence).
    """
    comparison = compare_means(control, treatment, alpha=alpha)
    control_arm, treatment_arm = (
        mean_estimate("control", control),
        mean_estimate("treatment", treatment),
    )
    if control_arm.value == 0 or treatment_arm.value == 0:
        raise InputError(
            f"control mean = {control_arm.value!r}, treatment mean = {treatment_arm.value!r}; "
            "relative CIs need both means non-zero"
        )
    dof = welch_dof(control_arm.variance, control.units, treatment_arm.variance, treatment.units)
    ratio = treatment_arm.value / control_arm.value
    ratio_se = abs(ratio) * math.sqrt(control_arm.log_variance + treatment_arm.log_variance)
    half_width = two_sided_quantile(alpha, dof) * ratio_se
    low, high = comparison.lift_abs_ci
    return RelativeCiConventions(
        log_ratio_delta=comparison.lift_rel_ci,
        symmetric_delta=(ratio - 1 - half_width, ratio - 1 + half_width),
        absolute_over_control=(low / control_arm.value, high / control_arm.value),
    )
