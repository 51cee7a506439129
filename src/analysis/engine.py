"""Engine helpers every analysis shares: the period filter, exact money sums, the label of
rows without a channel, and reading a sum back. Each builds an ibis expression; nothing here
runs a query."""

from __future__ import annotations

from datetime import date, timedelta

import ibis
import ibis.expr.types as ir

NO_CHANNEL = "(none recorded)"


MONEY_DECIMAL = "decimal(38, 6)"
"""Amounts are summed as decimals: exact, so the sum does not depend on the order in which
an engine's threads or executors add rows (a float sum does, in its last bits, and a model
fitted on it, such as BG/NBD, can amplify that to the fifth digit)."""


def money_sum(column: ir.NumericColumn) -> ir.FloatingScalar:
    """The exact sum of an amount column (to 6 decimals), as a float."""
    return column.cast(MONEY_DECIMAL).sum().cast("float64")


def summed(value: object) -> float:
    """A sum the engine returned, as a number: a sum over no rows is NULL, which comes back as
    None from DuckDB and as NaN from PySpark; both read 0 (`int(NaN or 0)` crashed)."""
    if value is None or value != value:  # NaN is the one value not equal to itself
        return 0.0
    return float(value)  # type: ignore[arg-type]  # an engine scalar: int, float or Decimal


def in_days(column: ir.TimestampValue, first: date, last: date) -> ir.BooleanValue:
    """Rows from the start of `first` up to the end of `last` (timestamps or dates)."""
    start = ibis.timestamp(f"{first.isoformat()} 00:00:00")
    stop = ibis.timestamp(f"{(last + timedelta(days=1)).isoformat()} 00:00:00")
    as_ts = column.cast("timestamp")
    return (as_ts >= start) & (as_ts < stop)
