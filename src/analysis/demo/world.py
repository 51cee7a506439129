"""The fictional brand's world: the period, behaviour types and the planted channel mechanics."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from analysis.attribution.budget import Thresholds
from analysis.attribution.budget import roi_status as channel_status
from analysis.schema import CHANNELS

PERIOD_START = dt.date(2025, 11, 1)
PERIOD_END = dt.date(2026, 10, 31)
DAYS = (PERIOD_END - PERIOD_START).days + 1
DAY = 86_400
MONTH = 30.44 * DAY
HORIZON = DAYS * DAY  # seconds in the period; times are stored as seconds since PERIOD_START
EPOCH_OFFSET = int((PERIOD_START - dt.date(1970, 1, 1)).days) * DAY

CUSTOMERS_AT_SCALE_1 = 50_000
CHUNK_CUSTOMERS = 25_000  # fixed, so a chunk's content never depends on the scale
MIN_CUSTOMERS = 200
VISITORS_PER_CUSTOMER = 2.1  # anonymous visitors (touches, never orders) per customer
GROWTH = 0.15  # traffic and orders grow ~15% over the year

N_CHANNELS = len(CHANNELS)
CH = {name: i for i, name in enumerate(CHANNELS)}


def day_index(day: dt.date) -> int:
    """Days since PERIOD_START."""
    return (day - PERIOD_START).days


DAY_OF_WEEK = (PERIOD_START.weekday() + np.arange(DAYS)) % 7
IS_WEEKEND = DAY_OF_WEEK >= 5


@dataclass(frozen=True)
class BehaviourType:
    """A latent customer segment: how often it buys, how much, how readily a journey converts."""

    name: str
    share: float
    orders_per_month: float
    aov: float  # mean order value in yuan (lognormal)
    base_conversion: float  # chance a journey converts with no channel help


BEHAVIOUR_TYPES: tuple[BehaviourType, ...] = (
    BehaviourType("champion", 0.08, 2.5, 600.0, 0.35),
    BehaviourType("loyal", 0.20, 0.6, 250.0, 0.20),
    BehaviourType("occasional", 0.32, 0.10, 80.0, 0.08),
    BehaviourType("lapsed", 0.25, 0.9, 320.0, 0.15),
    BehaviourType("new", 0.15, 0.6, 280.0, 0.20),
)
TYPE_NAMES = tuple(t.name for t in BEHAVIOUR_TYPES)
TYPE_SHARE = np.array([t.share for t in BEHAVIOUR_TYPES])
TYPE_ORDER_RATE = np.array([t.orders_per_month for t in BEHAVIOUR_TYPES])
TYPE_AOV = np.array([t.aov for t in BEHAVIOUR_TYPES])
TYPE_BASE = np.array([t.base_conversion for t in BEHAVIOUR_TYPES])
AOV_SIGMA = 0.4
LAPSED, NEW = TYPE_NAMES.index("lapsed"), TYPE_NAMES.index("new")
LAPSE_MONTHS = (4.0, 9.0)  # a lapsed customer's last order is this many months before the end
NEW_WITHIN_DAYS = (3.0, 60.0)  # a new customer was first seen this many days before the end
NEW_MAX_ORDERS = 2  # a new customer's later conversions are dropped (truth ignores this cap)
DIRECT_SHARE = 0.065  # orders with no journey (store, direct), before the at-least-one-order top-up


def _by_channel(values: dict[str, float]) -> np.ndarray:
    return np.array([values[c] for c in CHANNELS], dtype=np.float64)


# Planted causal weight: a touch of channel c lifts the journey's conversion odds by w_c.
TOUCH_WEIGHT = _by_channel(
    {
        "百度SEM": 0.20,
        "抖音": 0.12,
        "小红书": 0.30,
        "微信公众号": 0.14,
        "企业微信社群": 0.18,
        "邮件": 0.10,
        "知乎": 0.04,
    }
)
LOG_MISS = np.log1p(-TOUCH_WEIGHT)

# Which channel a touch comes from, by its role in the journey (first / middle / last).
FIRST, MIDDLE, LAST = 0, 1, 2
ROLE_MIX = np.array(
    [
        _by_channel(
            {
                "百度SEM": 0.08,
                "抖音": 0.12,
                "小红书": 0.45,
                "微信公众号": 0.06,
                "企业微信社群": 0.03,
                "邮件": 0.05,
                "知乎": 0.18,
            }
        ),
        _by_channel(
            {
                "百度SEM": 0.08,
                "抖音": 0.12,
                "小红书": 0.30,
                "微信公众号": 0.18,
                "企业微信社群": 0.06,
                "邮件": 0.16,
                "知乎": 0.06,
            }
        ),
        _by_channel(
            {
                "百度SEM": 0.32,
                "抖音": 0.10,
                "小红书": 0.04,
                "微信公众号": 0.14,
                "企业微信社群": 0.26,
                "邮件": 0.12,
                "知乎": 0.02,
            }
        ),
    ]
)
WEEKEND_LIFT = _by_channel(
    {
        "百度SEM": 0.8,
        "抖音": 1.25,
        "小红书": 1.25,
        "微信公众号": 1.0,
        "企业微信社群": 1.0,
        "邮件": 1.0,
        "知乎": 1.0,
    }
)
TOUCH_COUNT_MIX = np.array([0.22, 0.24, 0.20, 0.15, 0.11, 0.08])  # journeys of 1..6 touches
JOURNEY_DAYS = 30.0


def _role_weekend_mix() -> np.ndarray:
    """Channel mix by (role, is_weekend), each row normalised to 1."""
    mix = np.stack([ROLE_MIX, ROLE_MIX * WEEKEND_LIFT], axis=1)
    return mix / mix.sum(axis=2, keepdims=True)


ROLE_WEEKEND_MIX = _role_weekend_mix()
ROLE_WEEKEND_CUM = np.cumsum(ROLE_WEEKEND_MIX, axis=2)
ROLE_WEEKEND_CUM[..., -1] = 1.0


def expected_miss() -> float:
    """E[prod over touches (1 - w)] for a random journey (weekday/weekend averaged)."""
    day_mix = ROLE_WEEKEND_MIX[:, 0] * 5 / 7 + ROLE_WEEKEND_MIX[:, 1] * 2 / 7
    first, middle, last = day_mix @ (1.0 - TOUCH_WEIGHT)
    sizes = np.arange(1, len(TOUCH_COUNT_MIX) + 1)
    miss = np.where(sizes == 1, last, first * middle ** np.maximum(sizes - 2, 0) * last)
    return float(TOUCH_COUNT_MIX @ miss)


EXPECTED_P = 1.0 - (1.0 - TYPE_BASE) * expected_miss()
JOURNEYS_PER_MONTH = TYPE_ORDER_RATE * (1.0 - DIRECT_SHARE) / EXPECTED_P

# Planted return on spend (true revenue / spend); None marks an unpaid (organic) channel.
PLANTED_ROI: dict[str, float | None] = {
    "百度SEM": 2.4,
    "抖音": 1.6,
    "小红书": 4.0,
    "微信公众号": 3.3,
    "企业微信社群": None,
    "邮件": 5.0,
    "知乎": 0.9,
}
_LINES = Thresholds()  # the handbook's ROI lines, from the params model
ROI_THRESHOLDS = {"expand": _LINES.expand, "keep": _LINES.keep, "watch": _LINES.watch}
CHANNEL_CTR = _by_channel(
    {
        "百度SEM": 0.045,
        "抖音": 0.012,
        "小红书": 0.025,
        "微信公众号": 0.035,
        "企业微信社群": 0.05,
        "邮件": 0.02,
        "知乎": 0.015,
    }
)
ASSISTING_CHANNEL = "小红书"


def roi_status(roi: float | None) -> str:
    """The handbook's verdict for a channel's ROI: the attribution report's, default lines."""
    return channel_status(roi, _LINES)
