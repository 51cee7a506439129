"""BG/NBD: how many repeat purchases a customer will make, and whether they are still alive.

Fader, Hardie & Lee (2005), "'Counting your customers' the easy way: an alternative to the
Pareto/NBD model", Marketing Science 24(2), 275-284. While alive a customer buys at a
Poisson rate λ ~ Gamma(r, α); after each purchase they drop out with probability
p ~ Beta(a, b). Inputs are per-customer summaries in the "lifetimes" convention:
frequency x = repeat purchase periods, recency t_x = age at last purchase, T = age at the
end of observation, all in the same time unit (periods).

Fitting: maximum likelihood on log-parameters with time scaled internally, best of several
starts (Nelder-Mead, then an L-BFGS-B polish); the log-likelihood in the A1..A4 form with
the gamma and beta ratios as finite products; the conditional expectation with the
hypergeometric series summed in log space.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import hyp2f1

from analysis.checks import as_finite_vector, check_where
from analysis.errors import InputError

EDGE = 1e5  # a parameter fitted above 1e5 or below 1e-5 sits at the edge of the model
SEARCH_LIMIT = 25.0  # |log parameter| searched: e^25 ≈ 7e10
SERIES_TERMS_MAX = 200_000
SCIPY_UP_TO = 1e4  # hypergeometric parameters beyond this: summed in logs, not by scipy


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
    boundary: tuple[str, ...] = ()  # parameters fitted at the edge (→ 0 or → ∞)


def check_summary(
    frequency: np.ndarray, recency: np.ndarray, T: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate per-customer (frequency, recency, T) arrays; return them as float arrays."""
    arrays = {"frequency": frequency, "recency": recency, "T": T}
    x, t_x, age = (as_finite_vector(name, values) for name, values in arrays.items())
    if not len(x) == len(t_x) == len(age):
        raise InputError(
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


def _log_likelihood_terms(
    log_params: np.ndarray, x: np.ndarray, t_x: np.ndarray, age: np.ndarray
) -> np.ndarray:
    """Per-customer log-likelihood (Fader, Hardie & Lee 2005) as A1 + A2 + log(e^A3 + e^A4)."""
    return _likelihood_terms_of(x, t_x, age)(log_params)


def _likelihood_terms_of(
    x: np.ndarray, t_x: np.ndarray, age: np.ndarray
) -> Callable[[np.ndarray], np.ndarray]:
    """The per-customer log-likelihood as a function of the log-parameters, for fixed data.

    Written to stay finite as parameters go to the edge: Γ(r+x)/Γ(r) = Π_{k<x}(r+k) and
    B(a, b+x)/B(a, b) = Π_{k<x}(b+k)/(a+b+k) as cumulative sums of logs (x is a whole
    number), and r·log α − (r+x)·log(α+T) as −r·log1p(T/α) − x·log(α+T). What depends on the
    data alone (counts, the repeat buyers' x and t_x) is taken once, not at every optimiser
    step; A4 = −∞ without a repeat purchase, where log(e^A3 + e^A4) is A3 exactly, so the
    log-sum is taken over repeat buyers only. The same arithmetic, element by element, as
    taking it over everyone.
    """
    steps = np.arange(int(x.max()) if x.size else 0)
    counts = x.astype(int)
    repeat = x > 0
    x_repeat, t_repeat = x[repeat], t_x[repeat]

    def terms(log_params: np.ndarray) -> np.ndarray:
        r, alpha, a, b = np.exp(log_params)
        a1 = np.concatenate([[0.0], np.cumsum(np.log(r + steps))])[counts]
        a2 = np.concatenate([[0.0], np.cumsum(np.log1p(-a / (a + b + steps)))])[counts]
        a3 = -r * np.log1p(age / alpha) - x * np.log(alpha + age)
        a4 = (
            np.log(a)
            - np.log(b + x_repeat - 1)
            - r * np.log1p(t_repeat / alpha)
            - x_repeat * np.log(alpha + t_repeat)
        )
        a3[repeat] = np.logaddexp(a3[repeat], a4)
        return a1 + a2 + a3

    return terms


def dot(left: np.ndarray, right: np.ndarray) -> float:
    """Σ left·right without BLAS: a threaded BLAS dot at every optimiser step spins its
    threads against the other jobs of a shared machine (measured: 4× the CPU time)."""
    return float(np.einsum("i,i->", left, right))


def group_summaries(
    x: np.ndarray, t_x: np.ndarray, age: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The distinct (x, t_x, T) rows and how many customers have each.

    BG/NBD's likelihood depends on a customer only through (x, t_x, T): these are its
    sufficient statistics, so the sum over customers equals the sum over distinct rows, each
    times its count.
    """
    rows, counts = np.unique(np.column_stack([x, t_x, age]), axis=0, return_counts=True)
    return rows[:, 0].copy(), rows[:, 1].copy(), rows[:, 2].copy(), counts.astype(float)


def _weighted_likelihood_of(
    x: np.ndarray, t_x: np.ndarray, age: np.ndarray, weight: np.ndarray
) -> Callable[[np.ndarray], float]:
    """Σ weight · per-customer log-likelihood, as a function of the log-parameters.

    The arithmetic of `_likelihood_terms_of` rearranged so each step runs over the fewest
    values: A1 and A2 once per frequency, log1p(t/α) and log(α+t) once per distinct time
    (T and t_x together), A3 alone (x = 0) summed per distinct T, and the log-sum
    log(e^A3 + e^A4) only over rows with a repeat purchase. Equal to the ungrouped sum up to
    rounding (the order of the additions differs).
    """
    n = len(x)
    steps = np.arange(int(x.max()) if n else 0)
    per_count = np.bincount(x.astype(int), weights=weight, minlength=len(steps) + 1)
    times, index = np.unique(np.concatenate([age, t_x]), return_inverse=True)
    age_at, last_at = index[:n], index[n:]
    repeat = x > 0
    once_per_time = np.bincount(age_at[~repeat], weights=weight[~repeat], minlength=len(times))
    x_r, weight_r = x[repeat], weight[repeat]
    age_r, last_r = age_at[repeat], last_at[repeat]

    def total(log_params: np.ndarray) -> float:
        r, alpha, a, b = np.exp(log_params)
        a1 = np.concatenate([[0.0], np.cumsum(np.log(r + steps))])
        a2 = np.concatenate([[0.0], np.cumsum(np.log1p(-a / (a + b + steps)))])
        log1p_time = np.log1p(times / alpha)
        log_time = np.log(alpha + times)
        a3 = -r * log1p_time[age_r] - x_r * log_time[age_r]
        a4 = np.log(a) - np.log(b + x_r - 1) - r * log1p_time[last_r] - x_r * log_time[last_r]
        return float(
            dot(per_count, a1 + a2)
            + dot(once_per_time, -r * log1p_time)
            + dot(weight_r, np.logaddexp(a3, a4))
        )

    return total


def fit_bgnbd(
    frequency: np.ndarray, recency: np.ndarray, T: np.ndarray, *, penalizer: float = 0.0
) -> BgNbdFit:
    """Fit BG/NBD by maximum likelihood (Fader, Hardie & Lee 2005).

    Minimises −mean log-likelihood + penalizer·(r² + α² + a² + b²) (the `lifetimes`
    penalty) over log-parameters. The likelihood is summed once per distinct (x, t_x, T),
    times the number of customers who share it (`group_summaries`): the same function, so
    the same optimum, at a cost that grows with the distinct summaries (bounded by the
    days of history), not with the customers. Time is divided by the mean T while searching (α is in
    time units; the others are unitless), from several fixed starts, each Nelder-Mead then
    L-BFGS-B; the best likelihood is kept. Deterministic. Parameters beyond 1e5 or below
    1e-5 are named in `boundary`: the data's optimum lies at the model's edge there.
    """
    x, t_x, age = check_summary(frequency, recency, T)
    if not np.isfinite(penalizer) or penalizer < 0:
        raise InputError(f"penalizer == {penalizer!r}; a finite number >= 0 is accepted")
    scale = float(age.mean()) if age.mean() > 0 else 1.0
    shift = np.array([0.0, np.log(scale), 0.0, 0.0])

    groups = group_summaries(x, t_x / scale, age / scale)
    scaled_total = _weighted_likelihood_of(*groups)
    customers = float(len(x))

    def objective(scaled: np.ndarray) -> float:
        if np.any(np.abs(scaled + shift) > SEARCH_LIMIT):
            return np.inf
        mean_ll = scaled_total(scaled) / customers
        value = -mean_ll + penalizer * float(np.sum(np.exp(2 * (scaled + shift))))
        return float(value) if np.isfinite(value) else np.inf

    starts = np.log(
        np.array([[1, 1, 1, 1], [0.25, 0.1, 0.75, 2.5], [1, 0.1, 5, 50], [5, 1, 0.2, 0.2]])
    )
    scaled, converged = best_of_starts(objective, starts)
    log_params = scaled + shift
    r, alpha, a, b = (float(value) for value in np.exp(log_params))
    total = float(_log_likelihood_terms(log_params, x, t_x, age).sum())
    return BgNbdFit(r, alpha, a, b, total, len(x), converged, at_edge(log_params, "r alpha a b"))


def at_edge(log_params: np.ndarray, names: str) -> tuple[str, ...]:
    """Names of the parameters fitted beyond EDGE or below 1/EDGE."""
    edge = np.abs(log_params) > np.log(EDGE)
    return tuple(name for name, out in zip(names.split(), edge, strict=True) if out)


def best_of_starts(
    objective: Callable[[np.ndarray], float], starts: np.ndarray
) -> tuple[np.ndarray, bool]:
    """A short Nelder-Mead from each start; the full minimise_log_params from the best."""
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        screened = [
            minimize(objective, start, method="Nelder-Mead", options={"maxiter": 300})
            for start in starts
        ]
    best = min(screened, key=lambda found: found.fun)
    return minimise_log_params(objective, best.x)


def minimise_log_params(
    objective: Callable[[np.ndarray], float], start: np.ndarray
) -> tuple[np.ndarray, bool]:
    """Nelder-Mead to get close, L-BFGS-B to polish; keep whichever is lower.

    Points outside the searched box have objective inf; the arithmetic warnings they raise
    while the optimiser probes them are expected and silenced.
    """
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
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

    (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x)·₂F₁(r+x, b+x; a+b+x−1; z)] / (1 + odds),
    z = t/(α+T+t). The bracket is −expm1 of (r+x)·log(1−z) + log ₂F₁, the series summed in
    log space (log_hyp2f1), so it stays finite for large x and as a, b → ∞. NaN where the
    series did not converge (the caller shows "not computed"). Requires a ≠ 1.
    """
    x, t_x, age = check_summary(frequency, recency, T)
    horizon = _check_horizon(t)
    z = horizon / (fit.alpha + age + horizon)
    log_tail = (fit.r + x) * np.log1p(-z) + log_hyp2f1(
        fit.r + x, fit.b + x, fit.a + fit.b + x - 1, z
    )
    scale = (fit.a + fit.b + x - 1) / (fit.a - 1)
    return scale * -np.expm1(log_tail) / (1 + _dropout_odds(fit, x, t_x, age))


def expected_purchases_new_customer(fit: BgNbdFit, t: np.ndarray | float) -> np.ndarray:
    """E[X(t)]: expected repeat purchases in (0, t] for a newly acquired customer, paper eq. (9)."""
    horizon = np.asarray(t, dtype=float)
    if np.any(~np.isfinite(horizon)) or np.any(horizon < 0):
        raise InputError(f"t == {t!r}; finite times >= 0 are accepted")
    z = np.atleast_1d(horizon / (fit.alpha + horizon))
    log_tail = fit.r * np.log1p(-z) + log_hyp2f1(fit.r, fit.b, fit.a + fit.b - 1, z)
    value = (fit.a + fit.b - 1) / (fit.a - 1) * -np.expm1(log_tail)
    return value.reshape(horizon.shape)


def log_hyp2f1(
    a: np.ndarray | float, b: np.ndarray | float, c: np.ndarray | float, z: np.ndarray
) -> np.ndarray:
    """log ₂F₁(a, b; c; z) for 0 <= z < 1: scipy's hyp2f1 where it is finite and b, c are
    at most SCIPY_UP_TO; else (a, b, c > 0) the Gauss series summed in logs.

    Series terms are accumulated in blocks with a running log-sum-exp until the geometric
    bound on the rest is below e^-37 of the sum; where SERIES_TERMS_MAX terms were not
    enough, NaN.
    """
    z = np.asarray(z, dtype=float)
    a, b, c = (np.broadcast_to(np.asarray(v, dtype=float), z.shape) for v in (a, b, c))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        result = np.log(hyp2f1(a, b, c, z))
    series = (z > 0) & (c > 0) & (a > 0) & (b > 0)
    series &= ~np.isfinite(result) | (np.maximum(b, c) > SCIPY_UP_TO)
    result[series] = log_hyp2f1_series(a[series], b[series], c[series], z[series])
    return result


def log_hyp2f1_series(a: np.ndarray, b: np.ndarray, c: np.ndarray, z: np.ndarray) -> np.ndarray:
    """log ₂F₁(a, b; c; z) for a, b, c > 0 and 0 < z < 1 (arrays of one shape), the Gauss
    series Σ (a)_n (b)_n / ((c)_n n!) zⁿ summed in logs; NaN where it did not converge."""
    result = np.full(z.shape, np.nan)
    rows = np.arange(z.size)
    log_term = np.zeros(rows.size)
    total = np.zeros(rows.size)
    done_at = 0
    block = 128
    while rows.size and done_at < SERIES_TERMS_MAX:
        n = done_at + np.arange(block, dtype=float)
        ra, rb, rc, rz = (v[rows, None] for v in (a, b, c, z))
        log_ratio = np.log((ra + n) * (rb + n) * rz / ((rc + n) * (n + 1)))
        terms = log_term[:, None] + np.cumsum(log_ratio, axis=1)
        peak = np.maximum(terms.max(axis=1), total)
        total = peak + np.log(np.exp(total - peak) + np.exp(terms - peak[:, None]).sum(axis=1))
        log_term = terms[:, -1]
        last = np.minimum(log_ratio[:, -1], -1e-300)
        rest = log_term + last - np.log(-np.expm1(last))  # geometric bound on what is left
        finished = (log_ratio[:, -1] < 0) & (rest < total - 37)
        result[rows[finished]] = total[finished]
        keep = ~finished
        rows, log_term, total = rows[keep], log_term[keep], total[keep]
        done_at += block
        block = min(block * 2, 8192)
    return result


def _check_horizon(t: float) -> float:
    if not isinstance(t, numbers.Real) or not np.isfinite(t) or t < 0:
        raise InputError(f"t == {t!r}; a single finite time >= 0 (in periods) is accepted")
    return float(t)
