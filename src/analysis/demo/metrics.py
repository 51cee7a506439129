"""Daily KPI series (completion rate, DAU, note reads): stable, weekly seasonal, mildly growing."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from analysis.demo.arrow import timestamps
from analysis.demo.plan import Plan
from analysis.demo.world import DAY, DAYS, GROWTH, IS_WEEKEND


@dataclass(frozen=True)
class KpiSeries:
    """A daily series: level (per customer if `per_customer`), weekend lift, noise, decimals."""

    name: str
    level: float
    weekend_lift: float
    noise: float  # relative standard deviation
    per_customer: bool
    decimals: int


KPI_SERIES: tuple[KpiSeries, ...] = (
    KpiSeries("抖音完播率", 0.32, 1.03, 0.012, per_customer=False, decimals=4),
    KpiSeries("app_dau", 0.16, 1.10, 0.02, per_customer=True, decimals=0),
    KpiSeries("小红书笔记阅读量", 2.4, 1.20, 0.03, per_customer=True, decimals=0),
)


def series_values(rng: np.random.Generator, kpi: KpiSeries, customers: int) -> np.ndarray:
    """One value per day of the period."""
    level = kpi.level * (customers if kpi.per_customer else 1.0)
    trend = 1.0 + (GROWTH if kpi.per_customer else 0.0) * np.arange(DAYS) / DAYS
    weekly = np.where(IS_WEEKEND, kpi.weekend_lift, 1.0)
    noise = 1.0 + kpi.noise * rng.standard_normal(DAYS)
    return np.round(level * trend * weekly * noise, kpi.decimals)


def build_metrics(rng: np.random.Generator, plan: Plan) -> pa.Table:
    """The metrics table, ordered by series then day."""
    days = np.arange(DAYS) * DAY
    names, stamps, values = [], [], []
    for kpi in KPI_SERIES:
        names.append(pa.repeat(pa.scalar(kpi.name, pa.string()), DAYS))
        stamps.append(timestamps(days))
        values.append(pa.array(series_values(rng, kpi, plan.customers), type=pa.float64()))
    return pa.table(
        {
            "ts": pa.concat_arrays(stamps),
            "series": pa.concat_arrays(names),
            "value": pa.concat_arrays(values),
        }
    )
