"""The anomaly report on small `metrics` warehouses: what the page says matches the data."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from i18n_support import visible_text

from analysis.anomaly import display, nab, report
from analysis.params import AnomalyParams
from analysis.reporting import display as reporting_display
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


def shown_page(results: report.AnomalyReport, warnings: list[str] | None = None) -> str:
    """What the notebook's overview, incident and NAB sections show, as visible text."""
    markup: list[str] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reporting_display, "display_html", markup.append)
        display.show_overview(results, warnings)
        display.show_incidents(results)
        display.show_nab(results)
    return visible_text("".join(markup))


def nab_warehouse(folder: Path, category: str, files: list[str]) -> Path:
    """The given NAB files stacked into a `metrics` table (series = file stem)."""
    series = {}
    for name in files:
        frame = nab.load_series(nab.NAB_DIR / "data" / category / name)
        series[Path(name).stem] = frame.set_index("timestamp")["value"]
    return metrics_warehouse(folder, series)


def test_five_minute_data_is_scored_at_its_own_step_and_the_nab_box_quotes_its_category(
    tmp_path: Path,
) -> None:
    folder = nab_warehouse(
        tmp_path / "aws", "realAWSCloudwatch", ["ec2_cpu_utilization_5f5533.csv"]
    )
    results = run_metrics(
        folder,
        period="2014-02",
        scored_from=date(2014, 2, 14),
        frequency="auto",
        history_days=14,
        nab_windows=nab.WINDOWS_PATH,
    )
    assert results.frequency == "5min"
    assert results.nab.category == "realAWSCloudwatch"
    assert results.nab.published["Numenta HTM"] == 73.4
    page = shown_page(results)
    assert "Published on realAWSCloudwatch" in page and "Numenta HTM 73.4" in page
    assert "76.9" not in page  # realAdExchange's figure is not quoted for other data
    assert "every 5 minutes" in page


def test_values_read_as_people_write_them(tmp_path: Path) -> None:
    assert display.format_value(152_941.3, "series", "en") == "152,941"
    assert display.format_value(0.16953, "ctr", "en") == "16.95%"
    assert display.format_value(70.43, "series", "en") == "70.4"
    assert display.format_value(0.0819647, "series", "en") == "0.0820"
    assert "e+" not in display.format_value(1.529e5, "revenue", "en")


def test_gaps_averaged_rows_and_contract_warnings_are_on_the_page(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    values = daily("2026-07-01", 70 + rng.normal(0, 1, 123))
    holed = values.drop(values.index[100:110])  # ten days missing in October
    doubled = pd.concat([values, values.iloc[-3:] + 1.0])  # three days with two rows each
    folder = metrics_warehouse(tmp_path / "w", {"holed": holed, "doubled": doubled})
    results = run_metrics(folder)
    assert len(results.data_gaps["metrics · holed"]) == 10
    assert results.averaged_rows == 3
    page = shown_page(results, ["metrics: 3 duplicate timestamps (contract warning)"])
    assert "metrics · holed has no rows on 10 step(s)" in page
    assert "3 row(s) of the metrics table" in page
    assert "3 duplicate timestamps" in page
