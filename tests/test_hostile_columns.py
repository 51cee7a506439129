"""Property, for every column of every contract table: one hostile value in an otherwise valid
table ends in a named contract error exactly when the value breaks a business rule, and
otherwise the table every analysis reads equals the data as written, cleaned by the stated
rules (bidi controls removed from shown text, nothing else changed, nothing dropped).

The oracle below is written from the contract's published rules (README "What happens
when", handbook), not from `analysis.contract`: a column's kind and nullability come from
`analysis.schema`, the value rules are listed here, and a row is judged in pandas.
Hostile values per kind: NaN, ±inf, 1e308, the largest amount ± a cent, −1, −0.0, empty and
blank text, control characters, bidi overrides, 5,000-character text, far dates, nulls, and a
copy of another row's key.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.contract import MAX_MAGNITUDE, check_contract
from analysis.demo.writer import ARROW_TYPES
from analysis.errors import DataContractError
from analysis.params import DataSource
from analysis.schema import TABLES, Column, TableSpec
from analysis.warehouse import DIRECTION_CONTROLS, open_warehouse

SETTINGS = settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
ROWS = 3

# -- the rules, as the README states them ------------------------------------------------------
NON_NEGATIVE = {
    ("orders", "revenue"),
    ("spend", "spend"),
    ("spend", "impressions"),
    ("spend", "clicks"),
    ("experiment_arms", "units"),
    ("experiment_arms", "clicks"),
    ("experiment_units", "revenue"),
    ("channel_spend", "spend"),
    ("content_daily", "reads"),
    ("content_daily", "completions"),
    ("content_daily", "likes"),
    ("content_daily", "shares"),
    ("content_daily", "comments"),
}
"""Amounts and counts that cannot be below zero. Free in sign: metric values, pre-period
revenue, a day's net revenue, a lift test's measured incremental revenue and followers gained
(unfollows)."""
BINARY = {("experiment_units", "clicked"), ("experiment_units", "converted")}
AT_MOST = {  # (table, column): the column of the same row it cannot exceed
    ("spend", "clicks"): "impressions",
    ("experiment_arms", "clicks"): "units",
    ("content_daily", "completions"): "reads",
}
POSITIVE = {("lift_tests", "std_error")}


def _valid(spec: TableSpec) -> pd.DataFrame:
    """ROWS rows that keep every rule: distinct keys, small positive numbers, October times."""
    rows: dict[str, list[Any]] = {}
    for column in spec.columns:
        rows[column.name] = [_valid_value(spec.name, column, i) for i in range(ROWS)]
    return pd.DataFrame(rows)


def _valid_value(table: str, column: Column, i: int) -> Any:
    special = {
        ("experiment_arms", "experiment_id"): "E1",
        ("experiment_arms", "variant"): "ABC"[i],
        ("experiment_arms", "is_control"): i == 0,
        ("experiment_arms", "planned_share"): [0.5, 0.25, 0.25][i],
        ("experiment_units", "experiment_id"): "E1",
        ("experiment_units", "variant"): "ABC"[i],
        ("experiment_units", "clicked"): i % 2,
        ("experiment_units", "converted"): 0,
        ("lift_tests", "start"): date(2026, 9, 1 + i),
        ("lift_tests", "end"): date(2026, 9, 20 + i),
        ("spend", "impressions"): 100,
        ("experiment_arms", "units"): 100,
        ("content_daily", "reads"): 100,
    }
    if (table, column.name) in special:
        return special[(table, column.name)]
    return {
        "string": f"{column.name[:3].upper()}{i}",
        "timestamp": datetime(2026, 10, 2 + i, 10, 30),
        "date": date(2026, 10, 2 + i),
        "float": 12.5 + i,
        "int": 3 + i,
        "bool": i == 0,
    }[column.kind]


HOSTILE = {
    "string": st.one_of(
        st.sampled_from(
            [None, "", " ", "\u202eX", "a\u2066b", "\x07bell", "a\r\nb", "x" * 5000, "C\u3000"]
        ),
        st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=8),
    ),
    "float": st.one_of(
        st.sampled_from(
            [
                *(None, math.nan, math.inf, -math.inf, 1e308, -1.0, -0.0, 0.0, 5e-324),
                *(MAX_MAGNITUDE, MAX_MAGNITUDE * 1.01, -MAX_MAGNITUDE * 1.01),
            ]
        ),
        st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
    ),
    "int": st.one_of(st.sampled_from([None, -1, 0, 1, 2, 101, 2**62]), st.integers(-5, 500)),
    "timestamp": st.one_of(
        st.sampled_from([None, datetime(1900, 1, 1), datetime(2099, 12, 31, 23, 59, 59)]),
        st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1)),
    ),
    "date": st.one_of(
        st.sampled_from([None, date(1900, 1, 1), date(2099, 12, 31)]),
        st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 1, 1)),
    ),
    "bool": st.sampled_from([None, True, False]),
}

CASES = [(spec.name, column.name) for spec in TABLES.values() for column in spec.columns]


def _breaks(spec: TableSpec, frame: pd.DataFrame, others: dict[str, pd.DataFrame]) -> bool:
    """Whether `frame` breaks a business rule, judged row by row in plain Python."""
    return (
        any(_cell_breaks(spec, frame, c.name, i) for c in spec.columns for i in range(len(frame)))
        or _key_repeats(spec, frame)
        or _table_rule_breaks(spec.name, frame, others)
    )


def _cell_breaks(spec: TableSpec, frame: pd.DataFrame, column: str, row: int) -> bool:
    value, where = frame[column][row], (spec.name, column)
    if _missing(value):
        return not spec.column(column).nullable
    if spec.column(column).kind == "float" and not abs(value) <= MAX_MAGNITUDE:  # NaN too
        return True
    limit = frame[AT_MOST[where]][row] if where in AT_MOST else None
    return bool(
        (where in NON_NEGATIVE and value < 0)
        or (where in POSITIVE and not value > 0)
        or (where in BINARY and value not in (0, 1))
        or (not _missing(limit) and value > limit)
    )


def _key_repeats(spec: TableSpec, frame: pd.DataFrame) -> bool:
    return bool(spec.key) and bool(frame[list(spec.key)].dropna().duplicated().any())


def _table_rule_breaks(table: str, frame: pd.DataFrame, others: dict[str, pd.DataFrame]) -> bool:
    if table == "lift_tests":
        return bool((frame["start"].dropna() > frame["end"].dropna()).any())
    if table == "experiment_arms":
        shares = frame["planned_share"]
        totals = frame.groupby("experiment_id", dropna=True)["planned_share"].sum()
        out_of_range = any(not _missing(s) and not 0 < s <= 1 for s in shares)
        return out_of_range or bool(((totals - 1).abs() > 1e-6).any())
    if table == "experiment_units":
        planned = others["experiment_arms"]
        arms = set(zip(planned.experiment_id, planned.variant, strict=True))
        pairs = zip(frame.experiment_id, frame.variant, strict=True)
        return any(pair not in arms for pair in pairs)
    return False


def _missing(value: Any) -> bool:
    return value is None or value is pd.NaT


def _write(folder: Path, spec: TableSpec, frame: pd.DataFrame) -> None:
    arrays = {
        c.name: pa.array(frame[c.name].tolist(), ARROW_TYPES[c.kind], from_pandas=False)
        for c in spec.columns
    }
    pq.write_table(pa.table(arrays), folder / f"{spec.name}.parquet")


def _as_analyses_read(spec: TableSpec, frame: pd.DataFrame) -> list[tuple]:
    """The cleaned data: public columns; bidi controls out of shown text; nothing else."""
    strip = {ord(x): None for x in DIRECTION_CONTROLS}
    shown = {
        c.name
        for c in spec.columns
        if c.kind == "string" and not c.personal and not c.name.endswith("_id")
    }
    rows = []
    for record in frame[list(spec.public_columns)].itertuples(index=False):
        rows.append(
            tuple(
                v.translate(strip) if name in shown and isinstance(v, str) else _plain(v)
                for name, v in zip(spec.public_columns, record, strict=True)
            )
        )
    return sorted(rows, key=repr)


def _plain(value: Any) -> Any:
    """pandas' Timestamp as the datetime Arrow gives back, so rows sort alike."""
    return value.to_pydatetime() if isinstance(value, pd.Timestamp) else value


def _read(warehouse, spec: TableSpec) -> list[tuple]:
    table = warehouse.table(spec.name).to_pyarrow()
    rows = [tuple(_plain(r[c]) for c in spec.public_columns) for r in table.to_pylist()]
    return sorted(rows, key=repr)


def _same(got: Any, want: Any) -> bool:
    if _missing(want) or _missing(got):
        return _missing(want) and _missing(got)
    if isinstance(want, float):
        return math.isclose(got, want, rel_tol=1e-15, abs_tol=0.0) or got == want
    if isinstance(want, datetime) and isinstance(got, datetime):
        return got.replace(tzinfo=None) == want
    return got == want


@pytest.mark.parametrize(("table", "column"), CASES, ids=[f"{t}.{c}" for t, c in CASES])
@SETTINGS
@given(data=st.data())
def test_one_hostile_value_is_a_named_error_or_read_as_written(
    tmp_path_factory, table: str, column: str, data
) -> None:
    spec = TABLES[table]
    kind = spec.column(column).kind
    frame = _valid(spec)
    row = data.draw(st.integers(0, ROWS - 1), label="row")
    other_key = frame[column][(row + 1) % ROWS]
    value = data.draw(st.one_of(HOSTILE[kind], st.just(other_key)), label="value")
    frame[column] = frame[column].astype(object)
    frame.at[row, column] = value

    folder = tmp_path_factory.mktemp(table)
    others: dict[str, pd.DataFrame] = {}
    needed = [table]
    if table == "experiment_units":  # its variants are checked against the arms
        others["experiment_arms"] = _valid(TABLES["experiment_arms"])
        _write(folder, TABLES["experiment_arms"], others["experiment_arms"])
    _write(folder, spec, frame)
    warehouse = open_warehouse(DataSource(path=folder))
    broken = _breaks(spec, frame, others)
    try:
        check_contract(warehouse, needed)
    except DataContractError as error:
        assert broken, f"{value!r} in {table}.{column} refused: {error}"
        assert all(v.table == table for v in error.violations)
        return
    assert not broken, f"{value!r} in {table}.{column} breaks a rule yet passed the contract"
    got, want = _read(warehouse, spec), _as_analyses_read(spec, frame)
    assert len(got) == len(want)
    for got_row, want_row in zip(got, want, strict=True):
        assert all(_same(g, w) for g, w in zip(got_row, want_row, strict=True)), (got_row, want_row)


@pytest.mark.parametrize("engine", ["duckdb", pytest.param("pyspark", marks=pytest.mark.spark)])
def test_sign_and_order_rules_hold_on_both_engines(tmp_path: Path, engine: str, request) -> None:
    """The rules the property test above found missing name the same rows on either engine."""
    if engine == "pyspark":
        request.getfixturevalue("spark")
    broken = {
        ("lift_tests", "std_error", 1, 0.0): "std_error_positive",
        ("lift_tests", "start", 2, date(2026, 9, 30)): "period_order",
        ("channel_spend", "spend", 0, -5.0): "spend_nonneg",
        ("content_daily", "likes", 1, -1): "count_nonneg",
    }
    frames = {
        name: _valid(TABLES[name]) for name in ("lift_tests", "channel_spend", "content_daily")
    }
    for (name, column, row, value), _ in broken.items():
        frames[name][column] = frames[name][column].astype(object)
        frames[name].at[row, column] = value
    for name, frame in frames.items():
        _write(tmp_path, TABLES[name], frame)
    warehouse = open_warehouse(DataSource(path=tmp_path, engine=engine))
    with pytest.raises(DataContractError) as raised:
        check_contract(warehouse, list(frames))
    found = {(v.table, v.code, v.offending_rows) for v in raised.value.violations}
    assert found == {(name, code, 1) for (name, *_), code in broken.items()}
