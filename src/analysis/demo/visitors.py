"""Anonymous visitors: prospects who browse through a few touches and never buy (null paths)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from analysis.demo.arrow import digit_strings, digit_width
from analysis.demo.timing import growing_times
from analysis.demo.touches import Touches, draw_campaigns, draw_channels, dropped_by_outage
from analysis.demo.world import DAY, FIRST, HORIZON, MIDDLE

VISIT_COUNT_MIX = np.array([0.5, 0.3, 0.2])  # 1..3 touches per visitor
VISITOR_ID_WIDTH = 8
REVISIT_DAYS = 3.0


def visitor_ids(first_number: int, count: int) -> pa.Array:
    """'V00000001'-style ids for visitors first_number+1 .. first_number+count."""
    width = digit_width(first_number + count, VISITOR_ID_WIDTH)
    return digit_strings(first_number + 1 + np.arange(count), width, "V")


def visitor_touches(rng: np.random.Generator, count: int, first_user: int) -> Touches:
    """Touches of `count` visitors, numbered from first_user in the chunk's user list."""
    visits = rng.choice(len(VISIT_COUNT_MIX), size=count, p=VISIT_COUNT_MIX) + 1
    visitor = np.repeat(np.arange(count), visits)
    position = np.arange(len(visitor)) - np.repeat(np.cumsum(visits) - visits, visits)
    # Visitors keep arriving up to the last moment and some arrived before the first day: only
    # touches inside the period are kept, so the traffic of the first and last days is as
    # steady as any other (no ramp at either end that a detector would read as a dip).
    arrival = growing_times(rng, np.full(count, -REVISIT_DAYS * DAY), np.full(count, HORIZON))
    later = np.where(position == 0, 0.0, rng.uniform(0, REVISIT_DAYS * DAY, size=len(visitor)))
    ts = np.floor(arrival[visitor] + later).astype(np.int64)
    role = np.where(position == 0, FIRST, MIDDLE)
    channel = draw_channels(rng, role, ts)
    touches = Touches(first_user + visitor, ts, channel, draw_campaigns(rng, channel))
    inside = (ts >= 0) & (ts < HORIZON)
    return touches.subset(~dropped_by_outage(rng, channel, ts) & inside)
