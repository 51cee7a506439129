"""The monthly batch on a real Spark cluster equals the DuckDB run, number for number.

A standalone cluster: a master and a worker run as separate processes started with the
`spark-class` script that pyspark ships (the same classes a team's cluster runs), bound to
127.0.0.1. The reports' kernels connect to the master as drivers: engine work runs in the
worker's executors, statistics and HTML in the kernels. Spark Connect: a Connect server
(pyspark's `spark-submit` with the SparkConnectServer class of the jar pyspark ships) runs
the engine work; the kernels are thin gRPC clients (`sc://`). Slow: `make test-engines`,
which CI runs.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from engine_parity import count_numbers, differences, run_demo_batch

pytestmark = pytest.mark.engines

LOOPBACK = "127.0.0.1"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen, log: Path, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"Spark process ended early:\n{log.read_text()[-2000:]}")
        with socket.socket() as probe:
            if probe.connect_ex((LOOPBACK, port)) == 0:
                return
        time.sleep(0.5)
    pytest.fail(
        f"Spark process did not listen on {port} in {seconds} s:\n{log.read_text()[-2000:]}"
    )


def _wait_for_log(text: str, log: Path, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if text in log.read_text(errors="replace"):
            return
        time.sleep(0.5)
    pytest.fail(f"no {text!r} in {log} after {seconds} s:\n{log.read_text()[-2000:]}")


@pytest.fixture(scope="module")
def spark_master(tmp_path_factory) -> Iterator[str]:
    """spark://127.0.0.1:<port> of a running standalone master with one registered worker."""
    if shutil.which("java") is None:
        pytest.skip("no Java runtime found on PATH: a Spark cluster needs Java 17")
    import pyspark

    spark_class = Path(pyspark.__file__).parent / "bin" / "spark-class"
    folder = tmp_path_factory.mktemp("cluster")
    env = {
        **os.environ,
        "SPARK_LOCAL_IP": LOOPBACK,
        "SPARK_WORKER_DIR": str(folder / "work"),
        "PYSPARK_PYTHON": sys.executable,
    }
    port = _free_port()
    master_log, worker_log = folder / "master.log", folder / "worker.log"
    master_cmd = [
        *(str(spark_class), "org.apache.spark.deploy.master.Master", "--host", LOOPBACK),
        *("--port", str(port), "--webui-port", str(_free_port())),
    ]
    url = f"spark://{LOOPBACK}:{port}"
    worker_cmd = [
        *(str(spark_class), "org.apache.spark.deploy.worker.Worker", "--host", LOOPBACK),
        *("--cores", "2", "--memory", "2g", "--webui-port", str(_free_port()), url),
    ]
    processes = []
    try:
        with master_log.open("w") as out:
            processes.append(subprocess.Popen(master_cmd, env=env, stdout=out, stderr=out))
        _wait_for_port(port, processes[0], master_log)
        with worker_log.open("w") as out:
            processes.append(subprocess.Popen(worker_cmd, env=env, stdout=out, stderr=out))
        _wait_for_log("Successfully registered with master", worker_log)
        yield url
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="module")
def spark_connect(tmp_path_factory) -> Iterator[str]:
    """sc://127.0.0.1:<port> of a running Spark Connect server (local[2] behind it)."""
    if shutil.which("java") is None:
        pytest.skip("no Java runtime found on PATH: a Spark Connect server needs Java 17")
    import pyspark

    spark_submit = Path(pyspark.__file__).parent / "bin" / "spark-submit"
    folder = tmp_path_factory.mktemp("connect")
    port = _free_port()
    command = [
        *(str(spark_submit), "--class", "org.apache.spark.sql.connect.service.SparkConnectServer"),
        *("--master", "local[2]", "--conf", "spark.ui.enabled=false"),
        *("--conf", f"spark.connect.grpc.binding.address={LOOPBACK}"),
        *("--conf", f"spark.connect.grpc.binding.port={port}"),
        *("--conf", "spark.sql.session.timeZone=UTC", "--driver-memory", "2g"),
        "spark-internal",
    ]
    log = folder / "connect.log"
    env = {**os.environ, "SPARK_LOCAL_IP": LOOPBACK}
    with log.open("w") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=out, cwd=folder)
    try:
        _wait_for_port(port, process, log, seconds=120)
        yield f"sc://{LOOPBACK}:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def duck(demo_dir: Path, tmp_path_factory) -> dict[str, dict]:
    """The demo batch's records on DuckDB, the reference for both cluster kinds."""
    return run_demo_batch(demo_dir, tmp_path_factory.mktemp("duckdb") / "2026-10")


def test_batch_on_spark_connect_equals_duckdb(
    spark_connect: str, duck: dict[str, dict], demo_dir: Path, tmp_path: Path
) -> None:
    remote = run_demo_batch(
        demo_dir, tmp_path / "connect" / "2026-10", engine="pyspark", spark_master=spark_connect
    )
    assert remote.keys() == duck.keys() and len(duck) == 6
    assert sum(count_numbers(_results(record)) for record in duck.values()) > 500
    for name, record in duck.items():
        assert remote[name]["params"]["data"]["spark_master"] == spark_connect
        found = differences(_results(record), _results(remote[name]), name)
        assert not found, f"{len(found)} difference(s), e.g. {found[:5]}"


def test_batch_on_standalone_cluster_equals_duckdb(
    spark_master: str, duck: dict[str, dict], demo_dir: Path, tmp_path: Path
) -> None:
    cluster = run_demo_batch(
        demo_dir,
        tmp_path / "cluster" / "2026-10",
        engine="pyspark",
        spark_master=spark_master,
        spark_conf={
            "spark.driver.host": LOOPBACK,
            "spark.driver.bindAddress": LOOPBACK,
            "spark.cores.max": "2",
            "spark.executor.memory": "1g",
        },
    )
    assert cluster.keys() == duck.keys() and len(duck) == 6
    for name, record in duck.items():
        assert cluster[name]["params"]["data"]["spark_master"] == spark_master
        found = differences(_results(record), _results(cluster[name]), name)
        assert not found, f"{len(found)} difference(s), e.g. {found[:5]}"


def _results(record: dict) -> dict:
    return {k: v for k, v in record.items() if k != "params"}
