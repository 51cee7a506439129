"""The metrics an experiment can be judged on, and their sufficient statistics from an arm row."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

from analysis.abtest import frequentist
from analysis.abtest.sufficient import CovariateStats, MeanStats, ProportionStats, RatioStats
from analysis.errors import ParamsError


@dataclass(frozen=True)
class Metric:
    """A metric: its kind decides the test (proportion: Wald z; mean: Welch; ratio: delta).

    Readers see it by name, worded from the catalogue: keys `abtest.metric_name.<name>`
    (in sentences and figures) and `abtest.metric_label.<name>` (table headers, with units).
    """

    name: str
    kind: Literal["proportion", "mean", "ratio"]
    needs_units: bool = True  # False: platform aggregates (units, clicks) are enough
    column: str | None = None  # custom metrics: their experiment_units column(s)
    denominator: str | None = None
    label: str | None = None  # custom metrics: the reader's words from params (shown as written)
    unit: str = ""


def custom_metrics(definitions: dict) -> dict[str, Metric]:
    """Metrics from params `metrics` (name → CustomMetric)."""
    return {
        name: Metric(name, d.kind, True, d.column, d.denominator, d.label, d.unit)
        for name, d in definitions.items()
    }


def custom_columns(metric: Metric) -> dict[str, str]:
    """The sufficient-statistic columns a custom metric adds to the arm statistics."""
    keys = ("sum", "squares") + (("den", "den_squares", "cross") if metric.denominator else ())
    return {key: f"{metric.name}__{key}" for key in keys}


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("ctr", "proportion", needs_units=False),
        Metric("conversion", "proportion"),
        Metric("revenue_per_unit", "mean"),
        Metric("revenue_per_click", "ratio"),
    )
}


def arm_stats(row: pd.Series, metric: Metric) -> ProportionStats | MeanStats | RatioStats:
    """The metric's sufficient statistics for one arm (a row of merged arm statistics)."""
    units = int(row["units"])
    if metric.column is not None:
        return _custom_stats(row, metric, units)
    if metric.name == "ctr":
        return ProportionStats(units, int(row["clicks"]))
    if metric.name == "conversion":
        return ProportionStats(units, int(row["conversions"]))
    if metric.name == "revenue_per_unit":
        return MeanStats(units, float(row["revenue"]), float(row["revenue_squares"]))
    clicks = float(row["clicks"])
    return RatioStats(
        units=units,
        numerator=float(row["revenue"]),
        denominator=clicks,
        numerator_squares=float(row["revenue_squares"]),
        denominator_squares=clicks,  # clicked is 0/1, so Σx² = Σx
        cross=float(row["revenue_click_cross"]),
    )


def _custom_stats(row: pd.Series, metric: Metric, units: int):
    sums = {key: float(row[column]) for key, column in custom_columns(metric).items()}
    if metric.kind == "proportion":
        return ProportionStats(units, round(sums["sum"]))
    if metric.kind == "mean":
        return MeanStats(units, sums["sum"], sums["squares"])
    return RatioStats(
        units=units,
        numerator=sums["sum"],
        denominator=sums["den"],
        numerator_squares=sums["squares"],
        denominator_squares=sums["den_squares"],
        cross=sums["cross"],
    )


def compare(
    metric: Metric,
    control,
    treatment,
    *,
    alpha: float,
    pooled: bool = False,
    relative_ci: str = "log_ratio",
) -> frequentist.Comparison:
    """Treatment against control by the metric's test: Wald z (pooled if asked), Welch t or
    delta method; the relative CI on the log ratio or as the absolute CI over control."""
    if metric.kind == "proportion":
        result = frequentist.compare_proportions(control, treatment, alpha=alpha, pooled=pooled)
    elif metric.kind == "mean":
        result = frequentist.compare_means(control, treatment, alpha=alpha)
    else:
        result = frequentist.compare_ratios(control, treatment, alpha=alpha)
    if relative_ci == "absolute_over_control":
        return frequentist.absolute_over_control(result)
    return result


def covariate_stats(row: pd.Series) -> CovariateStats:
    """Revenue per unit with pre-period revenue as covariate, for CUPED."""
    return CovariateStats(
        units=int(row["units"]),
        total=float(row["revenue"]),
        sum_squares=float(row["revenue_squares"]),
        covariate_total=float(row["pre_revenue"]),
        covariate_squares=float(row["pre_squares"]),
        cross=float(row["pre_cross"]),
    )


def check_available(
    metric_name: str, experiment_id: str, unit_level: bool, known: dict[str, Metric] | None = None
) -> Metric:
    """The metric, or a ParamsError naming it when unknown or when the data cannot give it."""
    known = known or METRICS
    if metric_name not in known:
        raise ParamsError(
            f"experiment {experiment_id}: unknown metric {metric_name!r}; "
            f"accepted: {', '.join(known)}"
        )
    metric = known[metric_name]
    if metric.needs_units and not unit_level:
        raise ParamsError(
            f"experiment {experiment_id}: metric {metric_name!r} needs unit-level rows in "
            "experiment_units; this experiment has only platform aggregates (units, clicks), "
            "which support: ctr"
        )
    return metric
