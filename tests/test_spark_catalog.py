"""Contract tables read from a database of Spark's catalog equal the same tables read from files.

The demo tables are registered as tables of a database `marketing` in the session's catalog;
a warehouse opened with `data: {engine: pyspark, database: marketing}` must give the same
data-health aggregates as DuckDB over the files. (In-process: an embedded Hive metastore
admits one JVM at a time, so a kernel could not share it with the test.)
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest
from engine_parity import differences

from analysis import health
from analysis.errors import DataSourceError
from analysis.params import DataSource
from analysis.runner import precheck
from analysis.schema import TABLES
from analysis.warehouse import open_warehouse

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def catalog_database(spark, demo_dir: Path, tmp_path_factory) -> str:
    """Database `marketing` whose tables hold the demo's (stored in a temporary folder)."""
    folder = tmp_path_factory.mktemp("catalog")
    spark.sql("CREATE DATABASE IF NOT EXISTS marketing")
    for path in demo_dir.glob("*.parquet"):
        if path.stem in TABLES:
            spark.read.parquet(str(path)).createOrReplaceTempView(f"source_{path.stem}")
            spark.sql(f"DROP TABLE IF EXISTS marketing.{path.stem}")
            spark.sql(
                f"CREATE TABLE marketing.{path.stem} USING parquet "
                f"LOCATION '{folder / path.stem}' AS SELECT * FROM source_{path.stem}"
            )
    return "marketing"


def test_catalog_database_gives_the_same_aggregates_as_files(
    catalog_database: str, demo_dir: Path
) -> None:
    files = open_warehouse(DataSource(path=demo_dir))
    catalog = open_warehouse(DataSource(engine="pyspark", database=catalog_database))
    kpis = [
        [dataclasses.asdict(kpi) for kpi in health.month_kpis(warehouse, "2026-10")]
        for warehouse in (files, catalog)
    ]
    assert len(kpis[0]) > 3
    assert not differences(kpis[0], kpis[1], "kpis")
    present = {p.stem for p in demo_dir.glob("*.parquet")} & set(TABLES)
    assert catalog.fingerprint(present) == files.fingerprint(present)


def test_unknown_catalog_database_names_it_and_lists_the_known(spark) -> None:
    with pytest.raises(DataSourceError, match=r"data.database 'no_such_db' is not in Spark"):
        open_warehouse(DataSource(engine="pyspark", database="no_such_db"))


def test_warehouses_sharing_one_spark_session_keep_their_own_tables(
    catalog_database: str, demo_dir: Path, tmp_path: Path, spark
) -> None:
    """Each folder warehouse reads its files into views of its own, and a catalog warehouse
    reads its database, whatever views of the same table names the session already holds."""
    few = tmp_path / "few"
    orders = spark.read.parquet(str(demo_dir / "orders.parquet")).limit(5)
    orders.coalesce(1).write.parquet(str(few / "orders"))
    small = open_warehouse(DataSource(path=few, engine="pyspark"))
    whole = open_warehouse(DataSource(path=demo_dir, engine="pyspark"))
    catalog = open_warehouse(DataSource(engine="pyspark", database=catalog_database))
    # built in this order, counted afterwards: no warehouse's view may replace another's
    counts = [w.table("orders").count() for w in (small, catalog, whole)]
    expected = open_warehouse(DataSource(path=demo_dir)).table("orders").count().execute()
    assert [count.to_pyarrow().as_py() for count in counts] == [5, expected, expected]


def test_spark_connect_without_its_client_says_what_to_install(monkeypatch, tiny_dir) -> None:
    """sc:// needs pyspark's gRPC client; without it the error names the URL and the extra
    (the Connect batch itself runs in tests/test_spark_cluster.py)."""
    pytest.importorskip("pyspark")
    monkeypatch.setitem(sys.modules, "grpc", None)  # import grpc raises ImportError
    source = DataSource(path=tiny_dir, engine="pyspark", spark_master="sc://spark.internal:15002")
    with pytest.raises(DataSourceError, match=r"'sc://spark.internal:15002' is a Spark Connect"):
        open_warehouse(source)
    with pytest.raises(DataSourceError, match=r"pip install 'pyspark\[connect\]'"):
        open_warehouse(source)


PRECHECK_SCRIPT = """
import sys
from pathlib import Path
from pyspark.sql import SparkSession
from analysis.params import DataSource
from analysis.runner import precheck
source = DataSource(path=Path(sys.argv[1]), engine="pyspark")
checked = precheck(source, ["orders"])
assert checked.checks["orders"] == [], checked.checks
print("active after precheck:", SparkSession.getActiveSession() is not None)
"""


def test_batch_check_stops_the_spark_session_it_started(tiny_dir: Path, spark) -> None:
    """The batch's table check runs in the batch's own process before the kernels: a Spark
    session it started must stop, or on a standalone cluster it holds the cores the reports'
    kernels wait for (their applications then never get an executor). A session that was
    already running (the suite's `spark`) is left alone."""
    done = subprocess.run(
        [sys.executable, "-c", PRECHECK_SCRIPT, str(tiny_dir)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "active after precheck: False" in done.stdout
    precheck(DataSource(path=tiny_dir, engine="pyspark"), ["orders"])
    assert spark.range(3).count() == 3


def test_a_classic_master_after_a_connect_session_is_classic(spark, monkeypatch) -> None:
    """pyspark marks the process as Spark Connect once a Connect session was made (an env
    variable the batch's kernels inherit); the next classic session must not take it."""
    import os

    from analysis.warehouse import spark_session

    monkeypatch.setenv("SPARK_CONNECT_MODE_ENABLED", "1")  # what a Connect session leaves
    session = spark_session("local[2]")
    assert "SPARK_CONNECT_MODE_ENABLED" not in os.environ
    assert session.range(3).count() == 3
