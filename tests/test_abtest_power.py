"""Sample size, MDE and days still needed: reference §4 and statsmodels NormalIndPower."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.power import NormalIndPower

from analysis.abtest.power import (
    days_still_needed,
    minimum_detectable_effect,
    required_total_units,
    required_units,
    units_still_needed,
)
from analysis.errors import InputError

SPOTIFY_EXAMPLE = {
    "baseline": 0.10,
    "mde_abs": 0.01,
    "alpha": 0.05,
    "power": 0.85,
    "control_share": 0.9,
}


def test_required_units_reproduce_spotify_example():
    assert required_units(**SPOTIFY_EXAMPLE) == (80_806, 8_979)
    assert required_total_units(**SPOTIFY_EXAMPLE) == 89_784


@settings(max_examples=40, deadline=None)
@given(
    baseline=st.floats(0.01, 0.9),
    relative_mde=st.floats(0.01, 0.5),
    alpha=st.sampled_from([0.01, 0.05, 0.1]),
    power=st.sampled_from([0.8, 0.85, 0.9]),
    control_share=st.floats(0.1, 0.9),
)
def test_required_units_equal_statsmodels_normal_ind_power(
    baseline, relative_mde, alpha, power, control_share
):
    mde = baseline * relative_mde
    ratio = (1 - control_share) / control_share
    expected_control = NormalIndPower().solve_power(
        effect_size=mde / math.sqrt(baseline * (1 - baseline)), alpha=alpha, power=power,
        ratio=ratio,
    )  # fmt: skip
    control, treatment = required_units(
        baseline=baseline, mde_abs=mde, alpha=alpha, power=power, control_share=control_share
    )
    # statsmodels' root finder is good to ~1e-8 relative, so compare the ceilings with slack
    for units, exact in ((control, expected_control), (treatment, expected_control * ratio)):
        assert math.ceil(exact * (1 - 1e-7)) <= units <= math.ceil(exact * (1 + 1e-7))


def test_mde_at_required_units_gives_back_the_planned_effect():
    control, treatment = required_units(**SPOTIFY_EXAMPLE)
    mde = minimum_detectable_effect(
        control=control, treatment=treatment, baseline_sd=math.sqrt(0.09), alpha=0.05, power=0.85
    )
    assert mde == pytest.approx(0.01, rel=1e-4)
    assert mde <= 0.01  # rounding the units up can only shrink the MDE


def test_mde_falls_with_the_square_root_of_units():
    small = minimum_detectable_effect(control=1_000, treatment=1_000, baseline_sd=1.0)
    large = minimum_detectable_effect(control=4_000, treatment=4_000, baseline_sd=1.0)
    assert small / large == pytest.approx(2.0, rel=1e-12)
    assert small == pytest.approx(2.8016 * math.sqrt(2 / 1000), rel=1e-4)  # z.975 + z.80


def test_units_and_days_still_needed():
    needed = {"required_control": 80_806, "required_treatment": 8_979}
    assert units_still_needed(current_control=50_000, current_treatment=9_000, **needed) == (
        30_806,
        0,
    )
    # 1,000 units a day split 90/10: control gets 900 a day, 30,806 / 900 = 34.2 days
    days = days_still_needed(
        current_control=50_000, current_treatment=9_000, units_per_day=1_000, **needed
    )
    assert days == 35


def test_days_still_needed_is_zero_when_done_and_none_without_traffic():
    needed = {"required_control": 100, "required_treatment": 100}
    done = days_still_needed(current_control=120, current_treatment=100, units_per_day=0, **needed)
    assert done == 0
    stalled = days_still_needed(
        current_control=10, current_treatment=100, units_per_day=0, **needed
    )
    assert stalled is None


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"baseline": 1.5}, "baseline = 1.5"),
        ({"power": 0.01}, "power = 0.01"),
        ({"alpha": 0}, "alpha = 0"),
        ({"control_share": 1.0}, "control_share = 1.0"),
        ({"mde_abs": 0}, "mde_abs = 0"),
    ],
)
def test_bad_power_parameters_are_named(override, message):
    with pytest.raises(InputError, match=message):
        required_units(**{**SPOTIFY_EXAMPLE, **override})


def test_negative_current_units_are_named():
    with pytest.raises(InputError, match="current_treatment = -1"):
        units_still_needed(
            current_control=0, current_treatment=-1, required_control=10, required_treatment=10
        )
