"""Per-table health: rows, time coverage, nulls per column and duplicated keys, in the engine."""

from __future__ import annotations

from dataclasses import dataclass

import ibis.expr.types as ir

from analysis.engine import summed
from analysis.schema import TABLES
from analysis.warehouse import Warehouse


@dataclass(frozen=True)
class TableProfile:
    """What one table holds as the analyses see it (erasures applied, personal columns out)."""

    table: str
    rows: int
    first_time: str | None
    last_time: str | None
    nulls: dict[str, int]
    duplicate_keys: int | None  # None: the table has no key


def profile_table(warehouse: Warehouse, name: str) -> TableProfile:
    """One aggregate for counts, coverage and nulls; one for duplicated keys."""
    spec = TABLES[name]
    table = warehouse.table(name)
    metrics = {"rows": table.count()}
    metrics |= {f"null_{c}": table[c].isnull().cast("int64").sum() for c in spec.public_columns}
    if spec.time_column:
        metrics["first_time"] = table[spec.time_column].min()
        metrics["last_time"] = table[spec.time_column].max()
    row = table.aggregate(**metrics).to_pandas().iloc[0]
    nulls = {c: int(summed(row[f"null_{c}"])) for c in spec.public_columns}  # empty: 0
    return TableProfile(
        table=name,
        rows=int(row["rows"]),
        first_time=str(row["first_time"]) if spec.time_column and row["rows"] else None,
        last_time=str(row["last_time"]) if spec.time_column and row["rows"] else None,
        nulls=nulls,
        duplicate_keys=_duplicate_keys(table, spec.key) if spec.key else None,
    )


def _duplicate_keys(table: ir.Table, key: tuple[str, ...]) -> int:
    counts = table.group_by(list(key)).aggregate(copies=table.count())
    return int(counts.filter(counts.copies > 1).count().to_pyarrow().as_py())


def profile_tables(warehouse: Warehouse, names: list[str]) -> list[TableProfile]:
    """Profiles of the named tables that exist in the warehouse, in contract order."""
    return [profile_table(warehouse, n) for n in TABLES if n in names and warehouse.has_table(n)]
