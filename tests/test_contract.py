"""Every data-contract rule, violated once, names its table, column and rule."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from tiny import TINY_EMAIL, TINY_PHONE, tiny_tables, write_tiny

from analysis.contract import check_contract
from analysis.errors import DataContractError
from analysis.params import DataSource
from analysis.schema import TABLES
from analysis.warehouse import open_warehouse

Tables = dict[str, pd.DataFrame]


def _set(table: str, column: str, row: int, value) -> Callable[[Tables], None]:
    def mutate(tables: Tables) -> None:
        tables[table].loc[row, column] = value

    return mutate


def _retype(table: str, column: str, values: list) -> Callable[[Tables], None]:
    def mutate(tables: Tables) -> None:
        tables[table][column] = values

    return mutate


def _drop(table: str, column: str) -> Callable[[Tables], None]:
    def mutate(tables: Tables) -> None:
        tables[table] = tables[table].drop(columns=[column])

    return mutate


def _remove_table(table: str) -> Callable[[Tables], None]:
    def mutate(tables: Tables) -> None:
        del tables[table]

    return mutate


VIOLATIONS = [
    ("orders", "order_id", "unique", _set("orders", "order_id", 1, "O1")),
    ("orders", "revenue", "revenue ≥ 0", _set("orders", "revenue", 0, -10.0)),
    ("orders", "order_ts", "not null", _set("orders", "order_ts", 2, pd.NaT)),
    ("orders", "customer_id", "not null", _set("orders", "customer_id", 0, None)),
    ("orders", "order_ts", "type timestamp", _retype("orders", "order_ts", ["x", "y", "z", "w"])),
    ("orders", "revenue", "column present", _drop("orders", "revenue")),
    ("customers", "customer_id", "unique", _set("customers", "customer_id", 1, "C1")),
    ("customers", "first_seen", "not null", _set("customers", "first_seen", 0, pd.NaT)),
    ("touchpoints", "channel", "not null", _set("touchpoints", "channel", 0, None)),
    ("touchpoints", "-", "table present", _remove_table("touchpoints")),
    ("spend", "spend", "spend ≥ 0", _set("spend", "spend", 0, -1.0)),
    ("spend", "clicks", "0 ≤ clicks ≤ impressions", _set("spend", "clicks", 1, 5000)),
    ("spend", "impressions", "type int", _retype("spend", "impressions", ["a", "b", "c"])),
    (
        "experiment_arms",
        "variant",
        "(experiment_id, variant) unique",
        lambda t: (
            _set("experiment_arms", "variant", 1, "A")(t),
            _retype("experiment_units", "variant", ["A", "A", "A"])(t),
        ),
    ),
    (
        "experiment_arms",
        "planned_share",
        "planned shares of an experiment sum to 1",
        _set("experiment_arms", "planned_share", 1, 0.4),
    ),
    (
        "experiment_arms",
        "clicks",
        "0 ≤ clicks ≤ units when given",
        lambda t: (
            t["experiment_arms"]
            .assign(units=[100, 100], clicks=[10, 150])
            .pipe(lambda f: t.__setitem__("experiment_arms", f))
        ),
    ),
    (
        "experiment_units",
        "unit_id",
        "(experiment_id, unit_id) unique",
        _set("experiment_units", "unit_id", 1, "C1"),
    ),
    (
        "experiment_units",
        "variant",
        "variant exists in experiment_arms",
        _set("experiment_units", "variant", 0, "Z"),
    ),
    ("experiment_units", "clicked", "clicked is 0 or 1", _set("experiment_units", "clicked", 0, 2)),
    ("experiment_units", "revenue", "revenue ≥ 0", _set("experiment_units", "revenue", 1, -5.0)),
    (
        "experiment_units",
        "converted",
        "converted is 0 or 1",
        _set("experiment_units", "converted", 1, -1),
    ),
    ("spend", "clicks", "0 ≤ clicks ≤ impressions", _set("spend", "clicks", 2, -1)),
    (
        "experiment_arms",
        "units",
        "units ≥ 0 when given",
        lambda t: t.__setitem__(
            "experiment_arms",
            t["experiment_arms"].assign(
                units=[-1, 100], clicks=pd.array([None, 10], dtype="Int64")
            ),
        ),
    ),
    (
        "experiment_arms",
        "planned_share",
        "0 < planned_share ≤ 1",
        lambda t: t.__setitem__(
            "experiment_arms", t["experiment_arms"].assign(planned_share=[1.5, -0.5])
        ),
    ),
    ("metrics", "ts", "(series, ts) unique", _set("metrics", "ts", 1, pd.Timestamp("2026-10-01"))),
    ("erasures", "customer_id", "not null", _set("erasures", "customer_id", 0, None)),
]


def _check(folder: Path, strict: bool = True):
    warehouse = open_warehouse(DataSource(path=folder))
    return check_contract(
        warehouse,
        ["orders", "customers", "touchpoints", "spend"],
        [t for t in TABLES if t not in {"orders", "customers", "touchpoints", "spend"}],
        strict=strict,
    )


def test_valid_tiny_warehouse_meets_the_contract(tiny_dir: Path) -> None:
    report = _check(tiny_dir)
    assert report.ok
    assert set(report.checked) == set(TABLES)


@pytest.mark.parametrize(
    ("table", "column", "rule", "mutate"),
    VIOLATIONS,
    ids=[f"{t}.{c}:{r}" for t, c, r, _ in VIOLATIONS],
)
def test_each_violation_names_table_column_and_rule(tmp_path, table, column, rule, mutate):
    tables = tiny_tables()
    mutate(tables)
    folder = write_tiny(tmp_path / "broken", tables)
    with pytest.raises(DataContractError) as raised:
        _check(folder)
    found = [(v.table, v.column, v.rule) for v in raised.value.violations]
    assert found == [(table, column, rule)]
    message = str(raised.value)
    assert f"table {table}, column {column}, rule '{rule}'" in message


def test_violation_message_counts_rows_and_shows_keys_not_personal_values(tmp_path):
    tables = tiny_tables()
    tables["orders"]["revenue"] = [-1.0, -2.0, 5.0, 1.0]
    folder = write_tiny(tmp_path / "broken", tables)
    with pytest.raises(DataContractError) as raised:
        _check(folder)
    message = str(raised.value)
    assert "2 row(s) break it (e.g. O1, O2)" in message
    assert TINY_EMAIL not in message and TINY_PHONE not in message


def test_non_strict_mode_returns_warnings_instead_of_failing(tmp_path):
    tables = tiny_tables()
    tables["spend"].loc[0, "spend"] = -3.0
    folder = write_tiny(tmp_path / "broken", tables)
    report = _check(folder, strict=False)
    assert not report.ok
    assert report.warnings() == [report.violations[0].describe()]
    assert "spend ≥ 0" in report.warnings()[0]


def test_optional_tables_may_be_missing(tmp_path):
    tables = {
        k: v
        for k, v in tiny_tables().items()
        if k in {"orders", "customers", "touchpoints", "spend"}
    }
    folder = write_tiny(tmp_path / "core", tables)
    assert _check(folder).checked == ("orders", "customers", "touchpoints", "spend")


def test_erased_customers_rows_are_neither_checked_nor_shown(tmp_path):
    tables = tiny_tables()
    erased = tables["erasures"].loc[0, "customer_id"]
    assert erased == "C3"
    tables["orders"].loc[tables["orders"].customer_id == erased, "revenue"] = -1.0
    tables["customers"] = pd.concat([tables["customers"], tables["customers"].iloc[[2]]])
    folder = write_tiny(tmp_path / "erased", tables)
    assert _check(folder).ok  # C3's broken rows are out of scope, so nothing names C3 or O4


def test_nullable_columns_may_be_absent(tmp_path):
    tables = tiny_tables()
    tables["orders"] = tables["orders"].drop(columns=["channel"])
    tables["customers"] = tables["customers"].drop(columns=["email", "phone", "city"])
    folder = write_tiny(tmp_path / "lean", tables)
    assert _check(folder).ok
    from analysis.warehouse import open_warehouse as open_

    orders = open_(DataSource(path=folder)).table("orders").to_pandas()
    assert orders["channel"].isna().all()


def _write_float(path: Path, column: str, row: int, value: float) -> None:
    """Set one float cell in a Parquet file, keeping NaN as NaN (pandas would write null)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    values = table[column].to_pylist()
    values[row] = value
    position = table.schema.get_field_index(column)
    pq.write_table(table.set_column(position, column, pa.array(values, pa.float64())), path)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf"), 1e308, -1e20])
@pytest.mark.parametrize(("table", "column"), [("orders", "revenue"), ("spend", "spend")])
def test_non_finite_or_absurd_amounts_break_the_contract(tmp_path, table, column, bad):
    folder = write_tiny(tmp_path / "broken")
    _write_float(folder / f"{table}.parquet", column, 0, bad)
    with pytest.raises(DataContractError) as raised:
        _check(folder)
    codes = {(v.table, v.column, v.code) for v in raised.value.violations}
    assert (table, column, "finite_number") in codes
    assert "a finite number" in str(raised.value)


def test_nan_and_inf_written_as_csv_text_break_the_contract(tmp_path):
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "orders.csv").write_text(
        "order_id,customer_id,order_ts,revenue,channel\n"
        "O1,C1,2026-10-01 10:00:00,NaN,抖音\n"
        "O2,C2,2026-10-02 10:00:00,inf,抖音\n"
        "O3,C3,2026-10-03 10:00:00,12.5,抖音\n",
        encoding="utf-8",
    )
    warehouse = open_warehouse(DataSource(path=folder))
    with pytest.raises(DataContractError) as raised:
        check_contract(warehouse, ["orders"])
    (violation,) = raised.value.violations
    assert (violation.code, violation.offending_rows) == ("finite_number", 2)
    assert violation.sample_keys == ("O1", "O2")


def test_a_finite_large_but_plausible_amount_is_accepted(tmp_path):
    tables = tiny_tables()
    tables["orders"].loc[0, "revenue"] = 9.0e13  # below 2^53 fen
    assert _check(write_tiny(tmp_path / "big", tables)).ok


def test_personal_shaped_ids_are_masked_in_sample_keys(tmp_path):
    tables = tiny_tables()
    tables["touchpoints"]["user_id"] = [TINY_EMAIL, "13912345678", "C2", "V9"]
    tables["touchpoints"]["channel"] = [None, None, "抖音", "知乎"]
    folder = write_tiny(tmp_path / "emails", tables)
    with pytest.raises(DataContractError) as raised:
        _check(folder)
    message = str(raised.value)
    assert TINY_EMAIL not in message and "13912345678" not in message
    assert "w***@example.cn" in message and "139****5678" in message


@pytest.mark.parametrize(
    ("key", "shown"),
    [
        ("13912345678", "139****5678"),
        ("+86 139-1234-5678", "139****5678"),
        ("wxid_k3j9x2mm", "wxid_***"),
        ("2026101312345678901", "2026101312345678901"),  # an 19-digit order number is an id
        ("TB1391234567800", "TB1391234567800"),
        ("O-000123", "O-000123"),
    ],
)
def test_only_personal_shapes_are_masked_in_keys(key: str, shown: str) -> None:
    from analysis.privacy import mask_key

    assert mask_key(key) == shown


@pytest.mark.parametrize(
    ("value", "read"), [(None, 0.0), (float("nan"), 0.0), (3, 3.0), (Decimal("2.50"), 2.5)]
)
def test_a_sum_over_no_rows_reads_zero_from_either_engine(value, read) -> None:
    from analysis.engine import summed

    assert summed(value) == read
