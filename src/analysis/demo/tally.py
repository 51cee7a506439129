"""Running totals across chunks: id counters, row counts and the counters behind small tables."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from analysis.demo.catalog import N_CAMPAIGNS
from analysis.demo.chunk import ChunkResult, ChunkSpec
from analysis.demo.plan import Plan
from analysis.demo.world import CHUNK_CUSTOMERS, DAY, DAYS, EPOCH_OFFSET, N_CHANNELS, TYPE_NAMES


@dataclass
class Tally:
    """Everything the end-of-run tables and the truth need from the streamed chunks."""

    clicks: np.ndarray = field(default_factory=lambda: np.zeros((DAYS, N_CAMPAIGNS), np.int64))
    true_conversions: np.ndarray = field(default_factory=lambda: np.zeros(N_CHANNELS))
    true_revenue: np.ndarray = field(default_factory=lambda: np.zeros(N_CHANNELS))
    last_touch_orders: np.ndarray = field(default_factory=lambda: np.zeros(N_CHANNELS, np.int64))
    behaviour_counts: np.ndarray = field(
        default_factory=lambda: np.zeros(len(TYPE_NAMES), np.int64)
    )
    null_path_touches: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    visitors: int = 0
    buyers: list[np.ndarray] = field(default_factory=list)  # customer numbers with orders
    daily_revenue: np.ndarray = field(default_factory=lambda: np.zeros(DAYS))  # order revenue

    def next_chunk(self, plan: Plan, index: int) -> ChunkSpec:
        """The spec of chunk `index`, continuing the order and visitor numbering."""
        return ChunkSpec(
            index=index,
            first_customer=index * CHUNK_CUSTOMERS,
            customers=plan.chunk_size(index),
            first_order=self.rows.get("orders", 0),
            first_visitor=self.visitors,
            customer_id_width=plan.customer_id_width,
        )

    def add(self, spec: ChunkSpec, result: ChunkResult) -> None:
        """Fold a finished chunk into the totals."""
        self.clicks += result.clicks
        self.true_conversions += result.true_conversions
        self.true_revenue += result.true_revenue
        self.last_touch_orders += result.last_touch_orders
        self.behaviour_counts += result.behaviour_counts
        self.null_path_touches += result.null_path_touches
        self.visitors += spec.visitors
        self.buyers.append(spec.first_customer + result.buyers)
        orders = result.tables["orders"]
        micros = orders.column("order_ts").cast(pa.int64()).to_numpy()
        day = micros // 1_000_000 // DAY - EPOCH_OFFSET // DAY
        inside = (day >= 0) & (day < DAYS)
        revenue = orders.column("revenue").to_numpy()
        self.daily_revenue += np.bincount(day[inside], revenue[inside], minlength=DAYS)
        for name, table in result.tables.items():
            self.rows[name] = self.rows.get(name, 0) + table.num_rows
