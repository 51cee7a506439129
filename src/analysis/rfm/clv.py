"""Customer lifetime value: BG/NBD purchases × Gamma-Gamma spend × margin, discounted monthly.

Fader, Hardie & Lee (2005), "RFM and CLV: using iso-value curves for customer base
analysis"; the monthly discrete sum follows `lifetimes`' `customer_lifetime_value`
(Davidson-Pilon): month m contributes E[purchases in month m] · E[spend] · margin / (1+d)^m.
"""

from __future__ import annotations

import math

import numpy as np

from analysis.errors import InputError
from analysis.rfm.bgnbd import BgNbdFit, check_summary, expected_purchases
from analysis.rfm.gamma_gamma import GammaGammaFit, check_spend, expected_spend


def customer_lifetime_value(  # noqa: PLR0913  # two fits, four per-customer arrays, options
    bgnbd: BgNbdFit,
    gamma_gamma: GammaGammaFit,
    frequency: np.ndarray,
    recency: np.ndarray,
    T: np.ndarray,
    monetary: np.ndarray,
    *,
    horizon_periods: float,
    periods_per_month: float,
    margin: float,
    monthly_discount_rate: float,
) -> np.ndarray:
    """Discounted expected margin over the next `horizon_periods`, per customer.

    Sum over months m = 1..ceil(horizon / periods_per_month) of
    [E purchases by end of month m − by its start] (BG/NBD, conditional on history)
    × expected spend (Gamma-Gamma) × margin / (1 + monthly_discount_rate)^m. A final partial
    month ends at the horizon (for a whole number of months this is lifetimes' sum exactly).
    Time is in the summaries' unit: periods_per_month = 30.4375/7 for weeks, 30.4375 for days.
    """
    x, t_x, age = check_summary(frequency, recency, T)
    _, spend = check_spend(x, monetary)
    month_ends = _month_ends(horizon_periods, periods_per_month)
    _check_rate("margin", margin, upper=1.0)
    _check_rate("monthly_discount_rate", monthly_discount_rate, upper=math.inf)
    cumulative = [np.zeros_like(x)] + [
        expected_purchases(bgnbd, end, x, t_x, age) for end in month_ends
    ]
    per_month = np.diff(np.vstack(cumulative), axis=0)
    discount = (1.0 + monthly_discount_rate) ** -np.arange(1, len(month_ends) + 1)
    purchases = discount @ per_month
    return purchases * expected_spend(gamma_gamma, x, spend) * margin


def _month_ends(horizon_periods: float, periods_per_month: float) -> list[float]:
    """Month ends m·periods_per_month, m = 1..ceil(months); the last is capped at the horizon."""
    for name, value in (
        ("horizon_periods", horizon_periods),
        ("periods_per_month", periods_per_month),
    ):
        if not math.isfinite(value) or value <= 0:
            raise InputError(f"{name} == {value!r}; a finite number > 0 (periods) is accepted")
    months = math.ceil(round(horizon_periods / periods_per_month, 9))
    return [min(m * periods_per_month, horizon_periods) for m in range(1, months + 1)]


def _check_rate(name: str, value: float, *, upper: float) -> None:
    if not math.isfinite(value) or not 0 <= value <= upper:
        raise InputError(f"{name} == {value!r}; a number in [0, {upper}] is accepted")
