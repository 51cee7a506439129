"""CLV holds on data at the model's edge and in any currency unit; what is not computed says so."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.special import hyp2f1

from analysis.reporting import display as reporting_display
from analysis.rfm import bgnbd, display
from analysis.rfm.bgnbd import expected_purchases, fit_bgnbd, log_hyp2f1, log_hyp2f1_series
from analysis.rfm.clv import customer_lifetime_value
from analysis.rfm.gamma_gamma import fit_gamma_gamma
from analysis.rfm.report import ClvModel

CDNOW_SUMMARY = (
    Path(__file__).resolve().parents[1]
    / "data/external/cdnow/cdnow_customers_summary_with_transactions.csv"
)
WEEKS_PER_MONTH = 30.4375 / 7
SCALES = (0.01, 0.1, 7.0, 100.0)


@pytest.fixture(scope="module")
def cdnow() -> dict[str, np.ndarray]:
    table = np.genfromtxt(CDNOW_SUMMARY, delimiter=",", names=True)
    return {"x": table["x"], "t_x": table["t_x"], "T": table["T"], "zbar": table["zbar"]}


@pytest.fixture(scope="module")
def fixed_dropout() -> dict[str, np.ndarray]:
    """Planted: every customer drops out with the same p = 0.15 after each purchase (no
    heterogeneity in p), so the likelihood's optimum is at a, b → ∞ with a/(a+b) = 0.15."""
    rng = np.random.default_rng(3)
    n = 3000
    age = rng.uniform(20, 80, n)
    rate = rng.gamma(2.0, 1 / 4.0, n)
    x, t_x = np.zeros(n), np.zeros(n)
    for i in range(n):
        clock = 0.0
        while (clock := clock + rng.exponential(1 / rate[i])) <= age[i]:
            x[i], t_x[i] = x[i] + 1, clock
            if rng.random() < 0.15:
                break
    return {"x": x, "t_x": t_x, "T": age}


def lifetime_value(fit, spend_fit, data, spend):
    return customer_lifetime_value(
        fit,
        spend_fit,
        data["x"],
        data["t_x"],
        data["T"],
        spend,
        horizon_periods=6 * WEEKS_PER_MONTH,
        periods_per_month=WEEKS_PER_MONTH,
        margin=0.3,
        monthly_discount_rate=0.01,
    )


def test_log_series_matches_scipy_hypergeometric_on_ordinary_values():
    a, b, c = np.array([0.3, 2.0, 12.5, 40.0]), np.array([2.5, 3.0, 20.0, 1.5]), 4.2
    z = np.array([0.1, 0.5, 0.8, 0.95])
    scipy = np.log(hyp2f1(a, b, c, z))
    np.testing.assert_allclose(log_hyp2f1_series(a, b, c + 0 * z, z), scipy, rtol=1e-11)
    np.testing.assert_allclose(log_hyp2f1(a, b, c, z), scipy, rtol=1e-11)
    assert log_hyp2f1(1.0, 1.0, 1.0, np.array([0.0]))[0] == 0.0


def test_boundary_fit_is_flagged_and_its_expectation_is_the_fixed_dropout_limit(fixed_dropout):
    fit = fit_bgnbd(fixed_dropout["x"], fixed_dropout["t_x"], fixed_dropout["T"])
    assert set(fit.boundary) >= {"a", "b"}
    dropout = fit.a / (fit.a + fit.b)
    assert dropout == pytest.approx(0.15, abs=0.02)
    x, t_x, age = fixed_dropout["x"], fixed_dropout["t_x"], fixed_dropout["T"]
    t = 26.0
    expected = expected_purchases(fit, t, x, t_x, age)
    # the a, b → ∞ limit in closed form: ₂F₁ → (1 − (1−p)z)^−(r+x), odds → p/(1−p)·(…)^(r+x)
    z = t / (fit.alpha + age + t)
    tail = ((1 - z) / (1 - (1 - dropout) * z)) ** (fit.r + x)
    ratio = ((fit.alpha + age) / (fit.alpha + t_x)) ** (fit.r + x)
    odds = np.where(x > 0, dropout / (1 - dropout) * ratio, 0.0)
    limit = (1 - tail) / dropout / (1 + odds)
    assert np.isfinite(expected).all()
    np.testing.assert_allclose(expected, limit, rtol=1e-6)
    # the Euler-transformed closed form used before gives 0·∞ here
    with np.errstate(all="ignore"):
        euler = (1 - z) ** (fit.a - 1) * hyp2f1(
            fit.a + fit.b - 1 - fit.r, fit.a - 1, fit.a + fit.b + x - 1, z
        )
    assert not np.isfinite(euler).all()
    assert np.isfinite(bgnbd.log_likelihood(fit, x, t_x, age))


@pytest.fixture(scope="module")
def cdnow_fits(cdnow):
    return fit_bgnbd(cdnow["x"], cdnow["t_x"], cdnow["T"]), fit_gamma_gamma(
        cdnow["x"], cdnow["zbar"]
    )


@pytest.mark.parametrize("scale", SCALES)
def test_cdnow_clv_scales_linearly_with_the_currency_unit(cdnow, cdnow_fits, scale):
    fit, base = cdnow_fits
    scaled = fit_gamma_gamma(cdnow["x"], cdnow["zbar"] * scale)
    assert (scaled.p, scaled.q) == pytest.approx((base.p, base.q), rel=1e-4)
    assert scaled.log_likelihood == pytest.approx(base.log_likelihood - 946 * np.log(scale))
    np.testing.assert_allclose(
        lifetime_value(fit, scaled, cdnow, cdnow["zbar"] * scale),
        scale * lifetime_value(fit, base, cdnow, cdnow["zbar"]),
        rtol=1e-4,
    )


def test_demo_clv_scales_linearly_with_the_currency_unit(demo_summary):
    data = demo_summary
    repeat = (data["x"] > 0) & (data["zbar"] > 0)
    data = {key: values[repeat | (data["x"] == 0)] for key, values in data.items()}
    fit = fit_bgnbd(data["x"], data["t_x"], data["T"])
    base = fit_gamma_gamma(data["x"], data["zbar"])
    base_value = lifetime_value(fit, base, data, data["zbar"])
    assert np.isfinite(base_value).all()
    for scale in (0.01, 100.0):
        spend_fit = fit_gamma_gamma(data["x"], data["zbar"] * scale)
        np.testing.assert_allclose(
            lifetime_value(fit, spend_fit, data, data["zbar"] * scale),
            scale * base_value,
            rtol=1e-4,
        )


def fit_state_page(monkeypatch, **changes) -> str:
    shown: list[str] = []
    monkeypatch.setattr(reporting_display, "display_html", shown.append)
    values = {
        "a": 1.2e10,
        "b": 6.8e10,
        "q": 3.7,
        "boundary": ["a", "b"],
        "bgnbd_converged": True,
        "gamma_gamma_converged": True,
        "spend_mean_finite": True,
        "clv_not_computed": 0,
    } | changes
    fitted = {"r": 0.2, "alpha": 4.0, "p": 6.0, "v": 15.0, "log_likelihood": -100.0}
    settings = {"time_unit": "days", "horizon_days": 365, "gross_margin": 0.4}
    model = ClvModel(
        **fitted,
        **settings,
        monthly_discount_rate=0.01,
        customers_with_only_zero_value_repeats=0,
        **values,
    )
    display.show_fit_state(model, "en")
    return " ".join(shown)


def test_a_boundary_fit_shows_the_warning_with_the_common_dropout(monkeypatch):
    page = fit_state_page(monkeypatch)
    assert "edge" in page and "15.0%" in page
    assert fit_state_page(monkeypatch, boundary=[]) == ""


def test_clv_not_computed_is_said_never_shown_as_zero(monkeypatch):
    assert "12 customers" in fit_state_page(monkeypatch, boundary=[], clv_not_computed=12)
    page = fit_state_page(monkeypatch, boundary=[], spend_mean_finite=False, q=0.8)
    assert "q = 0.8" in page and "no CLV is computed" in page
    assert display.clv_shown(float("nan"), "en") == "not computed"
    assert display.clv_shown(None, "zh") == "未计算"
