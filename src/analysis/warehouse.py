"""Open the warehouse through ibis and hand analyses contract-shaped, privacy-safe tables.

`open_warehouse(source)` reads a `DataSource` (params' `data:` block):
- a folder: one Parquet or CSV file (or a folder of Parquet files) per table, read in place
  by DuckDB (or by PySpark with `engine: pyspark`);
- a `.duckdb` file, opened read-only;
- a `url` for any other ibis backend.

`Warehouse.table(name)` applies the user's table and column mapping, keeps only the
contract's non-personal columns and drops every customer with an erasure request, so no
analysis can select an e-mail or phone or see an erased customer.
"""

from __future__ import annotations

import codecs
import logging
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from analysis.errors import DataContractError, DataSourceError
from analysis.params import ENCODINGS, DataSource, table_key
from analysis.recipes import (
    FLAG_COLUMNS,
    TableRecipe,
    arms_from_units,
    as_text,
    check_source_columns,
    expression_value,
    filtered,
    flag_words,
    long_from_wide,
    orders_from_lines,
    parse_timestamp,
    value_mapped,
)
from analysis.schema import TABLES, TableSpec

log = logging.getLogger(__name__)

FILE_SUFFIXES = (".parquet", ".csv")
TEXT_SUFFIX = "__as_text"
"""A CSV column is read as text; `<column>__as_text` keeps that text beside the typed value."""
ENGINE_TYPES = {
    "timestamp": "timestamp",
    "date": "date",
    "float": "float64",
    "int": "int64",
    "bool": "boolean",
}


SCRATCH_PREFIX = "analysis-warehouse-"
"""Private temporary folders `<tmp>/analysis-warehouse-<pid>-<random>` (transcoded exports)."""


def remove_orphaned_temp(prefix: str, folder: Path | None = None) -> list[Path]:
    """Remove `<tmp>/<prefix><pid>-…` files and folders of this user whose process is gone.

    A run deletes its own on exit (and on SIGTERM); one killed by SIGKILL cannot, so the
    next run does. A live process's files, and other users', are never touched.
    """
    folder = folder or Path(tempfile.gettempdir())
    removed = []
    for path in folder.glob(f"{prefix}*"):
        pid = path.name.removeprefix(prefix).split("-", 1)[0]
        if not pid.isdigit() or _alive(int(pid)):
            continue
        try:
            if path.lstat().st_uid != os.getuid():
                continue
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        except OSError:
            continue
        removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class Warehouse:
    """An open ibis connection plus the mapping from contract tables to source tables."""

    source: DataSource
    backend: Any
    _registered: dict[str, str] = field(default_factory=dict)
    _csv_tables: set[str] = field(default_factory=set)
    tables_read: set[str] = field(default_factory=set)

    def scratch_folder(self) -> Path:
        """A private temporary folder (mode 0700) that lives as long as the engine connection.

        It hangs on the backend, which every expression built on it references, so files
        the engine reads lazily stay until the last query is done.
        """
        scratch = getattr(self.backend, "_analysis_scratch", None)
        if scratch is None:
            remove_orphaned_temp(SCRATCH_PREFIX)  # what a killed run (SIGKILL) left behind
            scratch = tempfile.TemporaryDirectory(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-")
            self.backend._analysis_scratch = scratch
        return Path(scratch.name)

    # ------------------------------------------------------------------ what exists

    @contextmanager
    def materialized(self, expression: ir.Table) -> Iterator[ir.Table]:
        """`expression` evaluated once into a temporary table of the engine, for several reads,
        and dropped afterwards; on DuckDB, where it matters at scale. Other engines read the
        expression itself each time, as before: ibis's `Table.cache` fails over Spark Connect,
        and on DuckDB it cannot drop its table with this sqlglot (a DROP without the name)."""
        if getattr(self.backend, "name", "") != "duckdb":
            yield expression
            return
        name = f"analysis_tmp_{uuid.uuid4().hex[:12]}"
        self.backend.create_table(name, expression, temp=True)
        try:
            yield self.backend.table(name)
        finally:
            self.backend.raw_sql(f'DROP TABLE IF EXISTS "{name}"')

    def has_table(self, name: str) -> bool:
        """Whether the contract table `name` can be found in the source (or derived)."""
        return self._has_source(name) or self._arms_derived(name)

    def _has_source(self, name: str) -> bool:
        try:
            self._source_name(name)
        except DataContractError:
            return False
        return True

    def _arms_derived(self, name: str) -> bool:
        """No arms table but unit rows: the arms are derived from the units (`data.arms`)."""
        return (
            name == "experiment_arms"
            and not self._has_source(name)
            and self._has_source("experiment_units")
        )

    def location(self, name: str) -> str:
        """Where table `name` is read from (file path or table name), for messages."""
        if self._arms_derived(name):
            return f"derived from experiment_units ({self.location('experiment_units')})"
        mapped = self.source.tables.get(table_key(name))
        if self.source.path is not None and self.source.path.is_dir():
            found = _find_file(self.source.path, name, mapped)
            return str(found) if found else str(self.source.path / (mapped or name))
        return mapped or name

    def source_columns(self, name: str) -> tuple[str, ...]:
        """The user's own column names of table `name`'s file or table, as written."""
        if self._arms_derived(name):
            return self.source_columns("experiment_units")
        return tuple(self._raw_table(name).columns)

    # ------------------------------------------------------------------ tables

    def source_table(self, name: str) -> ir.Table:
        """The table with contract column names (mapping and recipe applied), all source
        columns kept. Only the contract check uses this; analyses use `table()`.
        """
        if self._arms_derived(name):
            units = self.source_table("experiment_units")
            lacking = [c for c in ("experiment_id", "variant") if c not in units.columns]
            if lacking:
                raise DataContractError(
                    f"table experiment_arms is derived from experiment_units "
                    f"({self.location('experiment_units')}), which has no {lacking[0]!r}; map "
                    f"it under data.columns.experiment_units.{lacking[0]} or set it with "
                    f"data.recipes.experiment_units.constants.{lacking[0]}; your columns are: "
                    f"{', '.join(self.source_columns('experiment_units'))}"
                )
            derived = arms_from_units(units, self.source.arms)
            return _with_absent_nullables(derived, TABLES[name])
        raw = self._in_business_time(self._raw_table(name), name)
        recipe = self.source.recipes.get(table_key(name), TableRecipe())
        mapping = self.source.columns.get(table_key(name), {})
        check_source_columns(raw, self._named_sources(name), self.location(name), name)
        raw = filtered(raw, recipe.filter)
        raw = long_from_wide(raw, recipe.wide)
        built: dict[str, ir.Value] = {c: raw[s] for c, s in mapping.items()}
        spec = TABLES[name]
        for column, expression in recipe.derive.items():
            value = expression_value(raw, expression, self.source.engine)
            text_kind = spec.column(column).kind == "string"  # a month number read as a label
            built[column] = value.cast("string") if text_kind else value
        built |= {c: ibis.literal(as_text(v)) for c, v in recipe.constants.items()}
        kept = [c for c in raw.columns if c not in built and c not in mapping.values()]
        table = raw.select(*kept, **built) if built else raw
        for column, values in recipe.values.items():
            if column in table.columns:
                table = table.mutate(**{column: value_mapped(table[column], values)})
        for column in FLAG_COLUMNS.get(name, ()):
            if column in table.columns and table[column].type().is_string():
                table = table.mutate(**{column: flag_words(table[column])})
        if name in self._csv_tables:
            typed_columns = set(TABLES[name].column_names)
        else:
            typed_columns = {
                c
                for c in recipe.contract_columns()
                if c in table.columns and table[c].type().is_string()
            }
        table = _typed(
            table,
            TABLES[name],
            typed_columns,
            recipe.formats,
            self.source.engine,
            self.source.timezone,
        )
        if recipe.lines_to_orders is not None:
            table = orders_from_lines(table, recipe.lines_to_orders, TEXT_SUFFIX)
        return _with_absent_nullables(table, TABLES[name])

    def _in_business_time(self, raw: ir.Table, name: str) -> ir.Table:
        """Columns stored as instants (Parquet timestamps with a time zone, read by DuckDB or
        PySpark; DuckDB or Postgres TIMESTAMPTZ) as wall time in the business time zone;
        timestamps without a zone are already local and stay as written. (Tables of a Spark
        catalog are read as they are.)"""
        if name in self._csv_tables:
            return raw  # text: `_typed` reads offsets
        instants = self._instant_columns(raw, name)
        if not instants:
            return raw
        zone = self.source.timezone
        return raw.mutate(**{c: wall_time(raw[c], zone, self.source.engine) for c in instants})

    def _instant_columns(self, raw: ir.Table, name: str) -> list[str]:
        if self.source.engine == "pyspark":
            if self.source.database is not None:
                return []  # a catalog's TIMESTAMP holds what its writers' sessions made of it
            from pyspark.sql.types import TimestampType

            fields = self.backend._session.table(self._source_name(name)).schema.fields
            return [f.name for f in fields if isinstance(f.dataType, TimestampType)]
        if getattr(self.backend, "name", "") not in {"duckdb", "postgres"}:
            return []
        return [c for c, t in raw.schema().items() if t.is_timestamp() and t.timezone is not None]

    def _named_sources(self, name: str) -> dict[str, str]:
        """Each user column params name for table `name` → the params key naming it."""
        recipe = self.source.recipes.get(table_key(name), TableRecipe())
        named = {
            s: f"columns.{name}.{c}"
            for c, s in self.source.columns.get(table_key(name), {}).items()
        }
        for row_filter in recipe.filter:
            named.setdefault(row_filter.column, f"recipes.{name}.filter")
        for source in recipe.wide.columns if recipe.wide is not None else {}:
            named.setdefault(source, f"recipes.{name}.wide.columns")
        for column, expression in recipe.derive.items():
            for source in expression.source_columns():
                named.setdefault(source, f"recipes.{name}.derive.{column}")
        return named

    def date_formats(self, name: str) -> dict[str, str]:
        """Contract column → the strftime format its text is read with (recipes)."""
        recipe = self.source.recipes.get(table_key(name))
        return dict(recipe.formats) if recipe else {}

    def text_columns(self, name: str) -> dict[str, str]:
        """For a table read as text: contract column → the column holding its original text."""
        columns = self.source_table(name).columns
        return {c: c + TEXT_SUFFIX for c in TABLES[name].column_names if c + TEXT_SUFFIX in columns}

    def table(self, name: str) -> ir.Table:
        """Contract table `name`: non-personal contract columns only, erased customers dropped."""
        spec = TABLES[name]
        source = self.source_table(name)
        missing = [c for c in spec.public_columns if c not in source.columns]
        if missing:
            raise DataContractError(
                f"table {name} ({self.location(name)}) has no column {missing[0]!r}; "
                f"map it under data.columns.{name}.{missing[0]}: <your column>; your "
                f"columns are: {', '.join(self.source_columns(name))}"
            )
        self.tables_read.add(name)
        table = source.select(*spec.public_columns)
        return self.without_erased(_without_direction_controls(table, spec), name)

    def erased_customer_ids(self) -> ir.Table | None:
        """The erasure requests' customer ids, normalised (`erasure_key`), or None when there
        is no erasures table."""
        if not self.has_table("erasures"):
            return None
        erasures = self.source_table("erasures")
        key = erasure_key(erasures.customer_id)
        return erasures.select(customer_id=key).filter(key.notnull() & (key != "")).distinct()

    def without_erased(self, table: ir.Table, name: str) -> ir.Table:
        """`table` (contract table `name`) without the rows of customers who asked for erasure.

        Ids match after `erasure_key` on both sides: ' C0000074' and 'c0000074' in the
        erasure list both remove C0000074.
        """
        spec = TABLES[name]
        if spec.customer_column is None or name == "erasures":
            return table
        erased = self.erased_customer_ids()
        if erased is None:
            return table
        own = erasure_key(table[spec.customer_column])
        return table.anti_join(erased, own == erased.customer_id)

    def erasure_counts(self) -> ErasureCounts | None:
        """How many erasure requests there are and how many match a customer in the data
        (customers, else orders); None without an erasures table."""
        erased = self.erased_customer_ids()
        if erased is None:
            return None
        known = [n for n in ("customers", "orders") if self._has_source(n)]
        requests = int(erased.count().to_pyarrow().as_py())
        if not known:
            return ErasureCounts(requests, 0)
        people = self.source_table(known[0])
        ids = people.select(customer_id=erasure_key(people[TABLES[known[0]].customer_column]))
        matched = erased.semi_join(ids.distinct(), "customer_id")
        return ErasureCounts(requests, int(matched.count().to_pyarrow().as_py()))

    # ------------------------------------------------------------------ fingerprint

    def fingerprint(self, names: set[str] | None = None) -> dict[str, dict[str, Any]]:
        """Row count and latest timestamp of each table read (or of `names`)."""
        result: dict[str, dict[str, Any]] = {}
        for name in sorted(names if names is not None else self.tables_read):
            spec = TABLES[name]
            table = self.table(name)
            metrics = {"rows": table.count()}
            if spec.time_column:
                metrics["max_time"] = table[spec.time_column].max()
            row = table.aggregate(**metrics).to_pandas().iloc[0]
            result[name] = {
                "rows": int(row["rows"]),
                "max_time": str(row["max_time"]) if spec.time_column else None,
            }
        return result

    # ------------------------------------------------------------------ internals

    def _raw_table(self, name: str) -> ir.Table:
        """The source table as the engine holds it (a catalog table is read from its own
        database, so a temporary view of the same name in the session cannot stand in)."""
        source_name = self._source_name(name)
        if self.source.database is not None:
            return self.backend.table(source_name, database=self.source.database)
        return self.backend.table(source_name)

    def _source_name(self, name: str) -> str:
        if name not in TABLES:
            raise DataContractError(
                f"{name!r} is not a contract table; tables are: {', '.join(TABLES)}"
            )
        if name in self._registered:
            return self._registered[name]
        mapped = self.source.tables.get(table_key(name))
        if self.source.path is not None and self.source.path.is_dir():
            path = _find_file(self.source.path, name, mapped)
            if path is None:
                expected = mapped or f"{name}.parquet, {name}.csv or a {name}/ folder"
                raise DataContractError(
                    f"table {name}: no file {expected} in {self.source.path}; "
                    f"add it or map it with data.tables.{name}: <file name>"
                )
            self._registered[name] = self._register_file(name, path)
            return self._registered[name]
        table_name = mapped or name
        database = {"database": self.source.database} if self.source.database else {}
        if table_name not in self.backend.list_tables(**database):
            raise DataContractError(
                f"table {name}: {table_name!r} is not in {self.source.url or self.source.path}; "
                f"map it with data.tables.{name}: <table name>"
            )
        self._registered[name] = table_name
        return table_name

    def _register_file(self, name: str, path: Path) -> str:
        if not (path.is_dir() or path.suffix in FILE_SUFFIXES):
            raise DataSourceError(
                f"table {name}: {path} is neither .parquet nor .csv; convert it or map another file"
            )
        # Spark's session is shared by every warehouse of the process: a view per warehouse
        view = f"{name}_{uuid.uuid4().hex[:8]}" if self.source.engine == "pyspark" else name
        try:
            if path.suffix == ".csv":
                csv_path = utf8_copy(path, self.source.encoding, self.scratch_folder())
                self._read_csv(csv_path, view)
                self._csv_tables.add(name)
            else:
                pattern = str(path / "*.parquet") if path.is_dir() else str(path)
                self.backend.read_parquet(pattern, table_name=view)
        except DataSourceError:
            raise
        except Exception as exc:  # each engine raises its own kinds; the user needs file and cause
            raise DataSourceError(
                f"table {name}: the {self.source.engine} engine cannot read {path}: "
                f"{_first_line(exc)}. Check that the file is complete and of its type "
                "(for CSV: data.delimiter and data.encoding)."
            ) from exc
        return view

    def _read_csv(self, path: Path, name: str) -> None:
        """Register a CSV file; DuckDB's strict dialect sniffer refuses files mixing CRLF and
        bare-LF line ends (an export edited on two systems), so such a file is read again
        with the RFC 4180 quote rules but without the strict line-end check."""
        try:
            self.backend.read_csv(str(path), table_name=name, **self._csv_options())
        except Exception as exc:
            if self.source.engine == "pyspark" or "sniffing" not in str(exc):
                raise
            log.warning("table %s: %s read without DuckDB's strict mode (%s)", name, path, exc)
            options = self._csv_options() | {"strict_mode": False}
            self.backend.read_csv(str(path), table_name=name, **options)

    def _csv_options(self) -> dict[str, Any]:
        """Every CSV column is read as text (ids keep leading zeros; engines agree), then typed.

        Quoted fields may span lines and a quote inside one is doubled (RFC 4180), on both
        engines (Spark's defaults would split such a field into rows and escape with \\).
        """
        if self.source.engine == "pyspark":
            return {
                "header": True,
                "inferSchema": False,
                "sep": self.source.delimiter,
                "multiLine": True,
                "quote": '"',
                "escape": '"',
            }
        return {
            "header": True,
            "delim": self.source.delimiter,
            "all_varchar": True,
            "quote": '"',
            "escape": '"',
        }


@dataclass(frozen=True)
class ErasureCounts:
    """Erasure requests (distinct normalised ids) and those that match a customer in the
    data; the rest name nobody this data holds (a typo, or a customer already deleted)."""

    requests: int
    matched: int

    @property
    def unmatched(self) -> int:
        """Requests that matched no row."""
        return self.requests - self.matched


DIRECTION_CONTROLS = "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
"""Unicode bidi marks, embeddings, overrides and isolates (LRM … PDI). An unclosed U+202E in a
campaign name reverses the rest of the sentence it is shown in; names never need them."""


def _without_direction_controls(table: ir.Table, spec: TableSpec) -> ir.Table:
    """Data text as analyses see it: bidi control characters removed from every text column
    that is shown (names, titles, labels), not from ids, which are matched as written."""
    shown = [
        c.name
        for c in spec.columns
        if c.kind == "string" and not c.personal and not c.name.endswith("_id")
    ]
    stripped = {
        c: table[c].translate(DIRECTION_CONTROLS, "")
        for c in shown
        if c in table.columns and table[c].type().is_string()  # an all-null column may be typed
    }
    return table.mutate(**stripped) if stripped else table


def erasure_key(customer_id: ir.StringValue) -> ir.StringValue:
    """The form in which an erasure request's id and the data's ids are compared: text,
    surrounding whitespace (including full-width spaces) removed, upper case. Ids that differ
    only in case or padding are the same customer for erasure, whatever the export wrote."""
    text = customer_id.cast("string")
    # an explicit class: RE2 (DuckDB) and Java (Spark) disagree on what \\s holds (vertical tab)
    space = "[ \t\n\r\f\v\u00a0\u3000\ufeff]"  # the characters themselves
    return text.re_replace(f"^{space}+|{space}+$", "").upper()


def _with_absent_nullables(table: ir.Table, spec: TableSpec) -> ir.Table:
    """Add nullable contract columns the source lacks, as all-null (an export without a
    channel column has no recorded channel); personal columns are never added."""
    absent = {
        c.name: ibis.null(ENGINE_TYPES.get(c.kind, "string"))
        for c in spec.columns
        if c.nullable and not c.personal and c.name not in table.columns
    }
    return table.mutate(**absent) if absent else table


OFFSET_AT_END = r"\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}(:?\d{2})?)$"
"""A time of day followed by a UTC offset (+08:00, +0800, -05, Z): the text names an instant."""


@ibis.udf.scalar.builtin(name="timezone")
def _sql_wall_time(zone: str, moment: datetime) -> datetime:
    """DuckDB's and Postgres' timezone(zone, timestamptz): the wall time in `zone`."""
    raise NotImplementedError("a builtin: ibis runs it in the engine, never this body")


@ibis.udf.scalar.builtin(name="from_utc_timestamp")
def _spark_wall_time(moment: datetime, zone: str) -> datetime:
    """Spark's from_utc_timestamp (the session runs in UTC): the wall time in `zone`."""
    raise NotImplementedError("a builtin: ibis runs it in the engine, never this body")


def wall_time(instant: ir.TimestampValue, zone: str, engine: str) -> ir.TimestampValue:
    """An instant as the wall time in `zone` (a timestamp without a zone)."""
    if engine == "pyspark":
        return _spark_wall_time(instant, zone)
    return _sql_wall_time(zone, instant)


def text_timestamp(text: ir.StringValue, zone: str, engine: str) -> ir.TimestampValue:
    """Timestamp text: with an offset (2026-09-30 16:30:00+00:00) converted into `zone`,
    without one read as `zone`'s local time; text that is no timestamp becomes null."""
    naive = text.try_cast("timestamp")
    # Spark parses the offset into the instant itself (its session is UTC); DuckDB needs TIMESTAMPTZ
    instant = naive if engine == "pyspark" else text.try_cast(dt.Timestamp(timezone="UTC"))
    return ibis.cases(
        (text.re_search(OFFSET_AT_END), wall_time(instant, zone, engine)), else_=naive
    )


def _typed(
    table: ir.Table,
    spec: TableSpec,
    columns: set[str],
    formats: dict[str, str] | None = None,
    engine: str = "duckdb",
    zone: str = "Asia/Shanghai",
) -> ir.Table:
    """Cast text contract columns to their kinds (dates by their format when one is given),
    keeping the original text beside each as `<column>__as_text`."""
    formats = formats or {}
    casts: dict[str, ir.Value] = {}
    for column in spec.columns:
        if column.kind == "string" or column.name not in columns | set(formats):
            continue
        if column.name not in table.columns:
            continue
        text = table[column.name]
        if column.name in formats and column.kind in ("timestamp", "date"):
            moment = parse_timestamp(text.cast("string"), formats[column.name], engine)
            casts[column.name] = moment.date() if column.kind == "date" else moment
        elif column.kind == "timestamp" and text.type().is_string():
            casts[column.name] = text_timestamp(text, zone, engine)
        else:
            casts[column.name] = text.try_cast(ENGINE_TYPES[column.kind])
        casts[column.name + TEXT_SUFFIX] = text.cast("string")
    return table.mutate(**casts) if casts else table


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _find_file(folder: Path, name: str, mapped: str | None) -> Path | None:
    if mapped:
        candidate = Path(mapped) if Path(mapped).is_absolute() else folder / mapped
        return candidate if candidate.exists() else None
    for candidate in (folder / f"{name}{suffix}" for suffix in FILE_SUFFIXES):
        if candidate.is_file():
            return candidate
    folder_candidate = folder / name
    return folder_candidate if folder_candidate.is_dir() else None


def utf8_copy(path: Path, encoding: str, folder: Path) -> Path:
    """The CSV as UTF-8: the file itself when it already is, else a transcoded copy in `folder`.

    DuckDB reads UTF-8 natively; GB18030 (common in Chinese ad-platform and POS exports)
    needs an extension downloaded at run time, so the file is transcoded, streaming, into
    the warehouse's private temporary folder (readable by this user only, deleted when the
    warehouse is), because an export may hold personal data.
    """
    if encoding == "utf-8":
        return path
    target = folder / f"{len(list(folder.iterdir()))}-{path.stem}.csv"
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with path.open("rb") as source, target.open("w", encoding="utf-8", newline="") as out:
            for block in iter(lambda: source.read(1 << 20), b""):
                out.write(decoder.decode(block))
            out.write(decoder.decode(b"", final=True))
    except UnicodeDecodeError as exc:
        target.unlink(missing_ok=True)
        raise DataSourceError(
            f"{path}: not valid {encoding} at byte {exc.start}; set data.encoding to the file's "
            f"encoding (accepted: {', '.join(ENCODINGS)})"
        ) from exc
    return target


def open_warehouse(source: DataSource, backend: Any | None = None) -> Warehouse:
    """Connect to the warehouse the `data:` block describes (or use a given ibis backend)."""
    if backend is not None:
        return Warehouse(source, backend)
    if source.url is not None:
        try:
            return Warehouse(source, ibis.connect(source.url))
        except Exception as exc:  # ibis raises many kinds; the user needs the URL and reason
            raise DataSourceError(f"data.url {source.url!r}: cannot connect: {exc}") from exc
    if source.database is not None:
        return Warehouse(source, _catalog_backend(source))
    path = source.path
    assert path is not None  # DataSource guarantees path, url or database
    if not path.exists():
        raise DataSourceError(
            f"data.path {str(path)!r} does not exist (resolved: {path.resolve()}); "
            "give a folder of Parquet/CSV files or a .duckdb file"
            + ("; build the demo warehouse with `make data`" if path.name == "demo" else "")
        )
    if path.is_dir():
        return Warehouse(source, _folder_backend(source))
    if path.suffix in {".duckdb", ".db"}:
        return Warehouse(source, ibis.duckdb.connect(str(path), read_only=True))
    raise DataSourceError(
        f"data.path {str(path)!r} is neither a folder nor a .duckdb file; accepted: a folder "
        "of Parquet/CSV files, a .duckdb file, or data.url for other backends"
    )


def _folder_backend(source: DataSource) -> Any:
    if source.engine == "pyspark":
        return ibis.pyspark.connect(spark_session(source.spark_master, source.spark_conf))
    threads = os.environ.get("DUCKDB_THREADS", "")
    config = duckdb_memory()
    if threads.isdigit():
        config["threads"] = int(threads)
    backend = ibis.duckdb.connect(**config)
    # no progress bar: at scale a long query drew one into the batch's log and the terminal.
    # In a Jupyter kernel it is off already, and DuckDB refuses to set it there at all
    # (it wants ipywidgets): only a process that has it on turns it off.
    if backend.raw_sql("SELECT current_setting('enable_progress_bar')").fetchone()[0]:
        backend.raw_sql("SET enable_progress_bar = false")
    return backend


DUCKDB_MEMORY_SHARE = 0.25
"""Share of the machine's memory one DuckDB connection may hold when it has all the cores."""


def duckdb_memory() -> dict[str, Any]:
    """DuckDB's memory_limit and the folder it spills to beyond it.

    DuckDB's own default lets every connection take 80% of the machine's memory: with two
    reports at once, or a report beside other programs, their big joins then compete for
    more than there is (a scale-100 attribution kernel was seen at 12 GB). The limit here is
    DUCKDB_MEMORY_LIMIT when set (DuckDB's syntax, e.g. `4GB`), else DUCKDB_MEMORY_SHARE of
    physical memory times this connection's share of the cores (DUCKDB_THREADS / cores,
    which `analysis batch --jobs N` sets to 1/N): a quarter of the memory spread over the
    kernels running at once, the rest left to each report's own tables and to the machine.
    Above the limit DuckDB's joins, aggregates and sorts spill to a private temporary folder
    (SCRATCH_PREFIX, removed with the process or by the next run after a kill); results do
    not change, only speed.
    """
    limit = os.environ.get("DUCKDB_MEMORY_LIMIT", "").strip()
    if not limit:
        cores = os.cpu_count() or 1
        threads = os.environ.get("DUCKDB_THREADS", "")
        share = min(int(threads), cores) / cores if threads.isdigit() and int(threads) else 1.0
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        limit = f"{max(int(DUCKDB_MEMORY_SHARE * memory * share) // 2**20, 256)}MiB"
    spill = Path(tempfile.gettempdir()) / f"{SCRATCH_PREFIX}{os.getpid()}-duckdb-spill"
    return {"memory_limit": limit, "temp_directory": str(spill)}


def _catalog_backend(source: DataSource) -> Any:
    """PySpark over a database of Spark's catalog (Hive metastore, Delta, Iceberg…)."""
    session = spark_session(source.spark_master, source.spark_conf)
    database = source.database
    try:
        known = {row.namespace for row in session.sql("SHOW DATABASES").collect()}
    except Exception as exc:  # the engine's own kinds; the user needs the setting and the cause
        raise DataSourceError(
            f"data.database {database!r}: Spark cannot list its catalog's databases: "
            f"{_first_line(exc)}"
        ) from exc
    if database not in known:
        raise DataSourceError(
            f"data.database {database!r} is not in Spark's catalog; databases there: "
            f"{', '.join(sorted(known)) or '(none)'}"
        )
    session.catalog.setCurrentDatabase(database)
    return ibis.pyspark.connect(session)


@contextmanager
def spark_session_released(source: DataSource) -> Iterator[None]:
    """Stop, on leaving, a Spark session started inside the block (none was active before).

    The batch checks each source's tables once in its own process before the reports'
    kernels start. On a cluster that check is a Spark application of its own; kept alive it
    would hold executors while the kernels' applications wait for them (a standalone master
    hands out cores first come, first served). A session already active is left alone.
    """
    if source.engine != "pyspark":
        yield
        return
    try:
        from pyspark.sql import SparkSession
    except ImportError:  # open_warehouse says what to install
        yield
        return
    before = SparkSession.getActiveSession()
    try:
        yield
    finally:
        session = SparkSession.getActiveSession()
        if before is None and session is not None:
            session.stop()


def _check_connect_client(master: str) -> None:
    """Spark Connect needs pyspark's gRPC client (the `connect` extra), not only pyspark."""
    try:
        import grpc  # noqa: F401
        import grpc_status  # noqa: F401
    except ImportError as exc:
        raise DataSourceError(
            f"data.spark_master {master!r} is a Spark Connect URL, which needs pyspark's "
            f"Connect client ({exc.name} is missing): pip install 'pyspark[connect]' (or "
            "'marketing-analysis[spark]')"
        ) from exc


def spark_session(master: str | None = None, conf: dict[str, str] | None = None) -> Any:
    """A PySpark session set up for reproducible results (UTC, no UI).

    `master`: local[2] by default; a standalone cluster (spark://host:port) runs the engine
    work on its executors while statistics and HTML stay on this machine (the driver);
    sc://host:port connects to a Spark Connect server.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise DataSourceError(
            "data.engine 'pyspark' needs pyspark: pip install 'marketing-analysis[spark]'"
        ) from exc
    master = master or "local[2]"
    if master.startswith("sc://"):
        _check_connect_client(master)
    else:
        # pyspark marks the whole process (and the kernels it starts) as Spark Connect once
        # one Connect session was made; a classic master must not inherit that mark
        os.environ.pop("SPARK_CONNECT_MODE_ENABLED", None)
    builder = SparkSession.builder
    builder = builder.remote(master) if master.startswith("sc://") else builder.master(master)
    settings = {
        "spark.ui.enabled": "false",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": "4",
        "spark.driver.memory": "2g",
        **(conf or {}),
    }
    if master.startswith("sc://"):
        settings = {k: v for k, v in settings.items() if k.startswith("spark.sql.")}
    builder = builder.appName("marketing-analysis")
    for key, value in settings.items():
        builder = builder.config(key, value)
    try:
        return builder.getOrCreate()
    except Exception as exc:  # Java, network or cluster problems: name the master and cause
        raise DataSourceError(
            f"data.spark_master {master!r}: cannot start a Spark session: {_first_line(exc)}"
        ) from exc
