"""DuckDB's memory limit: from DUCKDB_MEMORY_LIMIT or the connection's share of the machine,
spilling to a private folder beyond it, with the same results."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from analysis.attribution import queries
from analysis.params import DataSource
from analysis.warehouse import DUCKDB_MEMORY_SHARE, SCRATCH_PREFIX, duckdb_memory, open_warehouse

MIB = 2**20


def setting(warehouse, name: str) -> str:
    return warehouse.backend.raw_sql(f"select current_setting('{name}')").fetchone()[0]


def test_the_limit_named_in_the_environment_is_the_connections(monkeypatch, tiny_dir: Path):
    monkeypatch.setenv("DUCKDB_MEMORY_LIMIT", "300MB")
    warehouse = open_warehouse(DataSource(path=tiny_dir))
    assert setting(warehouse, "memory_limit") == "286.1 MiB"  # DuckDB shows 300 MB in MiB
    spill = Path(setting(warehouse, "temp_directory"))
    assert spill.name.startswith(f"{SCRATCH_PREFIX}{os.getpid()}-")  # cleaned after a kill


@pytest.mark.parametrize(("threads", "share"), [("", 1.0), ("1", 0.5), ("2", 1.0), ("64", 1.0)])
def test_default_limit_is_a_quarter_of_memory_times_the_share_of_cores(monkeypatch, threads, share):
    monkeypatch.delenv("DUCKDB_MEMORY_LIMIT", raising=False)
    monkeypatch.setenv("DUCKDB_THREADS", threads)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    expected = int(DUCKDB_MEMORY_SHARE * memory * share) // MIB
    assert duckdb_memory()["memory_limit"] == f"{expected}MiB"


def test_a_spilling_join_gives_the_same_paths(monkeypatch, demo_dir: Path):
    """The attribution journeys (a range join of touches to orders, window functions) under a
    limit far below what they take unbounded: DuckDB spills, the paths are the same."""
    month = (date(2026, 10, 1), date(2026, 10, 31))

    def paths(limit: str) -> tuple[pd.DataFrame, dict[str, float]]:
        monkeypatch.setenv("DUCKDB_MEMORY_LIMIT", limit)
        warehouse = open_warehouse(DataSource(path=demo_dir))
        journeys = queries.journey_touches(warehouse, *month, lookback_days=30, collapse=True)
        return queries.path_counts(journeys), queries.orders_without_touches(
            warehouse, journeys, *month
        )

    monkeypatch.setenv("DUCKDB_MEMORY_LIMIT", "40MB")
    warehouse = open_warehouse(DataSource(path=demo_dir))
    warehouse.backend.raw_sql("set max_temp_directory_size = '0KB'")
    journeys = queries.journey_touches(warehouse, *month, lookback_days=30, collapse=True)
    with pytest.raises(Exception, match="max_temp_directory_size"):  # it must spill at 40MB
        queries.path_counts(journeys)

    small, small_untouched = paths("40MB")
    large, large_untouched = paths("8GB")
    pd.testing.assert_frame_equal(small, large, check_exact=False, rtol=1e-12)
    assert small_untouched == large_untouched


def test_no_progress_bar_is_drawn_into_the_batch_log(tiny_dir: Path) -> None:
    """A long query at scale 100 drew DuckDB's progress bar into the batch's output."""
    assert setting(open_warehouse(DataSource(path=tiny_dir)), "enable_progress_bar") is False
