"""The cumulative view: each day's estimate of the lift with its fixed and always-valid bounds."""

from __future__ import annotations

import pandas as pd

from analysis.abtest import sequential
from analysis.abtest.metrics import Metric, arm_stats, compare
from analysis.abtest.sufficient import ProportionStats
from analysis.errors import InputError

SUMMED = [
    "units",
    "clicks",
    "conversions",
    "revenue",
    "revenue_squares",
    "revenue_click_cross",
    "pre_units",
    "pre_revenue",
    "pre_squares",
    "pre_cross",
]


def cumulative_lifts(
    daily: pd.DataFrame, control: str, metric: Metric, *, alpha: float, sequential_bounds: bool
) -> pd.DataFrame:
    """Per day and treatment: relative lift so far, its CI and (if asked) always-valid bounds.

    `daily` holds one experiment's per-arm, per-day sums (queries.daily_statistics).
    """
    days = sorted(daily["day"].unique())
    running = (
        daily.set_index(["variant", "day"])[SUMMED]
        .unstack("variant")
        .reindex(days)
        .fillna(0.0)
        .cumsum()
    )
    rows = []
    for day in days:
        so_far = running.loc[day].unstack(0)  # index: variant, columns: sums
        if control not in so_far.index or (so_far["units"] <= 1).any():
            continue
        base = arm_stats(so_far.loc[control], metric)
        for variant in so_far.index.drop(control):
            rows.append(
                _day_row(day, variant, metric, base, so_far.loc[variant], alpha, sequential_bounds)
            )
    return pd.DataFrame(rows)


def _day_row(day, variant, metric, base, sums, alpha, sequential_bounds) -> dict:
    treatment = arm_stats(sums, metric)
    if (
        isinstance(base, ProportionStats)
        and isinstance(treatment, ProportionStats)
        and (base.successes == 0 or treatment.successes == 0)
    ):
        return {"day": day, "variant": variant, "lift_abs": None}
    try:
        comparison = compare(metric, base, treatment, alpha=alpha)
    except InputError:  # too little data so far on this day (e.g. no clicks yet)
        return {"day": day, "variant": variant, "lift_abs": None}
    row = {
        "day": day,
        "variant": variant,
        "lift_abs": comparison.lift_abs,
        "ci_low": comparison.lift_abs_ci[0],
        "ci_high": comparison.lift_abs_ci[1],
    }
    if sequential_bounds:
        low, high = sequential.confidence_sequence(
            comparison.std_error,
            comparison.lift_abs,
            units=int(sums["units"] + base.units),
            alpha=alpha,
        )
        row |= {"seq_low": low, "seq_high": high}
    return row
