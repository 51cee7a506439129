"""Shared fixtures: the tiny hand-made warehouse, a small demo warehouse, a Spark session."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from tiny import write_tiny

DEMO_TEST_SCALE = 0.05
DEMO_TEST_SEED = 7


@pytest.fixture
def tiny_dir(tmp_path: Path) -> Path:
    """A fresh copy of the valid tiny warehouse (tests may break it)."""
    return write_tiny(tmp_path / "warehouse")


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo warehouse (scale 0.05), generated once per test session."""
    from analysis.demo import generate

    out = tmp_path_factory.mktemp("demo") / "demo"
    generate(out, seed=DEMO_TEST_SEED, scale=DEMO_TEST_SCALE)
    return out


@pytest.fixture(scope="session")
def spark():
    """A local Spark session; skipped (with the reason) only when no Java runtime exists."""
    if shutil.which("java") is None:
        pytest.skip("no Java runtime found on PATH: PySpark tests need Java 17")
    from analysis.warehouse import spark_session

    session = spark_session()
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def demo_summary(demo_dir: Path) -> dict:
    """The demo's CLV summary per customer as arrays: x, t_x, T (weeks) and zbar."""
    from analysis.params import RfmParams
    from analysis.rfm import queries
    from analysis.warehouse import open_warehouse

    params = RfmParams(period="2026-10", data={"path": demo_dir})
    summary = queries.clv_summary(open_warehouse(params.data), params.as_of_date, period_days=7.0)
    names = {"x": "frequency", "t_x": "recency", "T": "T", "zbar": "monetary_value"}
    return {key: summary[column].to_numpy(float) for key, column in names.items()}
