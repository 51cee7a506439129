"""Upworthy: the sample-ratio failures sit in the period with documented randomisation problems."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from scipy.stats import chi2, chisquare

from analysis.abtest.portfolio import srm_by_week, srm_window, week_start

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
