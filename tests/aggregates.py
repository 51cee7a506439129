"""The aggregates-only report on frames written as the two CSV files a team would give."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def write_aggregates(
    folder: Path, spend: pd.DataFrame, revenue: pd.Series, drivers: pd.DataFrame | None = None
) -> dict[str, str]:
    """spend.csv (date, channel, spend), revenue.csv (date, revenue) and, given drivers
    (date, driver, value), drivers.csv; returns `data.tables` naming them."""
    spend.assign(date=pd.to_datetime(spend["date"]).dt.date).to_csv(
        folder / "spend.csv", index=False
    )
    pd.DataFrame({"date": revenue.index.date, "revenue": revenue.to_numpy()}).to_csv(
        folder / "revenue.csv", index=False
    )
    tables = {"channel_spend": "spend.csv", "daily_revenue": "revenue.csv"}
    if drivers is not None:
        drivers.to_csv(folder / "drivers.csv", index=False)
        tables["known_drivers"] = "drivers.csv"
    return tables


def aggregates_report(folder: Path, tables: dict[str, str]):
    """The attribution report with `inputs: aggregates` on `tables` in `folder` (the 双11
    run-up as an event), and its params."""
    from analysis.attribution import report
    from analysis.params import AttributionParams
    from analysis.warehouse import open_warehouse

    params = AttributionParams(
        period="2026-10",
        inputs="aggregates",
        data={"path": str(folder), "tables": tables},
        mmm={"events": [["2025-11-01", "2025-11-11"]]},
    )
    return report.run(open_warehouse(params.data), params)[0], params
