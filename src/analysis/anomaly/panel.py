"""Many metric series on one regular time grid: what the detector, rules and incidents share.

A panel is built in the engine (`anomaly.queries`) and holds one row per series:
its identity (`keys`), its values on the grid and, for ratios and counts, the volume
that says how much a day's value can be trusted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from analysis.anomaly.steps import steps_per_day
from analysis.errors import AnalysisError

MetricKind = Literal["count", "amount", "ratio", "price"]
"""count: visits, orders, clicks (Poisson); amount: spend, revenue (a sum over clicks or orders:
compound Poisson where the unit count is known);
ratio: CTR, conversion rate (binomial: numerator of denominator); price: CPC, CPM
(an amount per unit: the denominator's count sets its precision)."""

Frequency = str
"""A step as `anomaly.steps` spells it: "D", "h", "<n>h" or "<n>min" dividing a day."""
KEY_COLUMNS = ("name", "level", "metric", "kind", "channel", "campaign", "keyword", "parent")


@dataclass(frozen=True)
class Panel:
    """Series on one grid. Row i of every array is the series described by `keys.iloc[i]`.

    keys: one row per series with KEY_COLUMNS: `name` (display, e.g. "百度SEM / 双11预热_SEM /
    护肤套装 · cpc"), `level` (channel | campaign | keyword | series), `metric` (spend, clicks,
    ctr, cpc, visits, conversion_rate, ...), `kind` (MetricKind), `channel`/`campaign`/`keyword`
    (None above their level) and `parent`: the row of the same metric one level up, or -1.
    values: float (n_series, n_steps), NaN where the series has no data that step.
    numerator / denominator: float (n_series, n_steps) for ratio and price series: value =
    numerator / denominator, e.g. clicks / impressions, spend / clicks. For amounts whose unit
    count is known, denominator = units (spend: clicks, revenue: orders) and numerator = Σ of
    the squared unit amounts where the source has them (revenue: Σ order value²; spend: NaN),
    the detector's volume model (`anomaly.detect.sampling_variance`). NaN rows otherwise.
    """

    keys: pd.DataFrame
    timestamps: np.ndarray  # datetime64[ns], regular, ascending
    values: np.ndarray
    numerator: np.ndarray
    denominator: np.ndarray
    frequency: Frequency = "D"

    def __post_init__(self) -> None:
        shape = (len(self.keys), len(self.timestamps))
        for name in ("values", "numerator", "denominator"):
            if getattr(self, name).shape != shape:
                raise AnalysisError(
                    f"panel {name} has shape {getattr(self, name).shape}, expected {shape} "
                    "(series × time steps)"
                )
        missing = [c for c in KEY_COLUMNS if c not in self.keys.columns]
        if missing:
            raise AnalysisError(f"panel keys lack columns {missing}; need {list(KEY_COLUMNS)}")

    @property
    def n_series(self) -> int:
        """Number of series (rows of the panel)."""
        return len(self.keys)

    @property
    def season(self) -> int:
        """Steps per week: 7 for daily data, 168 for hourly, 2,016 for 5-minute data."""
        return 7 * steps_per_day(self.frequency)

    def rows(self, **match: object) -> np.ndarray:
        """Row numbers of the series whose key columns equal the given values."""
        mask = np.ones(self.n_series, dtype=bool)
        for column, value in match.items():
            mask &= (self.keys[column] == value).to_numpy()
        return np.flatnonzero(mask)
