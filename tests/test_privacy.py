"""No personal value leaves the warehouse; erased customers are invisible to every analysis."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from analysis.params import DataSource, load_batch_params
from analysis.runner import run_report
from analysis.schema import TABLES
from analysis.warehouse import open_warehouse

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def demo_report(demo_dir: Path, tmp_path_factory) -> Path:
    """The whole monthly batch (every report) run over the test demo warehouse."""
    out = tmp_path_factory.mktemp("privacy")
    text = (ROOT / "params" / "monthly" / "2026-10.yaml").read_text(encoding="utf-8")
    batch = out / "batch.yaml"
    batch.write_text(text.replace("path: data/demo", f"path: {demo_dir}"), encoding="utf-8")
    reports = load_batch_params(batch)
    for params in reports:
        run_report(params, out)
    assert {p.report for p in reports} >= {"data_health", "abtest", "rfm"}
    return out


@pytest.mark.slow
def test_no_email_or_phone_of_the_demo_data_in_any_output(demo_dir: Path, demo_report: Path):
    customers = pd.read_parquet(demo_dir / "customers.parquet", columns=["email", "phone"])
    personal = set(customers["email"].dropna()) | set(customers["phone"].dropna())
    assert len(personal) > 100
    outputs = [
        p
        for p in demo_report.iterdir()
        if p.suffix in {".html", ".json", ".ipynb", ".csv"} and p.name != "batch.yaml"
    ]
    assert {p.suffix for p in outputs} == {".html", ".json", ".ipynb", ".csv"}
    for path in outputs:
        text = path.read_text(encoding="utf-8")
        leaked = [value for value in personal if value in text]
        assert not leaked, f"{path.name} shows personal values such as {leaked[:1]}"


def test_erased_customers_are_in_no_table_the_analyses_see(demo_dir: Path) -> None:
    erased = set(pd.read_parquet(demo_dir / "erasures.parquet")["customer_id"])
    raw_orders = set(
        pd.read_parquet(demo_dir / "orders.parquet", columns=["customer_id"])["customer_id"]
    )
    assert erased and erased <= raw_orders  # the demo plants erasures of real buyers
    warehouse = open_warehouse(DataSource(path=demo_dir))
    for name, spec in TABLES.items():
        if spec.customer_column and name != "erasures":
            seen = warehouse.table(name).select(spec.customer_column).distinct().to_pandas()
            assert not erased & set(seen[spec.customer_column]), name


def test_the_results_json_fingerprint_counts_rows_after_erasure(demo_dir, demo_report):
    record = json.loads((demo_report / "data_health.json").read_text(encoding="utf-8"))
    raw = len(pd.read_parquet(demo_dir / "customers.parquet", columns=["customer_id"]))
    erased = len(pd.read_parquet(demo_dir / "erasures.parquet"))
    assert record["data_fingerprint"]["customers"]["rows"] == raw - erased


@pytest.mark.slow
def test_no_erased_customer_in_the_crm_export(demo_dir: Path, demo_report: Path) -> None:
    erased = set(pd.read_parquet(demo_dir / "erasures.parquet")["customer_id"])
    export = pd.read_csv(demo_report / "rfm.segments.csv", dtype={"customer_id": str})
    assert len(export) > 100 and not erased & set(export["customer_id"])
