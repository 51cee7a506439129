"""Display frames and finding sentences of the data-health report."""

from __future__ import annotations

import pandas as pd

from analysis.health.kpis import KpiChange
from analysis.health.profile import TableProfile

KPI_LABELS = {
    "revenue": "Revenue (yuan)",
    "orders": "Orders",
    "aov": "Average order value (yuan)",
    "spend": "Ad spend (yuan)",
    "clicks": "Clicks",
    "ctr": "CTR (clicks / impressions)",
    "cpc": "CPC (yuan / click)",
    "new_customers": "New customers (first seen)",
    "repurchase_rate": "Repurchase rate (2+ orders / buyers)",
}


def _shown(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "share":
        return f"{value:.2%}"
    if unit == "yuan" and abs(value) < 1000:
        return f"{value:,.2f}"
    return f"{value:,.0f}"


def kpi_frame(kpis: list[KpiChange]) -> pd.DataFrame:
    """The KPI table as shown: label, this month, last month, change."""
    return pd.DataFrame(
        {
            "KPI": [KPI_LABELS[k.kpi] for k in kpis],
            "This month": [_shown(k.this_month, k.unit) for k in kpis],
            "Last month": [_shown(k.last_month, k.unit) for k in kpis],
            "Change": ["n/a" if k.change is None else f"{k.change:+.1%}" for k in kpis],
        }
    )


def _short_label(kpi: str) -> str:
    return KPI_LABELS[kpi].split(" (")[0]


def _direction(change: float) -> str:
    return "rose" if change > 0 else "fell"


def biggest_moves(kpis: list[KpiChange], count: int = 2) -> str:
    """A sentence naming the KPIs that moved most on last month."""
    moved = sorted((k for k in kpis if k.change is not None), key=lambda k: -abs(k.change))
    if not moved:
        return "No KPI can be compared with last month (no data for one of the months)."
    parts = [
        f"{_short_label(k.kpi)} {_direction(k.change)} {abs(k.change):.1%}" for k in moved[:count]
    ]
    return "The biggest moves on last month: " + "; ".join(parts) + "."


def profile_frame(profiles: list[TableProfile]) -> pd.DataFrame:
    """One row per table: rows, coverage, columns with nulls, duplicated keys."""
    return pd.DataFrame(
        {
            "Table": [p.table for p in profiles],
            "Rows": [f"{p.rows:,}" for p in profiles],
            "From": [(p.first_time or "–")[:10] for p in profiles],
            "To": [(p.last_time or "–")[:10] for p in profiles],
            "Nulls": [
                ", ".join(f"{c}: {n:,}" for c, n in p.nulls.items() if n) or "none"
                for p in profiles
            ],
            "Duplicated keys": [
                "–" if p.duplicate_keys is None else f"{p.duplicate_keys:,}" for p in profiles
            ],
        }
    )


def coverage_sentence(profiles: list[TableProfile], erased_customers: int) -> str:
    """A sentence on how much data there is and how many customers were erased."""
    rows = sum(p.rows for p in profiles)
    duplicated = [p.table for p in profiles if p.duplicate_keys]
    duplicates = (
        f"duplicated keys in {', '.join(duplicated)}" if duplicated else "no duplicated keys"
    )
    return (
        f"{len(profiles)} tables, {rows:,} rows after honouring {erased_customers:,} "
        f"erasure request(s); {duplicates}."
    )


def channel_leader(daily: pd.DataFrame, value: str) -> tuple[str, float]:
    """The channel with the largest total of `value` over the days, and its share of the total."""
    totals = daily.groupby("channel")[value].sum().sort_values(ascending=False)
    if totals.empty or totals.sum() == 0:
        return "no channel", 0.0
    return str(totals.index[0]), float(totals.iloc[0] / totals.sum())


def leader_title(daily: pd.DataFrame, value: str, what: str) -> str:
    """A figure title that states its message: which channel leads `what` and by how much."""
    leader, share = channel_leader(daily, value)
    return f"{leader} leads {what} with {share:.0%} of the month"


def daily_sentence(daily_orders: pd.DataFrame, daily_spend: pd.DataFrame) -> str:
    """A sentence on where orders and spend concentrate and the busiest day."""
    if daily_orders.empty:
        return "No orders were recorded this month."
    by_day = daily_orders.groupby("date")["orders"].sum()
    orders_leader, orders_share = channel_leader(daily_orders, "orders")
    spend_leader, spend_share = channel_leader(daily_spend, "spend")
    return (
        f"{orders_leader} was the recorded last touch of {orders_share:.0%} of orders and "
        f"{spend_leader} took {spend_share:.0%} of spend; the busiest day was "
        f"{by_day.idxmax():%Y-%m-%d} with {by_day.max():,.0f} orders."
    )
