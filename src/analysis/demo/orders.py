"""Orders: converted journeys plus direct / store orders, with revenue from the buyer's type."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from analysis.demo.arrow import digit_strings, digit_width, money, pick, timestamps, with_nulls
from analysis.demo.customers import CustomerChunk
from analysis.demo.journeys import JourneyOutcome
from analysis.demo.timing import growing_times
from analysis.demo.world import (
    AOV_SIGMA,
    DIRECT_SHARE,
    MONTH,
    NEW,
    NEW_MAX_ORDERS,
    TYPE_AOV,
    TYPE_ORDER_RATE,
)
from analysis.schema import CHANNELS

ORDER_ID_WIDTH = 9
DIRECT = -1  # channel index of an order with no journey (null channel)


def direct_orders(
    rng: np.random.Generator, customers: CustomerChunk
) -> tuple[np.ndarray, np.ndarray]:
    """(customer, time) of orders with no journey (store purchases, direct visits).

    A customer whose journeys never converted stays a registered member without orders.
    """
    months = (customers.window_end - customers.window_start) / MONTH
    counts = rng.poisson(TYPE_ORDER_RATE[customers.behaviour] * months * DIRECT_SHARE)
    buyer = np.repeat(np.arange(customers.size), counts)
    ts = growing_times(rng, customers.window_start[buyer], customers.window_end[buyer] - 1)
    return buyer, np.floor(ts).astype(np.int64)


def order_values(rng: np.random.Generator, behaviour: np.ndarray) -> np.ndarray:
    """Lognormal order revenue with the type's mean AOV, in yuan."""
    mu = np.log(TYPE_AOV[behaviour]) - AOV_SIGMA**2 / 2
    return np.maximum(np.round(rng.lognormal(mu, AOV_SIGMA), 2), 1.0)


def _within_cap(customers: CustomerChunk, sorted_buyer: np.ndarray) -> np.ndarray:
    """False for a new customer's orders beyond their first NEW_MAX_ORDERS (buyers sorted)."""
    first_of_buyer = np.searchsorted(sorted_buyer, sorted_buyer)
    rank = np.arange(len(sorted_buyer)) - first_of_buyer
    is_new = customers.behaviour[sorted_buyer] == NEW
    return ~(is_new & (rank >= NEW_MAX_ORDERS))


def build_orders(
    rng: np.random.Generator,
    customers: CustomerChunk,
    outcome: JourneyOutcome,
    first_number: int,
    added: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> tuple[pa.Table, np.ndarray, np.ndarray]:
    """The chunk's orders (ids from first_number + 1), last-touch orders per channel, buyers.

    `added` holds (buyer, time, revenue) of orders paid media added with no journey."""
    buyer, ts = direct_orders(rng, customers)
    buyer = np.concatenate([outcome.order_customer, buyer])
    ts = np.concatenate([outcome.order_ts, ts])
    revenue = order_values(rng, customers.behaviour[buyer])
    if added is not None:
        buyer = np.concatenate([buyer, added[0]])
        ts = np.concatenate([ts, added[1]])
        revenue = np.concatenate([revenue, added[2]])
    no_journey = np.full(len(ts) - len(outcome.order_ts), DIRECT)
    channel = np.concatenate([outcome.order_channel, no_journey])
    order = np.lexsort((ts, buyer))
    order = order[_within_cap(customers, buyer[order])]
    buyer, ts, channel, revenue = buyer[order], ts[order], channel[order], revenue[order]
    numbers = first_number + 1 + np.arange(len(buyer))
    width = digit_width(first_number + len(buyer), ORDER_ID_WIDTH)
    table = pa.table(
        {
            "order_id": digit_strings(numbers, width, "O"),
            "customer_id": customers.ids.take(pa.array(buyer)),
            "order_ts": timestamps(ts),
            "revenue": money(revenue),
            "channel": with_nulls(pick(list(CHANNELS), np.maximum(channel, 0)), channel == DIRECT),
        }
    )
    last_touch = np.bincount(channel[channel != DIRECT], minlength=len(CHANNELS))
    return table, last_touch, np.unique(buyer)
