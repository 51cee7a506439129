"""Bayesian chance to beat control and expected loss, from sufficient statistics.

Proportions: Beta–binomial posteriors Beta(prior_a + successes, prior_b + failures) per arm;
P(p_T > p_C) and the expected loss are computed by deterministic numerical integration of
f_T(x)·F_C(x) over the window holding all but 2e-15 of the treatment posterior: adaptive
quadrature (scipy `quad`) for small counts, a fixed Gauss–Legendre rule once both shape
parameters are ≥ 20; reproducible to ~1e-12 and fast even for 10 million units
(no Monte Carlo, unlike spotify-confidence's printed 0.725982 for reference §5).

Means (or any `Comparison`): normal approximation of the absolute lift,
lift ~ N(lift_abs, std_error²), flat prior. This is not GrowthBook's default: GrowthBook
puts the normal on the relative lift, with delta-method variance
var(T)/C² + T²·var(C)/C⁴; `relative_chance_to_beat` gives that (49/100 against 51/100:
0.6092 relative, 0.6114 absolute).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import integrate, special

from analysis.abtest.frequentist import ArmEstimate, Comparison, check_proportion
from analysis.abtest.sufficient import ProportionStats
from analysis.errors import InputError

TAIL = 1e-15  # posterior mass left outside the integration window, on each side


@dataclass(frozen=True)
class BayesianComparison:
    """Posterior chance that treatment beats control and the expected loss of shipping it."""

    method: str
    chance_to_beat_control: float  # P(treatment > control)
    expected_loss: float  # E[max(control − treatment, 0)], in the metric's units
    control_interval: tuple[float, float] | None  # equal-tailed credible interval (proportions)
    treatment_interval: tuple[float, float] | None


@dataclass(frozen=True)
class _Beta:
    a: float
    b: float

    @property
    def mean(self) -> float:
        return self.a / (self.a + self.b)

    def quantile(self, q: float) -> float:
        return float(special.betaincinv(self.a, self.b, q))

    def upper_quantile(self, q: float) -> float:
        """The point with mass q above it (accurate for tiny q)."""
        return float(special.betainccinv(self.a, self.b, q))

    def cdf(self, x: float) -> float:
        return float(special.betainc(self.a, self.b, x))

    def pdf_function(self) -> Callable[[float], float]:
        """Density written relative to its value at the mean, so large counts lose no digits.

        f(x) = f(m)·exp((a − 1)·log1p((x − m)/m) + (b − 1)·log1p(−(x − m)/(1 − m))), with f(m)
        from scipy (Boost); the naive log-density cancels ~10⁶-sized terms at 10⁷ units.
        """
        m = self.mean
        from scipy import stats  # only the adaptive path needs it; slow to import

        density_at_mean = float(stats.beta.pdf(m, self.a, self.b))
        a1, b1 = self.a - 1, self.b - 1
        return lambda x: (
            density_at_mean
            * math.exp(a1 * math.log1p((x - m) / m) + b1 * math.log1p(-(x - m) / (1 - m)))
        )


GRID_NODES = 256
GRID_MIN_PARAMETER = 3.0  # both shape parameters at least this: densities vanish smoothly at 0, 1
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(GRID_NODES)


def _prob_greater(x: _Beta, y: _Beta) -> float:
    """P(X > Y) for independent Betas = ∫ f_X(t) F_Y(t) dt (grid when smooth, else adaptive)."""
    if min(x.a, x.b, y.a, y.b) >= GRID_MIN_PARAMETER:
        return _prob_greater_grid(x, y)
    return _prob_greater_adaptive(x, y)


def _prob_greater_grid(x: _Beta, y: _Beta) -> float:
    """The same integral by fixed 256-node Gauss–Legendre over X's ±(1 − 2e-15) window.

    With both shape parameters ≥ 3 the integrand is smooth on the window and vanishes at its
    ends, where this rule agrees with adaptive quadrature to ~1e-9 (tested) at a fraction of
    the cost, which matters when thousands of tests are analysed at once. The density is
    taken relative to its value at the mean and normalised by its own integral on the same
    grid, so no normalising constant (and none of its cancellation) is needed.
    """
    low, high = x.quantile(TAIL), x.upper_quantile(TAIL)
    t = low + (high - low) / 2 * (_NODES + 1)
    m = x.mean
    log_ratio = (x.a - 1) * np.log1p((t - m) / m) + (x.b - 1) * np.log1p(-(t - m) / (1 - m))
    weighted = _WEIGHTS * np.exp(log_ratio)
    value = float(np.dot(weighted, special.betainc(y.a, y.b, t)) / weighted.sum())
    return min(max(value, 0.0), 1.0)


def _prob_greater_adaptive(x: _Beta, y: _Beta) -> float:
    """P(X > Y) for independent Betas = ∫ f_X(t) F_Y(t) dt, by adaptive quadrature."""
    low, high = x.quantile(TAIL), x.upper_quantile(TAIL)
    hints = [y.quantile(q) for q in (1e-10, 1e-3, 0.5)] + [
        y.upper_quantile(q) for q in (1e-3, 1e-10)
    ]
    hints.append(x.quantile(0.5))
    points = sorted({p for p in hints if low < p < high})
    pdf = x.pdf_function()
    value, _ = integrate.quad(
        lambda t: pdf(t) * y.cdf(t),
        low,
        high,
        points=points or None,
        epsabs=1e-14,
        epsrel=1e-12,
        limit=500,
    )
    return min(max(value, 0.0), 1.0)


def _expected_loss(control: _Beta, treatment: _Beta) -> float:
    """E[max(C − T, 0)] = E[C]·P(C⁺ > T) − E[T]·P(C > T⁺), C⁺ = Beta(a+1, b) (size-biased)."""
    control_plus = _Beta(control.a + 1, control.b)
    treatment_plus = _Beta(treatment.a + 1, treatment.b)
    loss = control.mean * _prob_greater(control_plus, treatment) - treatment.mean * _prob_greater(
        control, treatment_plus
    )
    return max(loss, 0.0)


def _posterior(arm: str, stats_: ProportionStats, prior_a: float, prior_b: float) -> _Beta:
    check_proportion(arm, stats_)
    return _Beta(prior_a + stats_.successes, prior_b + stats_.units - stats_.successes)


def beta_chance_to_beat(
    control: ProportionStats,
    treatment: ProportionStats,
    *,
    prior_a: float = 1.0,
    prior_b: float = 1.0,
    interval_level: float = 0.95,
) -> BayesianComparison:
    """P(p_T > p_C) and expected loss; Beta–binomial posteriors, deterministic quadrature.

    Prior Beta(prior_a, prior_b) on each rate; equal-tailed credible intervals per arm.
    """
    for name, value in (("prior_a", prior_a), ("prior_b", prior_b)):
        if not value > 0:
            raise InputError(f"{name} = {value!r}, Beta prior parameters must be > 0")
    if not 0 < interval_level < 1:
        raise InputError(f"interval_level = {interval_level!r}, must be between 0 and 1")
    control_post = _posterior("control", control, prior_a, prior_b)
    treatment_post = _posterior("treatment", treatment, prior_a, prior_b)
    tail = (1 - interval_level) / 2
    return BayesianComparison(
        method=(
            f"Beta–binomial, prior Beta({prior_a:g}, {prior_b:g}); P(p_T > p_C) and expected "
            "loss by deterministic numerical integration; equal-tailed credible intervals"
        ),
        chance_to_beat_control=_prob_greater(treatment_post, control_post),
        expected_loss=_expected_loss(control_post, treatment_post),
        control_interval=(control_post.quantile(tail), control_post.upper_quantile(tail)),
        treatment_interval=(treatment_post.quantile(tail), treatment_post.upper_quantile(tail)),
    )


def relative_chance_to_beat(control: ArmEstimate, treatment: ArmEstimate) -> float:
    """P(relative lift > 0) with lift_rel ~ N(T/C − 1, var(T)/C² + T²·var(C)/C⁴), flat prior
    (GrowthBook's relative method); NaN when the control value is 0."""
    if control.value == 0:
        return math.nan
    lift = treatment.value / control.value - 1
    variance = (
        treatment.variance / control.value**2
        + treatment.value**2 * control.variance / control.value**4
    )
    if variance == 0:
        return 1.0 if lift > 0 else 0.0 if lift < 0 else 0.5
    return float(special.ndtr(lift / math.sqrt(variance)))


def normal_chance_to_beat(comparison: Comparison) -> BayesianComparison:
    """P(lift > 0) = Φ(lift/se) and E[max(−lift, 0)] in closed form; normal approximation.

    lift ~ N(lift_abs, std_error²) (flat prior): the expected loss of shipping treatment is
    se·φ(lift/se) − lift·Φ(−lift/se).
    """
    lift, std_error = comparison.lift_abs, comparison.std_error
    if std_error == 0:
        chance = 1.0 if lift > 0 else 0.0 if lift < 0 else 0.5
        loss = max(-lift, 0.0)
    else:
        z = lift / std_error
        chance = float(special.ndtr(z))
        density = math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
        loss = float(std_error * density - lift * special.ndtr(-z))
    return BayesianComparison(
        method="normal approximation, lift ~ N(lift_abs, std_error²); closed-form expected loss",
        chance_to_beat_control=chance,
        expected_loss=max(loss, 0.0),
        control_interval=None,
        treatment_interval=None,
    )
