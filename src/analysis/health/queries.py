"""Engine-side queries of the data-health report: daily series and month aggregates.

Each function builds an ibis expression and returns only a small aggregate as pandas.
"""

from __future__ import annotations

from datetime import date

import ibis.expr.types as ir
import pandas as pd

from analysis.engine import NO_CHANNEL, in_days
from analysis.warehouse import Warehouse


def daily_orders_by_channel(warehouse: Warehouse, first: date, last: date) -> pd.DataFrame:
    """Orders and revenue per day and recorded channel (date, channel, orders, revenue)."""
    orders = warehouse.table("orders")
    orders = orders.filter(in_days(orders.order_ts, first, last))
    daily = orders.group_by(
        date=orders.order_ts.cast("timestamp").date(),
        channel=orders.channel.fill_null(NO_CHANNEL),
    ).aggregate(orders=orders.count(), revenue=orders.revenue.sum())
    return _sorted(daily.to_pandas(), ["date", "channel"])


def daily_spend_by_channel(warehouse: Warehouse, first: date, last: date) -> pd.DataFrame:
    """Spend, impressions and clicks per day and channel."""
    spend = warehouse.table("spend")
    spend = spend.filter(in_days(spend.date, first, last))
    daily = spend.group_by(
        date=spend.date.cast("timestamp").date(), channel=spend.channel
    ).aggregate(
        spend=spend.spend.sum(),
        impressions=spend.impressions.sum(),
        clicks=spend.clicks.sum(),
    )
    return _sorted(daily.to_pandas(), ["date", "channel"])


def order_totals(warehouse: Warehouse, first: date, last: date) -> dict[str, float]:
    """Revenue, orders, buyers and repeat buyers (2+ orders) in the days."""
    orders = warehouse.table("orders")
    orders = orders.filter(in_days(orders.order_ts, first, last))
    per_buyer = orders.group_by("customer_id").aggregate(
        orders=orders.count(), revenue=orders.revenue.sum()
    )
    totals = per_buyer.aggregate(
        revenue=per_buyer.revenue.sum(),
        orders=per_buyer.orders.sum(),
        buyers=per_buyer.count(),
        repeat_buyers=(per_buyer.orders >= 2).cast("int64").sum(),
    )
    return _first_row(totals)


def spend_totals(warehouse: Warehouse, first: date, last: date) -> dict[str, float]:
    """Spend, impressions and clicks in the days."""
    spend = warehouse.table("spend")
    spend = spend.filter(in_days(spend.date, first, last))
    totals = spend.aggregate(
        spend=spend.spend.sum(),
        impressions=spend.impressions.sum(),
        clicks=spend.clicks.sum(),
    )
    return _first_row(totals)


def new_customers(warehouse: Warehouse, first: date, last: date) -> int:
    """Customers first seen in the days."""
    customers = warehouse.table("customers")
    count = customers.filter(in_days(customers.first_seen, first, last)).count()
    return int(count.to_pyarrow().as_py())


def _first_row(expr: ir.Table) -> dict[str, float]:
    row = expr.to_pandas().iloc[0]
    return {key: (0.0 if pd.isna(value) else float(value)) for key, value in row.items()}


def _sorted(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    frame["date"] = pd.to_datetime(frame["date"])
    return frame.sort_values(by, ignore_index=True)


def unmatched_erasures(warehouse: Warehouse) -> int:
    """Erasure requests whose id matches no customer in the data (0 without an erasures
    table): honoured trivially, and said so, never counted as customers removed."""
    counts = warehouse.erasure_counts()
    return 0 if counts is None else counts.unmatched


def erased_count(warehouse: Warehouse) -> int:
    """How many customers asked to be erased (0 without an erasures table)."""
    erased = warehouse.erased_customer_ids()
    return 0 if erased is None else int(erased.count().to_pyarrow().as_py())
