"""A/B benchmarks, run as subprocesses by benchmarks/run.py (one measurement per call).

python benchmarks/abtest_bench.py make-units FOLDER ROWS   write a generated experiment
python benchmarks/abtest_bench.py engine FOLDER            sufficient statistics in DuckDB
python benchmarks/abtest_bench.py pandas FOLDER            baseline: rows loaded into pandas
python benchmarks/abtest_bench.py upworthy                 all 4,873 archive tests
"""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
FIRST, LAST = date(2026, 10, 1), date(2026, 10, 31)


def make_units(folder: Path, rows: int, seed: int = 7) -> None:
    """One two-arm experiment of `rows` units (5% vs 5.5% CTR), written in row groups."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    schema = pa.schema(
        [
            ("experiment_id", pa.string()),
            ("unit_id", pa.string()),
            ("variant", pa.string()),
            ("exposed_at", pa.timestamp("us")),
            ("clicked", pa.int64()),
            ("converted", pa.int64()),
            ("revenue", pa.float64()),
            ("pre_revenue", pa.float64()),
        ]
    )
    start = np.datetime64("2026-10-01T00:00:00", "us").astype(np.int64)
    with pq.ParquetWriter(folder / "experiment_units.parquet", schema) as writer:
        for first in range(0, rows, 1_000_000):
            n = min(1_000_000, rows - first)
            variant = rng.random(n) < 0.5
            clicked = (rng.random(n) < np.where(variant, 0.055, 0.05)).astype(np.int64)
            converted = clicked * (rng.random(n) < 0.2)
            pre = rng.gamma(2.0, 30.0, n)
            revenue = converted * (pre * 0.5 + rng.gamma(2.0, 50.0, n))
            writer.write_table(
                pa.table(
                    {
                        "experiment_id": pa.array(["bench"] * n),
                        "unit_id": pa.array([f"U{first + i:09d}" for i in range(n)]),
                        "variant": pa.array(np.where(variant, "B", "A")),
                        "exposed_at": pa.array(
                            start + rng.integers(0, 28 * 86_400_000_000, n), pa.timestamp("us")
                        ),
                        "clicked": clicked,
                        "converted": converted.astype(np.int64),
                        "revenue": revenue,
                        "pre_revenue": pre,
                    },
                    schema=schema,
                )
            )
    pd.DataFrame(
        {
            "experiment_id": ["bench", "bench"],
            "variant": ["A", "B"],
            "label": ["control", "treatment"],
            "is_control": [True, False],
            "planned_share": [0.5, 0.5],
            "units": pd.array([None, None], "Int64"),
            "clicks": pd.array([None, None], "Int64"),
        }
    ).to_parquet(folder / "experiment_arms.parquet", index=False)


def engine(folder: Path) -> None:
    """Our path: sufficient statistics aggregated in DuckDB, statistics on two rows."""
    from analysis import abtest
    from analysis.params import AbTestParams, DataSource
    from analysis.warehouse import open_warehouse

    params = AbTestParams(
        period="2026-10",
        data=DataSource(path=folder),
        experiments=[
            {"id": "bench", "primary_metric": "ctr", "secondary_metrics": ["revenue_per_unit"]}
        ],
    )
    started = time.perf_counter()
    report, _ = abtest.run(open_warehouse(params.data), params)
    print(f"compute seconds: {time.perf_counter() - started:.2f}")
    print(report.headline)


def pandas_baseline(folder: Path) -> None:
    """Baseline: load every unit row into pandas, then the same sums with groupby."""
    started = time.perf_counter()
    units = pd.read_parquet(folder / "experiment_units.parquet")
    units["revenue_squares"] = units["revenue"] ** 2
    units["day"] = units["exposed_at"].dt.floor("D")
    keys = ["experiment_id", "variant"]
    columns = {
        "units": ("unit_id", "size"),
        "clicks": ("clicked", "sum"),
        "revenue": ("revenue", "sum"),
        "revenue_squares": ("revenue_squares", "sum"),
    }
    sums = units.groupby(keys).agg(**columns)
    daily = units.groupby([*keys, "day"]).agg(**columns)  # as the report's cumulative view
    print(f"compute seconds: {time.perf_counter() - started:.2f}")
    print(sums.to_string(), len(daily))


def upworthy() -> None:
    """All 4,873 Upworthy tests: the statistics after loading the arms."""
    from analysis import abtest
    from analysis.params import load_report_params
    from analysis.warehouse import open_warehouse

    params = load_report_params(ROOT / "params" / "abtest" / "upworthy.yaml")
    warehouse = open_warehouse(params.data)
    started = time.perf_counter()
    report, _ = abtest.run(warehouse, params)
    print(f"statistics seconds: {time.perf_counter() - started:.2f}")
    print(report.headline)


if __name__ == "__main__":
    command, *rest = sys.argv[1:]
    if command == "make-units":
        make_units(Path(rest[0]), int(rest[1]))
    elif command == "engine":
        engine(Path(rest[0]))
    elif command == "pandas":
        pandas_baseline(Path(rest[0]))
    else:
        upworthy()
