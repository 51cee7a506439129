"""The record every attribution model returns: conversions and revenue credited per channel."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class Credit:
    """Conversions and revenue credited to each channel by one model.

    `conversions[i]` and `revenue[i]` belong to `channels[i]`; the arrays are read-only.
    A channel listed in the path set but never touched gets 0.
    """

    model: str  # e.g. "last_touch", "markov", "markov_order_2", "shapley"
    channels: tuple[str, ...]
    conversions: np.ndarray
    revenue: np.ndarray

    def __post_init__(self) -> None:
        for name in ("conversions", "revenue"):
            values = np.array(getattr(self, name), dtype=float)
            values.setflags(write=False)
            object.__setattr__(self, name, values)

    @property
    def total_conversions(self) -> float:
        """Conversions credited across all channels."""
        return float(self.conversions.sum())

    @property
    def total_revenue(self) -> float:
        """Revenue credited across all channels."""
        return float(self.revenue.sum())

    def as_dict(self) -> dict[str, tuple[float, float]]:
        """`{channel: (conversions, revenue)}`, in channel order."""
        return {
            channel: (float(conversions), float(revenue))
            for channel, conversions, revenue in zip(
                self.channels, self.conversions, self.revenue, strict=True
            )
        }
