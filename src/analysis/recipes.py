"""Mapping recipes: how a user's export becomes a contract table, declared in params.

A recipe (`data.recipes.<table>` in a params file) is a small declarative grammar, never
code: row filters, constants, columns built from an expression (copy, concatenate,
multiply, date part, case on a value), value maps, date formats and the grouping of
invoice lines into orders. `TableRecipe` validates it when params are read (before any
kernel starts); `apply_recipe` builds the ibis expression, so every step runs in the
engine (DuckDB and PySpark alike) and no row leaves it.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

import ibis
import ibis.expr.types as ir
from pydantic import BaseModel, ConfigDict, Field, model_validator

from analysis.errors import DataContractError

Scalar = str | int | float | bool

BOOLEAN_WORDS: dict[str, str] = {
    **dict.fromkeys(("true", "t", "yes", "y", "是", "对", "1", "1.0"), "1"),
    **dict.fromkeys(("false", "f", "no", "n", "否", "不是", "0", "0.0"), "0"),
}
"""Words read as a flag's 1/0 in any case (TRUE, True, true; Y, y; 是/否), in every engine."""

FLAG_COLUMNS: dict[str, tuple[str, ...]] = {
    "experiment_units": ("clicked", "converted"),
    "experiment_arms": ("is_control",),
}
"""Contract columns holding a yes/no flag (0/1 or true/false)."""

DATE_PARTS = ("year", "month", "day", "hour", "date", "week_start")
_STRFTIME = re.compile(r"%[YmdHMSyIpbBfjz%]")
_JAVA_PATTERN = {
    "%Y": "yyyy",
    "%y": "yy",
    "%m": "M",
    "%d": "d",
    "%H": "H",
    "%I": "h",
    "%M": "m",
    "%S": "s",
    "%p": "a",
    "%b": "MMM",
    "%B": "MMMM",
    "%f": "SSSSSS",
    "%j": "D",
    "%z": "Z",
    "%%": "%",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)


class Text(_Strict):
    """A literal piece of text inside `concat`."""

    text: str


class DatePart(_Strict):
    """A part of a source date-time column: year, month, day, hour, date or week_start."""

    column: str
    part: Literal["year", "month", "day", "hour", "date", "week_start"]
    format: str | None = Field(None, description="strftime format of the text, e.g. %m/%d/%Y")


class Case(_Strict):
    """A value chosen by a source column's value: `when: {source value: result}`, `else`."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    column: str
    when: dict[str, Scalar] = Field(min_length=1)
    otherwise: Scalar | None = Field(None, alias="else")


class Expression(_Strict):
    """Exactly one of: column (a copy), text, concat, multiply, date_part, case."""

    column: str | None = None
    text: str | None = None
    concat: list[str | Text] | None = Field(None, min_length=1)
    multiply: list[str] | None = Field(None, min_length=2)
    date_part: DatePart | None = None
    case: Case | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Expression:
        given = [name for name in type(self).model_fields if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(
                f"an expression takes exactly one of column, text, concat, multiply, "
                f"date_part, case; got {given or 'none'}"
            )
        return self

    def source_columns(self) -> list[str]:
        """The user's columns this expression reads."""
        if self.column is not None:
            return [self.column]
        if self.concat is not None:
            return [part for part in self.concat if isinstance(part, str)]
        if self.multiply is not None:
            return list(self.multiply)
        if self.date_part is not None:
            return [self.date_part.column]
        if self.case is not None:
            return [self.case.column]
        return []


FilterOp = Literal["==", "!=", "<", "<=", ">", ">=", "in", "not_in", "is_null", "not_null"]


class RowFilter(_Strict):
    """Keep rows where `column op value` holds (text compared as written; <, > as numbers)."""

    column: str
    op: FilterOp = "=="
    value: Scalar | list[Scalar] | None = None

    @model_validator(mode="after")
    def _value_fits_op(self) -> RowFilter:
        if self.op in ("is_null", "not_null"):
            if self.value is not None:
                raise ValueError(f"op {self.op!r} takes no value (got {self.value!r})")
        elif self.op in ("in", "not_in"):
            if not isinstance(self.value, list) or not self.value:
                raise ValueError(f"op {self.op!r} needs a list of values (got {self.value!r})")
        elif self.value is None or isinstance(self.value, list):
            raise ValueError(f"op {self.op!r} needs one value (got {self.value!r})")
        return self


class OrderLines(_Strict):
    """Invoice lines grouped into orders: one row per `order_id`.

    Revenue is the sum of the order's lines, order_ts its first line's time, customer and
    channel its first non-empty ones. `refunds` states the rule for negative lines:
    `drop` (default) — negative lines (cancellations, returns) are left out, so an order's
    revenue is what was sold; `net` — they are summed with the order's other lines and an
    order whose net revenue is not above zero is left out.
    """

    refunds: Literal["drop", "net"] = "drop"


class WideColumns(_Strict):
    """Columns that each hold one series, turned into rows: a file with a column a channel
    (`date, tv_S, search_S, …`, as Robyn's and Meridian's sample data are laid out) becomes
    rows (date, channel, spend). `columns` maps each of your columns to the name it stands
    for (`tv_S: TV`); `names` and `values` are the contract columns that get the name and the
    value. Your other columns stay on every row (the date, to be mapped as usual)."""

    columns: dict[str, str] = Field(min_length=1)
    names: str = "channel"
    values: str = "spend"


class TableRecipe(_Strict):
    """How one contract table is built from the user's file, applied in this order:
    filter rows → wide columns into rows → columns (mapping, derive, constants) → value maps →
    types (formats) → lines into orders."""

    filter: list[RowFilter] = Field(default_factory=list)
    wide: WideColumns | None = None
    constants: dict[str, Scalar] = Field(default_factory=dict)
    derive: dict[str, Expression] = Field(default_factory=dict)
    values: dict[str, dict[str, Scalar]] = Field(default_factory=dict)
    formats: dict[str, str] = Field(default_factory=dict)
    lines_to_orders: OrderLines | None = None

    @model_validator(mode="after")
    def _formats_are_strftime(self) -> TableRecipe:
        for column, fmt in self.formats.items():
            if not _STRFTIME.search(fmt):
                raise ValueError(
                    f"formats.{column}: {fmt!r} has no strftime code; write e.g. "
                    "'%m/%d/%Y %H:%M' or '%Y年%m月%d日'"
                )
        return self

    def contract_columns(self) -> set[str]:
        """Contract columns the recipe names (built or transformed)."""
        made = {self.wide.names, self.wide.values} if self.wide is not None else set()
        return {*made, *self.constants, *self.derive, *self.values, *self.formats}

    def source_columns(self) -> list[str]:
        """Every user column the recipe reads, in order of first mention."""
        names = [f.column for f in self.filter]
        for expression in self.derive.values():
            names += expression.source_columns()
        return list(dict.fromkeys(names))


class ArmsFromUnits(_Strict):
    """Arms derived from experiment_units when there is no arms table: each experiment's
    variants, `control` (default: the first variant in sort order) and planned shares
    (default: equal)."""

    control: str | None = None
    planned_shares: dict[str, float] = Field(default_factory=dict)


# ------------------------------------------------------------------ in the engine


def check_source_columns(raw: ir.Table, needed: dict[str, str], location: str, table: str) -> None:
    """Every user column the mapping or recipe reads exists, or say which, in the user's words.

    `needed` maps the user's column to where params name it (e.g. `columns.orders.revenue`).
    """
    missing = {source: key for source, key in needed.items() if source not in raw.columns}
    if missing:
        listed = "; ".join(
            f"data.{key} points at column {source!r}" for source, key in missing.items()
        )
        raise DataContractError(
            f"table {table} ({location}): {listed}, which your file does not have; "
            f"its columns are: {', '.join(raw.columns)}"
        )


def filtered(raw: ir.Table, filters: list[RowFilter]) -> ir.Table:
    """`raw` with each filter applied (text compared as text, <, > compared as numbers)."""
    for row_filter in filters:
        raw = raw.filter(_predicate(raw[row_filter.column], row_filter))
    return raw


def _predicate(column: ir.Value, row_filter: RowFilter) -> ir.BooleanValue:
    op, value = row_filter.op, row_filter.value
    if op == "is_null":
        return column.isnull()
    if op == "not_null":
        return column.notnull()
    text = column.cast("string")
    if op in ("in", "not_in"):
        inside = text.isin([as_text(v) for v in value])  # type: ignore[union-attr]
        return inside if op == "in" else ~inside
    if op in ("==", "!="):
        equal = text == as_text(value)  # type: ignore[arg-type]  # RowFilter: a list only for in
        return equal if op == "==" else ~equal
    number = column.cast("string").try_cast("float64")
    limit = float(value)  # type: ignore[arg-type]
    return {"<": number < limit, "<=": number <= limit, ">": number > limit, ">=": number >= limit}[
        op
    ]


def as_text(value: Scalar) -> str:
    """A filter value as the text it is compared with (booleans as true/false)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def expression_value(raw: ir.Table, expression: Expression, engine: str) -> ir.Value:
    """The ibis value an expression describes, over the user's table."""
    if expression.column is not None:
        return raw[expression.column]
    if expression.text is not None:
        return ibis.literal(expression.text)
    if expression.concat is not None:
        parts = [
            ibis.literal(p.text) if isinstance(p, Text) else raw[p].cast("string").fill_null("")
            for p in expression.concat
        ]
        joined = parts[0]
        for part in parts[1:]:
            joined = joined.concat(part)
        return joined
    if expression.multiply is not None:
        product = _number(raw[expression.multiply[0]])
        for name in expression.multiply[1:]:
            product = product * _number(raw[name])
        return product
    if expression.date_part is not None:
        return _date_part(raw, expression.date_part, engine)
    case = expression.case
    assert case is not None  # Expression guarantees exactly one
    text = raw[case.column].cast("string")
    otherwise = None if case.otherwise is None else ibis.literal(as_text(case.otherwise))
    result = ibis.cases(
        *((text == key, ibis.literal(as_text(value))) for key, value in case.when.items()),
        else_=otherwise,
    )
    return result


def _number(column: ir.Value) -> ir.NumericValue:
    return column if column.type().is_numeric() else column.cast("string").try_cast("float64")


def _date_part(raw: ir.Table, part: DatePart, engine: str) -> ir.Value:
    column = raw[part.column]
    moment = (
        parse_timestamp(column.cast("string"), part.format, engine)
        if part.format
        else (column if column.type().is_temporal() else column.try_cast("timestamp"))
    )
    if part.part == "date":
        return moment.date()
    if part.part == "week_start":
        return moment.truncate("W").date()
    return getattr(moment, part.part)()


def parse_timestamp(text: ir.StringValue, fmt: str, engine: str) -> ir.TimestampValue:
    """Text read with a strftime format in the engine (PySpark gets the Java pattern);
    a value that does not fit becomes null, which the contract reports with the format."""
    if engine == "pyspark":
        return _try_to_timestamp(text, java_pattern(fmt)).cast("timestamp")
    return _try_strptime(text, fmt).cast("timestamp")


@ibis.udf.scalar.builtin(name="try_strptime")
def _try_strptime(text: str, fmt: str) -> datetime:
    """DuckDB's strptime that gives null for a value the format does not fit."""
    raise NotImplementedError("a builtin: ibis runs it in the engine, never this body")


@ibis.udf.scalar.builtin(name="try_to_timestamp")
def _try_to_timestamp(text: str, fmt: str) -> datetime:
    """Spark's to_timestamp that gives null for a value the pattern does not fit."""
    raise NotImplementedError("a builtin: ibis runs it in the engine, never this body")


def java_pattern(fmt: str) -> str:
    """A strftime format as Spark's datetime pattern (single letters parse 1 or 2 digits)."""
    pieces = re.split(r"(%.)", fmt)
    out = []
    for piece in pieces:
        if piece.startswith("%") and len(piece) == 2:
            out.append(_JAVA_PATTERN.get(piece, piece))
        elif piece:
            literal = piece.replace("'", "''")
            out.append(f"'{literal}'" if re.search(r"[A-Za-z]", piece) else literal)
    return "".join(out)


def long_from_wide(raw: ir.Table, wide: WideColumns | None) -> ir.Table:
    """One row per (row of `raw`, wide column): `wide.names` holds the column's name as
    mapped, `wide.values` its value; the other columns repeat. Mixed column types are read
    as text, so `_typed` reads every value by the contract's rules. No recipe: `raw`."""
    if wide is None:
        return raw
    sources = list(wide.columns)
    kinds = {str(raw[c].type().copy(nullable=True)) for c in sources}
    if len(kinds) > 1:
        raw = raw.mutate(**{c: raw[c].cast("string") for c in sources})
    long = raw.pivot_longer(sources, names_to=wide.names, values_to=wide.values)
    names: dict[str, Scalar] = dict(wide.columns)
    return long.mutate(**{wide.names: value_mapped(long[wide.names], names)})


def value_mapped(column: ir.Value, mapping: dict[str, Scalar]) -> ir.Value:
    """A text column with the user's values replaced (values not listed are kept as written)."""
    text = column.cast("string")
    return ibis.cases(
        *((text == key, ibis.literal(as_text(value))) for key, value in mapping.items()),
        else_=text,
    )


def flag_words(column: ir.Value) -> ir.Value:
    """A flag column's words (TRUE/false/yes/N/是/否…) as 1/0; other text kept as written."""
    text = column.cast("string")
    folded = text.strip().lower()
    return ibis.cases(
        *((folded == word, ibis.literal(flag)) for word, flag in BOOLEAN_WORDS.items()),
        else_=text,
    )


def orders_from_lines(table: ir.Table, rule: OrderLines, text_suffix: str) -> ir.Table:
    """Invoice lines (typed, contract names) grouped into one row per order_id, by `rule`."""
    lines = table.filter(table.revenue >= 0) if rule.refunds == "drop" else table
    revenue_text = "revenue" + text_suffix
    aggregates: dict[str, ir.Value] = {
        "customer_id": lines.customer_id.min(),
        "order_ts": lines.order_ts.min(),
        "revenue": lines.revenue.sum(),
    }
    if "channel" in lines.columns:
        aggregates["channel"] = lines.channel.min()
    if revenue_text in lines.columns:
        unparsed = lines[revenue_text].notnull() & lines.revenue.isnull()
        aggregates["unparsed"] = unparsed.cast("int64").sum()
        aggregates[revenue_text] = lines[revenue_text].max()
    for name in ("customer_id", "order_ts"):
        if name + text_suffix in lines.columns:
            aggregates[name + text_suffix] = lines[name + text_suffix].max()
    orders = lines.group_by("order_id").aggregate(**aggregates)
    if "unparsed" in orders.columns:
        orders = orders.mutate(
            revenue=ibis.ifelse(orders.unparsed > 0, ibis.null("float64"), orders.revenue)
        ).drop("unparsed")
    if rule.refunds == "net":
        orders = orders.filter(orders.revenue.isnull() | (orders.revenue > 0))
    return orders


def arms_from_units(units: ir.Table, rule: ArmsFromUnits) -> ir.Table:
    """One arm per (experiment_id, variant) of the units: label = variant, the control by
    `rule` (else the first variant in sort order), planned shares by `rule` (else equal)."""
    arms = units.group_by(["experiment_id", "variant"]).aggregate()
    first = arms.variant.min().over(group_by=arms.experiment_id)
    arm_count = arms.variant.count().over(group_by=arms.experiment_id)
    control = arms.variant == rule.control if rule.control is not None else arms.variant == first
    if rule.planned_shares:
        share = ibis.cases(
            *((arms.variant == v, ibis.literal(s)) for v, s in rule.planned_shares.items()),
            else_=ibis.null("float64"),
        )
    else:
        share = 1.0 / arm_count.cast("float64")
    return arms.mutate(
        label=arms.variant,
        is_control=control,
        planned_share=share.cast("float64"),
        units=ibis.null("int64"),
        clicks=ibis.null("int64"),
    )
