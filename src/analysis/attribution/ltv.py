"""Lifetime value of a newly acquired customer, for LTV:CAC.

With `ltv: clv` (the default) it comes from the RFM report's models: BG/NBD expected repeat
purchases of a new customer (Fader, Hardie & Lee 2005, eq. 9) over the horizon, discounted
monthly, plus the first purchase, × the Gamma-Gamma population mean spend × gross margin.
When the models cannot be fitted (or with `ltv: mean_revenue`) it falls back to the mean
revenue per customer to date × gross margin, and says so. Either way it is one value for
every channel: per-channel cohorts would need months of acquisitions per channel.
The result carries the method as a code with its numbers; `attribution.wording` words it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from analysis.engine import in_days, money_sum
from analysis.errors import AnalysisError
from analysis.rfm import bgnbd, gamma_gamma
from analysis.rfm import queries as rfm_queries
from analysis.warehouse import Warehouse
from analysis.weeks import DAYS_PER_MONTH

WEEK = 7.0


@dataclass(frozen=True)
class LifetimeValue:
    """One new customer's value (margin, currency) and how it was obtained.

    `method` is "clv" (values: repeats, horizon, mean_spend, margin, rate) or "mean_revenue"
    (values: per_customer, margin); `fallback_error` says why the CLV models were not used.
    """

    value: float
    method: str
    values: dict[str, float] = field(default_factory=dict)
    fallback_error: str | None = None


def new_customer_ltv(
    warehouse: Warehouse,
    as_of: date,
    *,
    source: str,
    margin: float,
    horizon_days: int,
    monthly_discount_rate: float,
) -> LifetimeValue:
    """LTV of a customer acquired now: CLV models when they fit, else mean revenue (stated)."""
    error_text = None
    if source == "clv":
        try:
            return _clv_of_new_customer(
                warehouse, as_of, margin, horizon_days, monthly_discount_rate
            )
        except AnalysisError as error:
            error_text = str(error)
    return _mean_revenue_value(warehouse, as_of, margin, error_text)


def _clv_of_new_customer(
    warehouse: Warehouse, as_of: date, margin: float, horizon_days: int, rate: float
) -> LifetimeValue:
    summary = rfm_queries.clv_summary(warehouse, as_of, period_days=WEEK)
    x, t_x, age = (summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    purchases = bgnbd.fit_bgnbd(x, t_x, age)
    spend = gamma_gamma.fit_gamma_gamma(x, summary["monetary_value"].to_numpy(float))
    mean_spend = spend.population_mean_spend
    if not math.isfinite(mean_spend) or abs(purchases.a - 1) < 1e-6:
        raise AnalysisError(
            f"unusable fit (Gamma-Gamma q = {spend.q:.3g} needs > 1, BG/NBD a = {purchases.a:.3g} "
            "needs ≠ 1)"
        )
    months = math.ceil(horizon_days / DAYS_PER_MONTH)
    ends = np.minimum(np.arange(1, months + 1) * DAYS_PER_MONTH, horizon_days) / WEEK
    cumulative = np.concatenate([[0.0], bgnbd.expected_purchases_new_customer(purchases, ends)])
    discount = (1.0 + rate) ** -np.arange(1, months + 1)
    repeats = float(discount @ np.diff(cumulative))
    if not math.isfinite(repeats) or repeats < 0:
        raise AnalysisError(f"expected repeat purchases came out as {repeats!r}")
    value = (1.0 + repeats) * mean_spend * margin
    numbers = {
        "repeats": repeats,
        "horizon": horizon_days,
        "mean_spend": mean_spend,
        "margin": margin,
        "rate": rate,
    }
    return LifetimeValue(value, "clv", numbers)


def _mean_revenue_value(
    warehouse: Warehouse, as_of: date, margin: float, error: str | None
) -> LifetimeValue:
    orders = warehouse.table("orders")
    orders = orders.filter(in_days(orders.order_ts, rfm_queries.EARLIEST, as_of))
    totals = orders.aggregate(
        revenue=money_sum(orders.revenue), customers=orders.customer_id.nunique()
    )
    row = totals.to_pandas().iloc[0]
    customers = int(row["customers"])
    per_customer = float(row["revenue"]) / customers if customers else 0.0
    numbers = {"per_customer": per_customer, "margin": margin}
    return LifetimeValue(per_customer * margin, "mean_revenue", numbers, error)
