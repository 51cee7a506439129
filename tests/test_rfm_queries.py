"""The RFM engine queries reproduce the published CDNOW summary and read it through a mapping."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from analysis.params import DataSource
from analysis.rfm import queries
from analysis.warehouse import open_warehouse

CDNOW = Path(__file__).resolve().parents[1] / "data" / "external" / "cdnow"
MAPPING = {
    "orders": {"order_id": "order_no", "order_ts": "purchase_date", "revenue": "dollar_value"}
}


def _cdnow(part: str):
    return open_warehouse(DataSource(path=CDNOW / part, columns=MAPPING))


def test_cdnow_sample_summary_matches_the_published_one_for_every_customer() -> None:
    ours = queries.clv_summary(_cdnow("sample"), date(1997, 9, 30), period_days=7)
    published = pd.read_csv(CDNOW / "cdnow_customers_summary_with_transactions.csv")
    ours["ID"] = ours["customer_id"].astype(int)
    both = published.merge(ours, on="ID", how="outer", validate="one_to_one")
    assert len(both) == 2357 and both["frequency"].notna().all() and both["x"].notna().all()
    for theirs, mine in (
        ("x", "frequency"),
        ("t_x", "recency"),
        ("T_x", "T_y"),
        ("zbar", "monetary_value"),
    ):
        assert (both[theirs] - both[mine]).abs().max() < 0.01, theirs


def test_cdnow_master_reads_through_the_column_mapping() -> None:
    warehouse = _cdnow("master")
    orders = warehouse.table("orders")
    counts = orders.aggregate(
        rows=orders.count(),
        customers=orders.customer_id.nunique(),
        first=orders.order_ts.min(),
        last=orders.order_ts.max(),
    )
    row = counts.to_pandas().iloc[0]
    assert (row["rows"], row["customers"]) == (69_659, 23_570)
    assert (str(row["first"])[:10], str(row["last"])[:10]) == ("1997-01-01", "1998-06-30")
    assert orders["channel"].isnull().all().to_pyarrow().as_py()  # no channel column: null
    assert queries.zero_value_orders(warehouse, date(1998, 6, 30)) == 80


def test_marketing_recency_counts_days_to_as_of(tiny_dir: Path) -> None:
    table = queries.rfm_table(open_warehouse(DataSource(path=tiny_dir)), date(2026, 10, 31), 365)
    c1 = table.set_index("customer_id").loc["C1"]  # orders on 10-01 and 10-05; C3 is erased
    assert (c1["recency_days"], c1["frequency"]) == (26, 2)
    assert c1["monetary_total"] == pytest.approx(200.5)
    assert c1["monetary_mean"] == pytest.approx(100.25)
    assert set(table["customer_id"]) == {"C1", "C2"}
