"""The anomaly report on small `metrics` warehouses: what the page says matches the data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.anomaly import report
from analysis.params import AnomalyParams
from analysis.warehouse import open_warehouse


def metrics_warehouse(folder: Path, series: dict[str, pd.Series]) -> Path:
    """A warehouse holding one `metrics` table (ts, series, value) of the given series."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = [
        pd.DataFrame({"ts": values.index, "series": name, "value": values.to_numpy()})
        for name, values in series.items()
    ]
    pd.concat(rows).to_csv(folder / "metrics.csv", index=False)
    return folder


def run_metrics(folder: Path, **overrides) -> report.AnomalyReport:
    settings = {
        "period": "2026-10",
        "data": {"path": str(folder), "strict": False},
        "metrics": ["series"],
        "min_deviation": 0,
    } | overrides
    params = AnomalyParams(**settings)
    results, _ = report.run(open_warehouse(params.data), params)
    return results


def daily(first: str, values: np.ndarray) -> pd.Series:
    return pd.Series(values, index=pd.date_range(first, periods=len(values), freq="D"))


def test_too_short_names_the_short_series_not_the_scored_ones(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    long = daily("2026-07-01", 100 + rng.normal(0, 5, 123))
    short = daily("2026-10-30", [100.0, 101.0])  # two values: nothing to score them against
    folder = metrics_warehouse(tmp_path / "w", {"steady": long, "newcomer": short})
    results = run_metrics(folder)
    assert results.series_too_short == ["newcomer"]
    assert results.series_scored == 1
