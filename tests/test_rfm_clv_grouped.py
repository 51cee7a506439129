"""The CLV fits' summed likelihoods (grouped BG/NBD, factored Gamma-Gamma) equal the
per-customer sums they replace, and the fits they drive find the same optimum.

The reference is the per-customer arithmetic kept in each module (`_likelihood_terms_of`,
the code the fits ran before) and, for the optimum, the same search (`best_of_starts`) run
on that per-customer objective. The published CDNOW figures are checked in test_rfm_clv.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.rfm import bgnbd, gamma_gamma

CDNOW_SUMMARY = (
    Path(__file__).resolve().parents[1]
    / "data/external/cdnow/cdnow_customers_summary_with_transactions.csv"
)
# Shuffling the demo's customers (the same data summed in another order) moves the
# per-customer fit's parameters by up to 3.2e-7 relative (measured, seeds 0-2): the
# likelihood is that flat near its optimum. A rearranged sum can move them as much.
OPTIMUM_REL = 2e-6
POINTS = [(1.0, 1.0, 1.0, 1.0), (0.24, 4.4, 0.79, 2.4), (5.0, 50.0, 0.1, 0.1), (0.01, 0.2, 30, 3)]


@pytest.fixture(scope="module")
def cdnow() -> dict[str, np.ndarray]:
    table = np.genfromtxt(CDNOW_SUMMARY, delimiter=",", names=True)
    return {name: np.asarray(table[name], dtype=float) for name in table.dtype.names}


def grouped_total(x, t_x, age, log_params) -> float:
    return bgnbd._weighted_likelihood_of(*bgnbd.group_summaries(x, t_x, age))(log_params)


@pytest.mark.parametrize("point", POINTS)
def test_grouped_bgnbd_likelihood_equals_per_customer_sum(cdnow, point):
    log_params = np.log(point)
    x, t_x, age = cdnow["x"], cdnow["t_x"], cdnow["T"]
    reference = bgnbd._log_likelihood_terms(log_params, x, t_x, age).sum()
    assert grouped_total(x, t_x, age, log_params) == pytest.approx(reference, rel=1e-12)


def test_grouping_counts_every_customer_once(demo_summary):
    x, t_x, age = demo_summary["x"], demo_summary["t_x"], demo_summary["T"]
    rows_x, rows_t, rows_age, counts = bgnbd.group_summaries(x, t_x, age)
    assert counts.sum() == len(x)
    assert len(rows_x) < len(x)  # customers do share summaries: the grouping pays
    assert len(np.unique(np.column_stack([rows_x, rows_t, rows_age]), axis=0)) == len(rows_x)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 30), st.integers(0, 60), st.integers(0, 60)),
        min_size=1,
        max_size=60,
    ),
    st.sampled_from(POINTS),
)
def test_grouped_bgnbd_likelihood_equals_sum_on_any_summaries(rows, point):
    """Repeated rows, no repeat buyer at all, all repeat buyers, one customer."""
    x = np.array([row[0] for row in rows], dtype=float)
    age = np.array([max(row[1], row[2]) for row in rows], dtype=float) / 7
    t_x = np.where(x > 0, np.array([min(row[1], row[2]) for row in rows], dtype=float) / 7, 0)
    log_params = np.log(point)
    reference = bgnbd._log_likelihood_terms(log_params, x, t_x, age).sum()
    assert grouped_total(x, t_x, age, log_params) == pytest.approx(reference, rel=1e-9)


@pytest.mark.parametrize("point", [(1.3, 8.2, 1.0), (0.2, 1.5, 30.0), (20.0, 0.5, 0.01)])
def test_factored_gamma_gamma_likelihood_equals_per_customer_sum(cdnow, point):
    repeat = cdnow["x"] > 0
    x, spend = cdnow["x"][repeat], cdnow["zbar"][repeat]
    log_params = np.log(point)
    reference = gamma_gamma._log_likelihood_terms(log_params, x, spend).sum()
    summed = gamma_gamma._summed_likelihood_of(x, spend)(log_params)
    assert summed == pytest.approx(reference, rel=1e-9)


def per_customer_bgnbd(x, t_x, age) -> np.ndarray:
    """The fit as it ran before grouping: the same search on the per-customer mean."""
    scale = float(age.mean())
    shift = np.array([0.0, np.log(scale), 0.0, 0.0])
    terms = bgnbd._likelihood_terms_of(x, t_x / scale, age / scale)

    def objective(scaled):
        if np.any(np.abs(scaled + shift) > bgnbd.SEARCH_LIMIT):
            return np.inf
        value = -terms(scaled).mean()
        return float(value) if np.isfinite(value) else np.inf

    starts = np.log(
        np.array([[1, 1, 1, 1], [0.25, 0.1, 0.75, 2.5], [1, 0.1, 5, 50], [5, 1, 0.2, 0.2]])
    )
    return np.exp(bgnbd.best_of_starts(objective, starts)[0] + shift)


def per_customer_gamma_gamma(x, spend) -> np.ndarray:
    repeat = x > 0
    x, spend = x[repeat], spend[repeat]
    unit = float(spend.mean())
    terms = gamma_gamma._likelihood_terms_of(x, spend / unit)

    def objective(log_params):
        if np.any(np.abs(log_params) > bgnbd.SEARCH_LIMIT):
            return np.inf
        value = -terms(log_params).mean()
        return float(value) if np.isfinite(value) else np.inf

    starts = np.log([[1, 1, 1], [5, 3, 2], [1, 5, 5], [20, 20, 20]])
    return np.exp(bgnbd.best_of_starts(objective, starts)[0] + np.array([0, 0, np.log(unit)]))


def test_grouped_fits_find_the_per_customer_optimum_on_the_demo(demo_summary):
    x, t_x, age, spend = (demo_summary[key] for key in ("x", "t_x", "T", "zbar"))
    fit = bgnbd.fit_bgnbd(x, t_x, age)
    before = per_customer_bgnbd(x, t_x, age)
    assert np.array([fit.r, fit.alpha, fit.a, fit.b]) == pytest.approx(before, rel=OPTIMUM_REL)
    at_before = bgnbd._log_likelihood_terms(np.log(before), x, t_x, age).sum()
    assert fit.log_likelihood == pytest.approx(at_before, rel=1e-12)

    spend_fit = gamma_gamma.fit_gamma_gamma(x, spend)
    spend_before = per_customer_gamma_gamma(x, spend)
    fitted = np.array([spend_fit.p, spend_fit.q, spend_fit.v])
    assert fitted == pytest.approx(spend_before, rel=OPTIMUM_REL)
    repeat = x > 0
    at_spend_before = gamma_gamma._log_likelihood_terms(
        np.log(spend_before), x[repeat], spend[repeat]
    ).sum()
    assert spend_fit.log_likelihood == pytest.approx(at_spend_before, rel=1e-12)
