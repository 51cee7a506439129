"""One chunk of the world: a block of customers with their journeys, orders and touchpoints."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from analysis.demo.arrow import pick, timestamps
from analysis.demo.catalog import CAMPAIGN_NAMES, N_CAMPAIGNS
from analysis.demo.customers import Identity, customer_table, draw_customers
from analysis.demo.journeys import simulate_journeys
from analysis.demo.media import incremental_orders
from analysis.demo.orders import build_orders
from analysis.demo.seeding import Stream, rng_for
from analysis.demo.timing import day_of
from analysis.demo.touches import Touches
from analysis.demo.visitors import visitor_ids, visitor_touches
from analysis.demo.world import DAYS, TYPE_NAMES, VISITORS_PER_CUSTOMER
from analysis.schema import CHANNELS


@dataclass(frozen=True)
class ChunkSpec:
    """Which customers (and how many visitors) a chunk holds and where its id counters start."""

    index: int
    first_customer: int
    customers: int
    first_order: int
    first_visitor: int
    customer_id_width: int

    @property
    def visitors(self) -> int:
        """Anonymous visitors generated with this chunk's customers."""
        return round(self.customers * VISITORS_PER_CUSTOMER)


@dataclass(frozen=True)
class ChunkResult:
    """A chunk's rows per output table plus the counters the small tables are built from."""

    tables: dict[str, pa.Table]
    clicks: np.ndarray  # touches per (day, campaign)
    true_conversions: np.ndarray
    true_revenue: np.ndarray
    last_touch_orders: np.ndarray
    behaviour_counts: np.ndarray
    null_path_touches: int  # touches on paths that did not end in an order
    buyers: np.ndarray  # customer numbers (within the chunk) with at least one order


def simulate_chunk(seed: int, spec: ChunkSpec, identity: Identity) -> ChunkResult:
    """Generate every row that belongs to the chunk's customers and visitors."""
    rng = rng_for(seed, Stream.CHUNK, spec.index)
    customers = draw_customers(rng, spec.first_customer, spec.customers, spec.customer_id_width)
    outcome = simulate_journeys(rng, customers)
    added = incremental_orders(seed, spec.index, customers)
    orders, last_touch, buyers = build_orders(rng, customers, outcome, spec.first_order, added)
    visits = visitor_touches(rng, spec.visitors, first_user=spec.customers)
    touches = Touches.concat([outcome.touches, visits])
    users = pa.concat_arrays([customers.ids, visitor_ids(spec.first_visitor, spec.visitors)])
    tables = {
        "customers": customer_table(rng, customers, identity),
        "truth_customers": pa.table(
            {
                "customer_id": customers.ids,
                "behaviour_type": pick(list(TYPE_NAMES), customers.behaviour),
            }
        ),
        "orders": orders,
        "touchpoints": touchpoint_table(touches, users),
    }
    return ChunkResult(
        tables=tables,
        clicks=daily_campaign_touches(touches),
        true_conversions=outcome.true_conversions,
        true_revenue=outcome.true_revenue,
        last_touch_orders=last_touch,
        behaviour_counts=np.bincount(customers.behaviour, minlength=len(TYPE_NAMES)),
        null_path_touches=outcome.null_path_touches + len(visits.ts),
        buyers=buyers,
    )


def touchpoint_table(touches: Touches, users: pa.Array) -> pa.Table:
    """Touchpoints rows ordered by user and time."""
    order = np.lexsort((touches.ts, touches.user))
    return pa.table(
        {
            "user_id": users.take(pa.array(touches.user[order])),
            "ts": timestamps(touches.ts[order]),
            "channel": pick(list(CHANNELS), touches.channel[order]),
            "campaign": pick(list(CAMPAIGN_NAMES), touches.campaign[order]),
        }
    )


def daily_campaign_touches(touches: Touches) -> np.ndarray:
    """Touch counts per (day, campaign): the clicks the spend table reports."""
    cell = day_of(touches.ts) * N_CAMPAIGNS + touches.campaign
    return np.bincount(cell, minlength=DAYS * N_CAMPAIGNS).reshape(DAYS, N_CAMPAIGNS)
