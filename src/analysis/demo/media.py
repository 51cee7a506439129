"""Planted media plan and the revenue each paid channel adds: adstock, then saturation.

Spend per paid channel and day is planned before anything else (flights, bursts, a pause,
the 双11 push, a slow random drift), so it varies apart from the traffic the journeys make.
Each channel adds revenue r_t = β·h(a_t) with geometric adstock a_t = λ·a_{t−1} + (1 − λ)·s_t
(a_{−1} = s_0, so a steady spend s has a = s) and saturation h(a) = a / (a + K). β is set so
that added revenue / spend over the year equals the planted ROI. The added revenue arrives as
extra orders with no journey (see `incremental_orders`); the journeys' own revenue is the
baseline a marketing-mix model has to separate it from.

From `STEADY_FROM` on (the anomaly detector's history window and the report month) the
spend table spreads the planned total over days by clicks, as before, so CPC stays steady
there; the plan in that window is flat per channel.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyarrow as pa

from analysis.demo.customers import CustomerChunk
from analysis.demo.seeding import Stream, rng_for
from analysis.demo.world import (
    CUSTOMERS_AT_SCALE_1,
    DAY,
    DAYS,
    EPOCH_OFFSET,
    NEW,
    PERIOD_END,
    PLANTED_ROI,
    TYPE_AOV,
    TYPE_ORDER_RATE,
    day_index,
)
from analysis.schema import CHANNELS

PAID = tuple(name for name in CHANNELS if PLANTED_ROI[name] is not None)
# Mean daily spend at scale 1 (yuan); spend scales with the number of customers.
DAILY_SPEND = {"百度SEM": 12000.0, "抖音": 15000.0, "小红书": 6000.0, "微信公众号": 4000.0,
               "邮件": 1500.0, "知乎": 6000.0}  # fmt: skip
DECAY = {"百度SEM": 0.2, "抖音": 0.5, "小红书": 0.7, "微信公众号": 0.4, "邮件": 0.1, "知乎": 0.6}
# Half-saturation K as a multiple of the channel's mean daily spend.
HALF_SATURATION = {"百度SEM": 1.5, "抖音": 1.0, "小红书": 2.0, "微信公众号": 1.0,
                   "邮件": 3.0, "知乎": 1.5}  # fmt: skip
STEADY_FROM = dt.date(2026, 6, 1)
PUSH = (dt.date(2025, 11, 1), dt.date(2025, 11, 11), 2.0)  # 双11: paid channels but 知乎, ×2
PAUSE = ("知乎", dt.date(2026, 2, 23), dt.date(2026, 3, 29))  # five weeks off
FLIGHTS = {"抖音": (21, 14, 1.5, 0.35), "微信公众号": (14, 14, 1.8, 0.3)}  # on, off, levels
BURSTS = {
    "小红书": (4, 10, 2.2),
    "邮件": (6, 5, 3.0),
    "百度SEM": (4, 10, 1.8),
    "知乎": (3, 10, 2.0),
}
SLOT_DAYS = 11  # bursts go in disjoint 11-day slots, as a planner staggers campaigns  # n, days, ×
DRIFT_SD, DRIFT_KEEP, DAILY_SD = 0.03, 0.97, 0.25
LIFT_TEST = ("抖音", dt.date(2026, 4, 6), dt.date(2026, 5, 3), 0.12)  # channel, days, rel. s.e.


@dataclass(frozen=True)
class MediaPlan:
    """Daily spend and added revenue per paid channel at scale 1 (rows follow `PAID`)."""

    spend: np.ndarray  # (channels, DAYS)
    added: np.ndarray  # (channels, DAYS): β·h(adstock(spend))
    beta: np.ndarray
    half_saturation: np.ndarray
    decay: np.ndarray


def adstock(spend: np.ndarray, decay: float) -> np.ndarray:
    """Geometric adstock a_t = λ·a_{t−1} + (1 − λ)·s_t with a_{−1} = s_0 (steady start)."""
    out = np.empty_like(spend, dtype=np.float64)
    level = float(spend[0])
    for t, value in enumerate(spend):
        level = decay * level + (1.0 - decay) * value
        out[t] = level
    return out


def _shape(rng: np.random.Generator, name: str, slots: list[int]) -> np.ndarray:
    """Relative daily spend (mean about 1) of one channel over the period."""
    drift = np.zeros(DAYS)
    for t in range(1, DAYS):
        drift[t] = DRIFT_KEEP * drift[t - 1] + rng.normal(0.0, DRIFT_SD)
    level = np.exp(drift + rng.normal(0.0, DAILY_SD, DAYS))
    steady = day_index(STEADY_FROM)
    free = np.arange(DAYS) < steady
    if name in FLIGHTS:
        on, off, high, low = FLIGHTS[name]
        phase = (np.arange(DAYS) + rng.integers(on + off)) % (on + off)
        level = level * np.where(free, np.where(phase < on, high, low), 1.0)
    if name in BURSTS:
        count, length, lift = BURSTS[name]
        for start in [slots.pop() for _ in range(count)]:
            level[start : start + length] *= lift
    if name != PAUSE[0]:
        level[day_index(PUSH[0]) : day_index(PUSH[1]) + 1] *= PUSH[2]
    else:
        level[day_index(PAUSE[1]) : day_index(PAUSE[2]) + 1] = 0.0
    level[steady:] = level[:steady][level[:steady] > 0].mean()  # flat plan in the steady window
    return level / level.mean()


@lru_cache(maxsize=8)
def media_plan(seed: int) -> MediaPlan:
    """The seed's media plan at scale 1 (the same at every scale; amounts scale with customers)."""
    rng = rng_for(seed, Stream.SPEND, 1)
    slots = [
        int(x)
        for x in rng.permutation(np.arange(14, day_index(STEADY_FROM) - SLOT_DAYS, SLOT_DAYS))
    ]
    spend = np.stack([_shape(rng, name, slots) * DAILY_SPEND[name] for name in PAID])
    decay = np.array([DECAY[name] for name in PAID])
    half = np.array([HALF_SATURATION[name] * DAILY_SPEND[name] for name in PAID])
    stock = np.stack([adstock(row, lam) for row, lam in zip(spend, decay, strict=True)])
    shape = stock / (stock + half[:, None])
    roi = np.array([PLANTED_ROI[name] for name in PAID])
    beta = roi * spend.sum(axis=1) / shape.sum(axis=1)
    return MediaPlan(spend, beta[:, None] * shape, beta, half, decay)


def factor(customers: int) -> float:
    """How much bigger than scale 1's plan a world with `customers` customers is."""
    return customers / CUSTOMERS_AT_SCALE_1


def incremental_orders(
    seed: int, chunk: int, customers: CustomerChunk
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(buyer, time, revenue) of the orders the paid channels add to one chunk's customers.

    A day's added revenue, in proportion to the chunk's customers, becomes Poisson orders of
    customers active that day (new customers left out, their order cap would drop some),
    picked in proportion to their type's order rate; values are their type's lognormal AOV.
    """
    rng = rng_for(seed, Stream.SPEND, 10 + chunk)
    daily = media_plan(seed).added.sum(axis=0) * customers.size / CUSTOMERS_AT_SCALE_1
    weight = TYPE_ORDER_RATE[customers.behaviour] * (customers.behaviour != NEW)
    buyers, times = [], []
    for day in range(DAYS):
        start, end = day * DAY, (day + 1) * DAY
        active = (customers.window_start <= start) & (customers.window_end >= end)
        w = weight * active
        if w.sum() <= 0:
            continue
        mean_value = float(w @ TYPE_AOV[customers.behaviour] / w.sum())
        count = rng.poisson(daily[day] / mean_value)
        buyers.append(rng.choice(customers.size, count, p=w / w.sum()))
        times.append(np.floor(rng.uniform(start, end, count)).astype(np.int64))
    buyer = np.concatenate(buyers) if buyers else np.zeros(0, dtype=np.int64)
    ts = np.concatenate(times) if times else np.zeros(0, dtype=np.int64)
    mu = np.log(TYPE_AOV[customers.behaviour[buyer]]) - 0.4**2 / 2
    revenue = np.maximum(np.round(rng.lognormal(mu, 0.4), 2), 1.0)
    return buyer, ts, revenue


def channel_day_spend(seed: int, customers: int) -> np.ndarray:
    """Planned spend per (channel of `CHANNELS`, day) for a world of `customers`; 0 if unpaid."""
    plan = media_plan(seed)
    spend = np.zeros((len(CHANNELS), DAYS))
    for row, name in enumerate(PAID):
        spend[CHANNELS.index(name)] = plan.spend[row] * factor(customers)
    return spend


def lift_test_table(seed: int, customers: int) -> tuple[pa.Table, dict]:
    """One planted holdout test (channel, start, end, incremental revenue, standard error)."""
    name, start, end, relative_se = LIFT_TEST
    plan = media_plan(seed)
    row = PAID.index(name)
    true = float(plan.added[row, day_index(start) : day_index(end) + 1].sum() * factor(customers))
    se = relative_se * true
    measured = true + float(rng_for(seed, Stream.SPEND, 2).normal(0.0, se))
    table = pa.table(
        {
            "channel": pa.array([name]),
            "start": pa.array([start], type=pa.date32()),
            "end": pa.array([end], type=pa.date32()),
            "incremental_revenue": pa.array([round(measured, 2)]),
            "std_error": pa.array([round(se, 2)]),
        }
    )
    truth = {
        "channel": name,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "true_incremental_revenue": round(true, 2),
        "measured": round(measured, 2),
        "std_error": round(se, 2),
    }
    return table, truth


def channel_response_truth(seed: int, customers: int, spend_by_day: np.ndarray) -> dict:
    """Per paid channel: true incremental ROI, marginal ROI at the last month's spend, curve.

    `spend_by_day` is the spend table's realised spend per (channel of `CHANNELS`, day): the
    year's totals equal the plan's; the current spend is its mean over the last month.
    """
    plan = media_plan(seed)
    f = factor(customers)
    month_start = day_index(PERIOD_END.replace(day=1))
    out = {}
    for row, name in enumerate(PAID):
        spend = spend_by_day[CHANNELS.index(name)]
        added = plan.added[row].sum() * f
        beta, half = plan.beta[row] * f, plan.half_saturation[row] * f
        current = float(spend[month_start:].mean())
        out[name] = {
            "incremental_revenue": round(float(added), 2),
            "incremental_roi": round(float(added / spend.sum()), 4),
            "current_daily_spend": round(current, 2),
            "marginal_roi": round(float(beta * half / (current + half) ** 2), 4),
            "curve": {
                "adstock": "geometric, normalised: a_t = decay·a_(t-1) + (1 - decay)·s_t",
                "saturation": "beta·a / (a + half_saturation), daily yuan",
                "decay": float(plan.decay[row]),
                "half_saturation": round(float(half), 2),
                "beta": round(float(beta), 2),
            },
        }
    return out


def aggregate_tables(
    spend_by_day: np.ndarray, daily_revenue: np.ndarray
) -> tuple[pa.Table, pa.Table]:
    """The aggregates-only tables: spend per (day, paid channel with spend) and revenue per day."""
    epoch = EPOCH_OFFSET // DAY
    day, channel = np.nonzero(spend_by_day.T > 0)
    spend = pa.table(
        {
            "date": pa.array((epoch + day).astype(np.int32)).cast(pa.date32()),
            "channel": pa.array([CHANNELS[c] for c in channel]),
            "spend": pa.array(np.round(spend_by_day.T[day, channel], 2)),
        }
    )
    revenue = pa.table(
        {
            "date": pa.array((epoch + np.arange(DAYS)).astype(np.int32)).cast(pa.date32()),
            "revenue": pa.array(np.round(daily_revenue, 2)),
        }
    )
    return spend, revenue
