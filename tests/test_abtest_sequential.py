"""Always-valid confidence sequences keep their error rate under daily peeking."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize, stats

from analysis.abtest.frequentist import compare_means
from analysis.abtest.sequential import (
    always_valid_p_value,
    confidence_sequence,
    mixing_rho,
    sequential_half_width,
)
from analysis.abtest.sufficient import MeanStats
from analysis.errors import InputError

Z_975 = stats.norm.ppf(0.975)


def test_confidence_sequence_is_wider_than_the_fixed_ci_at_every_size():
    units = np.array([100, 1_000, 5_000, 50_000, 1_000_000])
    std_error = 1 / np.sqrt(units)
    assert np.all(sequential_half_width(std_error, units=units) > Z_975 * std_error)


def test_confidence_sequence_is_centred_on_the_lift():
    comparison = compare_means(MeanStats(2023, 1073, 2073), MeanStats(1977, 1133, 2121))
    low, high = confidence_sequence(comparison.std_error, comparison.lift_abs, units=4000)
    assert (low + high) / 2 == pytest.approx(comparison.lift_abs, rel=1e-12)
    assert low < comparison.lift_abs_ci[0] and high > comparison.lift_abs_ci[1]


def test_rho_makes_the_sequence_tightest_at_the_tuning_size():
    # eq. 161 of Waudby-Smith et al. approximates the ρ minimising the width at N*
    alpha, tuning = 0.05, 5_000

    def width(rho: float) -> float:
        n_rho2 = tuning * rho * rho
        return 2 * (n_rho2 + 1) / (tuning * n_rho2) * math.log(math.sqrt(n_rho2 + 1) / alpha)

    best = optimize.minimize_scalar(width, bounds=(1e-4, 1.0), method="bounded")
    rho = mixing_rho(alpha=alpha, tuning_units=tuning)
    assert width(rho) == pytest.approx(best.fun, rel=1e-3)
    assert rho == pytest.approx(
        math.sqrt((-2 * math.log(0.05) + math.log(1 - 2 * math.log(0.05))) / 5000)
    )


def test_always_valid_p_value_crosses_alpha_where_the_sequence_excludes_zero():
    for lift in np.linspace(0.0, 0.2, 81):
        comparison = compare_means(
            MeanStats(2000, 1000, 1000 + 2000 * 0.25), MeanStats(2000, 1000 + 2000 * lift, 2000)
        )
        low, high = confidence_sequence(comparison.std_error, comparison.lift_abs, units=4000)
        p_value = always_valid_p_value(comparison.std_error, comparison.lift_abs, units=4000)
        assert (p_value < 0.05) == (low > 0 or high < 0)


def test_daily_peeking_keeps_the_error_rate_for_the_sequence_but_not_the_fixed_ci():
    rng = np.random.default_rng(20230415)
    experiments, days, per_day = 500, 30, 100
    # null: both arms N(0, 1); sufficient statistics accumulate day by day
    data = rng.normal(0, 1, (experiments, days, 2, per_day))
    sums = data.sum(axis=3).cumsum(axis=1)
    squares = (data * data).sum(axis=3).cumsum(axis=1)
    units = per_day * np.arange(1, days + 1)[None, :, None]
    means = sums / units
    variances = (squares - sums * sums / units) / (units - 1)
    lift = means[..., 1] - means[..., 0]
    std_error = np.sqrt((variances / units).sum(axis=2))
    total_units = 2 * units[..., 0]

    fixed_crossed = np.any(np.abs(lift) > Z_975 * std_error, axis=1).mean()
    half_width = sequential_half_width(std_error, units=total_units, tuning_units=6_000)
    sequence_crossed = np.any(np.abs(lift) > half_width, axis=1).mean()

    assert fixed_crossed > 0.15  # peeking at a fixed-horizon CI 30 times: ~25-30% errors
    assert sequence_crossed <= 0.05 + 0.02


def test_bad_sequential_inputs_are_named():
    with pytest.raises(InputError, match="tuning_units = 0"):
        mixing_rho(alpha=0.05, tuning_units=0)
    with pytest.raises(InputError, match=r"alpha = 1\.5"):
        sequential_half_width(0.1, units=100, alpha=1.5)
    with pytest.raises(InputError, match="units = 0"):
        sequential_half_width(0.1, units=0)
