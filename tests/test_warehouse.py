"""Reaching data: folders of Parquet/CSV, mappings, encodings, erasures and personal columns."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest
from tiny import TINY_EMAIL, tiny_tables

from analysis.errors import DataContractError, DataSourceError
from analysis.params import DataSource
from analysis.schema import TABLES
from analysis.warehouse import open_warehouse


def test_gb18030_csv_with_column_mapping_reads_correctly(tmp_path: Path) -> None:
    export = pd.DataFrame(
        {
            "订单号": ["D001", "D002"],
            "会员号": ["C1", "C2"],
            "下单时间": ["2026-10-01 10:00:00", "2026-10-02 11:30:00"],
            "实付金额": [199.5, 88.0],
            "渠道": ["小红书", "企业微信社群"],
        }
    )
    folder = tmp_path / "pos"
    folder.mkdir()
    export.to_csv(folder / "订单导出.csv", index=False, encoding="gb18030", sep=";")
    assert "小红书".encode("gb18030") in (folder / "订单导出.csv").read_bytes()
    source = DataSource(
        path=folder,
        encoding="gb18030",
        delimiter=";",
        tables={"orders": "订单导出.csv"},
        columns={
            "orders": {
                "order_id": "订单号",
                "customer_id": "会员号",
                "order_ts": "下单时间",
                "revenue": "实付金额",
                "channel": "渠道",
            }
        },
    )
    orders = open_warehouse(source).table("orders").order_by("order_id").to_pandas()
    assert list(orders.columns) == list(TABLES["orders"].column_names)
    assert orders["channel"].tolist() == ["小红书", "企业微信社群"]
    assert orders["revenue"].tolist() == [199.5, 88.0]
    assert orders["order_ts"].tolist() == [
        pd.Timestamp("2026-10-01 10:00"),
        pd.Timestamp("2026-10-02 11:30"),
    ]


def test_utf8_bom_csv_reads_its_first_column_name(tmp_path: Path) -> None:
    folder = tmp_path / "bom"
    folder.mkdir()
    tiny_tables()["metrics"].to_csv(folder / "metrics.csv", index=False, encoding="utf-8-sig")
    metrics = open_warehouse(DataSource(path=folder, encoding="utf-8-sig")).table("metrics")
    assert metrics.columns == ("ts", "series", "value")
    assert metrics.count().to_pyarrow().as_py() == 2


def test_wrongly_declared_encoding_names_file_and_accepted_encodings(tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "metrics.csv").write_bytes("ts,series,value\n2026-10-01,完播率,1\n".encode("gb18030"))
    with pytest.raises(DataSourceError, match=r"metrics\.csv: not valid utf-8-sig.*gb18030"):
        open_warehouse(DataSource(path=folder, encoding="utf-8-sig")).table("metrics")


def test_erased_customers_appear_in_no_table(tiny_dir: Path) -> None:
    warehouse = open_warehouse(DataSource(path=tiny_dir))
    erased = set(tiny_tables()["erasures"]["customer_id"])
    for name, spec in TABLES.items():
        if spec.customer_column and name != "erasures":
            ids = set(warehouse.table(name).to_pandas()[spec.customer_column])
            assert ids, name
            assert not ids & erased, name


def test_personal_columns_are_never_selected(tiny_dir: Path) -> None:
    customers = open_warehouse(DataSource(path=tiny_dir)).table("customers")
    assert customers.columns == ("customer_id", "first_seen", "city")
    assert TINY_EMAIL not in customers.to_pandas().to_string()


def test_duckdb_file_source_reads_tables(tmp_path: Path) -> None:
    database = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(database)) as con:
        for name, frame in tiny_tables().items():
            con.register("frame", frame)
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM frame")
            con.unregister("frame")
    warehouse = open_warehouse(DataSource(path=database))
    assert warehouse.table("orders").count().to_pyarrow().as_py() == 3  # C3's order erased


def test_missing_table_file_names_table_and_mapping_key(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    with pytest.raises(DataContractError, match=r"table orders: no file .* data.tables.orders"):
        open_warehouse(DataSource(path=folder)).table("orders")


def test_mapping_to_absent_source_column_lists_the_columns(tiny_dir: Path) -> None:
    source = DataSource(path=tiny_dir, columns={"orders": {"revenue": "金额"}})
    with pytest.raises(DataContractError, match=r"points at column '金额'.*order_id"):
        open_warehouse(source).table("orders")


def test_fingerprint_counts_rows_and_latest_time(tiny_dir: Path) -> None:
    warehouse = open_warehouse(DataSource(path=tiny_dir))
    fingerprint = warehouse.fingerprint({"orders", "spend"})
    assert fingerprint["orders"] == {"rows": 3, "max_time": "2026-10-07 12:00:00"}
    assert fingerprint["spend"]["rows"] == 3


def _csv_orders(folder: Path, order_ts: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(
        {
            "order_id": ["000123", "20261001000124"],
            "customer_id": ["0042", "0043"],
            "order_ts": order_ts,
            "revenue": ["10.5", "20"],
            "channel": ["知乎", ""],
        }
    ).to_csv(folder / "orders.csv", index=False)
    return folder


def test_csv_ids_keep_leading_zeros_and_values_get_their_kinds(tmp_path: Path) -> None:
    folder = _csv_orders(tmp_path / "csv", ["2026-10-01 10:00:00", "2026-10-02"])
    orders = open_warehouse(DataSource(path=folder)).table("orders").order_by("order_id")
    frame = orders.to_pandas()
    assert frame["order_id"].tolist() == ["000123", "20261001000124"]
    assert frame["customer_id"].tolist() == ["0042", "0043"]
    assert frame["revenue"].tolist() == [10.5, 20.0]
    assert orders.schema()["order_ts"].is_timestamp()


def test_csv_value_that_is_not_a_timestamp_is_reported_by_row(tmp_path: Path) -> None:
    from analysis.contract import check_contract

    folder = _csv_orders(tmp_path / "csv", ["2026-10-01 10:00:00", "yesterday"])
    with pytest.raises(DataContractError) as raised:
        check_contract(open_warehouse(DataSource(path=folder)), ["orders"])
    assert [(v.column, v.rule, v.sample_keys) for v in raised.value.violations] == [
        ("order_ts", "values read as timestamp", ("20261001000124",))
    ]


def test_corrupt_parquet_file_names_table_and_file(tiny_dir: Path) -> None:
    (tiny_dir / "orders.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(
        DataSourceError,
        match=r"table orders: the duckdb engine cannot read .*"
        r"orders\.parquet",
    ):
        open_warehouse(DataSource(path=tiny_dir)).table("orders")


def _erasure_requests(folder: Path, ids: list[str]) -> None:
    requested = pd.to_datetime(["2026-10-10"] * len(ids))
    pd.DataFrame({"customer_id": ids, "requested_at": requested}).to_parquet(
        folder / "erasures.parquet", index=False
    )


@pytest.mark.parametrize("engine", ["duckdb", pytest.param("pyspark", marks=pytest.mark.spark)])
def test_erasure_ids_match_after_trimming_and_case(tiny_dir: Path, engine: str, request) -> None:
    if engine == "pyspark":
        request.getfixturevalue("spark")
    _erasure_requests(tiny_dir, [" c1", "C2\u3000", "nobody"])
    warehouse = open_warehouse(DataSource(path=tiny_dir, engine=engine))
    for name in ("orders", "customers"):
        seen = set(warehouse.table(name).to_pandas()["customer_id"])
        assert seen == {"C3"}, name
    counts = warehouse.erasure_counts()
    assert (counts.requests, counts.matched, counts.unmatched) == (3, 2, 1)


def test_data_ids_with_padding_or_other_case_are_erased_too(tiny_dir: Path) -> None:
    tables = tiny_tables()
    tables["orders"]["customer_id"] = ["c1 ", "C1", "C2", "C3"]
    tables["erasures"]["customer_id"] = ["C1"]
    folder = tiny_dir.parent / "padded"
    from tiny import write_tiny

    write_tiny(folder, tables)
    orders = open_warehouse(DataSource(path=folder)).table("orders").to_pandas()
    assert sorted(orders["order_id"]) == ["O3", "O4"]


@pytest.mark.parametrize("engine", ["duckdb", pytest.param("pyspark", marks=pytest.mark.spark)])
def test_bidi_controls_are_stripped_from_shown_text(tmp_path: Path, engine: str, request) -> None:
    if engine == "pyspark":
        request.getfixturevalue("spark")
    from tiny import write_tiny

    tables = tiny_tables()
    tables["touchpoints"]["campaign"] = ["\u202e%52+ 32-01-6202", "a\u2066b\u2069", None, "x"]
    folder = write_tiny(tmp_path / "bidi", tables)
    touchpoints = open_warehouse(DataSource(path=folder, engine=engine)).table("touchpoints")
    campaigns = touchpoints.to_pandas()["campaign"].tolist()
    assert campaigns[:2] == ["%52+ 32-01-6202", "ab"] and campaigns[3] == "x"
    assert set(touchpoints.to_pandas()["user_id"]) == {"C1", "C2", "V9"}


CRLF_WITH_MULTILINE = (
    "order_id,customer_id,order_ts,revenue,channel\r\n"
    "O1,C1,2026-10-01 10:00:00,12.5,抖音\r\n"
    "\n"
    'O2,C2,2026-10-02 10:00:00,3,"多行\r\n名称 ""引号"""\r\n'
    'O3,C2,2026-10-03 10:00:00,4,"a\nb"\n'
)


@pytest.mark.parametrize("engine", ["duckdb", pytest.param("pyspark", marks=pytest.mark.spark)])
def test_crlf_file_with_blank_lf_lines_and_multiline_fields(tmp_path, engine, request) -> None:
    if engine == "pyspark":
        request.getfixturevalue("spark")
    folder = tmp_path / "crlf"
    folder.mkdir()
    (folder / "orders.csv").write_bytes(CRLF_WITH_MULTILINE.encode("utf-8"))
    orders = open_warehouse(DataSource(path=folder, engine=engine)).table("orders")
    frame = orders.to_pandas().sort_values("order_id")
    assert frame["order_id"].tolist() == ["O1", "O2", "O3"]
    assert frame["revenue"].tolist() == [12.5, 3.0, 4.0]
    assert frame["channel"].tolist()[1].replace("\r\n", "\n") == '多行\n名称 "引号"'


@pytest.mark.parametrize("engine", ["duckdb", pytest.param("pyspark", marks=pytest.mark.spark)])
def test_timestamps_are_read_in_the_business_time_zone(tmp_path, engine, request) -> None:
    """An order at 2026-09-30 16:30 UTC is 2026-10-01 00:30 in Shanghai: an October order,
    whether Parquet stores it as an instant or CSV text carries the offset."""
    if engine == "pyspark":
        request.getfixturevalue("spark")
    instants = pd.to_datetime(["2026-09-30 16:30:00+00:00", "2026-10-01 00:30:00+08:00"], utc=True)
    aware = tiny_tables()["orders"].iloc[:2].assign(order_ts=instants)
    parquet = tmp_path / "parquet"
    parquet.mkdir()
    aware.to_parquet(parquet / "orders.parquet", index=False)
    csv = tmp_path / "csv"
    csv.mkdir()
    (csv / "orders.csv").write_text(
        "order_id,customer_id,order_ts,revenue,channel\n"
        "O1,C1,2026-09-30 16:30:00+00:00,1,抖音\n"
        "O2,C1,2026-10-01T00:30:00Z,1,抖音\n"
        "O3,C2,2026-10-01 00:30:00,1,抖音\n"
        "O4,C2,2026-10-01,1,抖音\n",
        encoding="utf-8",
    )
    expected = {
        parquet: ["2026-10-01 00:30:00", "2026-10-01 00:30:00"],
        csv: [
            "2026-10-01 00:30:00",
            "2026-10-01 08:30:00",
            "2026-10-01 00:30:00",
            "2026-10-01 00:00:00",
        ],
    }
    for folder, wall in expected.items():
        orders = open_warehouse(DataSource(path=folder, engine=engine)).table("orders")
        frame = orders.to_pandas().sort_values("order_id")
        assert [str(t) for t in frame["order_ts"]] == wall, folder.name
    london = open_warehouse(DataSource(path=parquet, engine=engine, timezone="Europe/London"))
    moments = london.table("orders").to_pandas().sort_values("order_id")["order_ts"]
    assert [str(t) for t in moments] == ["2026-09-30 17:30:00", "2026-09-30 17:30:00"]


def test_an_unknown_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match=r"'Asia/Beijing' is not a time zone name"):
        DataSource(path=Path("."), timezone="Asia/Beijing")
