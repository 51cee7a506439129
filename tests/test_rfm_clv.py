"""BG/NBD, Gamma-Gamma and CLV reproduce the published CDNOW numbers; properties; bad input."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from scipy.special import hyp2f1

from analysis.errors import InputError
from analysis.rfm import bgnbd, gamma_gamma
from analysis.rfm.bgnbd import (
    BgNbdFit,
    expected_purchases,
    expected_purchases_new_customer,
    fit_bgnbd,
    probability_alive,
)
from analysis.rfm.clv import customer_lifetime_value
from analysis.rfm.gamma_gamma import (
    GammaGammaFit,
    expected_spend,
    fit_gamma_gamma,
    frequency_spend_correlation,
)

CDNOW_SUMMARY = (
    Path(__file__).resolve().parents[1]
    / "data/external/cdnow/cdnow_customers_summary_with_transactions.csv"
)
WEEKS_PER_MONTH = 30.4375 / 7


@pytest.fixture(scope="module")
def cdnow() -> dict[str, np.ndarray]:
    """The 2,357-customer CDNOW cohort: x, t_x, T in weeks; zbar = mean repeat spend."""
    table = np.genfromtxt(CDNOW_SUMMARY, delimiter=",", names=True)
    return {name: np.asarray(table[name], dtype=float) for name in table.dtype.names}


@pytest.fixture(scope="module")
def bgnbd_fit(cdnow) -> BgNbdFit:
    return fit_bgnbd(cdnow["x"], cdnow["t_x"], cdnow["T"])


@pytest.fixture(scope="module")
def spend_fit(cdnow) -> GammaGammaFit:
    return fit_gamma_gamma(cdnow["x"], cdnow["zbar"])


def one(*values: float) -> tuple[np.ndarray, ...]:
    return tuple(np.array([value], dtype=float) for value in values)


# --- BG/NBD -----------------------------------------------------------------------------


def test_bgnbd_reproduces_published_cdnow_parameters(bgnbd_fit):
    fitted = (bgnbd_fit.r, bgnbd_fit.alpha, bgnbd_fit.a, bgnbd_fit.b)
    assert fitted == pytest.approx((0.2426, 4.4135, 0.7929, 2.4258), abs=5e-4)
    assert bgnbd_fit.converged
    assert bgnbd_fit.n_customers == 2357


def test_bgnbd_log_likelihood_matches_paper(bgnbd_fit):
    """Fader, Hardie & Lee (2005) report LL = −9582.4 for the CDNOW calibration fit."""
    assert bgnbd_fit.log_likelihood == pytest.approx(-9582.4, abs=0.05)


@pytest.mark.parametrize("field", ["r", "alpha", "a", "b"])
@pytest.mark.parametrize("factor", [0.98, 1.02])
def test_bgnbd_fit_is_a_likelihood_maximum(cdnow, bgnbd_fit, field, factor):
    nearby = replace(bgnbd_fit, **{field: getattr(bgnbd_fit, field) * factor})
    at_fit = bgnbd.log_likelihood(bgnbd_fit, cdnow["x"], cdnow["t_x"], cdnow["T"])
    at_nearby = bgnbd.log_likelihood(nearby, cdnow["x"], cdnow["t_x"], cdnow["T"])
    assert at_fit == pytest.approx(bgnbd_fit.log_likelihood)
    assert at_nearby < at_fit


def sum_of_squares(fit: BgNbdFit) -> float:
    return fit.r**2 + fit.alpha**2 + fit.a**2 + fit.b**2


def test_penalizer_shrinks_bgnbd_parameters(cdnow, bgnbd_fit):
    penalised = fit_bgnbd(cdnow["x"], cdnow["t_x"], cdnow["T"], penalizer=0.01)
    assert sum_of_squares(penalised) < sum_of_squares(bgnbd_fit)
    assert penalised.log_likelihood < bgnbd_fit.log_likelihood


def test_conditional_expectation_matches_paper_example(bgnbd_fit):
    """FHL (2005): x = 2, t_x = 30.43, T = 38.86 expects 1.226 purchases in the next 39 weeks."""
    expected = expected_purchases(bgnbd_fit, 39.0, *one(2, 30.43, 38.86))
    assert expected[0] == pytest.approx(1.226, abs=5e-4)


def test_euler_transformed_expectation_equals_paper_formula(bgnbd_fit):
    r, alpha, a, b = bgnbd_fit.r, bgnbd_fit.alpha, bgnbd_fit.a, bgnbd_fit.b
    x, t_x, age = np.array([0.0, 1, 5, 14]), np.array([0.0, 10, 20, 35]), np.full(4, 38.86)
    t = 52.0
    z = t / (alpha + age + t)
    tail = ((alpha + age) / (alpha + age + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z)
    odds = np.where(
        x > 0, a / (b + np.maximum(x, 1) - 1) * ((alpha + age) / (alpha + t_x)) ** (r + x), 0
    )
    paper = (a + b + x - 1) / (a - 1) * (1 - tail) / (1 + odds)
    np.testing.assert_allclose(expected_purchases(bgnbd_fit, t, x, t_x, age), paper, rtol=1e-10)


def test_expected_calibration_purchases_close_to_observed(cdnow, bgnbd_fit):
    """Eq. (9) summed over customers' T ≈ the 2,457 repeat purchases seen (within 2%)."""
    predicted = expected_purchases_new_customer(bgnbd_fit, cdnow["T"]).sum()
    observed = cdnow["x"].sum()
    assert observed == 2457
    assert predicted == pytest.approx(observed, rel=0.02)


def test_expected_purchases_rise_with_frequency_and_recency(bgnbd_fit):
    frequency = np.arange(0.0, 20)
    age = np.full_like(frequency, 38.86)
    by_frequency = expected_purchases(bgnbd_fit, 39.0, frequency, age, age)
    assert np.all(np.diff(by_frequency) > 0)
    recency = np.linspace(1, 38.86, 20)
    by_recency = expected_purchases(bgnbd_fit, 39.0, np.full(20, 3.0), recency, age)
    assert np.all(np.diff(by_recency) > 0)


def test_expected_purchases_are_zero_at_zero_horizon_and_grow_with_it(cdnow, bgnbd_fit):
    history = (cdnow["x"][:50], cdnow["t_x"][:50], cdnow["T"][:50])
    assert np.all(expected_purchases(bgnbd_fit, 0.0, *history) == 0)
    shorter, longer = (expected_purchases(bgnbd_fit, t, *history) for t in (10.0, 20.0))
    assert np.all(longer > shorter)


def test_probability_alive_is_one_without_repeats_and_in_unit_interval(cdnow, bgnbd_fit):
    alive = probability_alive(bgnbd_fit, cdnow["x"], cdnow["t_x"], cdnow["T"])
    assert np.all(alive[cdnow["x"] == 0] == 1)
    assert np.all((alive > 0) & (alive <= 1))
    assert alive[cdnow["x"] > 0].min() < 0.1  # some repeat buyers have visibly churned


def test_probability_alive_falls_with_longer_silence(bgnbd_fit):
    recency = np.linspace(38.86, 1, 20)
    alive = probability_alive(bgnbd_fit, np.full(20, 4.0), recency, np.full(20, 38.86))
    assert np.all(np.diff(alive) < 0)
    assert alive[0] == pytest.approx(1 / (1 + bgnbd_fit.a / (bgnbd_fit.b + 3)))


# --- Gamma-Gamma --------------------------------------------------------------------------


def test_gamma_gamma_reproduces_published_cdnow_parameters(spend_fit):
    fitted = (spend_fit.p, spend_fit.q, spend_fit.v)
    assert fitted == pytest.approx((6.2488, 3.7446, 15.4477), abs=5e-4)
    assert spend_fit.n_customers == 946


@pytest.mark.parametrize("field", ["p", "q", "v"])
@pytest.mark.parametrize("factor", [0.98, 1.02])
def test_gamma_gamma_fit_is_a_likelihood_maximum(cdnow, spend_fit, field, factor):
    nearby = replace(spend_fit, **{field: getattr(spend_fit, field) * factor})
    at_fit = gamma_gamma.log_likelihood(spend_fit, cdnow["x"], cdnow["zbar"])
    assert at_fit == pytest.approx(spend_fit.log_likelihood)
    assert gamma_gamma.log_likelihood(nearby, cdnow["x"], cdnow["zbar"]) < at_fit


def test_frequency_spend_correlation_matches_reference(cdnow):
    assert round(frequency_spend_correlation(cdnow["x"], cdnow["zbar"]), 3) == 0.114


def test_expected_spend_shrinks_own_mean_towards_population_mean(cdnow, spend_fit):
    spend = expected_spend(spend_fit, cdnow["x"], cdnow["zbar"])
    population = spend_fit.p * spend_fit.v / (spend_fit.q - 1)
    assert np.all(spend[cdnow["x"] == 0] == pytest.approx(population))
    repeat = cdnow["x"] > 0
    low = np.minimum(cdnow["zbar"], population)[repeat]
    high = np.maximum(cdnow["zbar"], population)[repeat]
    assert np.all((spend[repeat] >= low - 1e-9) & (spend[repeat] <= high + 1e-9))
    # lifetimes README: "Expected conditional average profit: 35.2529588256"
    assert spend.mean() == pytest.approx(35.2529588, abs=1e-4)


# --- CLV ----------------------------------------------------------------------------------


def clv(bgnbd_fit, spend_fit, data, rows=slice(None), **options):
    settings = {
        "horizon_periods": 12 * WEEKS_PER_MONTH,
        "periods_per_month": WEEKS_PER_MONTH,
        "margin": 0.3,
        "monthly_discount_rate": 0.01,
    } | options
    history = (data[name][rows] for name in ("x", "t_x", "T", "zbar"))
    return customer_lifetime_value(bgnbd_fit, spend_fit, *history, **settings)


def test_clv_matches_lifetimes_readme(cdnow, bgnbd_fit, spend_fit):
    """lifetimes README, time=12, discount_rate=0.01, its default freq 'D' (30 periods a month)."""
    readme = [140.096211, 18.943467, 38.180574, 38.180574, 38.180574, 1003.868107, 28.109683]
    values = clv(
        bgnbd_fit,
        spend_fit,
        cdnow,
        slice(0, 7),
        horizon_periods=360,
        periods_per_month=30,
        margin=1,
    )
    np.testing.assert_allclose(values, readme, atol=1e-3)


def test_clv_is_linear_in_margin_and_zero_at_zero_margin(cdnow, bgnbd_fit, spend_fit):
    at_30 = clv(bgnbd_fit, spend_fit, cdnow, margin=0.3)
    at_60 = clv(bgnbd_fit, spend_fit, cdnow, margin=0.6)
    np.testing.assert_allclose(at_60, 2 * at_30, rtol=1e-12)
    assert np.all(clv(bgnbd_fit, spend_fit, cdnow, margin=0.0) == 0)
    assert np.all(at_30 > 0)


def test_discounting_lowers_clv(cdnow, bgnbd_fit, spend_fit):
    undiscounted = clv(bgnbd_fit, spend_fit, cdnow, monthly_discount_rate=0.0)
    discounted = clv(bgnbd_fit, spend_fit, cdnow, monthly_discount_rate=0.02)
    assert np.all(discounted < undiscounted)


def test_undiscounted_clv_is_expected_purchases_times_spend_times_margin(
    cdnow, bgnbd_fit, spend_fit
):
    horizon = 12 * WEEKS_PER_MONTH
    value = clv(bgnbd_fit, spend_fit, cdnow, monthly_discount_rate=0.0, margin=0.5)
    purchases = expected_purchases(bgnbd_fit, horizon, cdnow["x"], cdnow["t_x"], cdnow["T"])
    spend = expected_spend(spend_fit, cdnow["x"], cdnow["zbar"])
    np.testing.assert_allclose(value, purchases * spend * 0.5, rtol=1e-10)


def test_partial_last_month_counts_partially(cdnow, bgnbd_fit, spend_fit):
    months = {
        m: clv(bgnbd_fit, spend_fit, cdnow, horizon_periods=m * WEEKS_PER_MONTH)
        for m in (12, 12.5, 13)
    }
    assert np.all((months[12] < months[12.5]) & (months[12.5] < months[13]))


def test_customer_almost_surely_gone_has_near_zero_clv(bgnbd_fit, spend_fit):
    history = one(20, 2.0, 100.0)
    assert probability_alive(bgnbd_fit, *history)[0] < 1e-6
    value = customer_lifetime_value(
        bgnbd_fit,
        spend_fit,
        *history,
        np.array([50.0]),
        horizon_periods=52.0,
        periods_per_month=WEEKS_PER_MONTH,
        margin=0.3,
        monthly_discount_rate=0.01,
    )
    assert 0 <= value[0] < 1e-3


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frequency", "recency", "T", "names"),
    [
        ([1, 2], [1.0], [5.0, 5.0], "lengths"),
        ([1, -1], [1.0, 0.0], [5.0, 5.0], "frequency[1]"),
        ([1, 1.5], [1.0, 1.0], [5.0, 5.0], "frequency[1]"),
        ([1, 2], [1.0, 6.0], [5.0, 5.0], "recency[1]"),
        ([1, 2], [-1.0, 1.0], [5.0, 5.0], "recency[0]"),
        ([1, 2], [1.0, 1.0], [5.0, np.nan], "T[1]"),
    ],
)
def test_bad_summary_names_array_and_index(frequency, recency, T, names):
    with pytest.raises(InputError, match=names.replace("[", r"\[")):
        fit_bgnbd(np.array(frequency), np.array(recency), np.array(T))


def test_nonpositive_spend_of_repeat_buyer_names_monetary_and_index():
    with pytest.raises(InputError, match=r"monetary\[2\] == 0\.0.*> 0 where frequency > 0"):
        fit_gamma_gamma(np.array([1, 0, 3]), np.array([5.0, 0.0, 0.0]))


@pytest.mark.parametrize(
    ("option", "value"),
    [("margin", 1.5), ("margin", -0.1), ("monthly_discount_rate", -0.01), ("horizon_periods", 0.0)],
)
def test_bad_clv_option_names_option_and_value(cdnow, bgnbd_fit, spend_fit, option, value):
    with pytest.raises(InputError, match=f"{option} == {value}"):
        clv(bgnbd_fit, spend_fit, cdnow, slice(0, 5), **{option: value})


def test_negative_penalizer_and_horizon_are_rejected(cdnow, bgnbd_fit):
    with pytest.raises(InputError, match="penalizer == -1"):
        fit_bgnbd(cdnow["x"], cdnow["t_x"], cdnow["T"], penalizer=-1.0)
    with pytest.raises(InputError, match="t == -1"):
        expected_purchases(bgnbd_fit, -1.0, cdnow["x"], cdnow["t_x"], cdnow["T"])
