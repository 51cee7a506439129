"""Bayesian chance to beat control: reference §5, exact formulas and large counts."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from scipy import integrate, special, stats

from analysis.abtest.bayesian import beta_chance_to_beat, normal_chance_to_beat
from analysis.abtest.frequentist import compare_means
from analysis.abtest.sufficient import MeanStats, ProportionStats
from analysis.errors import InputError


def evan_miller_probability(a_t: int, b_t: int, a_c: float, b_c: float) -> float:
    """Closed form of P(p_T > p_C) for integer a_t (Evan Miller, "Formulas for Bayesian A/B")."""
    terms = [
        special.betaln(a_c + i, b_c + b_t)
        - math.log(b_t + i)
        - special.betaln(1 + i, b_t)
        - special.betaln(a_c, b_c)
        for i in range(a_t)
    ]
    return float(np.exp(terms).sum())


def test_chance_to_beat_reproduces_spotify_beta_binomial_example():
    result = beta_chance_to_beat(
        ProportionStats(10, 4), ProportionStats(100, 50), prior_a=0.5, prior_b=0.5
    )
    assert round(result.chance_to_beat_control, 5) == 0.72530
    assert tuple(round(end, 6) for end in result.control_interval) == (0.153067, 0.696321)
    assert tuple(round(end, 6) for end in result.treatment_interval) == (0.403174, 0.596826)


@pytest.mark.parametrize(
    ("control", "treatment"),
    [((10, 4), (100, 50)), ((200, 30), (180, 41)), ((1000, 5), (1000, 9)), ((50, 50), (3, 0))],
)
def test_chance_to_beat_equals_evan_miller_closed_form(control, treatment):
    result = beta_chance_to_beat(ProportionStats(*control), ProportionStats(*treatment))
    expected = evan_miller_probability(
        1 + treatment[1],
        1 + treatment[0] - treatment[1],
        1 + control[1],
        1 + control[0] - control[1],
    )
    assert result.chance_to_beat_control == pytest.approx(expected, abs=1e-10)


def test_expected_losses_of_both_choices_differ_by_the_difference_of_means():
    # E[max(C − T, 0)] − E[max(T − C, 0)] = E[C] − E[T], exactly
    control, treatment = ProportionStats(400, 37), ProportionStats(380, 45)
    ship = beta_chance_to_beat(control, treatment).expected_loss
    keep = beta_chance_to_beat(treatment, control).expected_loss
    assert ship - keep == pytest.approx(38 / 402 - 46 / 382, abs=1e-12)


def test_expected_loss_equals_double_integral():
    control, treatment = ProportionStats(30, 6), ProportionStats(25, 8)
    posterior_c, posterior_t = stats.beta(7, 25), stats.beta(9, 18)
    expected, _ = integrate.dblquad(
        lambda t, c: (c - t) * posterior_c.pdf(c) * posterior_t.pdf(t), 0, 1, 0, lambda c: c
    )
    result = beta_chance_to_beat(control, treatment)
    assert result.expected_loss == pytest.approx(expected, abs=1e-8)


def test_ten_million_units_are_fast_and_match_the_normal_limit():
    control, treatment = ProportionStats(10_000_000, 500_000), ProportionStats(9_990_000, 500_400)
    start = time.perf_counter()
    result = beta_chance_to_beat(control, treatment)
    assert time.perf_counter() - start < 0.5
    rate_c, rate_t = 500_001 / 10_000_002, 500_401 / 9_990_002
    se = math.sqrt(rate_c * (1 - rate_c) / 10_000_002 + rate_t * (1 - rate_t) / 9_990_002)
    assert result.chance_to_beat_control == pytest.approx(
        stats.norm.cdf((rate_t - rate_c) / se), abs=1e-3
    )
    assert 0 < result.expected_loss < se


def test_identical_large_arms_are_a_coin_flip_with_loss_sd_over_root_pi():
    arm = ProportionStats(10_000_000, 500_000)
    result = beta_chance_to_beat(arm, arm)
    assert result.chance_to_beat_control == pytest.approx(0.5, abs=1e-10)
    rate = 500_001 / 10_000_002
    sd_difference = math.sqrt(2 * rate * (1 - rate) / 10_000_003)
    assert result.expected_loss == pytest.approx(sd_difference / math.sqrt(2 * math.pi), rel=1e-5)


def test_normal_chance_to_beat_is_phi_of_z_with_closed_form_loss():
    comparison = compare_means(MeanStats(2023, 1073, 2073), MeanStats(1977, 1133, 2121))
    result = normal_chance_to_beat(comparison)
    lift, se = comparison.lift_abs, comparison.std_error
    assert result.chance_to_beat_control == pytest.approx(stats.norm.cdf(lift / se), rel=1e-12)
    loss, _ = integrate.quad(lambda d: -d * stats.norm.pdf(d, lift, se), -np.inf, 0)
    assert result.expected_loss == pytest.approx(loss, rel=1e-7)


def test_bad_prior_and_counts_are_named():
    with pytest.raises(InputError, match="prior_a = 0"):
        beta_chance_to_beat(ProportionStats(10, 1), ProportionStats(10, 2), prior_a=0)
    with pytest.raises(InputError, match="treatment: successes = 11 with units = 10"):
        beta_chance_to_beat(ProportionStats(10, 1), ProportionStats(10, 11))


@pytest.mark.parametrize(
    ("control", "treatment"),
    [
        ((3052, 150), (3092, 110)),
        ((20060, 1003), (19930, 1196)),
        ((10_000_000, 500_000), (10_000_000, 501_500)),
        ((400, 25), (380, 60)),
        ((3000, 2), (3100, 9)),
        ((50, 3), (40, 4)),
    ],
)
def test_grid_rule_agrees_with_adaptive_quadrature(control, treatment) -> None:
    from analysis.abtest.bayesian import _Beta, _prob_greater_adaptive, _prob_greater_grid

    x = _Beta(1 + treatment[1], 1 + treatment[0] - treatment[1])
    y = _Beta(1 + control[1], 1 + control[0] - control[1])
    assert _prob_greater_grid(x, y) == pytest.approx(_prob_greater_adaptive(x, y), abs=1e-9)
    assert _prob_greater_grid(y, x) == pytest.approx(_prob_greater_adaptive(y, x), abs=1e-9)
