"""The same ibis expressions give the same data-health aggregates on DuckDB and on PySpark."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from analysis import health
from analysis.params import DataSource
from analysis.schema import TABLES
from analysis.warehouse import open_warehouse

pytestmark = pytest.mark.spark

FIRST, LAST = date(2026, 10, 1), date(2026, 10, 31)


def _both(folder: Path, spark) -> tuple:
    duck = open_warehouse(DataSource(path=folder))
    sparked = open_warehouse(DataSource(path=folder, engine="pyspark"))
    return duck, sparked


def _close(left, right) -> None:
    assert type(left) is type(right)
    if isinstance(left, float):
        assert left == pytest.approx(right, rel=1e-9)
    elif isinstance(left, dict):
        assert left.keys() == right.keys()
        for key in left:
            _close(left[key], right[key])
    else:
        assert left == right


def test_table_profiles_match(demo_dir: Path, spark) -> None:
    duck, sparked = _both(demo_dir, spark)
    names = list(TABLES)
    for left, right in zip(
        health.profile_tables(duck, names), health.profile_tables(sparked, names), strict=True
    ):
        _close(dataclasses.asdict(left), dataclasses.asdict(right))
        assert left.rows > 0


def test_month_kpis_match(demo_dir: Path, spark) -> None:
    duck, sparked = _both(demo_dir, spark)
    for left, right in zip(
        health.month_kpis(duck, "2026-10"), health.month_kpis(sparked, "2026-10"), strict=True
    ):
        _close(dataclasses.asdict(left), dataclasses.asdict(right))


@pytest.mark.parametrize("query", ["daily_orders_by_channel", "daily_spend_by_channel"])
def test_daily_series_match(demo_dir: Path, spark, query: str) -> None:
    duck, sparked = _both(demo_dir, spark)
    left = getattr(health, query)(duck, FIRST, LAST)
    right = getattr(health, query)(sparked, FIRST, LAST)
    assert len(left) >= 31
    pd.testing.assert_frame_equal(left, right, check_dtype=False, rtol=1e-9)


def test_erasures_honoured_on_spark(demo_dir: Path, spark) -> None:
    _, sparked = _both(demo_dir, spark)
    erased = set(pd.read_parquet(demo_dir / "erasures.parquet")["customer_id"])
    seen = set(sparked.table("orders").select("customer_id").distinct().to_pandas()["customer_id"])
    assert erased and not erased & seen
