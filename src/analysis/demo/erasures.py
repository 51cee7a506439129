"""Erasure (right-to-be-forgotten) requests: customers whose rows every analysis must drop."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

from analysis.demo.arrow import timestamps
from analysis.demo.customers import customer_ids
from analysis.demo.plan import Plan
from analysis.demo.world import DAY, day_index

ERASURES_AT_SCALE_1, MIN_ERASURES = 12, 3
REQUESTS_FROM, REQUESTS_TO = dt.date(2026, 9, 1), dt.date(2026, 10, 31)


def choose_erased(
    rng: np.random.Generator, plan: Plan, participants: np.ndarray, buyers: np.ndarray
) -> np.ndarray:
    """Customer numbers to erase, all of them buyers: half experiment participants, half others.

    Erasing buyers makes the test bite: their orders (and experiment rows) must vanish.
    """
    count = min(plan.scaled(ERASURES_AT_SCALE_1, MIN_ERASURES), len(buyers))
    testers = np.intersect1d(participants, buyers)
    from_tests = rng.choice(testers, size=min(-(-count // 2), len(testers)), replace=False)
    pool = rng.choice(buyers, size=min(len(buyers), 2 * count + 8), replace=False)
    others = pool[~np.isin(pool, from_tests)][: count - len(from_tests)]
    return np.concatenate([from_tests, others])


def build_erasures(
    rng: np.random.Generator, plan: Plan, participants: np.ndarray, buyers: np.ndarray
) -> tuple[pa.Table, list[str]]:
    """The erasures table (ordered by request time) and the erased customer ids."""
    chosen = choose_erased(rng, plan, participants, buyers)
    start = day_index(REQUESTS_FROM) * DAY
    requested = rng.integers(start, (day_index(REQUESTS_TO) + 1) * DAY, size=len(chosen))
    order = np.argsort(requested, kind="stable")
    ids = customer_ids(chosen[order], plan.customer_id_width)
    table = pa.table({"customer_id": ids, "requested_at": timestamps(requested[order])})
    return table, ids.to_pylist()
