"""The marketing-mix model against planted truth.

The world: the demo's planted media plan (spend with flights, bursts, a pause, the 双11 push;
each channel's revenue from its planted adstock + saturation curve, `analysis.demo.media`)
on a baseline of trend + weekday + Gaussian noise, so a fit takes well under a second.
Noise sd 7,500 yuan a day is half the day-to-day noise of the demo warehouse at scale 1
(15,400 measured after removing the planted effects): the scale where the planted answer can
be read; the README gives the demo-scale figures. Ten seeds (7–16) are fitted, none chosen:
the rank bound holds at each seed, coverage and status are pooled over the 60 channel fits
(measured 2026-12-07: Spearman 0.89–1.0, 59 of 60 planted ROIs inside the 90% interval,
51 before the interval was integrated over each channel's curve grid; 52 of 60 statuses), so
one unlucky world does not decide and a worse model still fails.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from aggregates import aggregates_report, write_aggregates
from record_roundtrip import assert_round_trips
from scipy.stats import spearmanr

from analysis.attribution.budget import propose_budget
from analysis.attribution.mmm import MmmSettings, budget_effect, fit_mmm
from analysis.demo.media import PAID, media_plan
from analysis.demo.world import PLANTED_ROI, ROI_THRESHOLDS, roi_status

PUSH = ((dt.date(2025, 11, 1), dt.date(2025, 11, 11)),)
NOISE = 7500.0


def world(seed: int, noise: float = NOISE) -> tuple[pd.DataFrame, pd.Series]:
    plan = media_plan(seed)
    rng = np.random.default_rng(seed)
    days = pd.date_range("2025-11-01", periods=plan.spend.shape[1], freq="D")
    t = np.arange(len(days))
    base = 310_000 + 60.0 * t + 8_000 * (days.day_of_week >= 5)
    revenue = pd.Series(base + plan.added.sum(axis=0) + rng.normal(0, noise, len(days)), days)
    spend = pd.DataFrame(
        [
            (day, name, plan.spend[i, j])
            for i, name in enumerate(PAID)
            for j, day in enumerate(days)
        ],
        columns=["date", "channel", "spend"],
    )
    return spend, revenue


SEEDS = tuple(range(7, 17))


@pytest.fixture(scope="module")
def fits() -> dict:
    fitted = {}
    for seed in SEEDS:
        spend, revenue = world(seed)
        fitted[seed] = fit_mmm(spend, revenue, settings=MmmSettings(events=PUSH))
    return fitted


def _estimates(fit) -> dict:
    return {c.channel: c for c in fit.channels}


def test_incremental_roi_ranks_the_planted_roi_at_every_seed(fits) -> None:
    planted = [PLANTED_ROI[name] for name in PAID]
    for seed, fit in fits.items():
        estimated = _estimates(fit)
        rho = spearmanr([estimated[name].roi for name in PAID], planted)[0]
        assert rho >= 0.8, seed


def test_the_90_percent_interval_covers_the_planted_roi_pooled_over_seeds(fits) -> None:
    inside = [
        _estimates(fit)[n].roi_interval[0] <= PLANTED_ROI[n] <= _estimates(fit)[n].roi_interval[1]
        for fit in fits.values()
        for n in PAID
    ]
    assert sum(inside) >= 0.8 * len(inside)  # a 90% interval; 80% leaves room for 60 draws


def test_the_marginal_roi_interval_covers_the_planted_slope_pooled_over_seeds(fits) -> None:
    """The planted marginal ROI at the fit's current daily spend (the last 30 days' mean),
    β·K/(s + K)² of the planted curve. Measured: 50 of 60 inside; 42 when the interval was
    conditional on the chosen decay and half-saturation (β's spread alone)."""
    inside = []
    for seed, fit in fits.items():
        plan = media_plan(seed)
        for i, name in enumerate(PAID):
            row = _estimates(fit)[name]
            half = plan.half_saturation[i]
            planted = plan.beta[i] * half / (row.current_daily_spend + half) ** 2
            inside.append(row.marginal_roi_interval[0] <= planted <= row.marginal_roi_interval[1])
    assert sum(inside) >= 0.78 * len(inside)


def test_status_matches_the_planted_status_pooled_over_seeds(fits) -> None:
    matches = [
        roi_status(_estimates(fit)[n].roi) == roi_status(PLANTED_ROI[n])
        for fit in fits.values()
        for n in PAID
    ]
    assert sum(matches) >= 0.8 * len(matches)


def test_every_status_miss_has_an_interval_across_a_line(fits) -> None:
    """Where the fitted status differs from the planted one, the ROI interval crosses one of
    the handbook's lines, so the report says "not yet certain" rather than being sure and
    wrong (8 misses of 60, all flagged; with intervals conditional on the chosen curve,
    2 were not: 抖音 at 2.57 [2.30, 2.86] and 2.30 [2.06, 2.52] for a planted 1.6)."""
    unflagged = [
        (seed, n)
        for seed, fit in fits.items()
        for n in PAID
        if roi_status(_estimates(fit)[n].roi) != roi_status(PLANTED_ROI[n])
        and not any(
            _estimates(fit)[n].roi_interval[0] < line < _estimates(fit)[n].roi_interval[1]
            for line in ROI_THRESHOLDS.values()
        )
    ]
    assert unflagged == []


@pytest.fixture(scope="module", params=SEEDS)
def fitted(request, fits):
    return request.param, fits[request.param]


def test_proposed_budget_earns_at_least_the_current_plan_on_the_planted_curves(fitted) -> None:
    seed, fit = fitted
    plan = media_plan(seed)
    current = {name: float(plan.spend[i, -31:].sum()) for i, name in enumerate(PAID)}
    proposal = propose_budget(
        spend=current,
        roi={c.channel: max(c.roi, 0.0) for c in fit.channels},
        curves=fit.curves,
        test_share=0.0,
        days_in_month=31.0,
    )
    proposed = {line.channel: line.proposed for line in proposal.lines if line.status != "test"}

    def planted_revenue(monthly: dict[str, float]) -> float:
        daily = {n: monthly[n] / 31 for n in PAID}
        return sum(
            31 * plan.beta[i] * daily[n] / (daily[n] + plan.half_saturation[i])
            for i, n in enumerate(PAID)
        )

    assert planted_revenue(proposed) >= planted_revenue(current) - 1.0
    effect = budget_effect(fit.curves, current, proposed, 31.0)
    assert effect.difference_interval[0] <= effect.difference <= effect.difference_interval[1]


def test_a_lift_test_pulls_its_channel_and_narrows_its_interval() -> None:
    spend, revenue = world(7, noise=15_000.0)
    plan = media_plan(7)
    row = PAID.index("抖音")
    start, end = 150, 177
    true = float(plan.added[row, start : end + 1].sum())
    tests = pd.DataFrame(
        {
            "channel": ["抖音"],
            "start": [revenue.index[start].date()],
            "end": [revenue.index[end].date()],
            "incremental_revenue": [true],
            "std_error": [0.05 * true],
        }
    )
    plain = fit_mmm(spend, revenue, settings=MmmSettings(events=PUSH)).channel("抖音")
    calibrated = fit_mmm(
        spend, revenue, lift_tests=tests, settings=MmmSettings(events=PUSH)
    ).channel("抖音")
    assert calibrated.calibrated and not plain.calibrated
    width = calibrated.roi_interval[1] - calibrated.roi_interval[0]
    assert width < 0.7 * (plain.roi_interval[1] - plain.roi_interval[0])
    assert abs(calibrated.roi - PLANTED_ROI["抖音"]) < abs(plain.roi - PLANTED_ROI["抖音"]) + 0.05


def test_constant_or_short_spend_cannot_be_estimated() -> None:
    spend, revenue = world(7)
    days = revenue.index
    extra = pd.DataFrame({"date": days, "channel": "恒定", "spend": 1000.0})  # never varies
    short = pd.DataFrame(
        {"date": days[-30:], "channel": "新渠道", "spend": np.linspace(100, 900, 30)}
    )
    fit = fit_mmm(pd.concat([spend, extra, short]), revenue, settings=MmmSettings(events=PUSH))
    assert fit.channel("恒定").code == "cannot_estimate"
    assert fit.channel("恒定").reason == "constant_spend" and fit.channel("恒定").roi is None
    assert fit.channel("新渠道").reason == "short_history"
    assert fit.channel("小红书").code == "estimated"


def test_demo_truth_records_the_response_curves(demo_dir: Path) -> None:
    truth = json.loads((demo_dir / "truth.json").read_text())
    for name in PAID:
        channel = truth["channels"][name]
        assert channel["true_roi"] == pytest.approx(PLANTED_ROI[name], abs=0.01)
        assert channel["response"]["marginal_roi"] < channel["true_roi"]  # diminishing returns
        assert set(channel["response"]["curve"]) >= {"decay", "half_saturation", "beta"}
    assert truth["lift_tests"][0]["channel"] == "抖音"


def test_aggregates_only_runs_incremental_roi_and_the_budget(tmp_path: Path) -> None:
    """Two files, (date, channel, spend) and (date, revenue), are enough; the path models say
    they need journeys. The shipped example's params shape, pointed at other files."""
    results, params = aggregates_report(tmp_path, write_aggregates(tmp_path, *world(9)))
    assert params.tables_needed == ("channel_spend", "daily_revenue")
    assert results.models == [] and results.roi_basis == "incremental"
    assert "journeys" in results.findings[0]
    statuses = {c.channel: c.status for c in results.channels}
    assert statuses["小红书"] == "expand" and statuses["知乎"] == "inefficient"
    assert {b.channel for b in results.budget} >= set(PAID)
    assert results.budget_effect.difference >= 0
    assert assert_round_trips(results)["paths"] is None  # no journeys: no paths, no LTV


def test_the_shipped_aggregates_example_recovers_the_demo_extremes() -> None:
    from analysis.attribution import report
    from analysis.params import load_report_params
    from analysis.warehouse import open_warehouse

    params = load_report_params(Path("params/examples/aggregates.yaml"))
    results, _ = report.run(open_warehouse(params.data), params)
    statuses = {c.channel: c.status for c in results.channels}
    assert statuses["小红书"] == "expand" and statuses["知乎"] == "inefficient"
    assert results.paths is None and results.mmm.fitted


def test_rank_agreement_on_a_pysimmmulator_world() -> None:
    """A world generated by pysimmmulator (data/external/pysimmmulator): ranks agree; the
    level does not (its spend follows its baseline trend, which our trend term does not
    separate: ROI is over-estimated about 2×). Bounds: Spearman ≥ 0.8, error ≤ 150% (measured
    1.00 and 107%; a constant guess errs 33%)."""
    folder = Path("data/external/pysimmmulator")
    data = pd.read_csv(folder / "world.csv", parse_dates=["date"])
    truth = json.loads((folder / "truth.json").read_text())["roi"]
    spend = pd.concat(
        pd.DataFrame({"date": data["date"], "channel": name, "spend": data[f"{name}_spend"]})
        for name in truth
    )
    revenue = pd.Series(data["total_revenue"].to_numpy(float), data["date"])
    fit = fit_mmm(spend, revenue, settings=MmmSettings(seed=20261031))
    true = np.array([truth[n] for n in truth])
    guess = np.array([fit.channel(n).roi for n in truth])
    assert spearmanr(guess, true)[0] >= 0.8
    assert np.mean(np.abs(guess - true) / true) <= 1.5
