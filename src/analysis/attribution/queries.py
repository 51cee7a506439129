"""Engine-side queries of the channel ROI report: journeys, paths and spend, built in the engine.

A journey is what one credit model splits:
- a converting journey is one order in the period with the buyer's touches in the
  `lookback_days` before it and after their previous order (a touch is credited to one order
  only);
- a null journey is a user's touches in the period after their last order up to the
  period's end (or all their touches in the period if they never bought): they touched and
  did not convert.
Touches are ordered by time, then channel (so ties order the same way on every engine).
With `collapse` a touch of the same channel as the touch before it in its journey is dropped
(A > A > B becomes A > B). An order with no touch in its window has no path: it is counted
apart and credited to no channel.
A first order is the customer's first order in the whole `orders` table: its journey
acquired a new customer.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import ibis
import ibis.expr.types as ir
import pandas as pd

from analysis.engine import in_days, money_sum, summed
from analysis.warehouse import Warehouse

SECONDS_PER_DAY = 86_400.0


def _timestamp(day: date) -> ir.TimestampScalar:
    return ibis.timestamp(f"{day.isoformat()} 00:00:00")


def _orders_with_history(warehouse: Warehouse, last: date) -> ir.Table:
    """Orders up to `last`, each with the buyer's previous order time and a first-order flag."""
    orders = warehouse.table("orders")
    orders = orders.filter(orders.order_ts.cast("timestamp") < _timestamp(last + timedelta(1)))
    by_buyer = ibis.window(group_by=orders.customer_id, order_by=[orders.order_ts, orders.order_id])
    return orders.mutate(
        order_ts=orders.order_ts.cast("timestamp"),
        previous_ts=orders.order_ts.cast("timestamp").lag().over(by_buyer),
    ).mutate(is_first=lambda t: t.previous_ts.isnull())


def journey_touches(
    warehouse: Warehouse, first: date, last: date, *, lookback_days: int, collapse: bool
) -> ir.Table:
    """One row per touch of a journey ending in [first, last] (see the module's rules).

    Columns: journey_id, converted, is_first, never_bought, revenue, end_ts, ts, channel,
    age_days (days from the touch to the journey's end).
    """
    orders = _orders_with_history(warehouse, last)
    touches = warehouse.table("touchpoints")
    touches = touches.select(  # named apart from the orders' own (last-touch) channel
        user_id=touches.user_id, touch_ts=touches.ts.cast("timestamp"), touch=touches.channel
    )
    converting = _converting_touches(orders, touches, first, last, lookback_days)
    null = _null_touches(orders, touches, first, last)
    journeys = converting.union(null)
    if collapse:
        journeys = _collapsed(journeys)
    return journeys.mutate(
        age_days=(journeys.end_ts.epoch_seconds() - journeys.ts.epoch_seconds()) / SECONDS_PER_DAY
    )


def _converting_touches(
    orders: ir.Table, touches: ir.Table, first: date, last: date, lookback_days: int
) -> ir.Table:
    in_period = orders.filter(in_days(orders.order_ts, first, last))
    window_start = in_period.order_ts - ibis.interval(days=lookback_days)
    joined = in_period.join(
        touches,
        [
            in_period.customer_id == touches.user_id,
            touches.touch_ts <= in_period.order_ts,
            touches.touch_ts > window_start,
            in_period.previous_ts.isnull() | (touches.touch_ts > in_period.previous_ts),
        ],
    )
    return joined.select(
        journey_id=joined.order_id,
        converted=ibis.literal(True),
        is_first=joined.is_first,
        never_bought=ibis.literal(False),
        revenue=joined.revenue.cast("float64"),
        end_ts=joined.order_ts,
        ts=joined.touch_ts,
        channel=joined.touch,
    )


def _null_touches(orders: ir.Table, touches: ir.Table, first: date, last: date) -> ir.Table:
    last_order = orders.group_by(buyer=orders.customer_id).aggregate(last_ts=orders.order_ts.max())
    in_period = touches.filter(in_days(touches.touch_ts, first, last))
    joined = in_period.left_join(last_order, in_period.user_id == last_order.buyer)
    after = joined.filter(joined.last_ts.isnull() | (joined.touch_ts > joined.last_ts))
    return after.select(
        journey_id=ibis.literal("null:") + after.user_id,
        converted=ibis.literal(False),
        is_first=ibis.literal(False),
        never_bought=after.last_ts.isnull(),
        revenue=ibis.literal(0.0, type="float64"),
        end_ts=_timestamp(last + timedelta(1)),
        ts=after.touch_ts,
        channel=after.touch,
    )


def _collapsed(journeys: ir.Table) -> ir.Table:
    """Drop a touch whose channel repeats the touch before it in the same journey."""
    in_order = ibis.window(group_by=journeys.journey_id, order_by=[journeys.ts, journeys.channel])
    marked = journeys.mutate(before=journeys.channel.lag().over(in_order))
    kept = marked.filter(marked.before.isnull() | (marked.before != marked.channel))
    return kept.drop("before")


def path_counts(journeys: ir.Table) -> pd.DataFrame:
    """Distinct paths with their journeys: path (list of channels), converted, is_first,
    never_bought, journeys, revenue. Paths are built in the engine."""
    touch = ibis.struct({"ts": journeys.ts, "channel": journeys.channel})
    per_journey = journeys.group_by(
        ["journey_id", "converted", "is_first", "never_bought", "revenue"]
    ).aggregate(path=touch.collect().sort().map(lambda t: t.channel))
    counted = per_journey.group_by(["path", "converted", "is_first", "never_bought"]).aggregate(
        journeys=per_journey.count(), revenue=money_sum(per_journey.revenue)
    )
    frame = counted.to_pandas()
    frame["path"] = [tuple(p) for p in frame["path"]]
    frame = frame.sort_values(["converted", "is_first", "never_bought", "path"], ignore_index=True)
    return frame.astype({"journeys": "int64", "revenue": "float64"})


def time_decay_credit(journeys: ir.Table, half_life_days: float) -> pd.DataFrame:
    """Time-decay credit per channel, computed per touch in the engine.

    A touch `age` days before its order weighs 2^(−age / half_life); each order's weights are
    normalised to 1. Columns: channel, conversions, revenue, new_customers.
    """
    converted = journeys.filter(journeys.converted)
    weight = (-converted.age_days * (math.log(2) / half_life_days)).exp()
    weighted = converted.mutate(weight=weight)
    per_order = ibis.window(group_by=weighted.journey_id)
    share = weighted.mutate(share=weighted.weight / weighted.weight.sum().over(per_order))
    per_channel = share.group_by("channel").aggregate(
        conversions=share.share.sum(),
        revenue=(share.share * share.revenue).sum(),
        new_customers=share.is_first.ifelse(share.share, 0.0).sum(),
    )
    return per_channel.to_pandas().sort_values("channel", ignore_index=True)


def daily_linear_revenue(journeys: ir.Table) -> pd.DataFrame:
    """Revenue per conversion day and channel, each order split equally over its touches.

    The daily shape used to fit response curves (see `attribution.report`).
    Columns: date, channel, revenue.
    """
    converted = journeys.filter(journeys.converted)
    per_order = ibis.window(group_by=converted.journey_id)
    share = converted.mutate(share=1.0 / converted.count().over(per_order))
    daily = share.group_by(date=share.end_ts.date(), channel=share.channel).aggregate(
        revenue=(share.share * share.revenue).sum()
    )
    return daily.to_pandas().sort_values(["date", "channel"], ignore_index=True)


def orders_without_touches(
    warehouse: Warehouse, journeys: ir.Table, first: date, last: date
) -> dict[str, float]:
    """Orders in the period with no touch in their window (no converting journey in `journeys`):
    counted, credited to no channel."""
    orders = warehouse.table("orders")
    orders = orders.filter(in_days(orders.order_ts, first, last))
    converted = journeys.filter(journeys.converted)
    ids = converted.select(converted.journey_id).distinct()
    untouched = orders.anti_join(ids, orders.order_id == ids.journey_id)
    totals = untouched.aggregate(orders=untouched.count(), revenue=money_sum(untouched.revenue))
    row = totals.to_pandas().iloc[0]
    return {"orders": int(row["orders"]), "revenue": summed(row["revenue"])}


def spend_by_channel(warehouse: Warehouse, first: date, last: date) -> pd.DataFrame:
    """Spend, impressions and clicks per channel in the days. Columns: channel, spend, ...

    Without a spend table (optional: an event log has none) the frame is empty; ROI then
    reads n/a for every channel while the path models still run.
    """
    if not warehouse.has_table("spend"):
        return pd.DataFrame(columns=["channel", "spend", "impressions", "clicks"])
    spend = warehouse.table("spend")
    spend = spend.filter(in_days(spend.date, first, last))
    totals = spend.group_by("channel").aggregate(
        spend=money_sum(spend.spend), impressions=spend.impressions.sum(), clicks=spend.clicks.sum()
    )
    return totals.to_pandas().sort_values("channel", ignore_index=True)


def daily_spend(warehouse: Warehouse, first: date, last: date) -> pd.DataFrame:
    """Spend per day and channel. Columns: date, channel, spend (empty without spend)."""
    if not warehouse.has_table("spend"):
        return pd.DataFrame(columns=["date", "channel", "spend"])
    spend = warehouse.table("spend")
    spend = spend.filter(in_days(spend.date, first, last))
    daily = spend.group_by(date=spend.date.cast("date"), channel=spend.channel).aggregate(
        spend=money_sum(spend.spend)
    )
    return daily.to_pandas().sort_values(["date", "channel"], ignore_index=True)


def organic_touches(warehouse: Warehouse, first: date, last: date, paid: set[str]) -> pd.DataFrame:
    """Touches per day of each channel without spend (not in `paid`): the organic channels'
    activity, a control of the marketing-mix model. Columns: date, name, value."""
    touches = warehouse.table("touchpoints")
    touches = touches.filter(in_days(touches.ts, first, last))
    if paid:
        touches = touches.filter(~touches.channel.isin(sorted(paid)))
    daily = touches.group_by(date=touches.ts.cast("timestamp").date(), name=touches.channel)
    frame = daily.aggregate(value=touches.count()).to_pandas()
    return frame.sort_values(["date", "name"], ignore_index=True)


def known_drivers(warehouse: Warehouse, first: date, last: date) -> pd.DataFrame:
    """The optional `known_drivers` table's rows in [first, last], as controls of the
    marketing-mix model (a day without a row: 0). Columns: date, name, value."""
    if not warehouse.has_table("known_drivers"):
        return pd.DataFrame({"date": [], "name": [], "value": []})
    drivers = warehouse.table("known_drivers")
    drivers = drivers.filter(in_days(drivers.date, first, last))
    daily = drivers.group_by(date=drivers.date.cast("date"), name=drivers.driver)
    frame = daily.aggregate(value=drivers.value.sum()).to_pandas()
    return frame.sort_values(["date", "name"], ignore_index=True)


def visits_by_channel(warehouse: Warehouse, first: date, last: date) -> pd.DataFrame:
    """Touches (visits) and distinct users per channel in the days."""
    touches = warehouse.table("touchpoints")
    touches = touches.filter(in_days(touches.ts, first, last))
    per_channel = touches.group_by("channel").aggregate(
        visits=touches.count(), users=touches.user_id.nunique()
    )
    return per_channel.to_pandas().sort_values("channel", ignore_index=True)


def daily_revenue(warehouse: Warehouse, first: date, last: date) -> pd.Series:
    """Revenue per day from the first day with an order in [first, last] to `last`, indexed by
    day (days without orders count 0): the series the marketing-mix model explains."""
    orders = warehouse.table("orders")
    orders = orders.filter(in_days(orders.order_ts, first, last))
    daily = orders.group_by(day=orders.order_ts.cast("timestamp").date()).aggregate(
        revenue=money_sum(orders.revenue)
    )
    frame = daily.to_pandas()
    if frame.empty:
        return pd.Series(dtype=float)
    series = pd.Series(frame["revenue"].astype(float).to_numpy(), pd.to_datetime(frame["day"]))
    days = pd.date_range(series.index.min(), pd.Timestamp(last), freq="D")
    return series.reindex(days, fill_value=0.0).sort_index()


def lift_tests(warehouse: Warehouse) -> pd.DataFrame | None:
    """The optional `lift_tests` table (channel, start, end, incremental_revenue, std_error)."""
    if not warehouse.has_table("lift_tests"):
        return None
    tests = warehouse.table("lift_tests")
    return tests.select("channel", "start", "end", "incremental_revenue", "std_error").to_pandas()


def aggregate_spend(warehouse: Warehouse, first: date, last: date) -> pd.DataFrame:
    """Spend per day and channel from the aggregates-only `channel_spend` table."""
    spend = warehouse.table("channel_spend")
    spend = spend.filter(in_days(spend.date, first, last))
    daily = spend.group_by(date=spend.date.cast("date"), channel=spend.channel).aggregate(
        spend=money_sum(spend.spend)
    )
    return daily.to_pandas().sort_values(["date", "channel"], ignore_index=True)


def aggregate_revenue(warehouse: Warehouse, first: date, last: date) -> pd.Series:
    """Revenue per row date of the aggregates-only `daily_revenue` table in [first, last]: a
    day's or a week's (`mmm_series` reads which). A date without a row is a gap, not zero."""
    revenue = warehouse.table("daily_revenue")
    revenue = revenue.filter(in_days(revenue.date, first, last))
    daily = revenue.group_by(day=revenue.date.cast("date")).aggregate(
        total=money_sum(revenue.revenue)
    )
    frame = daily.to_pandas()
    if frame.empty:
        return pd.Series(dtype=float)
    series = pd.Series(frame["total"].astype(float).to_numpy(), pd.to_datetime(frame["day"]))
    return series.sort_index()
