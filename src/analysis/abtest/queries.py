"""Engine-side queries of the A/B report: sufficient statistics per arm and per arm-day.

Unit-level rows never leave the engine: each query returns one row per arm (or arm and
day) holding counts, sums, sums of squares and cross-products.
"""

from __future__ import annotations

from datetime import date

import ibis
import ibis.expr.types as ir
import pandas as pd

from analysis.abtest.metrics import Metric, custom_columns
from analysis.engine import in_days
from analysis.errors import ParamsError
from analysis.warehouse import Warehouse

ARM_KEY = ["experiment_id", "variant"]


def _units(
    warehouse: Warehouse,
    first: date,
    last: date,
    ids: list[str] | None,
    extra_columns: tuple[str, ...] = (),
) -> ir.Table:
    units = warehouse.table("experiment_units")
    if extra_columns:  # custom metrics: columns beyond the contract, erasures still applied
        source = warehouse.source_table("experiment_units")
        missing = [c for c in extra_columns if c not in source.columns]
        if missing:
            raise ParamsError(
                f"table experiment_units ({warehouse.location('experiment_units')}) has no "
                f"column {missing[0]!r}, named by a metric under `metrics`; columns: "
                f"{', '.join(source.columns)}"
            )
        units = warehouse.without_erased(
            source.select(*units.columns, *dict.fromkeys(extra_columns)), "experiment_units"
        )
    # an export without exposure times (one row per user) is taken as exposed in the period
    units = units.filter(units.exposed_at.isnull() | in_days(units.exposed_at, first, last))
    return units.filter(units.experiment_id.isin(ids)) if ids else units


def _custom_sums(units: ir.Table, metrics: list[Metric]) -> dict[str, ir.Value]:
    """Σy, Σy² per custom metric column (and Σx, Σx², Σxy for a ratio's denominator)."""
    sums = {}
    for metric in metrics:
        names = custom_columns(metric)
        value = units[metric.column].cast("float64")
        sums[names["sum"]] = value.sum()
        sums[names["squares"]] = (value * value).sum()
        if metric.denominator:
            denominator = units[metric.denominator].cast("float64")
            sums[names["den"]] = denominator.sum()
            sums[names["den_squares"]] = (denominator * denominator).sum()
            sums[names["cross"]] = (value * denominator).sum()
    return sums


def _sums(units: ir.Table) -> dict[str, ir.Value]:
    revenue = units.revenue.cast("float64")
    clicked = units.clicked.cast("int64")
    # a unit without pre-period data counts as 0 (no purchase before): stated in the report
    pre = units.pre_revenue.cast("float64").fill_null(0.0)
    return {
        "units": units.count(),
        "clicks": clicked.sum(),
        "conversions": units.converted.cast("int64").sum(),
        "revenue": revenue.sum(),
        "revenue_squares": (revenue * revenue).sum(),
        "revenue_click_cross": (revenue * clicked).sum(),
        "pre_units": units.pre_revenue.notnull().cast("int64").sum(),
        "pre_revenue": pre.sum(),
        "pre_squares": (pre * pre).sum(),
        "pre_cross": (pre * revenue).sum(),
    }


def unit_statistics(
    warehouse: Warehouse,
    first: date,
    last: date,
    experiment_ids: list[str] | None = None,
    custom: list[Metric] | None = None,
) -> pd.DataFrame:
    """Sufficient statistics of every arm with unit-level rows exposed in the days (with the
    sums of any custom metrics' columns)."""
    custom = custom or []
    columns = tuple(c for m in custom for c in (m.column, m.denominator) if c)
    units = _units(warehouse, first, last, experiment_ids, columns)
    stats = units.group_by(ARM_KEY).aggregate(
        **_sums(units),
        **_custom_sums(units, custom),
        first_exposure=units.exposed_at.min(),
        last_exposure=units.exposed_at.max(),
    )
    return stats.order_by(ARM_KEY).to_pandas()


def top_unit_sums(
    warehouse: Warehouse,
    first: date,
    last: date,
    experiment_ids: list[str] | None,
    metric: Metric,
    top: int,
) -> pd.DataFrame:
    """Per arm, the `top` units with the largest value of a mean metric: their count, Σy, Σy²
    (columns `<metric>__top_units`, `__top_sum`, `__top_squares`), to show their influence."""
    column = metric.column or "revenue"
    units = _units(warehouse, first, last, experiment_ids, (column,) if metric.column else ())
    value = units[column].cast("float64")
    rank = ibis.row_number().over(
        ibis.window(group_by=[units.experiment_id, units.variant], order_by=ibis.desc(value))
    )
    ranked = units.mutate(value=value, rank=rank)
    top_rows = ranked.filter(ranked["rank"] < top)
    sums = top_rows.group_by(ARM_KEY).aggregate(
        **{
            f"{metric.name}__top_units": top_rows.count(),
            f"{metric.name}__top_sum": top_rows.value.sum(),
            f"{metric.name}__top_squares": (top_rows.value * top_rows.value).sum(),
        }
    )
    return sums.order_by(ARM_KEY).to_pandas()


def winsorized_sums(
    warehouse: Warehouse,
    first: date,
    last: date,
    experiment_ids: list[str] | None,
    metric: Metric,
    quantile: float,
) -> pd.DataFrame:
    """Per arm, Σ and Σ² of the mean metric capped at the `quantile` of all the experiment's
    units (linear interpolation, DuckDB quantile_cont): columns `<metric>__w_cap`,
    `__w_sum`, `__w_squares`."""
    column = metric.column or "revenue"
    units = _units(warehouse, first, last, experiment_ids, (column,) if metric.column else ())
    units = units.mutate(value=units[column].cast("float64"))
    caps = units.group_by("experiment_id").aggregate(cap=units.value.quantile(quantile))
    joined = units.join(caps, "experiment_id")
    capped = joined.mutate(capped=ibis.least(joined.value, joined.cap))
    sums = capped.group_by(ARM_KEY).aggregate(
        **{
            f"{metric.name}__w_cap": capped.cap.max(),
            f"{metric.name}__w_sum": capped.capped.sum(),
            f"{metric.name}__w_squares": (capped.capped * capped.capped).sum(),
        }
    )
    return sums.order_by(ARM_KEY).to_pandas()


def daily_statistics(
    warehouse: Warehouse, first: date, last: date, experiment_ids: list[str] | None = None
) -> pd.DataFrame:
    """Sufficient statistics per arm and exposure day (for cumulative and sequential views)."""
    units = _units(warehouse, first, last, experiment_ids)
    units = units.filter(units.exposed_at.notnull())  # no exposure time: no cumulative view
    day = units.exposed_at.cast("timestamp").date().name("day")
    stats = units.group_by([*ARM_KEY, day]).aggregate(**_sums(units))
    frame = stats.order_by([*ARM_KEY, "day"]).to_pandas()
    frame["day"] = pd.to_datetime(frame["day"])
    return frame


def arms(warehouse: Warehouse, experiment_ids: list[str] | None = None) -> pd.DataFrame:
    """The arms table (one row per arm: label, control flag, planned share, platform counts)."""
    table = warehouse.table("experiment_arms")
    if experiment_ids:
        table = table.filter(table.experiment_id.isin(experiment_ids))
    return table.order_by(ARM_KEY).to_pandas()


def declared_winners(warehouse: Warehouse, experiment_ids: list[str] | None = None) -> dict:
    """The platform's own verdicts, from the optional `declared_winner` column of the arms.

    Not a contract column: exports that carry it (the Upworthy archive) get the portfolio's
    agreement figure; others return an empty mapping.
    """
    table = warehouse.source_table("experiment_arms")
    if "declared_winner" not in table.columns:
        return {}
    winners = table.filter(table.declared_winner.cast("boolean").fill_null(False))
    if experiment_ids:
        winners = winners.filter(winners.experiment_id.isin(experiment_ids))
    frame = winners.select(*ARM_KEY).order_by(ARM_KEY).to_pandas()
    counts = frame.groupby("experiment_id")["variant"].transform("size")
    unique = frame[counts == 1]  # a test with two declared winners has no single verdict
    return dict(zip(unique["experiment_id"], unique["variant"], strict=True))


def test_weeks(warehouse: Warehouse, experiment_ids: list[str] | None = None) -> dict:
    """Each experiment's first week as YYYYWW, from the optional `test_week` column of the arms.

    Not a contract column: exports that carry it (the Upworthy archive) get the portfolio's
    sample-ratio check by week; others return an empty mapping.
    """
    table = warehouse.source_table("experiment_arms")
    if "test_week" not in table.columns:
        return {}
    if experiment_ids:
        table = table.filter(table.experiment_id.isin(experiment_ids))
    weeks = table.group_by("experiment_id").aggregate(week=table.test_week.cast("int64").min())
    frame = weeks.filter(weeks.week.notnull()).to_pandas()
    return dict(zip(frame["experiment_id"], frame["week"].astype(int), strict=True))


def unit_level_experiments(warehouse: Warehouse, experiment_ids: list[str] | None = None) -> set:
    """Experiments that have unit-level rows at all (in any period)."""
    units = warehouse.table("experiment_units")
    if experiment_ids:
        units = units.filter(units.experiment_id.isin(experiment_ids))
    return set(units.select("experiment_id").distinct().to_pandas()["experiment_id"])
