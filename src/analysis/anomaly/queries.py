"""Engine-side queries of the anomaly report: per-step sums at every level, built in the engine.

Each query returns one row per time step (day, or hour for `frequency="h"`) and series key
with the additive parts every metric is made of (spend, impressions, clicks; visits; orders,
revenue); ratios are formed afterwards from the sums (`anomaly.series`), so a channel's CTR is
its clicks over its impressions, never a mean of its keywords' CTRs.
Levels: total (every channel), channel, campaign, keyword (keywords of search campaigns).
Orders without a recorded channel count in the total only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import ibis
import ibis.expr.types as ir
import pandas as pd

from analysis.anomaly.steps import MINUTES_PER_DAY, step_minutes
from analysis.engine import in_days
from analysis.warehouse import Warehouse

LEVEL_KEYS = {
    "total": (),
    "channel": ("channel",),
    "campaign": ("channel", "campaign"),
    "keyword": ("channel", "campaign", "keyword"),
}
KEY_COLUMNS = ("channel", "campaign", "keyword")


def _step(column: ir.Column, frequency: str) -> ir.TimestampValue:
    """The start of the step a timestamp falls in: its day, hour or minute, or for an n-minute
    step the n-minute bucket counted from midnight (any step dividing a day)."""
    as_ts = column.cast("timestamp")
    minutes = step_minutes(frequency)
    if minutes in (1, 60, MINUTES_PER_DAY):
        return as_ts.truncate({1: "m", 60: "h", MINUTES_PER_DAY: "D"}[minutes])
    day = as_ts.truncate("D")
    into = (as_ts.hour() * 60 + as_ts.minute()) // minutes * minutes
    return day + into.as_interval("m")


def _by_levels(
    table: ir.Table, levels: Sequence[str], sums: dict[str, ir.Value], available: tuple[str, ...]
) -> ir.Table | None:
    """The sums per step at each level whose key columns the table has (None: no level fits)."""
    parts = []
    for level in levels:
        keys = LEVEL_KEYS[level]
        if not set(keys) <= set(available):
            continue
        scoped = table.filter(*[table[k].notnull() for k in keys]) if keys else table
        grouped = scoped.group_by(["ts", *keys]).aggregate(
            **{name: fn(scoped) for name, fn in sums.items()}
        )
        filled = {k: grouped[k] if k in keys else ibis.null("string") for k in KEY_COLUMNS}
        parts.append(
            grouped.select(
                ts=grouped.ts,
                level=ibis.literal(level),
                **filled,
                **{name: grouped[name] for name in sums},
            )
        )
    if not parts:
        return None
    return ibis.union(*parts) if len(parts) > 1 else parts[0]


def spend_steps(
    warehouse: Warehouse, first: date, last: date, levels: Sequence[str]
) -> pd.DataFrame:
    """spend, impressions, clicks per day and level (spend is dated: daily steps only)."""
    spend = warehouse.table("spend")
    spend = spend.filter(in_days(spend.date, first, last))
    spend = spend.mutate(ts=_step(spend.date, "D"))
    sums = {
        "spend": lambda t: t.spend.sum().cast("float64"),
        "impressions": lambda t: t.impressions.sum().cast("float64"),
        "clicks": lambda t: t.clicks.sum().cast("float64"),
    }
    return _frame(_by_levels(spend, levels, sums, KEY_COLUMNS))


def visit_steps(
    warehouse: Warehouse, first: date, last: date, levels: Sequence[str], frequency: str
) -> pd.DataFrame:
    """visits (touches) per step, in total and per channel."""
    touches = warehouse.table("touchpoints")
    touches = touches.filter(in_days(touches.ts, first, last))
    touches = touches.select(ts=_step(touches.ts, frequency), channel=touches.channel)
    sums = {"visits": lambda t: t.count().cast("float64")}
    return _frame(_by_levels(touches, levels, sums, ("channel",)))


def order_steps(
    warehouse: Warehouse, first: date, last: date, levels: Sequence[str], frequency: str
) -> pd.DataFrame:
    """orders, revenue and Σ order value² (the revenue's sampling variance) per step, in total
    and per recorded channel."""
    orders = warehouse.table("orders")
    orders = orders.filter(in_days(orders.order_ts, first, last))
    orders = orders.select(
        ts=_step(orders.order_ts, frequency), channel=orders.channel, revenue=orders.revenue
    )
    sums = {
        "orders": lambda t: t.count().cast("float64"),
        "revenue": lambda t: t.revenue.sum().cast("float64"),
        "revenue_squares": lambda t: (t.revenue * t.revenue).sum().cast("float64"),
    }
    return _frame(_by_levels(orders, levels, sums, ("channel",)))


def metric_steps(warehouse: Warehouse, first: date, last: date, frequency: str) -> pd.DataFrame:
    """The generic `metrics` table per step and series: the mean value and how many rows.

    More than one row per step (duplicate timestamps, or hourly rows in daily mode) are
    averaged; `rows` says how many were.
    """
    metrics = warehouse.table("metrics")
    metrics = metrics.filter(in_days(metrics.ts, first, last))
    metrics = metrics.mutate(ts=_step(metrics.ts, frequency))
    grouped = metrics.group_by(["ts", "series"]).aggregate(
        value=metrics.value.mean().cast("float64"), rows=metrics.count()
    )
    return _sorted(grouped.to_pandas(), ["series"])


def metric_timestamps(warehouse: Warehouse, first: date, last: date) -> pd.Series:
    """Distinct timestamps of the `metrics` table in the days first..last (for the step)."""
    metrics = warehouse.table("metrics")
    metrics = metrics.filter(in_days(metrics.ts, first, last))
    stamps = metrics.select(ts=metrics.ts.cast("timestamp")).distinct().to_pandas()["ts"]
    return pd.to_datetime(stamps).sort_values(ignore_index=True)


def _frame(table: ir.Table | None) -> pd.DataFrame:
    if table is None:
        return pd.DataFrame(columns=["ts", "level", *KEY_COLUMNS])
    return _sorted(table.to_pandas(), ["level", *KEY_COLUMNS])


def _sorted(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    frame["ts"] = pd.to_datetime(frame["ts"]).astype("datetime64[ns]")
    return frame.sort_values([*keys, "ts"], na_position="first", ignore_index=True)
