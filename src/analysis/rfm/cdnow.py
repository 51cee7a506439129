"""Turn the CDNOW purchase files into order exports that the column mapping can read.

The files (Fader & Hardie's CDNOW cohort, as shipped with `lifetimes`) are whitespace-
separated with no order id and dates as YYYYMMDD. The conversion keeps their values and
their own column names (so the report reads them through `data.columns`), and adds:
- `order_no`: the row's 1-based position in the file (CDNOW has no order id);
- `purchase_date`: the date as YYYY-MM-DD.
Rows are otherwise unchanged: the 80 zero-amount rows stay, and the RFM report's stated
rule handles them (a zero-value order is a purchase that adds nothing to spend).

Run: python -m analysis.rfm.cdnow <CDNOW_master.txt|CDNOW_sample.txt> <out.csv>
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

MASTER_COLUMNS = ["customer_id", "date", "number_of_cds", "dollar_value"]
SAMPLE_COLUMNS = ["master_id", "customer_id", "date", "number_of_cds", "dollar_value"]


def read_cdnow(path: Path) -> pd.DataFrame:
    """A CDNOW file (master with its header line, or the header-less sample) as a frame."""
    first = path.read_text(encoding="ascii").split("\n", 1)[0]
    header = "customer_id" in first
    frame = pd.read_csv(
        path,
        sep=r"\s+",
        header=0 if header else None,
        names=None if header else SAMPLE_COLUMNS,
        dtype={"customer_id": str, "date": str},
    )
    return frame[MASTER_COLUMNS]


def cdnow_orders(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows as an order export: order_no, customer_id, purchase_date, cds, dollar_value."""
    return pd.DataFrame(
        {
            "order_no": [f"{i:06d}" for i in range(1, len(frame) + 1)],
            "customer_id": frame["customer_id"],
            "purchase_date": pd.to_datetime(frame["date"], format="%Y%m%d").dt.strftime("%Y-%m-%d"),
            "number_of_cds": frame["number_of_cds"],
            "dollar_value": frame["dollar_value"],
        }
    )


if __name__ == "__main__":
    cdnow_orders(read_cdnow(Path(sys.argv[1]))).to_csv(sys.argv[2], index=False)
