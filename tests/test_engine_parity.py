"""The whole monthly demo batch gives the same numbers on DuckDB and on PySpark (local mode).

Every number of every report's results record is compared (relative 1e-9), not a sample of
queries: a report that pulls a differently typed or ordered aggregate from one engine shows
here. Slow (two batches, one of them on Spark): `make test-engines`, which CI runs.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from engine_parity import count_numbers, differences, run_demo_batch

pytestmark = pytest.mark.engines


@pytest.fixture(scope="module")
def duckdb_records(demo_dir: Path, tmp_path_factory) -> dict[str, dict]:
    return run_demo_batch(demo_dir, tmp_path_factory.mktemp("duckdb") / "2026-10")


def test_whole_batch_same_on_pyspark_local_and_duckdb(
    duckdb_records: dict[str, dict], demo_dir: Path, tmp_path: Path
) -> None:
    if shutil.which("java") is None:
        pytest.skip("no Java runtime found on PATH: PySpark needs Java 17")
    spark_records = run_demo_batch(demo_dir, tmp_path / "2026-10", engine="pyspark")
    assert spark_records.keys() == duckdb_records.keys()
    assert len(duckdb_records) == 6
    for name, record in duckdb_records.items():
        assert spark_records[name]["params"]["data"]["engine"] == "pyspark"
        found = differences(_without_source(record), _without_source(spark_records[name]), name)
        assert not found, f"{len(found)} difference(s), e.g. {found[:5]}"
    assert sum(count_numbers(r["results"]) for r in duckdb_records.values()) > 500


def _without_source(record: dict) -> dict:
    """The record less the data block of its params (it names the engine, by design)."""
    params = {k: v for k, v in record["params"].items() if k != "data"}
    return {**record, "params": params}
