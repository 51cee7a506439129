"""Assemble the RFM report: classes, R×F segments, clusters, lifetime value and migration."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import ClassVar

import numpy as np
import pandas as pd

from analysis.health import queries as health_queries
from analysis.i18n import money, number, text
from analysis.params import RfmParams, month_bounds
from analysis.rfm import bgnbd, classes, clusters, clv, gamma_gamma, queries, scores, segments
from analysis.rfm.clusters import ClusterProfile
from analysis.rfm.wording import class_label
from analysis.warehouse import Warehouse
from analysis.weeks import DAYS_PER_MONTH


@dataclass(frozen=True)
class ClassSummary:
    """One customer class: its size, value and the handbook's action (label, action in `lang`)."""

    name: str  # the class code (classes.CLASSES)
    label: str
    customers: int
    share: float
    revenue_share: float
    aov: float | None
    mean_recency_days: float | None
    mean_frequency: float | None
    mean_monetary: float | None
    clv_total: float | None  # None: no CLV computed for the class (shown as "not computed")
    action: str


@dataclass(frozen=True)
class ClusterSummary:
    """The chosen k, its mean silhouette and each cluster's profile with its CLV total."""

    k: int
    silhouette: float
    profiles: list[ClusterProfile]


@dataclass(frozen=True)
class ClvModel:
    """The BG/NBD and Gamma-Gamma fits behind the CLVs, their state and the CLV settings."""

    r: float
    alpha: float
    a: float
    b: float
    p: float
    q: float
    v: float
    log_likelihood: float
    bgnbd_converged: bool
    gamma_gamma_converged: bool
    boundary: list[str]  # parameters fitted at the model's edge
    spend_mean_finite: bool
    clv_not_computed: int
    customers_with_only_zero_value_repeats: int
    time_unit: str  # params.summary_unit: days | weeks
    horizon_days: int
    gross_margin: float
    monthly_discount_rate: float


@dataclass(frozen=True)
class ClassThresholds:
    """The class rules this run used (the fields of `params.ClassRules`, as values)."""

    high_value_orders_per_month: float
    high_value_spend_per_month: float
    potential_orders_per_month: float
    potential_spend_per_month: float
    churn_after_days: int
    high_value_min_tenure_days: int


@dataclass(frozen=True)
class RfmReport:
    """Results of the RFM report, as published to `<name>.json`.

    Codes (class `name`, segment and cluster names, migration keys) are English in every
    language; the headline, class `label` and `action` are in `lang`. Typed down to its
    leaves and read back by `reporting.record.read_results`; raise `RECORD_VERSION` when a
    field is renamed, removed or changes meaning.
    """

    RECORD_VERSION: ClassVar[int] = 1
    headline: str
    lang: str
    as_of: str
    as_of_source: str  # params | last_order_day | period_end (no order in the period)
    period: str
    n_customers: int
    classes: list[ClassSummary]
    rf_segments: dict[str, int]  # customers per R×F segment name
    clusters: ClusterSummary
    clv_model: ClvModel
    frequency_spend_correlation: float | None  # None: undefined (e.g. every spend the same)
    repurchase_rate: float | None
    migration: dict[str, dict[str, int]]  # customers by class a month ago, then now
    moved_down: int
    zero_value_orders: int
    rules: ClassThresholds


@dataclass(frozen=True)
class RfmTables:
    """The per-customer table behind the report (for figures and the activation export)."""

    customers: pd.DataFrame  # customer_id index: RFM, scores, class, segment, cluster, CLV
    migration: pd.DataFrame
    silhouette_by_k: dict[int, float]


def run(warehouse: Warehouse, params: RfmParams) -> tuple[RfmReport, RfmTables]:
    """Every computation of the report, from engine tables to typed results."""
    as_of, as_of_source = report_day(warehouse, params)
    rules = params.rules
    rfm = queries.rfm_table(warehouse, as_of, params.lookback_days).set_index("customer_id")
    table = scores.rfm_scores(rfm)
    table["class"] = classes.customer_classes(rfm, rules)
    table["rf_segment"] = segments.rf_segments(table)
    found = clusters.cluster_customers(
        rfm, k_range=(params.k_min, params.k_max), random_state=params.random_state
    )
    table["cluster"] = found.labels
    value, model, correlation = lifetime_values(warehouse, params, as_of)
    table = table.join(value, how="left")
    earlier = queries.rfm_table(warehouse, _month_before(as_of), params.lookback_days)
    before = classes.customer_classes(earlier.set_index("customer_id"), rules)
    moves = classes.migration(before, table["class"])
    report = RfmReport(
        headline=headline_sentence(table, classes.moved_down(moves), params.lang),
        lang=params.lang,
        as_of=as_of.isoformat(),
        as_of_source=as_of_source,
        period=params.period,
        n_customers=len(table),
        classes=class_summary(table, params.lang),
        rf_segments=table["rf_segment"].value_counts().to_dict(),
        clusters=ClusterSummary(
            k=found.k,
            silhouette=found.silhouette,
            profiles=with_clv_totals(found.profiles, table),
        ),
        clv_model=model,
        frequency_spend_correlation=correlation if math.isfinite(correlation) else None,
        repurchase_rate=repurchase_rate(warehouse, params.period),
        migration={a: row.to_dict() for a, row in moves.iterrows()},
        moved_down=classes.moved_down(moves),
        zero_value_orders=queries.zero_value_orders(warehouse, as_of),
        rules=ClassThresholds(**rules.model_dump()),
    )
    return report, RfmTables(table, moves, found.silhouette_by_k)


def report_day(warehouse: Warehouse, params: RfmParams) -> tuple[date, str]:
    """The as-of day and where it came from: params, else the last day with orders in the
    period (data that stop early would otherwise count the missing days as silence), else
    the period's last day."""
    if params.as_of is not None:
        return params.as_of, "params"
    first, last = month_bounds(params.period)
    found = queries.last_order_day(warehouse, first, last)
    return (found, "last_order_day") if found is not None else (last, "period_end")


def lifetime_values(
    warehouse: Warehouse, params: RfmParams, as_of: date
) -> tuple[pd.DataFrame, ClvModel, float]:
    """P(alive) and discounted CLV per customer from BG/NBD and Gamma-Gamma fits, the fits'
    record and the frequency-spend correlation (the Gamma-Gamma independence check).

    A CLV that cannot be computed stays NaN (never 0): all customers when the spend model
    has no finite mean (q <= 1), single customers where the expectation did not converge.
    The fits' convergence and parameters at the model's edge go into the model record.
    """
    unit = 7.0 if params.summary_unit == "weeks" else 1.0
    summary = queries.clv_summary(warehouse, as_of, period_days=unit)
    summary = summary.set_index("customer_id")
    x, t_x, big_t = (summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    spend = summary["monetary_value"].to_numpy(float)
    transactions = bgnbd.fit_bgnbd(x, t_x, big_t)
    # repeat purchases all of zero value: left out of the spend fit, valued at its mean
    free_repeats = (x > 0) & (spend <= 0)
    spending = gamma_gamma.fit_gamma_gamma(np.where(free_repeats, 0, x), spend)
    finite_mean = spending.q > 1
    value = np.full(len(x), np.nan)
    if finite_mean:
        spend = np.where(free_repeats, spending.population_mean_spend, spend)
        value = clv.customer_lifetime_value(
            transactions,
            spending,
            x,
            t_x,
            big_t,
            spend,
            horizon_periods=params.clv_horizon_days / unit,
            periods_per_month=DAYS_PER_MONTH / unit,
            margin=params.gross_margin,
            monthly_discount_rate=params.monthly_discount_rate,
        )
        value = np.where(np.isfinite(value), value, np.nan)
    per_customer = pd.DataFrame(
        {"p_alive": bgnbd.probability_alive(transactions, x, t_x, big_t), "clv": value},
        index=summary.index,
    )
    model = ClvModel(
        r=transactions.r,
        alpha=transactions.alpha,
        a=transactions.a,
        b=transactions.b,
        p=spending.p,
        q=spending.q,
        v=spending.v,
        log_likelihood=transactions.log_likelihood + spending.log_likelihood,
        bgnbd_converged=transactions.converged,
        gamma_gamma_converged=spending.converged,
        boundary=[*transactions.boundary, *spending.boundary],
        spend_mean_finite=bool(finite_mean),
        clv_not_computed=int(np.isnan(value).sum()),
        customers_with_only_zero_value_repeats=int(free_repeats.sum()),
        time_unit=params.summary_unit,
        horizon_days=params.clv_horizon_days,
        gross_margin=params.gross_margin,
        monthly_discount_rate=params.monthly_discount_rate,
    )
    correlation = gamma_gamma.frequency_spend_correlation(x[~free_repeats], spend[~free_repeats])
    return per_customer, model, correlation


def with_clv_totals(profiles: list[ClusterProfile], table: pd.DataFrame) -> list[ClusterProfile]:
    """Each cluster profile with its customers' total CLV."""
    return [
        replace(p, clv_total=clv_total(table.loc[table["cluster"] == p.cluster, "clv"]))
        for p in profiles
    ]


def clv_total(values: pd.Series) -> float | None:
    """Sum of the CLVs that were computed; None when none was (shown as "not computed")."""
    computed = values.dropna()
    return float(computed.sum()) if len(computed) else None


def class_summary(table: pd.DataFrame, lang: str) -> list[ClassSummary]:
    """Per class: customers, share, revenue share, AOV, mean R/F/M, CLV total, action.

    The action is the handbook's for the class, in `lang` (catalogue `rfm.action.<class>`).
    """
    total_revenue = table["monetary_total"].sum()
    rows = []
    for name in classes.CLASSES:
        members = table[table["class"] == name]
        orders = members["frequency"].sum()
        rows.append(
            ClassSummary(
                name=name,
                label=class_label(name, lang),
                customers=len(members),
                share=len(members) / len(table) if len(table) else 0.0,
                revenue_share=members["monetary_total"].sum() / total_revenue
                if total_revenue
                else 0.0,
                aov=members["monetary_total"].sum() / orders if orders else None,
                mean_recency_days=_mean(members["recency_days"]),
                mean_frequency=_mean(members["frequency"]),
                mean_monetary=_mean(members["monetary_total"]),
                clv_total=clv_total(members["clv"]),
                action=text(f"rfm.action.{name}", lang),
            )
        )
    return rows


def repurchase_rate(warehouse: Warehouse, period: str) -> float | None:
    """Buyers with 2+ orders in the month / buyers in the month (the data-health definition)."""
    first, last = month_bounds(period)
    totals = health_queries.order_totals(warehouse, first, last)
    return totals["repeat_buyers"] / totals["buyers"] if totals["buyers"] else None


def headline_sentence(table: pd.DataFrame, moved_down: int, lang: str) -> str:
    """Who is valuable, how many are slipping, what they are worth (in `lang`)."""
    counts = table["class"].value_counts()
    high_clv = clv_total(table.loc[table["class"] == "high_value", "clv"])
    return text(
        "rfm.headline",
        lang,
        customers=number(len(table), lang),
        high=number(int(counts.get("high_value", 0)), lang),
        high_clv=text("rfm.not_computed", lang) if high_clv is None else money(high_clv, lang),
        churned=number(int(counts.get("churned", 0)), lang),
        moved_down=number(moved_down, lang),
    )


def export_frame(tables: RfmTables) -> pd.DataFrame:
    """The activation export: ids and labels only, no personal data."""
    frame = tables.customers.reset_index()
    return frame[["customer_id", "class", "rf_segment", "cluster", "clv", "p_alive"]]


def _mean(values: pd.Series) -> float | None:
    return float(values.mean()) if len(values) else None


def _month_before(day: date) -> date:
    first = day.replace(day=1)
    previous_last = first - timedelta(days=1)
    return previous_last.replace(day=min(day.day, previous_last.day))


__all__ = [
    "ClassSummary",
    "ClassThresholds",
    "ClusterSummary",
    "ClvModel",
    "RfmReport",
    "RfmTables",
    "export_frame",
    "run",
]
