"""Fast, vectorised builders of Arrow columns: ids, digit strings, timestamps, nulls."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from analysis.demo.world import EPOCH_OFFSET


def digit_width(largest: int, minimum: int) -> int:
    """Zero-padded width that fits `largest`, never below `minimum`."""
    return max(minimum, len(str(max(int(largest), 0))))


def digit_strings(numbers: np.ndarray, width: int, prefix: str = "") -> pa.Array:
    """Format non-negative ints as `prefix` + zero-padded digits, without a Python loop."""
    numbers = np.asarray(numbers, dtype=np.int64)
    if len(numbers) and int(numbers.max()) >= 10**width:  # would wrap into another id
        raise ValueError(f"{int(numbers.max())} has more than {width} digits")
    head = np.frombuffer(prefix.encode(), dtype=np.uint8)
    row = len(head) + width
    buf = np.empty((len(numbers), row), dtype=np.uint8)
    buf[:, : len(head)] = head
    rest = numbers.copy()
    for column in range(row - 1, len(head) - 1, -1):  # one digit at a time keeps memory flat
        rest, digit = np.divmod(rest, 10)
        buf[:, column] = digit + 48
    offsets = np.arange(len(numbers) + 1, dtype=np.int64) * row
    return pa.LargeStringArray.from_buffers(
        len(numbers), pa.py_buffer(offsets), pa.py_buffer(buf)
    ).cast(pa.string())


def pick(labels: pa.Array | list[str], index: np.ndarray) -> pa.Array:
    """Strings of `labels` at `index` (a vectorised lookup)."""
    labels = labels if isinstance(labels, pa.Array) else pa.array(labels, type=pa.string())
    return labels.take(pa.array(np.asarray(index, dtype=np.int64)))


def with_nulls(values: pa.Array, missing: np.ndarray) -> pa.Array:
    """`values` with nulls where `missing` is true."""
    return pc.if_else(pa.array(missing), pa.scalar(None, values.type), values)


def timestamps(seconds: np.ndarray) -> pa.Array:
    """Naive timestamp[us] column from seconds since the period start."""
    epoch_seconds = np.asarray(seconds, dtype=np.int64) + EPOCH_OFFSET
    return pa.array(epoch_seconds * 1_000_000, type=pa.int64()).cast(pa.timestamp("us"))


def money(amounts: np.ndarray) -> pa.Array:
    """Float64 yuan amounts rounded to fen."""
    return pa.array(np.round(np.asarray(amounts, dtype=np.float64), 2), type=pa.float64())
