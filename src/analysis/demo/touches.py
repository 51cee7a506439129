"""Touchpoints: which channel and campaign a visit comes from, and the planted traffic drop."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.demo.anomalies import TRAFFIC_DROP
from analysis.demo.catalog import CAMPAIGN_CUM, CAMPAIGN_INDEX
from analysis.demo.timing import day_of, weekend_of
from analysis.demo.world import CH, ROLE_WEEKEND_CUM, day_index


@dataclass(frozen=True)
class Touches:
    """Visits of a chunk's users: local user number, time, channel and campaign (indices)."""

    user: np.ndarray
    ts: np.ndarray  # int64 seconds since period start
    channel: np.ndarray
    campaign: np.ndarray

    def subset(self, mask: np.ndarray) -> Touches:
        """The touches where `mask` holds."""
        return Touches(self.user[mask], self.ts[mask], self.channel[mask], self.campaign[mask])

    @staticmethod
    def concat(parts: list[Touches]) -> Touches:
        """The touches of several parts, one after another."""
        return Touches(
            *(
                np.concatenate([getattr(p, f) for p in parts])
                for f in ("user", "ts", "channel", "campaign")
            )
        )


def _first_above(u: np.ndarray, cumulative: np.ndarray) -> np.ndarray:
    """Index of the first cumulative weight above u, row by row (inverse-CDF sampling)."""
    return (u[:, None] >= cumulative).sum(axis=1)


def draw_channels(rng: np.random.Generator, role: np.ndarray, ts: np.ndarray) -> np.ndarray:
    """Channel of each touch from its journey role and whether it falls on a weekend."""
    cumulative = ROLE_WEEKEND_CUM[role, weekend_of(ts).astype(np.int64)]
    return np.minimum(_first_above(rng.random(len(role)), cumulative), cumulative.shape[1] - 1)


def draw_campaigns(rng: np.random.Generator, channel: np.ndarray) -> np.ndarray:
    """Global campaign index of each touch, by the channel's campaign weights."""
    local = _first_above(rng.random(len(channel)), CAMPAIGN_CUM[channel])
    local = np.minimum(local, CAMPAIGN_CUM.shape[1] - 1)
    return CAMPAIGN_INDEX[channel, local]


def dropped_by_outage(rng: np.random.Generator, channel: np.ndarray, ts: np.ndarray) -> np.ndarray:
    """True for the 抖音 touches lost in the planted traffic drop week."""
    day = day_of(ts)
    in_window = (day >= day_index(TRAFFIC_DROP.start)) & (day <= day_index(TRAFFIC_DROP.end))
    hit = rng.random(len(channel)) < -TRAFFIC_DROP.magnitude
    return in_window & (channel == CH[TRAFFIC_DROP.channel]) & hit
