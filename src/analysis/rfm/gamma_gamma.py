"""Gamma-Gamma: how much a customer spends per purchase, shrunk towards the population mean.

Fader, Hardie & Lee (2005), "RFM and CLV: using iso-value curves for customer base
analysis", Journal of Marketing Research 42(4), 415-430; Fader & Hardie (2013), "The
Gamma-Gamma model of monetary value". Each transaction value is Gamma(p, ν) with
ν ~ Gamma(q, v) across customers. Fitted on customers with at least one repeat purchase,
using x (repeat purchases) and z̄ (their mean value). The model assumes spend is
independent of frequency; `frequency_spend_correlation` is the check.

Fitting: maximum likelihood on log-parameters, amounts divided by their mean while searching
(the fit does not depend on the currency unit), best of several starts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln

from analysis.checks import as_finite_vector, check_where
from analysis.errors import InputError
from analysis.rfm.bgnbd import SEARCH_LIMIT, at_edge, best_of_starts, check_frequency, dot


@dataclass(frozen=True)
class GammaGammaFit:
    """Fitted Gamma-Gamma parameters: spend ~ Gamma(p, ν), ν ~ Gamma(q, v)."""

    p: float
    q: float
    v: float
    log_likelihood: float  # total over the n_customers with frequency > 0
    n_customers: int  # customers used in the fit (frequency > 0)
    converged: bool = True
    boundary: tuple[str, ...] = ()  # parameters fitted at the edge (→ 0 or → ∞)

    @property
    def population_mean_spend(self) -> float:
        """E[z] = p·v/(q−1) (infinite when q <= 1)."""
        return self.p * self.v / (self.q - 1) if self.q > 1 else float("inf")


def check_spend(frequency: np.ndarray, monetary: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Validate (frequency, monetary) arrays; monetary must be > 0 where frequency > 0."""
    x = as_finite_vector("frequency", frequency)
    spend = as_finite_vector("monetary", monetary)
    if len(x) != len(spend):
        raise InputError(
            f"frequency and monetary have lengths {len(x)} and {len(spend)}; "
            "they must be equal (one entry per customer)"
        )
    check_frequency(x)
    check_where(
        "monetary", spend, (x > 0) & (spend <= 0), "monetary must be > 0 where frequency > 0"
    )
    return x, spend


def _log_likelihood_terms(log_params: np.ndarray, x: np.ndarray, spend: np.ndarray) -> np.ndarray:
    """Per-customer log density of the mean spend z̄ given x purchases (Fader & Hardie 2013)."""
    return _likelihood_terms_of(x, spend)(log_params)


def _likelihood_terms_of(x: np.ndarray, spend: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """The per-customer log density as a function of the log-parameters, for fixed data: the
    logs of the data and x·z̄ are taken once, not at every optimiser step (same arithmetic)."""
    log_spend, log_x, total = np.log(spend), np.log(x), x * spend

    def terms(log_params: np.ndarray) -> np.ndarray:
        p, q, v = np.exp(log_params)
        px = p * x
        return (
            gammaln(px + q)
            - gammaln(px)
            - gammaln(q)
            + q * np.log(v)
            + (px - 1) * log_spend
            + px * log_x
            - (px + q) * np.log(total + v)
        )

    return terms


def _summed_likelihood_of(x: np.ndarray, spend: np.ndarray) -> Callable[[np.ndarray], float]:
    """Σ over customers of the log density, as a function of the log-parameters.

    The terms of `_likelihood_terms_of` summed term by term: the log-gammas depend on a
    customer only through x, so they are taken once per distinct x times its count; the
    terms linear in p or q use sums of the data taken once (Σ x·log z̄, Σ log z̄, Σ x·log x);
    only log(x·z̄ + v) needs every customer at each step. Equal to the sum of the terms up
    to rounding (the order of the additions differs).
    """
    values, index = np.unique(x, return_inverse=True)
    per_value = np.bincount(index, minlength=len(values)).astype(float)
    log_spend, total = np.log(spend), x * spend
    n = float(len(x))
    sum_x_log_spend, sum_log_spend = dot(x, log_spend), float(log_spend.sum())
    sum_x_log_x = dot(x, np.log(x))

    def summed(log_params: np.ndarray) -> float:
        p, q, v = np.exp(log_params)
        px = p * values
        log_total = np.log(total + v)
        return float(
            dot(per_value, gammaln(px + q) - gammaln(px))
            + n * (q * np.log(v) - gammaln(q))
            + p * sum_x_log_spend
            - sum_log_spend
            + p * sum_x_log_x
            - p * dot(x, log_total)
            - q * float(log_total.sum())
        )

    return summed


def fit_gamma_gamma(frequency: np.ndarray, monetary: np.ndarray) -> GammaGammaFit:
    """Fit the Gamma-Gamma spend model by maximum likelihood (Fader & Hardie 2013).

    Uses only customers with frequency > 0; monetary is their mean repeat spend. Amounts
    are divided by their mean while searching (p and q are unitless, v scales with the
    currency), so yuan, dollars or cents give the same fit. The likelihood is summed with
    what does not depend on the parameters taken once (`_summed_likelihood_of`): one
    logarithm per customer and optimiser step instead of two log-gammas and three logs.
    Minimises −mean log-likelihood over log-parameters from several fixed starts, each
    Nelder-Mead then L-BFGS-B; the best likelihood is kept. Deterministic.
    """
    x, spend = check_spend(frequency, monetary)
    repeat = x > 0
    if repeat.sum() < 2:
        raise InputError(f"{int(repeat.sum())} customers have frequency > 0; at least 2 are needed")
    x, spend = x[repeat], spend[repeat]
    unit = float(spend.mean())
    scaled_spend = spend / unit

    scaled_total = _summed_likelihood_of(x, scaled_spend)
    customers = float(len(x))

    def objective(log_params: np.ndarray) -> float:
        if np.any(np.abs(log_params) > SEARCH_LIMIT):
            return np.inf
        value = -scaled_total(log_params) / customers
        return float(value) if np.isfinite(value) else np.inf

    starts = np.log([[1, 1, 1], [5, 3, 2], [1, 5, 5], [20, 20, 20]])
    scaled, converged = best_of_starts(objective, starts)
    log_params = scaled + np.array([0.0, 0.0, np.log(unit)])
    p, q, v = (float(value) for value in np.exp(log_params))
    total = float(_log_likelihood_terms(log_params, x, spend).sum())
    return GammaGammaFit(p, q, v, total, len(x), converged, at_edge(scaled, "p q v"))


def log_likelihood(fit: GammaGammaFit, frequency: np.ndarray, monetary: np.ndarray) -> float:
    """Total Gamma-Gamma log-likelihood over customers with frequency > 0 at the fit's values."""
    x, spend = check_spend(frequency, monetary)
    repeat = x > 0
    log_params = np.log([fit.p, fit.q, fit.v])
    return float(_log_likelihood_terms(log_params, x[repeat], spend[repeat]).sum())


def expected_spend(fit: GammaGammaFit, frequency: np.ndarray, monetary: np.ndarray) -> np.ndarray:
    """E[spend per purchase | x, z̄] = p(v + x·z̄)/(p·x + q − 1) (Fader, Hardie & Lee 2005).

    A weighted mean of the population mean p·v/(q−1) and the customer's own z̄, with weight
    p·x/(p·x + q − 1) on z̄; customers with x = 0 get the population mean. Requires q > 1.
    """
    x, spend = check_spend(frequency, monetary)
    if fit.q <= 1:
        raise InputError(f"q == {fit.q!r}; expected spend needs q > 1 (finite mean)")
    own = np.where(x > 0, spend, 0.0)
    return fit.p * (fit.v + x * own) / (fit.p * x + fit.q - 1)


def frequency_spend_correlation(frequency: np.ndarray, monetary: np.ndarray) -> float:
    """Pearson correlation of frequency and mean spend among customers with frequency > 0.

    The Gamma-Gamma model assumes spend is independent of frequency; near 0 supports it.
    """
    x, spend = check_spend(frequency, monetary)
    repeat = x > 0
    if repeat.sum() < 3:
        raise InputError(f"{int(repeat.sum())} customers have frequency > 0; at least 3 are needed")
    return float(np.corrcoef(x[repeat], spend[repeat])[0, 1])
