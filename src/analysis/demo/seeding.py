"""Independent, reproducible random streams: one `SeedSequence` child per stream and chunk."""

from __future__ import annotations

from enum import IntEnum

import numpy as np


class Stream(IntEnum):
    """What a random stream is used for; part of its spawn key, so streams never overlap."""

    CHUNK = 0
    SPEND = 1
    EXPERIMENTS = 2
    METRICS = 3
    ERASURES = 4
    IDENTITY = 5


def rng_for(seed: int, stream: Stream, index: int = 0) -> np.random.Generator:
    """Generator for (stream, index): the child `SeedSequence(seed).spawn` would give at that key.

    Keyed spawning means chunk 3 of seed 7 draws the same numbers whatever the scale, and
    streams can be created in any order.
    """
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(int(stream), index)))
