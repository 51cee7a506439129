"""Sufficient statistics of one experiment arm, as aggregated in the engine.

Every A/B statistic in this package is computed from these records alone (counts, sums,
sums of squares and cross-products), so unit-level rows never leave the warehouse.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProportionStats:
    """A 0/1 metric (clicked, converted): units and how many had the event."""

    units: int
    successes: int

    @property
    def rate(self) -> float:
        """Conversion rate: successes per unit."""
        return self.successes / self.units


@dataclass(frozen=True)
class MeanStats:
    """A per-unit numeric metric (revenue per unit): n, Σy and Σy²."""

    units: int
    total: float
    sum_squares: float

    @property
    def mean(self) -> float:
        """Mean per unit: Σy / n."""
        return self.total / self.units


@dataclass(frozen=True)
class RatioStats:
    """A ratio of two per-unit sums (revenue per click): n, Σx, Σy, Σx², Σy², Σxy.

    numerator = y (e.g. revenue), denominator = x (e.g. clicks).
    """

    units: int
    numerator: float
    denominator: float
    numerator_squares: float
    denominator_squares: float
    cross: float

    @property
    def ratio(self) -> float:
        """Ratio of sums: Σy / Σx."""
        return self.numerator / self.denominator


@dataclass(frozen=True)
class CovariateStats:
    """A metric y with a pre-period covariate x (for CUPED): n, Σy, Σy², Σx, Σx², Σxy."""

    units: int
    total: float
    sum_squares: float
    covariate_total: float
    covariate_squares: float
    cross: float
