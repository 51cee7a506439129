"""Engine-side queries of the A/B report: sufficient statistics per arm and per arm-day.

Unit-level rows never leave the engine: each query returns one row per arm (or arm and
day) holding counts, sums, sums of squares and cross-products.
"""

from __future__ import annotations

from datetime import date

import ibis.expr.types as ir
import pandas as pd

from analysis.health.queries import in_days
from analysis.warehouse import Warehouse

ARM_KEY = ["experiment_id", "variant"]


def _units(warehouse: Warehouse, first: date, last: date, ids: list[str] | None) -> ir.Table:
    units = warehouse.table("experiment_units")
    # an export without exposure times (one row per user) is taken as exposed in the period
    units = units.filter(units.exposed_at.isnull() | in_days(units.exposed_at, first, last))
    return units.filter(units.experiment_id.isin(ids)) if ids else units


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
    warehouse: Warehouse, first: date, last: date, experiment_ids: list[str] | None = None
) -> pd.DataFrame:
    """Sufficient statistics of every arm with unit-level rows exposed in the days."""
    units = _units(warehouse, first, last, experiment_ids)
    stats = units.group_by(ARM_KEY).aggregate(
        **_sums(units),
        first_exposure=units.exposed_at.min(),
        last_exposure=units.exposed_at.max(),
    )
    return stats.order_by(ARM_KEY).to_pandas()


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


def unit_level_experiments(warehouse: Warehouse, experiment_ids: list[str] | None = None) -> set:
    """Experiments that have unit-level rows at all (in any period)."""
    units = warehouse.table("experiment_units")
    if experiment_ids:
        units = units.filter(units.experiment_id.isin(experiment_ids))
    return set(units.select("experiment_id").distinct().to_pandas()["experiment_id"])
