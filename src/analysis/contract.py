"""Check the data contract before anything is analysed.

Every rule is counted in the engine (one aggregate per table plus one query per
uniqueness or cross-table rule); only counts and at most five offending keys come back.
Keys are identifiers (order_id, customer_id, …), never personal values.

Strict mode (the batch default) raises `DataContractError` listing every violation;
`strict: false` returns them as warnings that the report shows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir

from analysis.contract_text import describe_in
from analysis.engine import summed
from analysis.errors import AnalysisError, DataContractError, DataSourceError
from analysis.privacy import mask_key
from analysis.schema import TABLES, Column, TableSpec
from analysis.warehouse import Warehouse

log = logging.getLogger(__name__)

SAMPLE_KEYS = 5
FATAL_CODES = frozenset({"missing_table", "missing_column"})
"""Violations of a needed table that stop a report even with `strict: false`: without the
table or column the analysis cannot run at all."""
PLANNED_SHARE_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Violation:
    """One broken rule: where, which rule, how many rows, a few keys, and how to fix it.

    `code` names the rule for the catalogue (`contract.rule.<code>`, `contract.fix.<code>`)
    and `values` fills its placeholders, so `describe_in` can word it in a report's language;
    `describe()` is the English sentence for logs and errors.
    """

    table: str
    column: str
    rule: str
    offending_rows: int
    sample_keys: tuple[str, ...]
    fix: str
    code: str = ""
    values: Mapping[str, str] = field(default_factory=dict, hash=False)

    def describe(self) -> str:
        """One sentence for a log or an error: table, column, rule, rows and the fix."""
        keys = f" (e.g. {', '.join(self.sample_keys)})" if self.sample_keys else ""
        rows = "" if self.offending_rows < 0 else f": {self.offending_rows:,} row(s) break it{keys}"
        return f"table {self.table}, column {self.column}, rule '{self.rule}'{rows}. {self.fix}"


@dataclass(frozen=True)
class ContractReport:
    """The outcome of a contract check: tables checked and the violations found."""

    checked: tuple[str, ...]
    violations: tuple[Violation, ...]

    @property
    def ok(self) -> bool:
        """True when no rule is broken."""
        return not self.violations

    def warnings(self, lang: str = "en") -> list[str]:
        """One readable sentence per violation in `lang`, as shown in reports."""
        return [describe_in(v, lang) for v in self.violations]


@dataclass(frozen=True)
class RowRule:
    """A rule each row must meet; `broken` builds the ibis predicate of offending rows."""

    column: str
    rule: str
    broken: Callable[[ir.Table], ir.BooleanValue]
    fix: str
    code: str = ""
    values: Mapping[str, str] = field(default_factory=dict, hash=False)
    example_column: str | None = None  # show a few of its offending values (never personal)


SAMPLE_VALUES = 3

MAX_MAGNITUDE = 2.0**53 / 100
"""The largest amount a float64 holds to the cent (2^53 fen, about 9.0e13): beyond it a
number is not an amount this suite can add up to the cent, so it is a broken export (an
overflowed cell, a sentinel such as 1e308), never data."""


def _finite_rule(column: Column) -> RowRule:
    """NaN, ±inf and magnitudes beyond `MAX_MAGNITUDE` are not numbers a report can use.

    DuckDB orders NaN above every number and Spark does too, but `revenue < 0` is false
    for NaN on both, so the range rules alone let it through; this rule names it.
    """
    c = column.name
    return RowRule(
        column.name,
        "a finite number",
        lambda t: t[c].isnan() | t[c].isinf() | (t[c].abs() > MAX_MAGNITUDE),
        f"NaN, inf and values beyond ±{MAX_MAGNITUDE:,.0f} are not amounts; fix the export "
        "(an empty cell is read as missing, not as NaN).",
        "finite_number",
        {"limit": f"{MAX_MAGNITUDE:,.0f}"},  # no scientific notation on pages
    )


def _count_rule(column: str) -> RowRule:
    """A count of people's actions (reads, likes, …) is never negative."""
    return RowRule(
        column,
        f"{column} ≥ 0",
        lambda t: t[column] < 0,
        "A count of actions cannot be negative.",
        "count_nonneg",
    )


SPEND_NONNEG = RowRule(
    "spend", "spend ≥ 0", lambda t: t.spend < 0, "Spend cannot be negative.", "spend_nonneg"
)
"""The spend of a row, per campaign (`spend`) or per channel (`channel_spend`), is never below 0."""

ROW_RULES: dict[str, tuple[RowRule, ...]] = {
    "orders": (
        RowRule(
            "revenue",
            "revenue ≥ 0",
            lambda t: t.revenue < 0,
            "Negative lines are refunds: group an export's lines into orders with "
            "data.recipes.orders.lines_to_orders (refunds: drop or net), or leave them out "
            "with a filter.",
            "revenue_nonneg",
        ),
    ),
    "spend": (
        SPEND_NONNEG,
        RowRule(
            "clicks",
            "0 ≤ clicks ≤ impressions",
            lambda t: (t.clicks < 0) | (t.clicks > t.impressions),
            "Clicks must be between 0 and the row's impressions.",
            "clicks_within_impressions",
        ),
    ),
    "experiment_arms": (
        RowRule(
            "units",
            "units ≥ 0 when given",
            lambda t: t.units < 0,
            "Platform-reported units cannot be negative.",
            "arm_units_nonneg",
        ),
        RowRule(
            "clicks",
            "0 ≤ clicks ≤ units when given",
            lambda t: (t.clicks < 0) | (t.clicks > t.units),
            "Platform-reported clicks must be between 0 and the arm's units.",
            "arm_clicks_within_units",
        ),
        RowRule(
            "planned_share",
            "0 < planned_share ≤ 1",
            lambda t: (t.planned_share <= 0) | (t.planned_share > 1),
            "Each arm's planned share is a fraction of traffic.",
            "planned_share_range",
        ),
    ),
    "experiment_units": (
        RowRule(
            "clicked",
            "clicked is 0 or 1",
            lambda t: ~t.clicked.isin([0, 1]),
            "Use 1 for a unit that clicked, 0 otherwise.",
            "clicked_binary",
        ),
        RowRule(
            "converted",
            "converted is 0 or 1",
            lambda t: ~t.converted.isin([0, 1]),
            "Use 1 for a unit that converted, 0 otherwise.",
            "converted_binary",
        ),
        RowRule(
            "revenue",
            "revenue ≥ 0",
            lambda t: t.revenue < 0,
            "Revenue per unit cannot be negative.",
            "unit_revenue_nonneg",
        ),
    ),
    "channel_spend": (SPEND_NONNEG,),
    "lift_tests": (
        RowRule(
            "std_error",
            "std_error > 0",
            lambda t: t.std_error <= 0,
            "A lift test's standard error is its uncertainty: a positive amount in the "
            "currency of incremental_revenue.",
            "std_error_positive",
        ),
        RowRule(
            "end",
            "start ≤ end",
            lambda t: t.start > t.end,
            "A test runs from its start to its end day; the two are swapped or mistyped.",
            "period_order",
        ),
    ),
    "content_daily": (
        *(_count_rule(c) for c in ("reads", "likes", "shares", "comments")),
        RowRule(
            "completions",
            "0 ≤ completions ≤ reads",
            lambda t: (t.completions < 0) | (t.completions > t.reads),
            "Completions (plays watched to the end) must be between 0 and the day's reads.",
            "completions_within_reads",
        ),
    ),
}

_KIND_CHECKS: dict[str, tuple[str, Callable]] = {
    "string": ("text", lambda d: d.is_string()),
    "timestamp": ("a timestamp or date", lambda d: d.is_timestamp() or d.is_date()),
    "date": ("a date or timestamp", lambda d: d.is_date() or d.is_timestamp()),
    "float": ("a number", lambda d: d.is_numeric()),
    "int": ("a whole number", lambda d: d.is_integer()),
    "bool": ("true/false (or 0/1)", lambda d: d.is_boolean() or d.is_integer()),
}


TableChecks = dict[str, list[Violation] | None]
"""Per table: its violations, or None when the table is missing (a batch checks each once)."""


def check_tables(warehouse: Warehouse, names: Iterable[str]) -> TableChecks:
    """Each named table's violations (None for a missing table)."""
    return {
        name: _checked(warehouse, name) if warehouse.has_table(name) else None
        for name in dict.fromkeys(names)
    }


def _checked(warehouse: Warehouse, name: str) -> list[Violation]:
    try:
        return check_table(warehouse, name)
    except AnalysisError:
        raise
    except Exception as exc:  # an engine error while reading: name the table and the cause
        cause = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise DataSourceError(
            f"table {name} ({warehouse.location(name)}): the engine failed while checking the "
            f"contract: {cause}"
        ) from exc


def check_contract(
    warehouse: Warehouse,
    needed: Iterable[str],
    optional: Iterable[str] = (),
    *,
    strict: bool = True,
    known: TableChecks | None = None,
) -> ContractReport:
    """Check the tables a report needs (missing ones are violations) and optional ones present.

    `known` holds checks already made (by a batch, for all its reports); other tables are
    checked here.
    """
    needed, optional = list(needed), list(optional)
    checks = dict(known or {})
    checks |= check_tables(warehouse, [n for n in needed + optional if n not in checks])
    violations: list[Violation] = []
    checked: list[str] = []
    for name in needed + optional:
        if checks[name] is None:
            if name in needed:
                violations.append(_missing_table(warehouse, name))
            continue
        checked.append(name)
        violations += checks[name] or []
    report = ContractReport(tuple(checked), tuple(violations))
    if violations and strict:
        lines = "\n".join(f"  - {v.describe()}" for v in violations)
        raise DataContractError(
            f"The data contract is broken in {len(violations)} place(s):\n{lines}\n"
            "Fix the source data or the mapping under data.tables / data.columns; "
            "or set data.strict: false to report these as warnings.",
            tuple(violations),
        )
    for violation in violations:
        log.warning("data contract: %s", violation.describe())
    return report


def require_needed(report: ContractReport, needed: Iterable[str]) -> None:
    """Raise when a table or column a report cannot do without is missing, strict or not
    (the runner calls this before a kernel starts; `strict: false` only softens the rest)."""
    needed = set(needed)
    fatal = [v for v in report.violations if v.table in needed and v.code in FATAL_CODES]
    if fatal:
        lines = "\n".join(f"  - {v.describe()}" for v in fatal)
        raise DataContractError(
            f"The report cannot run without these, whether strict or not:\n{lines}\n"
            "Add the table or column, or map yours under data.tables / data.columns / "
            "data.recipes.",
            tuple(fatal),
        )


def check_table(warehouse: Warehouse, name: str) -> list[Violation]:
    """Every rule of one table: columns present, kinds, nulls, keys, ranges, cross-table."""
    spec = TABLES[name]
    table = warehouse.source_table(name)
    violations = _column_violations(warehouse, spec, table)
    broken_columns = {v.column for v in violations}
    if spec.customer_column not in broken_columns:
        # erased customers' rows are out of scope: never counted, never shown as sample keys
        table = warehouse.without_erased(table, name)
    usable = [c for c in spec.columns if c.name not in broken_columns]
    texts = warehouse.text_columns(name)
    rules = [_not_null_rule(c, texts.get(c.name, c.name)) for c in usable if not c.nullable]
    formats = warehouse.date_formats(name)
    rules += [
        _parses_rule(spec.column(c), text, formats.get(c))
        for c, text in texts.items()
        if c not in broken_columns
    ]
    rules += [_finite_rule(c) for c in usable if c.kind == "float"]
    rules += [r for r in ROW_RULES.get(name, ()) if _columns_ok(r, broken_columns)]
    violations += _row_violations(spec, table, rules)
    if spec.key and not set(spec.key) & broken_columns:
        violations += _unique_violations(spec, table)
    if not broken_columns:
        violations += _cross_table_violations(warehouse, name, table)
    return violations


def _missing_table(warehouse: Warehouse, name: str) -> Violation:
    return Violation(
        name,
        "-",
        "table present",
        -1,
        (),
        f"Expected at {warehouse.location(name)}; add it or map it with data.tables.{name}.",
        "missing_table",
        {"location": str(warehouse.location(name))},
    )


def _column_violations(warehouse: Warehouse, spec: TableSpec, table: ir.Table) -> list[Violation]:
    violations = []
    schema = table.schema()
    yours = ", ".join(warehouse.source_columns(spec.name))  # the user's names, not internal ones
    for column in spec.columns:
        if column.name not in schema and column.nullable:
            continue  # an export without a nullable column simply has no values for it
        if column.name not in schema:
            violations.append(
                Violation(
                    spec.name,
                    column.name,
                    "column present",
                    -1,
                    (),
                    f"{warehouse.location(spec.name)} has columns {yours}; "
                    f"map yours with data.columns.{spec.name}.{column.name}: <your column>.",
                    "missing_column",
                    {"location": str(warehouse.location(spec.name)), "columns": yours},
                )
            )
            continue
        accepted, fits = _KIND_CHECKS[column.kind]
        dtype = schema[column.name]
        if not fits(dtype):
            violations.append(
                Violation(
                    spec.name,
                    column.name,
                    f"type {column.kind}",
                    -1,
                    (),
                    f"The column is {dtype}; it must be {accepted}.",
                    "wrong_type",
                    {"kind": column.kind, "dtype": str(dtype)},
                )
            )
    return violations


def _not_null_rule(column: Column, source_column: str) -> RowRule:
    """Not null; for a column read from CSV text, judged on the text (unparseable is separate)."""
    return RowRule(
        column.name,
        "not null",
        lambda t: t[source_column].isnull(),
        "Every row needs a value here.",
        "not_null",
    )


def _parses_rule(column: Column, text_column: str, fmt: str | None = None) -> RowRule:
    accepted, _ = _KIND_CHECKS[column.kind]
    c, raw = column.name, text_column
    if fmt is not None:
        return RowRule(
            column.name,
            f"values read as {column.kind} with format {fmt}",
            lambda t: t[raw].notnull() & t[c].isnull(),
            f"Values such as {{examples}} do not match the format {fmt} given at "
            f"data.recipes.{{table}}.formats.{column.name}; correct them or the format.",
            "unparseable_format",
            {"kind": column.kind, "format": fmt},
            example_column=text_column,
        )
    return RowRule(
        column.name,
        f"values read as {column.kind}",
        lambda t: t[raw].notnull() & t[c].isnull(),
        f"Each value must be {accepted}; write dates as 2026-10-01 or 2026-10-01 10:00:00, "
        "numbers with '.' decimals, true/false as true, false, 1 or 0.",
        "unparseable",
        {"kind": column.kind},
        example_column=text_column,
    )


def _columns_ok(rule: RowRule, broken_columns: set[str]) -> bool:
    return rule.column not in broken_columns and not (
        rule.column == "clicks" and broken_columns & {"impressions", "units"}
    )


def _sample_key_expr(spec: TableSpec, table: ir.Table) -> ir.Value:
    fallback = (spec.customer_column, spec.time_column, "channel", "campaign", "series")
    columns = list(spec.key) or [c for c in fallback if c and c in table.columns]
    values = [table[c].cast("string").fill_null("∅") for c in columns]
    return values[0] if len(values) == 1 else ibis.literal("/").join(values)


def _row_violations(spec: TableSpec, table: ir.Table, rules: list[RowRule]) -> list[Violation]:
    if not rules:
        return []
    counts = (
        table.aggregate(
            **{
                f"r{i}": rule.broken(table).fill_null(False).cast("int64").sum()
                for i, rule in enumerate(rules)
            }
        )
        .to_pandas()
        .iloc[0]
    )
    violations = []
    for i, rule in enumerate(rules):
        offending = int(summed(counts[f"r{i}"]))
        if offending:
            broken = table.filter(rule.broken(table).fill_null(False))
            keys = _sample_keys(spec, broken)
            values, fix = dict(rule.values), rule.fix
            if rule.example_column is not None:
                values["examples"] = _sample_values(broken, rule.example_column)
                fix = fix.replace("{examples}", values["examples"]).replace("{table}", spec.name)
                if rule.code == "unparseable":
                    fix = f"Values such as {values['examples']} do not parse. {fix}"
            violations.append(
                Violation(
                    spec.name, rule.column, rule.rule, offending, keys, fix, rule.code, values
                )
            )
    return violations


def _sample_keys(spec: TableSpec, offending: ir.Table) -> tuple[str, ...]:
    key = _sample_key_expr(spec, offending).name("key")
    sample = offending.select(key).order_by("key").limit(SAMPLE_KEYS).to_pandas()
    return tuple(mask_key(str(k)) for k in sample["key"])


def _sample_values(offending: ir.Table, column: str) -> str:
    """A few distinct offending values of a non-personal column, quoted as written."""
    values = offending.select(value=offending[column]).distinct().order_by("value")
    found = values.limit(SAMPLE_VALUES).to_pandas()["value"]
    return ", ".join(repr(str(v)) for v in found)


def _unique_violations(spec: TableSpec, table: ir.Table) -> list[Violation]:
    key_table = table.filter([table[c].notnull() for c in spec.key])
    duplicated = key_table.group_by(list(spec.key)).aggregate(copies=key_table.count())
    duplicated = duplicated.filter(duplicated.copies > 1)
    summary = (
        duplicated.aggregate(keys=duplicated.count(), rows=duplicated.copies.sum())
        .to_pandas()
        .iloc[0]
    )
    if not int(summary["keys"]):
        return []
    keys = _sample_keys(spec, duplicated)
    key = ", ".join(spec.key)
    rule = "unique" if len(spec.key) == 1 else f"({key}) unique"
    what, code = {
        "experiment_units": ("A unit must be in exactly one variant of an experiment.", "unit"),
        "experiment_arms": ("One row per arm of an experiment.", "arm"),
    }.get(spec.name, ("Remove or merge the duplicated rows.", "rows"))
    code = f"unique_{code}" if len(spec.key) > 1 else "unique"
    rows = int(summary["rows"])
    return [Violation(spec.name, spec.key[-1], rule, rows, keys, what, code, {"key_columns": key})]


def _cross_table_violations(warehouse: Warehouse, name: str, table: ir.Table) -> list[Violation]:
    if name == "experiment_arms":
        return _planned_share_violations(table)
    if name == "experiment_units" and warehouse.has_table("experiment_arms"):
        arms = warehouse.source_table("experiment_arms")
        orphans = table.anti_join(
            arms,
            [table.experiment_id == arms.experiment_id, table.variant == arms.variant],
        )
        count = int(orphans.count().to_pyarrow().as_py())
        if count:
            keys = _sample_keys(TABLES["experiment_units"], orphans)
            return [
                Violation(
                    name,
                    "variant",
                    "variant exists in experiment_arms",
                    count,
                    keys,
                    "Add the arm to experiment_arms or correct the unit's variant.",
                    "orphan_variant",
                )
            ]
    return []


def _planned_share_violations(arms: ir.Table) -> list[Violation]:
    totals = arms.group_by("experiment_id").aggregate(total=arms.planned_share.sum())
    off = totals.filter((totals.total - 1).abs() > PLANNED_SHARE_TOLERANCE)
    found = off.order_by("experiment_id").to_pandas()
    if found.empty:
        return []
    keys = tuple(
        f"{row.experiment_id} (sum {row.total:.4g})" for row in found.head(SAMPLE_KEYS).itertuples()
    )
    return [
        Violation(
            "experiment_arms",
            "planned_share",
            "planned shares of an experiment sum to 1",
            len(found),
            keys,
            "Give each arm its planned fraction of traffic; they must add up to 1.",
            "planned_share",
        )
    ]
