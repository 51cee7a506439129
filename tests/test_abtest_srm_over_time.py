"""Upworthy: the sample-ratio failures sit in the period with documented randomisation problems."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from scipy.stats import chi2, chisquare

from analysis.abtest.portfolio import Portfolio, srm_by_week, srm_window, week_start
from analysis.reporting.record import read_results
from analysis.reporting.results import to_jsonable

ARMS = Path(__file__).resolve().parents[1] / "data/external/upworthy/experiment_arms.parquet"


def test_week_start_counts_weeks_as_strftime_w():
    assert week_start(201325) == date(2013, 6, 24)  # 2013's first Monday is 7 January
    assert week_start(201401) == date(2014, 1, 6)
    assert week_start(201400) == date(2013, 12, 30)  # week 00: days before the first Monday


def test_upworthy_failures_inside_the_documented_period_are_over_20_times_those_outside():
    """Upworthy documented randomisation problems from mid-2013 to early 2014; scipy's
    chi-square against equal shares, independently of the report's own SRM code."""
    arms = pd.read_parquet(ARMS, columns=["experiment_id", "units", "test_week"])
    tests = arms.groupby("experiment_id")
    expected = tests["units"].transform("mean")
    statistic = ((arms["units"] - expected) ** 2 / expected).groupby(arms["experiment_id"]).sum()
    p_values = chi2.sf(statistic, tests.size() - 1)
    failed = dict(zip(statistic.index, p_values < 0.001, strict=True))
    weeks = tests["test_week"].min().to_dict()
    first = arms[arms["experiment_id"] == statistic.index[0]]["units"]
    assert p_values[0] == pytest.approx(chisquare(first).pvalue, rel=1e-12)
    assert len(failed) == 4873 and sum(failed.values()) == 753
    by_week = srm_by_week(failed, weeks)
    assert sum(w.tests for w in by_week) == 4873
    window = srm_window(by_week, date(2013, 6, 25), date(2014, 1, 10))
    assert window.rate_inside > 0.5
    assert window.rate_inside >= 20 * window.rate_outside
    assert window.tests_inside + window.tests_outside == 4873


def test_the_portfolio_record_reads_back_with_its_weeks_as_dates():
    """The SRM weeks and window (dates) and the tallies survive publish → read_results."""
    weeks = srm_by_week(
        {"a": True, "b": False, "c": False}, {"a": 201325, "b": 201326, "c": 201401}
    )
    portfolio = Portfolio(
        alpha=0.05,
        experiments=3,
        comparisons=3,
        significant_raw_share=1 / 3,
        significant_adjusted_share=0.0,
        decisions={"invalid": 1, "keep_control": 2},
        lift_rel_quantiles={"p50": 0.01},
        declared_winners=0,
        agreement_share=None,
        srm_alpha=0.001,
        srm_by_week=weeks,
        srm_window=srm_window(weeks, date(2013, 6, 20), date(2013, 7, 1)),
    )
    payload = to_jsonable(portfolio)
    assert payload["srm_by_week"][0]["week"] == "2013-06-24"
    back = read_results(Portfolio, payload)
    assert back == portfolio and back.srm_window.rate_inside == 0.5  # 2013-06-24, 07-01
