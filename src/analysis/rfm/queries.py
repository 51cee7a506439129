"""Engine-side queries of the RFM report: one row per customer, built in the engine.

Two recencies live here and are never mixed in a label:
- `recency_days` (marketing RFM): days from the customer's last purchase to `as_of`;
- `recency` (the lifetimes/BG/NBD summary): the customer's age at the last purchase, i.e.
  periods from the first to the last purchase.

Rule for non-positive amounts: the contract refuses negative revenue; a zero-value order
(CDNOW has 80) is a purchase, a transaction that adds nothing to spend. This reproduces the
published CDNOW summary for every customer; the report states how many there were.
"""

from __future__ import annotations

from datetime import date, timedelta

import ibis
import ibis.expr.types as ir
import pandas as pd

from analysis.engine import in_days, money_sum
from analysis.warehouse import Warehouse

EARLIEST = date(1900, 1, 1)


def purchase_days(warehouse: Warehouse, end: date, since: date = EARLIEST) -> ir.Table:
    """One row per customer and purchase day in [since, end]: revenue summed, orders counted.

    Zero-value orders are purchases (see the module's rule).

    Purchases in the same day count once for the summary (as lifetimes does), amounts summed.
    """
    orders = warehouse.table("orders")
    orders = orders.filter(orders.revenue >= 0, in_days(orders.order_ts, since, end))
    day = orders.order_ts.cast("timestamp").date()
    return orders.group_by(customer_id=orders.customer_id, day=day).aggregate(
        revenue=money_sum(orders.revenue), orders=orders.count()
    )


def clv_summary(warehouse: Warehouse, end: date, *, period_days: float = 1.0) -> pd.DataFrame:
    """The lifetimes summary per customer: frequency, recency, T, monetary_value.

    frequency = purchase days − 1 (repeat periods); recency = last − first purchase day;
    T = `end` − first purchase day (both in periods of `period_days`); monetary_value = mean
    revenue of the repeat days (0 without repeats). Purchases after `end` are dropped.
    """
    days = purchase_days(warehouse, end)
    age = ibis.date(end.isoformat()).delta(days.day, unit="day")  # days before `end`
    per_customer = days.group_by("customer_id").aggregate(
        purchase_days=days.count(),
        first_age=age.max(),
        last_age=age.min(),
        total=money_sum(days.revenue),
        first_revenue=days.revenue.argmax(age),
    )
    frame = per_customer.order_by("customer_id").to_pandas()
    frequency = frame["purchase_days"] - 1
    return pd.DataFrame(
        {
            "customer_id": frame["customer_id"],
            "frequency": frequency,
            "recency": (frame["first_age"] - frame["last_age"]) / period_days,
            "T": frame["first_age"] / period_days,
            "monetary_value": (
                (frame["total"] - frame["first_revenue"]) / frequency.where(frequency > 0)
            ).fillna(0.0),
        }
    )


def rfm_table(warehouse: Warehouse, as_of: date, lookback_days: int) -> pd.DataFrame:
    """Marketing RFM per customer who bought in the lookback window ending at `as_of`.

    recency_days = days from the last purchase to as_of; tenure_days = days from the first
    purchase in the window to as_of; frequency = orders in the window; monetary_total and
    monetary_mean = their revenue, in total and per order.
    """
    since = as_of - timedelta(days=lookback_days - 1)
    orders = warehouse.table("orders")
    orders = orders.filter(orders.revenue >= 0, in_days(orders.order_ts, since, as_of))
    as_of_date = ibis.date(as_of.isoformat())
    # one pass over the orders: no per-day grouping is needed for these four numbers
    per_customer = orders.group_by("customer_id").aggregate(
        recency_days=as_of_date.delta(orders.order_ts.max().cast("timestamp").date(), unit="day"),
        tenure_days=as_of_date.delta(orders.order_ts.min().cast("timestamp").date(), unit="day"),
        frequency=orders.count(),
        monetary_total=money_sum(orders.revenue),
    )
    frame = per_customer.order_by("customer_id").to_pandas()
    frame["monetary_mean"] = frame["monetary_total"] / frame["frequency"]
    return frame


def zero_value_orders(warehouse: Warehouse, as_of: date) -> int:
    """Orders up to as_of with zero revenue (counted as purchases, adding no spend)."""
    orders = warehouse.table("orders")
    zero = orders.filter(orders.revenue == 0, in_days(orders.order_ts, EARLIEST, as_of))
    return int(zero.count().to_pyarrow().as_py())


def last_order_day(warehouse: Warehouse, first: date, last: date) -> date | None:
    """The last day within [first, last] with an order, or None when there is none."""
    orders = warehouse.table("orders")
    within = orders.filter(in_days(orders.order_ts, first, last))
    value = within.order_ts.max().to_pyarrow().as_py()
    return None if value is None else pd.Timestamp(value).date()
