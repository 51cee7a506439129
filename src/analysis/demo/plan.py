"""The run plan: validated seed and scale, customer count and the chunks they are cut into."""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real

from analysis.demo.world import CHUNK_CUSTOMERS, CUSTOMERS_AT_SCALE_1, MIN_CUSTOMERS
from analysis.errors import ParamsError

MAX_SCALE = 1000.0
CUSTOMER_ID_WIDTH = 7


@dataclass(frozen=True)
class Plan:
    """How big the demo world is and how it is cut into fixed-size customer chunks."""

    seed: int
    scale: float
    customers: int

    @property
    def customer_id_width(self) -> int:
        """Digits of a customer id (wide enough for every customer)."""
        return max(CUSTOMER_ID_WIDTH, len(str(self.customers)))

    @property
    def chunk_count(self) -> int:
        """Number of chunks the customers are generated in."""
        return math.ceil(self.customers / CHUNK_CUSTOMERS)

    def chunk_size(self, index: int) -> int:
        """Customers in chunk `index` (the last may be smaller)."""
        return min(CHUNK_CUSTOMERS, self.customers - index * CHUNK_CUSTOMERS)

    def scaled(self, at_scale_1: int, minimum: int) -> int:
        """A count that grows linearly with scale, never below `minimum`."""
        return max(minimum, round(at_scale_1 * self.scale))


def make_plan(seed: int, scale: float) -> Plan:
    """Validate seed and scale (raising ParamsError) and size the world."""
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ParamsError(f"demo seed must be a non-negative integer, got {seed!r}")
    if isinstance(scale, bool) or not isinstance(scale, Real) or not math.isfinite(scale):
        raise ParamsError(f"demo scale must be a finite number, got {scale!r}")
    if not 0 < scale <= MAX_SCALE:
        raise ParamsError(f"demo scale must be > 0 and <= {MAX_SCALE:g}, got {scale!r}")
    customers = max(MIN_CUSTOMERS, round(CUSTOMERS_AT_SCALE_1 * float(scale)))
    return Plan(seed=seed, scale=float(scale), customers=customers)
