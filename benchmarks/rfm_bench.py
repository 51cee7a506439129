"""RFM benchmarks, run as subprocesses by benchmarks/run.py (one measurement per call).

    python benchmarks/rfm_bench.py ours FOLDER     RFM table and scores through the package
    python benchmarks/rfm_bench.py pandas FOLDER   baseline (a): orders loaded into pandas
    python benchmarks/rfm_bench.py duckdb FOLDER   baseline (b): the same aggregate in raw SQL
    python benchmarks/rfm_bench.py report FOLDER   the whole RFM report (rfm.run), and its
                                                   clustering step alone
Each prints 'compute seconds: N' and the number of customers.
"""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path

AS_OF = date(2026, 10, 31)
LOOKBACK = 365


def ours(folder: Path) -> None:
    """The package's path: engine query (erasures applied), then scores in pandas."""
    from analysis.params import DataSource
    from analysis.rfm import queries, scores
    from analysis.warehouse import open_warehouse

    started = time.perf_counter()
    table = scores.rfm_scores(
        queries.rfm_table(open_warehouse(DataSource(path=folder)), AS_OF, LOOKBACK)
    )
    print(f"compute seconds: {time.perf_counter() - started:.2f}")
    print(len(table))


def report(folder: Path) -> None:
    """rfm.run on the folder (October 2026), then the clustering step alone on its RFM table."""
    from analysis import rfm
    from analysis.params import RfmParams
    from analysis.rfm import clusters, queries
    from analysis.warehouse import open_warehouse

    params = RfmParams(period="2026-10", data={"path": folder})
    warehouse = open_warehouse(params.data)
    started, cpu = time.perf_counter(), time.process_time()
    results, _ = rfm.run(warehouse, params)
    print(f"compute seconds: {time.perf_counter() - started:.2f}")
    print(f"compute cpu seconds: {time.process_time() - cpu:.2f}")
    table = queries.rfm_table(warehouse, date.fromisoformat(results.as_of), LOOKBACK)
    started, cpu = time.perf_counter(), time.process_time()
    clusters.cluster_customers(
        table.set_index("customer_id"), k_range=(params.k_min, params.k_max), random_state=7
    )
    print(f"clustering seconds: {time.perf_counter() - started:.2f}")
    print(f"clustering cpu seconds: {time.process_time() - cpu:.2f}")
    print(results.n_customers)


def pandas_baseline(folder: Path) -> None:
    """(a) Every order in pandas, then groupbys (same rules: window, revenue ≥ 0, erasures)."""
    import pandas as pd

    started = time.perf_counter()
    orders = pd.read_parquet(
        folder / "orders.parquet", columns=["customer_id", "order_ts", "revenue"]
    )
    erased = set(pd.read_parquet(folder / "erasures.parquet")["customer_id"])
    day = orders["order_ts"].dt.normalize()
    end = pd.Timestamp(AS_OF)
    keep = (day > end - pd.Timedelta(days=LOOKBACK)) & (day <= end) & (orders["revenue"] >= 0)
    orders = orders[keep & ~orders["customer_id"].isin(erased)].assign(day=day[keep])
    per = orders.groupby("customer_id").agg(
        last=("day", "max"),
        first=("day", "min"),
        frequency=("revenue", "size"),
        monetary_total=("revenue", "sum"),
    )
    per["recency_days"] = (end - per["last"]).dt.days
    for column, better in (("recency_days", False), ("frequency", True), ("monetary_total", True)):
        ranked = (per[column] if better else -per[column]).rank(method="min") - 1
        per[column + "_score"] = (1 + (5 * ranked // len(per))).clip(upper=5)
    print(f"compute seconds: {time.perf_counter() - started:.2f}")
    print(len(per))


def duckdb_baseline(folder: Path) -> None:
    """(b) The same aggregate written directly in DuckDB SQL (the floor for the engine)."""
    import duckdb

    started = time.perf_counter()
    frame = duckdb.sql(f"""
        select o.customer_id,
               date '{AS_OF}' - max(cast(o.order_ts as date)) as recency_days,
               date '{AS_OF}' - min(cast(o.order_ts as date)) as tenure_days,
               count(*) as frequency, sum(o.revenue) as monetary_total
        from read_parquet('{folder / "orders.parquet"}') o
        anti join read_parquet('{folder / "erasures.parquet"}') e using (customer_id)
        where o.revenue >= 0 and o.order_ts >= timestamp '{AS_OF}' - interval {LOOKBACK - 1} day
          and o.order_ts < timestamp '{AS_OF}' + interval 1 day
        group by 1 order by 1""").df()
    frame["monetary_mean"] = frame["monetary_total"] / frame["frequency"]
    print(f"compute seconds: {time.perf_counter() - started:.2f}")
    print(len(frame))


if __name__ == "__main__":
    command, folder = sys.argv[1], Path(sys.argv[2])
    commands = {
        "ours": ours,
        "pandas": pandas_baseline,
        "duckdb": duckdb_baseline,
        "report": report,
    }
    commands[command](folder)
