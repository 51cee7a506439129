"""Engine-side month aggregates the scorecard needs: visits, orders and spend per channel."""

from __future__ import annotations

from datetime import date

import pandas as pd

from analysis.engine import NO_CHANNEL, in_days
from analysis.warehouse import Warehouse


def channel_month(warehouse: Warehouse, first: date, last: date) -> pd.DataFrame:
    """Per channel over the days: visits (touches), orders the shop credited to it, spend.

    Orders without a recorded channel appear under NO_CHANNEL; a channel missing from a
    table has 0 there.
    """
    touches = warehouse.table("touchpoints")
    touches = touches.filter(in_days(touches.ts, first, last))
    visits = touches.group_by("channel").aggregate(visits=touches.count())
    orders = warehouse.table("orders")
    orders = orders.filter(in_days(orders.order_ts, first, last))
    credited = orders.group_by(channel=orders.channel.fill_null(NO_CHANNEL)).aggregate(
        orders=orders.count(), revenue=orders.revenue.sum()
    )
    spend = warehouse.table("spend")
    spend = spend.filter(in_days(spend.date, first, last))
    paid = spend.group_by("channel").aggregate(spend=spend.spend.sum())
    frames = [visits.to_pandas(), credited.to_pandas(), paid.to_pandas()]
    merged = frames[0]
    for frame in frames[1:]:
        merged = merged.merge(frame, on="channel", how="outer")
    merged = merged.fillna({"visits": 0, "orders": 0, "revenue": 0.0, "spend": 0.0})
    return merged.sort_values("channel", ignore_index=True)
