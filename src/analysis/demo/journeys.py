"""Customer journeys: touches before a purchase decision, the causal conversion model and its truth.

A journey converts with p = 1 - (1 - base_type) * prod over touches (1 - w_channel). The truth
for channel c is the expected removal effect: sum over all journeys of p - p(without c's touches).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.demo.anomalies import CONVERSION_DIP
from analysis.demo.customers import CustomerChunk
from analysis.demo.timing import day_of, growing_times
from analysis.demo.touches import Touches, draw_campaigns, draw_channels, dropped_by_outage
from analysis.demo.world import (
    CH,
    DAY,
    FIRST,
    HORIZON,
    JOURNEY_DAYS,
    JOURNEYS_PER_MONTH,
    LAPSED,
    LAST,
    LOG_MISS,
    MIDDLE,
    MONTH,
    N_CHANNELS,
    NEW,
    TOUCH_COUNT_MIX,
    TYPE_AOV,
    TYPE_BASE,
    day_index,
)

MAX_ORDER_GAP = 2 * DAY  # an order follows its last touch the same day or the next


@dataclass(frozen=True)
class JourneyOutcome:
    """What a chunk's journeys produced: touches, converted journeys and the expected truth."""

    touches: Touches
    order_customer: np.ndarray
    order_ts: np.ndarray
    order_channel: np.ndarray
    true_conversions: np.ndarray  # per channel, expected conversions lost without it
    true_revenue: np.ndarray  # the same weighted by the buyer type's mean order value
    null_path_touches: int  # touches of journeys that did not convert


@dataclass(frozen=True)
class _Journeys:
    owner: np.ndarray  # local customer index
    earliest: np.ndarray  # no touch before this (a new customer's first-seen time)
    last_touch: np.ndarray  # seconds
    end: np.ndarray  # would-be order time, seconds
    size: np.ndarray  # number of touches drawn


def simulate_journeys(rng: np.random.Generator, customers: CustomerChunk) -> JourneyOutcome:
    """Draw every journey of a chunk, its touches and whether it converts.

    Journeys of customers active before (after) the period may start before (end after) it:
    only touches and orders inside the period are kept, and the truth counts the journeys that
    end inside the period, so traffic has no artificial edge at either end.
    """
    journeys = _draw_journeys(rng, customers)
    journey, role, ts = _touch_times(rng, journeys)
    channel = draw_channels(rng, role, ts)
    touches = Touches(journeys.owner[journey], ts, channel, draw_campaigns(rng, channel))
    kept = ~dropped_by_outage(rng, channel, ts)
    touches, journey = touches.subset(kept), journey[kept]
    p, removal, last_channel = _conversion_model(customers, journeys, journey, touches.channel)
    in_period = (journeys.end >= 0) & (journeys.end < HORIZON)
    converted = (rng.random(len(p)) < p) & in_period
    visible = (touches.ts >= 0) & (touches.ts < HORIZON)
    aov = TYPE_AOV[customers.behaviour[journeys.owner]]
    return JourneyOutcome(
        touches=touches.subset(visible),
        order_customer=journeys.owner[converted],
        order_ts=np.floor(journeys.end[converted]).astype(np.int64),
        order_channel=last_channel[converted],
        true_conversions=removal[in_period].sum(axis=0),
        true_revenue=aov[in_period] @ removal[in_period],
        null_path_touches=int((~converted[journey] & visible).sum()),
    )


def _draw_journeys(rng: np.random.Generator, customers: CustomerChunk) -> _Journeys:
    lead_in = np.where(customers.behaviour == NEW, 0.0, JOURNEY_DAYS * DAY)
    run_on = np.where(customers.behaviour == LAPSED, 0.0, JOURNEY_DAYS * DAY)
    earliest = customers.window_start - lead_in
    latest = customers.window_end + run_on
    counts = rng.poisson(JOURNEYS_PER_MONTH[customers.behaviour] * (latest - earliest) / MONTH)
    owner = np.repeat(np.arange(customers.size), counts)
    last_touch = growing_times(rng, earliest[owner], latest[owner] - MAX_ORDER_GAP)
    next_day_over = 2 * DAY - np.mod(last_touch, DAY) - 1  # the order is the same day or the next
    gap = np.minimum(60.0 + rng.exponential(4 * 3600, size=len(owner)), next_day_over)
    size = rng.choice(len(TOUCH_COUNT_MIX), size=len(owner), p=TOUCH_COUNT_MIX) + 1
    return _Journeys(owner, earliest[owner], last_touch, last_touch + gap, size)


def _touch_times(
    rng: np.random.Generator, journeys: _Journeys
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Journey index, role (first/middle/last) and time of every touch, ordered within journeys."""
    size = journeys.size
    journey = np.repeat(np.arange(len(size)), size)
    position = np.arange(len(journey)) - np.repeat(np.cumsum(size) - size, size)
    is_last = position == size[journey] - 1
    role = np.where(is_last, LAST, np.where(position == 0, FIRST, MIDDLE))
    room = journeys.last_touch - journeys.earliest
    span = np.minimum(rng.uniform(0, JOURNEY_DAYS * DAY, size=len(size)), room) * (size > 1)
    lead = np.where(is_last, 0.0, rng.random(len(journey)))
    lead = lead[np.lexsort((-lead, journey))]  # earlier positions lie further back
    ts = np.floor(journeys.last_touch[journey] - span[journey] * lead).astype(np.int64)
    return journey, role, ts


def _conversion_model(
    customers: CustomerChunk, journeys: _Journeys, journey: np.ndarray, channel: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Conversion probability, per-channel removal effect and last channel of each journey."""
    n = len(journeys.owner)
    touches_left = np.bincount(journey, minlength=n)
    alive = touches_left > 0  # journeys whose every touch was lost in the outage never happened
    last_channel = np.full(n, -1, dtype=np.int64)
    last_channel[alive] = channel[np.cumsum(touches_left)[alive] - 1]
    miss = np.bincount(journey, LOG_MISS[channel], minlength=n)
    miss_by_channel = np.bincount(
        journey * N_CHANNELS + channel, LOG_MISS[channel], minlength=n * N_CHANNELS
    ).reshape(n, N_CHANNELS)
    stay = 1.0 - TYPE_BASE[customers.behaviour[journeys.owner]]
    factor = _dip_factor(journeys.end, last_channel) * alive
    p = (1.0 - stay * np.exp(miss)) * factor
    without = (1.0 - stay[:, None] * np.exp(miss[:, None] - miss_by_channel)) * factor[:, None]
    return p, p[:, None] - without, last_channel


def _dip_factor(end: np.ndarray, last_channel: np.ndarray) -> np.ndarray:
    """Planted conversion dip: journeys ending with 微信公众号 on the dip days convert 40% less."""
    day = day_of(end)
    hit = (
        (last_channel == CH[CONVERSION_DIP.channel])
        & (day >= day_index(CONVERSION_DIP.start))
        & (day <= day_index(CONVERSION_DIP.end))
    )
    return np.where(hit, 1.0 + CONVERSION_DIP.magnitude, 1.0)
