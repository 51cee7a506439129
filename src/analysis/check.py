"""`python -m analysis check PARAMS.yaml`: what the reports would read, before any runs.

For each contract table the params' reports read: the file and columns it maps to, row
counts, the date range, a few mapped rows (personal columns are never selected, erased
customers never shown) and every contract problem; then whether each report can run.
Nothing is written and no kernel starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.contract import FATAL_CODES, Violation, check_tables
from analysis.errors import AnalysisError
from analysis.params import (
    ReportParams,
    load_batch_params,
    load_report_params,
    read_yaml,
    table_key,
)
from analysis.schema import TABLES
from analysis.warehouse import TEXT_SUFFIX, Warehouse, open_warehouse

SAMPLE_ROWS = 3


@dataclass(frozen=True)
class TableCheck:
    """One contract table as the params map it."""

    name: str
    location: str
    found: bool
    mapping: dict[str, str]
    rows: int | None = None
    first: str | None = None
    last: str | None = None
    sample: pd.DataFrame | None = None
    violations: tuple[Violation, ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class ReportCheck:
    """Whether one report can run on these tables, and what stops it."""

    name: str
    runs: bool
    blocking: tuple[str, ...]


def load_any(path: Path, overrides: list[str] | None = None) -> list[ReportParams]:
    """A single report's params file or a batch file (one with `reports:`)."""
    if "reports" in read_yaml(path):
        return load_batch_params(path, overrides)
    return [load_report_params(path, overrides)]


def check_reports(reports: list[ReportParams]) -> tuple[list[TableCheck], list[ReportCheck]]:
    """Check every table the reports read (once per source) and say which reports can run."""
    tables: dict[str, TableCheck] = {}
    verdicts = []
    for params in reports:
        warehouse = open_warehouse(params.data)
        for name in (*params.tables_needed, *params.tables_optional):
            if name not in tables:
                tables[name] = table_check(warehouse, name)
        verdicts.append(report_check(params, tables))
    return list(tables.values()), verdicts


def table_check(warehouse: Warehouse, name: str) -> TableCheck:
    """Mapping, counts, date range, sample rows and violations of one table."""
    location = warehouse.location(name)
    mapping = _mapping(warehouse, name)
    if not warehouse.has_table(name):
        return TableCheck(name, location, False, mapping)
    try:
        violations = tuple(check_tables(warehouse, [name])[name] or ())
        if any(v.code == "missing_column" for v in violations):
            return TableCheck(name, location, True, mapping, violations=violations)
        spec = TABLES[name]
        table = warehouse.table(name)
        metrics = {"rows": table.count()}
        time = spec.time_column
        if time:
            metrics |= {"first": table[time].min(), "last": table[time].max()}
        row = table.aggregate(**metrics).to_pandas().iloc[0]
        order = list(dict.fromkeys(c for c in (*spec.key, time) if c))  # the key may hold the time
        sample_table = table.order_by(order) if order else table
        sample = sample_table.limit(SAMPLE_ROWS).to_pandas()
        first = str(row["first"]) if time and pd.notna(row["first"]) else None
        last = str(row["last"]) if time and pd.notna(row["last"]) else None
        return TableCheck(
            name, location, True, mapping, int(row["rows"]), first, last, sample, violations
        )
    except AnalysisError as exc:
        return TableCheck(name, location, True, mapping, error=str(exc))


def _mapping(warehouse: Warehouse, name: str) -> dict[str, str]:
    """Contract column → where it comes from, in the user's words."""
    source = warehouse.source
    recipe = source.recipes.get(table_key(name))
    found: dict[str, str] = {c: repr(s) for c, s in source.columns.get(table_key(name), {}).items()}
    if recipe is not None:
        for column, expression in recipe.derive.items():
            found[column] = "derived: " + expression.model_dump_json(
                exclude_none=True, by_alias=True
            )
        for column, value in recipe.constants.items():
            found[column] = f"constant {value!r}"
        for column, fmt in recipe.formats.items():
            found[column] = f"{found.get(column, repr(column))} read as {fmt}"
    return found


def report_check(params: ReportParams, tables: dict[str, TableCheck]) -> ReportCheck:
    """A report runs when its needed tables exist and their contract holds (or, with
    `strict: false`, when nothing it cannot do without is missing)."""
    blocking = []
    for name in params.tables_needed:
        check = tables[name]
        if not check.found:
            blocking.append(f"table {name} is missing (expected at {check.location})")
        elif check.error:
            blocking.append(check.error)
        else:
            for violation in check.violations:
                if params.data.strict or violation.code in FATAL_CODES:
                    blocking.append(violation.describe())
    for name in params.tables_optional:
        check = tables[name]
        if check.error:
            blocking.append(check.error)
        elif check.found and params.data.strict:
            blocking += [v.describe() for v in check.violations]
    return ReportCheck(params.output_name, not blocking, tuple(blocking))


def render(tables: list[TableCheck], verdicts: list[ReportCheck]) -> str:
    """The check as plain text for the terminal."""
    lines = []
    for check in tables:
        lines.append(f"== {check.name}: {check.location}")
        if not check.found:
            lines.append("   not found")
            continue
        for column, where in check.mapping.items():
            lines.append(f"   {column} ← {where}")
        if check.error:
            lines.append(f"   PROBLEM: {check.error}")
            continue
        span = f", {check.first} … {check.last}" if check.first else ""
        if check.rows is not None:
            lines.append(f"   {check.rows:,} rows{span}")
        if check.sample is not None and not check.sample.empty:
            shown = check.sample[[c for c in check.sample.columns if TEXT_SUFFIX not in c]]
            lines += ["   " + line for line in shown.to_string(index=False).splitlines()]
        lines += [f"   PROBLEM: {v.describe()}" for v in check.violations]
    lines.append("")
    for verdict in verdicts:
        lines.append(f"{verdict.name}: {'can run' if verdict.runs else 'cannot run'}")
        lines += [f"  - {reason}" for reason in verdict.blocking]
    return "\n".join(lines)
