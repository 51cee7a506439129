"""BG/NBD: how many repeat purchases a customer will make, and whether they are still alive.

Fader, Hardie & Lee (2005), "'Counting your customers' the easy way: an alternative to the
Pareto/NBD model", Marketing Science 24(2), 275-284. While alive a customer buys at a
Poisson rate λ ~ Gamma(r, α); after each purchase they drop out with probability
p ~ Beta(a, b). Inputs are per-customer summaries in the "lifetimes" convention:
frequency x = repeat purchase periods, recency t_x = age at last purchase, T = age at the
end of observation, all in the same time unit (periods).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln, gammaln, hyp2f1

from analysis.errors import ParamsError

BGNBD_METHOD = (
    "BG/NBD (Fader, Hardie & Lee 2005), maximum likelihood on log-parameters "
    "(Nelder-Mead, then L-BFGS-B polish); log-likelihood in the A1..A4 form"
)


@dataclass(frozen=True)
class BgNbdFit:
    """Fitted BG/NBD parameters: purchase rate λ ~ Gamma(r, α), dropout p ~ Beta(a, b)."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float  # total over customers, at the fitted parameters (no penalty)
    n_customers: int
    converged: bool


def check_summary(
    frequency: np.ndarray, recency: np.ndarray, T: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate per-customer (frequency, recency, T) arrays; return them as float arrays."""
    arrays = {"frequency": frequency, "recency": recency, "T": T}
    x, t_x, age = (as_finite_vector(name, values) for name, values in arrays.items())
    if not len(x) == len(t_x) == len(age):
        raise ParamsError(
            f"frequency, recency and T have lengths {len(x)}, {len(t_x)}, {len(age)}; "
            "they must be equal (one entry per customer)"
        )
    check_frequency(x)
    check_where("recency", t_x, t_x < 0, "recency must be >= 0")
    check_where("recency", t_x, t_x > age, "recency must be <= T")
    return x, t_x, age


def check_frequency(x: np.ndarray) -> None:
    """Frequency must be a non-negative whole number of repeat purchase periods."""
    check_where("frequency", x, (x < 0) | (x != np.round(x)), "frequency must be integers >= 0")


def as_finite_vector(name: str, values: np.ndarray) -> np.ndarray:
    """`values` as a non-empty 1-D float array of finite numbers, else ParamsError naming it."""
    array = np.asarray(values, dtype=float)
    if array.ndim != 1 or array.size == 0:
        raise ParamsError(f"{name} has shape {array.shape}; a non-empty 1-D array is accepted")
    check_where(name, array, ~np.isfinite(array), f"{name} must be finite")
    return array


def check_where(name: str, values: np.ndarray, bad: np.ndarray, rule: str) -> None:
    """Raise ParamsError naming the array, the first bad index and value, and the rule."""
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        raise ParamsError(
            f"{name}[{index}] == {float(values[index])!r} ({int(bad.sum())} bad entries); {rule}"
        )


def check_positive(name: str, value: float) -> float:
    """A scalar option that must be a finite number > 0."""
    if not np.isfinite(value) or value <= 0:
        raise ParamsError(f"{name} == {value!r}; a finite number > 0 is accepted")
    return float(value)


def _log_likelihood_terms(
    log_params: np.ndarray, x: np.ndarray, t_x: np.ndarray, age: np.ndarray
) -> np.ndarray:
    """Per-customer log-likelihood (Fader, Hardie & Lee 2005) as A1 + A2 + log(e^A3 + e^A4)."""
    r, alpha, a, b = np.exp(log_params)
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = betaln(a, b + x) - betaln(a, b)
    a3 = -(r + x) * np.log(alpha + age)
    repeat = x > 0
    a4 = np.full_like(x, -np.inf)
    a4[repeat] = (
        np.log(a) - np.log(b + x[repeat] - 1) - (r + x[repeat]) * np.log(alpha + t_x[repeat])
    )
    return a1 + a2 + np.logaddexp(a3, a4)


def fit_bgnbd(
    frequency: np.ndarray, recency: np.ndarray, T: np.ndarray, *, penalizer: float = 0.0
) -> BgNbdFit:
    """Fit BG/NBD by maximum likelihood (Fader, Hardie & Lee 2005).

    Minimises −mean log-likelihood + penalizer·(r² + α² + a² + b²) (the `lifetimes`
    penalty) over log-parameters from the fixed start (1, 1, 1, 1): Nelder-Mead, then an
    L-BFGS-B polish. Deterministic.
    """
    x, t_x, age = check_summary(frequency, recency, T)
    if not np.isfinite(penalizer) or penalizer < 0:
        raise ParamsError(f"penalizer == {penalizer!r}; a finite number >= 0 is accepted")

    def objective(log_params: np.ndarray) -> float:
        mean_ll = _log_likelihood_terms(log_params, x, t_x, age).mean()
        value = -mean_ll + penalizer * float(np.sum(np.exp(2 * log_params)))
        return float(value) if np.isfinite(value) else np.inf

    log_params, converged = minimise_log_params(objective, np.zeros(4))
    r, alpha, a, b = (float(value) for value in np.exp(log_params))
    total = float(_log_likelihood_terms(log_params, x, t_x, age).sum())
    return BgNbdFit(r, alpha, a, b, total, len(x), converged)


def minimise_log_params(
    objective: Callable[[np.ndarray], float], start: np.ndarray
) -> tuple[np.ndarray, bool]:
    """Nelder-Mead to get close, L-BFGS-B to polish; keep whichever is lower."""
    coarse = minimize(
        objective,
        start,
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 20_000, "maxfev": 40_000},
    )
    polish = minimize(
        objective, coarse.x, method="L-BFGS-B", options={"ftol": 1e-15, "gtol": 1e-10}
    )
    best = polish if polish.fun <= coarse.fun else coarse
    return best.x, bool(coarse.success or polish.success)


def log_likelihood(
    fit: BgNbdFit, frequency: np.ndarray, recency: np.ndarray, T: np.ndarray
) -> float:
    """Total BG/NBD log-likelihood of the summaries at the fit's parameters."""
    x, t_x, age = check_summary(frequency, recency, T)
    log_params = np.log([fit.r, fit.alpha, fit.a, fit.b])
    return float(_log_likelihood_terms(log_params, x, t_x, age).sum())


def probability_alive(
    fit: BgNbdFit, frequency: np.ndarray, recency: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """P(alive at T | x, t_x, T) under BG/NBD; exactly 1 when x = 0.

    Fader, Hardie & Lee (2008), "Computing P(alive) using the BG/NBD model":
    1 / (1 + δ(x>0)·a/(b+x−1)·((α+T)/(α+t_x))^(r+x)).
    """
    x, t_x, age = check_summary(frequency, recency, T)
    return 1.0 / (1.0 + _dropout_odds(fit, x, t_x, age))


def _dropout_odds(fit: BgNbdFit, x: np.ndarray, t_x: np.ndarray, age: np.ndarray) -> np.ndarray:
    """δ(x>0)·a/(b+x−1)·((α+T)/(α+t_x))^(r+x), computed in logs (the odds of being dead)."""
    log_odds = np.log(fit.a / (fit.b + np.maximum(x, 1) - 1)) + (fit.r + x) * np.log(
        (fit.alpha + age) / (fit.alpha + t_x)
    )
    return np.where(x > 0, np.exp(log_odds), 0.0)


def expected_purchases(
    fit: BgNbdFit, t: float, frequency: np.ndarray, recency: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """E[purchases in (T, T+t] | x, t_x, T], Fader, Hardie & Lee (2005) eq. (10).

    The Gaussian hypergeometric term is Euler-transformed,
    ((α+T)/(α+T+t))^(r+x)·₂F₁(r+x, b+x; a+b+x−1; z) = (1−z)^(a−1)·₂F₁(a+b−1−r, a−1; a+b+x−1; z)
    with z = t/(α+T+t), which keeps it finite for large x. Requires a ≠ 1.
    """
    x, t_x, age = check_summary(frequency, recency, T)
    horizon = _check_horizon(t)
    z = horizon / (fit.alpha + age + horizon)
    tail = (1 - z) ** (fit.a - 1) * hyp2f1(
        fit.a + fit.b - 1 - fit.r, fit.a - 1, fit.a + fit.b + x - 1, z
    )
    scale = (fit.a + fit.b + x - 1) / (fit.a - 1)
    return scale * (1 - tail) / (1 + _dropout_odds(fit, x, t_x, age))


def expected_purchases_new_customer(fit: BgNbdFit, t: np.ndarray | float) -> np.ndarray:
    """E[X(t)]: expected repeat purchases in (0, t] for a newly acquired customer, paper eq. (9)."""
    horizon = np.asarray(t, dtype=float)
    if np.any(~np.isfinite(horizon)) or np.any(horizon < 0):
        raise ParamsError(f"t == {t!r}; finite times >= 0 are accepted")
    z = horizon / (fit.alpha + horizon)
    tail = (fit.alpha / (fit.alpha + horizon)) ** fit.r * hyp2f1(fit.r, fit.b, fit.a + fit.b - 1, z)
    return (fit.a + fit.b - 1) / (fit.a - 1) * (1 - tail)


def _check_horizon(t: float) -> float:
    if not np.isscalar(t) or not np.isfinite(t) or t < 0:
        raise ParamsError(f"t == {t!r}; a single finite time >= 0 (in periods) is accepted")
    return float(t)
