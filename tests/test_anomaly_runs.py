"""The short-run scan: a few days off together are one run; noise stays under its budget."""

from __future__ import annotations

import numpy as np
import pytest
from test_anomaly_detect import NOISE, make_panel, weekly_series

from analysis.anomaly.detect import detect
from analysis.anomaly.runs import find_runs, moving_sum_variance, residual_autocorrelation
from analysis.anomaly.settings import DetectorSettings
from analysis.errors import ParamsError

SETTINGS = DetectorSettings()
RUN_BUDGET = 1.1e-4
"""Run alarms per series-day left by the ≤ 2 false incidents per 100 series-months budget
(`DetectorSettings` docstring, run_threshold)."""


def ar1_noise(n_series: int, n_steps: int, rho: float, *, seed: int) -> np.ndarray:
    """Unit-variance AR(1) noise, stationary from its first step."""
    rng = np.random.default_rng(seed)
    shocks = rng.standard_normal((n_series, n_steps))
    noise = shocks.copy()
    for step in range(1, n_steps):
        noise[:, step] = rho * noise[:, step - 1] + np.sqrt(1 - rho**2) * shocks[:, step]
    return noise


@pytest.mark.parametrize("rho", [0.0, 0.3, 0.8])
def test_moving_sum_variance_is_the_sum_of_the_ar1_covariances(rho: float) -> None:
    for window in range(1, 8):
        lags = np.subtract.outer(np.arange(window), np.arange(window))
        covariances = rho ** np.abs(lags)  # corr(x_i, x_j) = ρ^|i−j| (Box & Jenkins)
        assert moving_sum_variance(np.array(rho), window) == pytest.approx(covariances.sum())


def test_residual_autocorrelation_is_the_sample_one_and_blind_to_the_latest_steps() -> None:
    noise = ar1_noise(400, 120, 0.5, seed=1)
    rho = residual_autocorrelation(noise, width=56, lag=4, needed=14)
    window = noise[:, 100 - 4 + 1 - 56 : 100 - 4 + 1]  # the 56 steps before t − lag + 1
    centred = window - window.mean(axis=1, keepdims=True)
    sample = (centred[:, 1:] * centred[:, :-1]).sum(axis=1) / (centred**2).sum(axis=1)
    np.testing.assert_allclose(rho[:, 100], np.clip(sample, 0, 0.95), atol=1e-12)
    assert np.mean(rho[:, 100]) == pytest.approx(0.5, abs=0.06)
    spiked = noise.copy()
    spiked[:, 97:101] += 10.0  # a run in the last `lag` steps does not widen its own yardstick
    np.testing.assert_array_equal(residual_autocorrelation(spiked, 56, 4, 14)[:, 100], rho[:, 100])


def test_four_low_days_none_beyond_the_point_threshold_are_one_run_from_the_first() -> None:
    residuals = ar1_noise(200, 300, 0.0, seed=2)
    residuals[:, 250:254] = -2.8  # each day a point score of −2.8: no point alarm
    df = np.full(residuals.shape, 1e6)
    runs = [r for r in find_runs(residuals, df, "D", SETTINGS) if 248 <= r.end <= 256]
    assert len(runs) == 200 and len({r.series_row for r in runs}) == 200
    assert all(r.direction == "down" and 250 <= r.confirmed <= 253 for r in runs)
    # a neighbouring noise day that leans the same way by more than half the run's mean joins it
    starts, ends = np.array([r.start for r in runs]), np.array([r.end for r in runs])
    assert np.mean(np.abs(starts - 250) <= 1) >= 0.99 and np.mean(starts == 250) >= 0.9
    assert np.all((ends >= 253) & (ends <= 255)) and np.mean(ends == 253) >= 0.8


def test_a_lone_spike_is_not_a_run() -> None:
    residuals = ar1_noise(200, 300, 0.0, seed=3)
    residuals[:, 246:255] = 0.0
    residuals[:, 250] = 40.0  # winsorised at 3 SDs: the others must carry 4.0·√w − 3
    residuals[:, 251] = 2.0  # (3 + 2) / √2 = 3.5 < 4.0
    runs = find_runs(residuals, np.full(residuals.shape, 1e6), "D", SETTINGS)
    assert not [r for r in runs if r.start <= 250 <= r.end]
    residuals[:, 251] = 2.8  # (3 + 2.8) / √(2 + 2ρ) > 4.0 where ρ < 0.05: two high days
    runs = find_runs(residuals, np.full(residuals.shape, 1e6), "D", SETTINGS)
    assert len([r for r in runs if r.start <= 250 <= r.end]) >= 100


def test_a_short_dip_is_found_more_often_with_the_scan_than_by_points_alone() -> None:
    values = weekly_series(300, seed=12)
    values[:, 250:253] -= 4.5 * NOISE  # 3 days of ≈ −3 SD scores: points often miss some days
    detection = detect(make_panel(values))
    dip = slice(250, 254)
    by_points = detection.anomalous[:, dip].any(axis=1)
    at_dip = [r for r in detection.runs if 250 <= r.confirmed <= 253 and r.end >= 250]
    by_runs = np.zeros(len(values), dtype=bool)
    by_runs[[r.series_row for r in at_dip]] = True
    assert (by_points | by_runs).mean() >= by_points.mean() + 0.08  # measured 0.73 → 0.84
    assert by_runs[~by_points].mean() >= 0.3  # found with no day beyond 3.5 (measured 0.41)
    assert all(r.direction == "down" for r in at_dip)
    assert np.mean([abs(r.start - 250) <= 1 for r in at_dip]) >= 0.95


@pytest.mark.parametrize("rho", [0.0, 0.4])
def test_noise_raises_runs_within_the_budget_of_the_settings(rho: float) -> None:
    week = 100 * (1 + 0.2 * np.sin(2 * np.pi * np.arange(365) / 7))
    values = week + NOISE * ar1_noise(2000, 365, rho, seed=21)
    detection = detect(make_panel(values))
    rate = len(detection.runs) / np.isfinite(detection.score).sum()
    # measured 2.2e-5 (ρ = 0) and 6.7e-5 (ρ = 0.4) on 10,000 series: benchmarks/anomaly_bench.py
    assert rate < RUN_BUDGET, f"AR(1) ρ = {rho}: {rate:.1e} run alarms per series-day"


def test_hourly_data_is_not_scanned_and_run_longest_must_be_two_or_more() -> None:
    hourly = make_panel(weekly_series(3, n_steps=24 * 60, seed=31), frequency="h")
    assert detect(hourly).runs == ()
    with pytest.raises(ParamsError, match=r"run_longest = 1.*must be ≥ 2"):
        DetectorSettings(run_longest=1)
