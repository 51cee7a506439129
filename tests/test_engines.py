"""The same ibis expressions give the same data-health aggregates on DuckDB and on PySpark."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from tiny import tiny_tables, write_tiny

from analysis import health
from analysis.contract import check_contract
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
        # the demo's known_drivers is empty on purpose: an empty table profiles alike too
        # (PySpark summed its nulls to NaN, DuckDB to None)
        assert left.rows > 0 or left.table == "known_drivers"


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


def _violations(folder: Path, engine: str) -> list[tuple]:
    warehouse = open_warehouse(DataSource(path=folder, engine=engine))
    report = check_contract(warehouse, list(TABLES), strict=False)
    return sorted(
        (v.table, v.column, v.rule, v.offending_rows, v.sample_keys) for v in report.violations
    )


def test_contract_checks_agree_on_a_broken_warehouse(tmp_path: Path, spark) -> None:
    tables = tiny_tables()
    tables["orders"].loc[1, "order_id"] = "O1"
    tables["spend"].loc[0, "clicks"] = 5000
    tables["experiment_units"].loc[0, "variant"] = "Z"
    tables["experiment_arms"].loc[1, "planned_share"] = 0.4
    folder = write_tiny(tmp_path / "broken", tables)
    duck = _violations(folder, "duckdb")
    assert len(duck) == 4
    assert _violations(folder, "pyspark") == duck


def test_an_empty_table_checks_clean_on_both_engines(tmp_path: Path, spark) -> None:
    """Sums over no rows come back None from DuckDB and NaN from PySpark; the contract's rule
    counts crashed on the NaN (the demo's empty known_drivers, in the parity batch)."""
    import pyarrow.parquet as pq

    from analysis.demo.writer import contract_schema

    folder = write_tiny(tmp_path / "empty")
    for name in ("known_drivers", "lift_tests"):  # typed like the demo writes them, no rows
        pq.write_table(contract_schema(name).empty_table(), folder / f"{name}.parquet")
    assert _violations(folder, "duckdb") == [] == _violations(folder, "pyspark")


def test_erasures_honoured_in_every_table_on_spark(tiny_dir: Path, spark) -> None:
    warehouse = open_warehouse(DataSource(path=tiny_dir, engine="pyspark"))
    erased = set(tiny_tables()["erasures"]["customer_id"])
    for name, spec in TABLES.items():
        if spec.customer_column and name != "erasures":
            seen = set(warehouse.table(name).to_pandas()[spec.customer_column])
            assert seen and not seen & erased, name
    assert "email" not in warehouse.table("customers").columns


def test_gb18030_csv_with_mapping_reads_the_same_on_both_engines(tmp_path: Path, spark) -> None:
    folder = tmp_path / "pos"
    folder.mkdir()
    pd.DataFrame(
        {
            "订单号": ["000123", "D002"],
            "会员号": ["C1", "C2"],
            "下单时间": ["2026-10-01 10:00:00", "2026-10-02 11:30:00"],
            "实付金额": ["199.5", "88"],
            "渠道": ["小红书", "企业微信社群"],
        }
    ).to_csv(folder / "订单.csv", index=False, encoding="gb18030", sep=";")
    columns = {
        "order_id": "订单号",
        "customer_id": "会员号",
        "order_ts": "下单时间",
        "revenue": "实付金额",
        "channel": "渠道",
    }
    frames = [
        open_warehouse(
            DataSource(
                path=folder,
                engine=engine,
                encoding="gb18030",
                delimiter=";",
                tables={"orders": "订单.csv"},
                columns={"orders": columns},
            )
        )
        .table("orders")
        .order_by("order_id")
        .to_pandas()
        for engine in ("duckdb", "pyspark")
    ]
    pd.testing.assert_frame_equal(frames[0], frames[1], check_dtype=False)
    assert frames[1]["order_id"].tolist() == ["000123", "D002"]
    assert frames[1]["channel"].tolist() == ["小红书", "企业微信社群"]


@pytest.mark.parametrize("query", ["unit_statistics", "daily_statistics"])
def test_abtest_sufficient_statistics_match(demo_dir: Path, spark, query: str) -> None:
    from analysis.abtest import queries

    duck, sparked = _both(demo_dir, spark)
    left = getattr(queries, query)(duck, FIRST, LAST)
    right = getattr(queries, query)(sparked, FIRST, LAST)
    assert len(left) >= 7 and left["units"].sum() > 10_000
    pd.testing.assert_frame_equal(left, right, check_dtype=False, rtol=1e-9)


def test_rfm_tables_match(demo_dir: Path, spark) -> None:
    from datetime import date as day

    from analysis.rfm import queries

    duck, sparked = _both(demo_dir, spark)
    for build in (
        lambda w: queries.rfm_table(w, day(2026, 10, 31), 365),
        lambda w: queries.clv_summary(w, day(2026, 10, 31)),
    ):
        left, right = build(duck), build(sparked)
        assert len(left) > 1000
        pd.testing.assert_frame_equal(left, right, check_dtype=False, rtol=1e-9)


def test_attribution_paths_match(demo_dir: Path, spark) -> None:
    from analysis.attribution import queries

    frames = []
    for warehouse in _both(demo_dir, spark):
        journeys = queries.journey_touches(warehouse, FIRST, LAST, lookback_days=30, collapse=True)
        frames.append(
            (queries.path_counts(journeys), queries.time_decay_credit(journeys, half_life_days=7.0))
        )
    (duck_paths, duck_decay), (spark_paths, spark_decay) = frames
    assert len(duck_paths) > 100
    pd.testing.assert_frame_equal(duck_paths, spark_paths, check_dtype=False)
    pd.testing.assert_frame_equal(duck_decay, spark_decay, check_dtype=False, rtol=1e-9)


def test_mmm_series_match(demo_dir: Path, spark) -> None:
    """The marketing-mix model's daily revenue and spend series are the same on both engines."""
    from analysis.attribution import queries

    revenue, spend = [], []
    for warehouse in _both(demo_dir, spark):
        revenue.append(queries.daily_revenue(warehouse, date(2025, 11, 1), LAST))
        spend.append(queries.daily_spend(warehouse, date(2025, 11, 1), LAST))
    assert len(revenue[0]) > 300
    pd.testing.assert_series_equal(revenue[0], revenue[1], check_dtype=False, rtol=1e-9)
    pd.testing.assert_frame_equal(spend[0], spend[1], check_dtype=False, rtol=1e-9)


@pytest.mark.parametrize("query", ["spend_steps", "visit_steps", "order_steps"])
def test_anomaly_series_match(demo_dir: Path, spark, query: str) -> None:
    from analysis.anomaly import queries

    levels = ["total", "channel", "campaign", "keyword"]
    step = () if query == "spend_steps" else ("D",)  # spend is dated: no frequency to choose
    duck, sparked = (
        getattr(queries, query)(w, FIRST, LAST, levels, *step) for w in _both(demo_dir, spark)
    )
    assert len(duck) > 0
    pd.testing.assert_frame_equal(duck, sparked, check_dtype=False, rtol=1e-9)


@pytest.mark.parametrize("engine", ["duckdb", "pyspark"])
def test_a_materialized_expression_reads_alike_and_is_dropped_after(
    tiny_dir: Path, spark, engine: str
) -> None:
    """Attribution evaluates the month's journeys once into a temporary table and reads it
    three times: the rows are the expression's, and the table is gone afterwards."""
    warehouse = open_warehouse(DataSource(path=tiny_dir, engine=engine))
    orders = warehouse.table("orders")
    expression = orders.filter(orders.revenue > 0).select("order_id", "revenue")
    expected = expression.to_pandas().sort_values("order_id", ignore_index=True)
    before = set(warehouse.backend.list_tables())
    with warehouse.materialized(expression) as table:
        first = table.to_pandas().sort_values("order_id", ignore_index=True)
        rows = int(table.count().to_pandas())
    pd.testing.assert_frame_equal(first, expected)
    assert rows == len(expected)
    assert set(warehouse.backend.list_tables()) == before
