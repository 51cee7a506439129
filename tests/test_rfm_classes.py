"""The handbook classes equal a direct pandas computation of the same rules, to the customer."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from analysis.params import DataSource
from analysis.rfm import classes, queries
from analysis.warehouse import open_warehouse

AS_OF = date(2026, 10, 31)


def _direct_classes(demo_dir: Path, rules: classes.ClassRules) -> pd.Series:
    """The rules applied straight to the raw files with pandas (no engine, no package code)."""
    orders = pd.read_parquet(demo_dir / "orders.parquet")
    erased = set(pd.read_parquet(demo_dir / "erasures.parquet")["customer_id"])
    day = orders["order_ts"].dt.normalize()
    window = (day > pd.Timestamp(AS_OF) - pd.Timedelta(days=365)) & (day <= pd.Timestamp(AS_OF))
    kept = orders[window & (orders["revenue"] >= 0) & ~orders["customer_id"].isin(erased)]
    per = (
        kept.assign(day=day[kept.index])
        .groupby("customer_id")
        .agg(
            last=("day", "max"),
            first=("day", "min"),
            orders=("order_id", "size"),
            spend=("revenue", "sum"),
        )
    )
    recency = (pd.Timestamp(AS_OF) - per["last"]).dt.days
    months = ((pd.Timestamp(AS_OF) - per["first"]).dt.days / 30.4375).clip(lower=1.0)
    per_month_orders, per_month_spend = per["orders"] / months, per["spend"] / months
    result = pd.Series("active", index=per.index)
    potential = (per_month_orders >= rules.potential_orders_per_month) & (
        per_month_spend >= rules.potential_spend_per_month
    )
    tenure = (pd.Timestamp(AS_OF) - per["first"]).dt.days
    high = (
        (per_month_orders >= rules.high_value_orders_per_month)
        & (per_month_spend >= rules.high_value_spend_per_month)
        & (tenure >= rules.high_value_min_tenure_days)
    )
    result[potential] = "potential"
    result[high] = "high_value"
    result[recency > rules.churn_after_days] = "churned"
    return result


def test_class_of_every_customer_matches_a_direct_computation(demo_dir: Path) -> None:
    rules = classes.ClassRules()
    rfm = queries.rfm_table(open_warehouse(DataSource(path=demo_dir)), AS_OF, 365)
    ours = classes.customer_classes(rfm.set_index("customer_id"), rules)
    direct = _direct_classes(demo_dir, rules)
    assert set(ours.unique()) == set(classes.CLASSES)  # the demo has all four
    pd.testing.assert_series_equal(ours.sort_index(), direct.sort_index(), check_names=False)


def test_migration_counts_moves_down_between_classes() -> None:
    before = pd.Series({"a": "high_value", "b": "potential", "c": "active", "d": "churned"})
    after = pd.Series({"a": "potential", "b": "potential", "c": "churned", "e": "active"})
    table = classes.migration(before, after)
    assert table.loc["high_value", "potential"] == 1 and table.to_numpy().sum() == 5
    assert table.loc["churned", classes.NOT_BUYING] == 1
    assert table.loc[classes.NOT_BUYING, "active"] == 1
    assert classes.moved_down(table) == 2  # a: high → potential; c: active → churned
    shares = classes.migration_shares(table)
    assert shares.loc["high_value", "potential"] == 1.0 and shares.loc["churned"].sum() == 1.0


def test_a_one_day_burst_is_not_high_value_until_the_minimum_tenure() -> None:
    """Three invoices on one day, ¥1,500: 3 orders "a month" over one counted month."""
    rfm = pd.DataFrame(
        {
            "recency_days": [0, 40],
            "tenure_days": [0, 40],
            "frequency": [3, 6],
            "monetary_total": [1500.0, 3000.0],
        },
        index=["burst", "steady"],
    )
    rules = classes.ClassRules()
    assert rules.high_value_min_tenure_days == 30
    assert list(classes.customer_classes(rfm, rules)) == ["potential", "high_value"]
    no_minimum = rules.model_copy(update={"high_value_min_tenure_days": 0})
    assert list(classes.customer_classes(rfm, no_minimum)) == ["high_value", "high_value"]
