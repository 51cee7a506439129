"""The anchor benchmark's own arithmetic: weekly sums handed to Meridian, and the scores."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _module(name: str):
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(BENCHMARKS))
    try:
        sys.modules[name] = module
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCHMARKS))
    return module


def test_weekly_sums_whole_weeks_and_drops_the_last_part_week() -> None:
    weekly = _module("anchor_meridian").weekly
    days = pd.date_range("2026-01-05", periods=17, freq="D")  # two whole weeks and 3 days
    daily = pd.DataFrame({"date": days, "revenue": np.arange(17.0), "spend_c00": 1.0})
    summed = weekly(daily)
    assert summed["revenue"].tolist() == [sum(range(7)), sum(range(7, 14))]
    assert summed["spend_c00"].tolist() == [7.0, 7.0]
    assert summed["time"].tolist() == ["2026-01-05", "2026-01-12"]


def test_scores_match_a_hand_computation() -> None:
    scores = _module("mmm_anchor").scores
    truth = {"a": 1.0, "b": 2.0, "c": 4.0}
    estimate = {"a": 2.0, "b": 1.0, "c": 5.0}
    interval = {"a": (0.5, 1.5), "b": (0.5, 1.5), "c": (3.0, 6.0)}
    result = scores(estimate, interval, truth)
    assert result["mape"] == pytest.approx((1.0 + 0.5 + 0.25) / 3)
    assert result["spearman"] == pytest.approx(0.5)  # ranks (2, 1, 3) against (1, 2, 3)
    assert result["covered"] == "2/3"
    assert result["constant_mape"] == pytest.approx((4 / 3 + 1 / 6 + 5 / 12) / 3)  # mean 7/3


def test_export_writes_spend_columns_in_channel_order_and_the_event_share(tmp_path) -> None:
    export = _module("mmm_anchor").export
    days = pd.date_range("2025-11-01", periods=3, freq="D")
    spend = pd.DataFrame(
        {"date": list(days) * 2, "channel": ["知乎"] * 3 + ["抖音"] * 3, "spend": range(6)}
    )
    world = (spend, pd.Series([10.0, 20.0, 30.0], days), {}, ((days[1].date(), days[2].date()),))
    names = export(world, tmp_path / "w.csv")
    written = pd.read_csv(tmp_path / "w.csv")
    assert names == ["抖音", "知乎"]
    assert written["spend_c00"].tolist() == [3.0, 4.0, 5.0]
    assert written["spend_c01"].tolist() == [0.0, 1.0, 2.0]
    assert written["event"].tolist() == [0.0, 1.0, 1.0]
