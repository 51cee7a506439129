"""The marketing-mix model on the data teams export: weekly rows, missing days, any currency unit.

Worlds as in test_attribution_mmm (the demo's planted media plan on a trend + weekday baseline,
known ROI per channel), then summed into weeks, thinned to leave days out, or rescaled. The
truth is the planted ROI; the bounds were measured on seeds 7–16 (2026-12-08) and leave room
for a worse model to fail: read as daily rows with zeros between, weekly data gave ROI errors of
up to 210% (百度SEM 7.4 for a planted 2.4), and missing days read as zero revenue gave a mean
error of 58% against 17% when they are left out.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from aggregates import aggregates_report, write_aggregates
from scipy.stats import spearmanr
from test_attribution_mmm import PUSH, world

from analysis.attribution.mmm import MmmSettings, fit_mmm
from analysis.attribution.mmm_series import infer_step, step_series
from analysis.demo.world import PLANTED_ROI
from analysis.errors import InputError

SEEDS = tuple(range(7, 17))


def weekly(spend: pd.DataFrame, revenue: pd.Series) -> tuple[pd.DataFrame, pd.Series]:
    """Whole weeks from the first day: each week's totals, dated by its first day."""
    first, weeks = revenue.index[0], len(revenue) // 7
    week_of = (revenue.index - first).days // 7
    totals = revenue.groupby(week_of).sum().iloc[:weeks]
    totals.index = first + pd.to_timedelta(totals.index * 7, "D")
    spend_week = (pd.to_datetime(spend["date"]) - first).dt.days // 7
    rows = spend.groupby([spend_week.rename("week"), "channel"])["spend"].sum().reset_index()
    rows = rows[rows["week"] < weeks]
    return (
        rows.assign(date=first + pd.to_timedelta(rows.pop("week") * 7, "D")),
        totals,
    )


def _errors(fit) -> list[float]:
    return [abs(c.roi - PLANTED_ROI[c.channel]) / PLANTED_ROI[c.channel] for c in fit.channels]


@pytest.fixture(scope="module")
def weekly_fits() -> dict:
    return {
        seed: fit_mmm(*weekly(*world(seed)), settings=MmmSettings(events=PUSH)) for seed in SEEDS
    }


def test_weekly_rows_are_read_as_weeks_and_recover_the_planted_roi(weekly_fits) -> None:
    """Measured: 51 of 60 planted ROIs inside the 90% interval, mean Spearman 0.74, mean
    error 33% (the daily fit of the same worlds: 15%): a week's sums hide the few-day bursts."""
    covered = ranks = 0.0
    errors: list[float] = []
    for fit in weekly_fits.values():
        assert fit.step == 7 and fit.days == 364 and fit.gaps == 0
        planted = [PLANTED_ROI[c.channel] for c in fit.channels]
        covered += sum(
            c.roi_interval[0] <= t <= c.roi_interval[1]
            for c, t in zip(fit.channels, planted, strict=True)
        )
        ranks += spearmanr(planted, [c.roi for c in fit.channels])[0] / len(SEEDS)
        errors += _errors(fit)
    assert covered >= 48
    assert ranks >= 0.65
    assert np.mean(errors) < 0.4


def test_a_weekly_fit_reads_its_curves_a_day(weekly_fits) -> None:
    """Curves, current spend and marginal ROI are per day at either step: the current daily
    spend of a weekly fit is the daily fit's over the same last weeks."""
    spend, revenue = world(7)
    daily = fit_mmm(spend, revenue, current_days=28, settings=MmmSettings(events=PUSH))
    weekly_fit = fit_mmm(
        *weekly(spend, revenue), current_days=28, settings=MmmSettings(events=PUSH)
    )
    for a, b in zip(daily.channels, weekly_fit.channels, strict=True):
        # the weekly series ends a day earlier (364 of 365 days): the windows differ by a day
        assert b.current_daily_spend == pytest.approx(a.current_daily_spend, rel=0.1)
        assert b.spend == pytest.approx(a.spend, rel=0.01)


def test_days_without_revenue_are_gaps_not_zeros() -> None:
    errors_full, errors_gaps = [], []
    for seed in SEEDS:
        spend, revenue = world(seed)
        keep = np.random.default_rng(seed).random(len(revenue)) > 0.15
        keep[[0, -1]] = True
        gapped = fit_mmm(spend, revenue[keep], settings=MmmSettings(events=PUSH))
        assert gapped.gaps == int((~keep).sum()) and gapped.days == len(revenue)
        errors_gaps += _errors(gapped)
        errors_full += _errors(fit_mmm(spend, revenue, settings=MmmSettings(events=PUSH)))
    # measured: 16.6% with 15% of days missing, 15.3% with none, 58% reading them as zero
    assert np.mean(errors_gaps) < np.mean(errors_full) + 0.05


@pytest.mark.parametrize("unit", [0.01, 100.0])
def test_roi_and_intervals_do_not_depend_on_the_currency_unit_or_channel_order(unit) -> None:
    spend, revenue = world(8)
    fit = fit_mmm(spend, revenue, settings=MmmSettings(events=PUSH))
    shuffled = spend.sample(frac=1.0, random_state=1).assign(spend=lambda f: f["spend"] * unit)
    other = fit_mmm(shuffled, revenue * unit, settings=MmmSettings(events=PUSH))
    for a in fit.channels:
        b = other.channel(a.channel)
        assert b.roi == pytest.approx(a.roi, rel=1e-9)
        assert b.roi_interval == pytest.approx(a.roi_interval, rel=1e-9)
        assert b.marginal_roi == pytest.approx(a.marginal_roi, rel=1e-9)
        assert b.incremental_revenue == pytest.approx(a.incremental_revenue * unit, rel=1e-9)


def test_too_few_weekly_rows_cannot_be_estimated_and_say_why() -> None:
    spend, revenue = weekly(*world(7))
    short = revenue.iloc[:16]  # 16 weeks: 3 baseline terms + 6 channels + 10 to spare > 16
    fit = fit_mmm(spend[spend["date"] <= short.index[-1]], short, settings=MmmSettings(events=PUSH))
    assert {c.code for c in fit.channels} == {"cannot_estimate"}
    assert {c.reason for c in fit.channels} == {"too_few_rows"}
    assert fit.curves == {}


def test_the_step_is_read_from_the_dates() -> None:
    days = pd.date_range("2026-01-01", periods=120, freq="D")
    assert infer_step(days.delete([5, 6, 40]), "revenue") == 1
    assert infer_step(pd.date_range("2026-01-05", periods=30, freq="7D").delete(4), "revenue") == 7
    with pytest.raises(
        InputError, match=r"revenue: rows are neither daily nor weekly .*median gap 3"
    ):
        infer_step(pd.date_range("2026-01-01", periods=40, freq="3D"), "revenue")
    with pytest.raises(InputError, match="neither daily nor weekly"):
        infer_step(pd.date_range("2026-01-01", periods=12, freq="MS"), "revenue")


def test_daily_revenue_with_weekly_spend_is_fitted_in_weeks() -> None:
    spend, revenue = world(9)
    weekly_spend, _ = weekly(spend, revenue)
    series = step_series(weekly_spend, revenue)
    assert series.step == 7 and len(series.dates) == 53
    # a week's revenue a day is the mean of its days
    assert series.revenue[0] == pytest.approx(revenue.iloc[:7].mean())
    assert series.spend.iloc[0].sum() * 7 == pytest.approx(
        spend[pd.to_datetime(spend["date"]) < revenue.index[7]]["spend"].sum()
    )


def test_weekly_csv_files_run_the_aggregates_report(tmp_path: Path) -> None:
    """The aggregates params shape pointed at weekly files: fitted in weeks, said so."""
    results, _ = aggregates_report(tmp_path, write_aggregates(tmp_path, *weekly(*world(9))))
    assert results.mmm.step == 7 and results.mmm.gaps == 0
    assert "weekly rows" in " ".join(results.methods.values())
    planted = {c.channel: PLANTED_ROI[c.channel] for c in results.channels}
    inside = sum(
        c.incremental_roi_interval[0] <= planted[c.channel] <= c.incremental_roi_interval[1]
        for c in results.channels
    )
    assert inside >= 5  # measured 5 of 6; read as days with zeros between, far fewer


def test_the_shipped_weekly_wide_example_runs_in_weeks() -> None:
    """params/examples/aggregates_weekly_wide.yaml: the daily example summed into 52 weeks,
    one column a channel. Measured: 4 of 6 planted statuses (抖音 reads keep for a planted
    watch, 邮件 keep for expand), both flagged not yet certain; the extremes hold."""
    from analysis.attribution import report
    from analysis.params import load_report_params
    from analysis.warehouse import open_warehouse

    params = load_report_params(Path("params/examples/aggregates_weekly_wide.yaml"))
    results, _ = report.run(open_warehouse(params.data), params)
    assert results.mmm.step == 7 and results.mmm.days == 364
    statuses = {c.channel: c.status for c in results.channels}
    assert statuses["小红书"] == "expand" and statuses["知乎"] == "inefficient"


def test_monthly_rows_are_refused_naming_the_users_file(tmp_path: Path) -> None:
    spend, revenue = world(7)
    monthly = revenue.resample("MS").sum()
    tables = write_aggregates(tmp_path, spend, monthly)
    with pytest.raises(
        InputError,
        match=r"table daily_revenue \(.*revenue\.csv\): revenue: rows are neither daily nor weekly",
    ):
        aggregates_report(tmp_path, tables)
