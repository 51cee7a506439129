"""The handbook's four customer classes, and who moved between them.

Rules, applied in this order with the thresholds from params (handbook values as defaults):
1. 流失 churned: no purchase for more than `churn_after_days` (90) days;
2. 高价值 high value: at least `high_value_orders_per_month` (2) orders and
   `high_value_spend_per_month` (1,000 yuan) a month, and first seen in the window at least
   `high_value_min_tenure_days` (30) days before as_of (a one-day burst is not a month);
3. 潜力 potential: at least `potential_orders_per_month` (1) order and
   `potential_spend_per_month` (500 yuan) a month;
4. 活跃 active: every other recent customer (about one order a month or less, lower spend).
"Per month" is over the months the customer has been observed in the lookback window: from
the first purchase in the window to as_of, at least one month (30.4375 days).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.params import ClassRules  # the thresholds, with the handbook's values
from analysis.weeks import DAYS_PER_MONTH

CLASSES = ("high_value", "potential", "active", "churned")
"""The class codes, best first; readers see them as labels (rfm.wording.class_label)."""
NOT_BUYING = "(no purchase in window)"


def customer_classes(rfm: pd.DataFrame, rules: ClassRules) -> pd.Series:
    """The class of every customer of an RFM table (by the rules above)."""
    months = np.maximum(rfm["tenure_days"] / DAYS_PER_MONTH, 1.0)
    orders = rfm["frequency"] / months
    spend = rfm["monetary_total"] / months
    classes = np.select(
        [
            rfm["recency_days"] > rules.churn_after_days,
            (orders >= rules.high_value_orders_per_month)
            & (spend >= rules.high_value_spend_per_month)
            & (rfm["tenure_days"] >= rules.high_value_min_tenure_days),
            (orders >= rules.potential_orders_per_month)
            & (spend >= rules.potential_spend_per_month),
        ],
        ["churned", "high_value", "potential"],
        default="active",
    )
    return pd.Series(classes, index=rfm.index, name="class")


def migration(before: pd.Series, after: pd.Series) -> pd.DataFrame:
    """Customers by class a month ago (rows) and now (columns); missing ones as NOT_BUYING.

    Both series are indexed by customer_id.
    """
    both = pd.concat([before.rename("before"), after.rename("after")], axis=1).fillna(NOT_BUYING)
    order = [*CLASSES, NOT_BUYING]
    table = pd.crosstab(both["before"], both["after"])
    return table.reindex(index=order, columns=order, fill_value=0)


def moved_down(table: pd.DataFrame) -> int:
    """Customers now in a lower class than a month ago (high value → … → churned)."""
    rank = {name: i for i, name in enumerate(CLASSES)}
    return int(sum(table.loc[a, b] for a in CLASSES for b in CLASSES if rank[b] > rank[a]))


def migration_shares(table: pd.DataFrame) -> pd.DataFrame:
    """Each row of the migration table as shares of that row's customers (rows sum to 1)."""
    totals = table.sum(axis=1)
    return table.div(totals.where(totals > 0), axis=0).fillna(0.0)
