"""Organic channels' daily touches as controls of the marketing-mix model, against planted truth.

The worlds of test_attribution_mmm, plus a demand wave the team follows with its 百度SEM budget
(a 28-day mean of that channel's spend, standardised, plus a slow random walk): revenue rises
25,000 yuan a day per unit of demand whatever is spent, and an organic channel's daily touches
(Poisson around 2,000 + 600 × demand) see the same demand. Without the control the model
credits 百度SEM with the demand; measured on seeds 7–16 (2026-12-08): its ROI 9.2 on average
for a planted 2.4 and a mean error of 122% over all channels; with the organic touches in the
baseline 2.67 and 18%. A control that is pure noise moved ROI by 0.013 on average.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_attribution_mmm import PUSH, world

from analysis.attribution.mmm import MmmSettings, fit_mmm
from analysis.demo.media import PAID, media_plan
from analysis.demo.world import PLANTED_ROI

SEEDS = tuple(range(7, 17))


def confounded(seed: int) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    spend, revenue = world(seed)
    rng = np.random.default_rng((seed, 5))
    followed = media_plan(seed).spend[PAID.index("百度SEM")]
    wave = pd.Series(followed).rolling(28, center=True, min_periods=1).mean().to_numpy()
    wave = (wave - wave.mean()) / wave.std() + 0.5 * np.cumsum(rng.normal(0, 0.1, len(wave)))
    touches = rng.poisson(np.maximum(2000 + 600 * wave, 1))
    controls = pd.DataFrame({"date": revenue.index, "name": "企业微信社群", "value": touches})
    return spend, revenue + 25_000 * wave, controls


def _mean_error(fit) -> float:
    return float(
        np.mean(
            [abs(c.roi - PLANTED_ROI[c.channel]) / PLANTED_ROI[c.channel] for c in fit.channels]
        )
    )


def test_organic_touches_take_out_demand_the_budget_follows() -> None:
    without, with_control, followed = [], [], []
    for seed in SEEDS:
        spend, revenue, controls = confounded(seed)
        plain = fit_mmm(spend, revenue, settings=MmmSettings(events=PUSH))
        fit = fit_mmm(spend, revenue, settings=MmmSettings(events=PUSH), controls=controls)
        assert fit.controls == ["企业微信社群"] and plain.controls == []
        without.append(_mean_error(plain))
        with_control.append(_mean_error(fit))
        followed.append(fit.channel("百度SEM").roi)
    assert np.mean(with_control) < 0.3 < 1.0 < np.mean(without)
    assert np.mean(followed) == pytest.approx(PLANTED_ROI["百度SEM"], rel=0.25)


def test_a_control_of_pure_noise_hardly_moves_roi() -> None:
    spend, revenue = world(9)
    noise = np.random.default_rng(6).poisson(2000, len(revenue))
    controls = pd.DataFrame({"date": revenue.index, "name": "噪声", "value": noise})
    plain = fit_mmm(spend, revenue, settings=MmmSettings(events=PUSH))
    fit = fit_mmm(spend, revenue, settings=MmmSettings(events=PUSH), controls=controls)
    for a in plain.channels:
        assert fit.channel(a.channel).roi == pytest.approx(a.roi, abs=0.1)


def test_a_control_that_never_varies_is_left_out_and_units_do_not_matter() -> None:
    spend, revenue, controls = confounded(8)
    flat = pd.DataFrame({"date": revenue.index, "name": "恒定", "value": 500.0})
    fit = fit_mmm(
        spend, revenue, settings=MmmSettings(events=PUSH), controls=pd.concat([controls, flat])
    )
    assert fit.controls == ["企业微信社群"]
    scaled = fit_mmm(
        spend,
        revenue,
        settings=MmmSettings(events=PUSH),
        controls=controls.assign(value=controls["value"] * 1000.0),
    )
    for a in fit.channels:
        assert scaled.channel(a.channel).roi == pytest.approx(a.roi, rel=1e-9)
