"""Data-health KPIs and sentences, checked against hand-computed numbers on the tiny warehouse."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis import health
from analysis.params import DataSource
from analysis.warehouse import open_warehouse


def test_month_kpis_match_hand_computation(tiny_dir: Path) -> None:
    kpis = {
        k.kpi: k for k in health.month_kpis(open_warehouse(DataSource(path=tiny_dir)), "2026-10")
    }
    # October after erasing C3: O1 120.0 + O2 80.5 (C1), O3 300.0 (C2); spend rows of Oct 1-2
    assert kpis["revenue"].this_month == pytest.approx(500.5)
    assert kpis["orders"].this_month == 3
    assert kpis["aov"].this_month == pytest.approx(500.5 / 3)
    assert kpis["spend"].this_month == pytest.approx(240.0)
    assert kpis["ctr"].this_month == pytest.approx(90 / 3900)
    assert kpis["cpc"].this_month == pytest.approx(240 / 90)
    assert kpis["repurchase_rate"].this_month == pytest.approx(1 / 2)  # C1 bought twice of 2 buyers
    assert kpis["new_customers"].this_month == 0
    assert kpis["revenue"].last_month == 0.0 and kpis["revenue"].change is None  # C3 erased


def test_daily_sentence_names_leaders_and_busiest_day() -> None:
    orders = pd.DataFrame(
        {
            "date": pd.to_datetime(["2026-10-01", "2026-10-01", "2026-10-02"]),
            "channel": ["百度SEM", "小红书", "百度SEM"],
            "orders": [3, 1, 6],
            "revenue": [30.0, 10.0, 60.0],
        }
    )
    spend = pd.DataFrame({"date": orders["date"], "channel": ["小红书"] * 3, "spend": [1.0] * 3})
    assert health.daily_sentence(orders, spend, lang="en") == (
        "百度SEM was the recorded last touch of 90% of orders and 小红书 took 100% of spend; "
        "the busiest day was 2026-10-02 with 6 orders."
    )
    assert (
        health.leader_title(orders, "revenue", lang="en")
        == "百度SEM leads revenue with 90% of the month"
    )


def test_erasure_requests_matching_no_customer_are_counted_and_said(tmp_path) -> None:
    from tiny import tiny_tables, write_tiny

    from analysis.health.display import coverage_sentence

    tables = tiny_tables()
    tables["erasures"] = tables["erasures"].iloc[[0, 0]].assign(customer_id=["C3", "C404"])
    warehouse = open_warehouse(DataSource(path=write_tiny(tmp_path / "w", tables)))
    assert health.erased_count(warehouse) == 2
    assert health.unmatched_erasures(warehouse) == 1
    sentence = coverage_sentence([], 2, lang="en", unmatched=1)
    assert "honouring 2 erasure request(s)" in sentence
    assert "1 of these request(s) match no customer" in sentence
    assert "1 条请求在数据中找不到对应客户" in coverage_sentence([], 2, lang="zh", unmatched=1)
