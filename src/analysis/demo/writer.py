"""Atomic warehouse output: Parquet streams into a hidden sibling directory, renamed when done."""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from pathlib import Path
from types import TracebackType

import pyarrow as pa
import pyarrow.parquet as pq

from analysis.errors import DataContractError, DataSourceError
from analysis.schema import TABLES

logger = logging.getLogger(__name__)

ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "timestamp": pa.timestamp("us"),
    "date": pa.date32(),
    "float": pa.float64(),
    "int": pa.int64(),
    "bool": pa.bool_(),
}
TRUTH_CUSTOMERS = "truth_customers"
TRUTH_FILE = "truth.json"
EXTRA_SCHEMAS = {
    TRUTH_CUSTOMERS: pa.schema(
        [
            pa.field("customer_id", pa.string(), nullable=False),
            pa.field("behaviour_type", pa.string(), nullable=False),
        ]
    ),
}
OUTPUT_FILES = frozenset([f"{name}.parquet" for name in (*TABLES, *EXTRA_SCHEMAS)] + [TRUTH_FILE])


def contract_schema(table: str) -> pa.Schema:
    """Arrow schema of a contract table (or the truth sidecar), in contract column order."""
    if table in EXTRA_SCHEMAS:
        return EXTRA_SCHEMAS[table]
    return pa.schema(
        [pa.field(c.name, ARROW_TYPES[c.kind], nullable=c.nullable) for c in TABLES[table].columns]
    )


class WarehouseWriter:
    """Streams tables into `<out>.partial` next to `out`; `commit` swaps it into place.

    A crash (or any exception inside the `with` block) deletes the partial directory, so `out`
    is either the previous complete warehouse or the new complete one, never half of one.
    """

    def __init__(self, out: Path) -> None:
        self.out = Path(out)
        _check_target(self.out)
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.staging = Path(
            tempfile.mkdtemp(prefix=f".{self.out.name}.", suffix=".partial", dir=self.out.parent)
        )
        self._streams: dict[str, pq.ParquetWriter] = {}
        self.rows: dict[str, int] = {}
        self._committed = False

    def __enter__(self) -> WarehouseWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self._committed:
            self._close_streams()
            shutil.rmtree(self.staging, ignore_errors=True)

    def append(self, name: str, table: pa.Table) -> None:
        """Add rows to `<name>.parquet` as a new row group (opening the stream on first use)."""
        schema = contract_schema(name)
        if table.column_names != schema.names:
            raise DataContractError(
                f"demo table {name!r} has columns {table.column_names}, expected {schema.names}"
            )
        if name not in self._streams:
            self._streams[name] = pq.ParquetWriter(self.staging / f"{name}.parquet", schema)
        self._streams[name].write_table(table.cast(schema))
        self.rows[name] = self.rows.get(name, 0) + table.num_rows

    def write_json(self, filename: str, payload: dict) -> None:
        """Write a JSON document (UTF-8, Chinese kept readable)."""
        text = json.dumps(payload, ensure_ascii=False, indent=2)
        (self.staging / filename).write_text(text + "\n", encoding="utf-8")

    def commit(self) -> None:
        """Close every stream and move the finished warehouse to `out`."""
        self._close_streams()
        previous = None
        if self.out.exists():
            previous = self.staging.with_name(self.staging.name.replace(".partial", ".old"))
            os.replace(self.out, previous)
        os.replace(self.staging, self.out)
        self._committed = True
        if previous is not None:
            shutil.rmtree(previous, ignore_errors=True)
        logger.info("demo warehouse written to %s", self.out)

    def _close_streams(self) -> None:
        for stream in self._streams.values():
            stream.close()
        self._streams.clear()


def _check_target(out: Path) -> None:
    """Refuse to replace anything that is not an empty directory or an earlier demo warehouse."""
    if not out.exists():
        return
    if not out.is_dir():
        raise DataSourceError(f"demo output {out} exists and is not a directory")
    foreign = sorted(p.name for p in out.iterdir() if p.name not in OUTPUT_FILES)
    if foreign:
        raise DataSourceError(
            f"demo output {out} holds files that are not a demo warehouse "
            f"({', '.join(foreign[:5])}); choose an empty or new directory"
        )
