"""Render the RFM report in a notebook: one call per section, every word from the catalogue.

The report's language is `report.lang`; codes (classes, segments, clusters) are shown as
their labels (rfm.wording), data values escaped.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from analysis.i18n import day, money, month, number, percent, plain, text
from analysis.reporting import export_path, finding, show_figure, show_table
from analysis.reporting.display import show_headline, show_warning
from analysis.rfm import plots
from analysis.rfm.classes import migration_shares
from analysis.rfm.report import ClvModel, RfmReport, RfmTables, export_frame
from analysis.rfm.segments import RF_SEGMENTS
from analysis.rfm.wording import class_label, cluster_label, segment_label

CORRELATION_WARNING = 0.3


def show_overview(report: RfmReport) -> None:
    """The headline and the class table with the handbook's action per class."""
    lang = report.lang
    show_headline(report.headline)
    finding(
        "{sentence}",
        sentence=text(
            f"rfm.as_of.{report.as_of_source}",
            lang,
            day=day(report.as_of, lang),
            period=month(report.period, lang),
        ),
    )
    rows = pd.DataFrame([dataclasses.asdict(c) for c in report.classes])
    show_table(
        pd.DataFrame(
            {
                text("rfm.column.class", lang): rows["label"],
                text("rfm.column.customers", lang): rows["customers"].map(
                    lambda v: number(v, lang)
                ),
                text("rfm.column.share", lang): rows["share"].map(lambda v: percent(v, lang)),
                text("rfm.column.revenue_share", lang): rows["revenue_share"].map(
                    lambda v: percent(v, lang)
                ),
                text("rfm.column.aov", lang): rows["aov"].map(lambda v: number(v, lang, 0)),
                text("rfm.column.mean_recency", lang): rows["mean_recency_days"].map(
                    lambda v: number(v, lang, 1)
                ),
                text("rfm.column.mean_orders", lang): rows["mean_frequency"].map(
                    lambda v: number(v, lang, 1)
                ),
                text("rfm.column.mean_spend", lang): rows["mean_monetary"].map(
                    lambda v: number(v, lang, 1)
                ),
                text("rfm.column.clv_total", lang): rows["clv_total"].map(
                    lambda v: clv_shown(v, lang)
                ),
                text("rfm.column.action", lang): rows["action"],
            }
        ),
        caption=text("rfm.overview.caption", lang, day=day(report.as_of, lang)),
    )
    rate = report.repurchase_rate
    shown = text("rfm.not_available", lang) if rate is None else percent(rate, lang)
    finding("{sentence}", sentence=text("rfm.overview.repurchase", lang, rate=shown))


def show_rules(report: RfmReport) -> None:
    """The class rules with this run's thresholds, and the R×F map."""
    lang, rules = report.lang, report.rules
    per_month = (
        ("high_value", rules.high_value_orders_per_month, rules.high_value_spend_per_month),
        ("potential", rules.potential_orders_per_month, rules.potential_spend_per_month),
    )
    sentences = [
        text(
            "rfm.rules.churned",
            lang,
            label=class_label("churned", lang),
            days=number(rules.churn_after_days, lang),
        ),
        *(
            text(
                f"rfm.rules.{code}",
                lang,
                label=class_label(code, lang),
                orders=f"{orders:g}",
                spend=money(spend, lang),
            )
            for code, orders, spend in per_month
        ),
        text("rfm.rules.active", lang, label=class_label("active", lang)),
        text(
            "rfm.rules.month",
            lang,
            day=day(report.as_of, lang),
            label=class_label("high_value", lang),
            tenure=number(rules.high_value_min_tenure_days, lang),
        ),
    ]
    thresholds = dataclasses.asdict(rules)
    finding(
        "<b>{title}</b> {rules}", title=text("rfm.rules.title", lang), rules=" ".join(sentences)
    )
    show_table(
        pd.DataFrame(
            {
                text("rfm.column.threshold", lang): [
                    text(f"rfm.threshold.{name}", lang) for name in thresholds
                ],
                text("rfm.column.parameter", lang): list(thresholds),
                text("rfm.column.value", lang): [f"{value:,g}" for value in thresholds.values()],
            }
        ),
        caption=text("rfm.rules.caption", lang),
    )
    show_table(
        pd.DataFrame(
            {
                text("rfm.column.segment", lang): [
                    segment_label(n, lang) for n, _, _ in RF_SEGMENTS
                ],
                text("rfm.column.recency_scores", lang): [
                    ", ".join(map(str, r)) for _, r, _ in RF_SEGMENTS
                ],
                text("rfm.column.frequency_scores", lang): [
                    ", ".join(map(str, f)) for _, _, f in RF_SEGMENTS
                ],
                text("rfm.column.customers", lang): [
                    number(report.rf_segments.get(n, 0), lang) for n, _, _ in RF_SEGMENTS
                ],
            }
        ),
        caption=text("rfm.segments.caption", lang),
    )


def show_segments(report: RfmReport, tables: RfmTables) -> None:
    """The R×F heatmap."""
    lang = report.lang
    show_figure(plots.rf_heatmap(tables.customers, lang), alt=text("rfm.figure.rf.alt", lang))


def show_clusters(report: RfmReport, tables: RfmTables) -> None:
    """Cluster profiles, the scatter and the silhouette chart."""
    lang, clusters = report.lang, report.clusters
    finding(
        "{sentence}",
        sentence=text("rfm.clusters.found", lang, k=clusters.k, s=f"{clusters.silhouette:.2f}"),
    )
    profiles = pd.DataFrame([dataclasses.asdict(p) for p in clusters.profiles])
    show_table(
        pd.DataFrame(
            {
                text("rfm.column.cluster", lang): profiles["cluster"],
                text("rfm.column.cluster_name", lang): profiles["name"].map(
                    lambda code: cluster_label(code, lang)
                ),
                text("rfm.column.customers", lang): profiles["customers"].map(
                    lambda v: number(v, lang)
                ),
                text("rfm.column.median_recency", lang): profiles["median_recency_days"].map(
                    lambda v: number(v, lang, 1)
                ),
                text("rfm.column.median_orders", lang): profiles["median_frequency"].map(
                    lambda v: number(v, lang, 1)
                ),
                text("rfm.column.median_order_value", lang): profiles["median_order_value"].map(
                    lambda v: number(v, lang, 0)
                ),
                text("rfm.column.total_spend", lang): profiles["total_spend"].map(
                    lambda v: number(v, lang, 0)
                ),
                text("rfm.column.clv_total", lang): profiles["clv_total"].map(
                    lambda v: clv_shown(v, lang)
                ),
            }
        ),
        caption=text("rfm.clusters.caption", lang),
    )
    show_figure(
        plots.cluster_scatter(tables.customers, clusters.profiles, lang),
        alt=text("rfm.figure.clusters.alt", lang),
    )
    show_figure(
        plots.silhouette_by_k(tables.silhouette_by_k, clusters.k, lang),
        alt=text("rfm.figure.silhouette.alt", lang),
    )


def clv_shown(value: float | None, lang: str) -> str:
    """A CLV total, or "not computed" (never 0) when there is none."""
    return text("rfm.not_computed", lang) if pd.isna(value) else number(value, lang)


def show_lifetime_value(report: RfmReport, tables: RfmTables) -> None:
    """The CLV models, their fit state, the independence check and CLV by class."""
    lang, model = report.lang, report.clv_model
    finding(
        "{sentence}",
        sentence=text(
            "rfm.clv.models",
            lang,
            **{
                name: plain(value, 4)
                for name, value in (
                    ("r", model.r),
                    ("alpha", model.alpha),
                    ("a", model.a),
                    ("b", model.b),
                    ("p", model.p),
                    ("q", model.q),
                    ("v", model.v),
                )
            },
            h=model.horizon_days,
            m=percent(model.gross_margin, lang, 0),
            d=percent(model.monthly_discount_rate, lang),
        ),
    )
    show_fit_state(model, lang)
    correlation = report.frequency_spend_correlation
    if correlation is not None and abs(correlation) > CORRELATION_WARNING:
        show_warning(
            "{sentence}",
            sentence=text("rfm.clv.correlation_warning", lang, r=f"{correlation:.2f}"),
        )
    if tables.customers["clv"].notna().any():
        show_figure(
            plots.clv_by_class(tables.customers, lang), alt=text("rfm.figure.clv.alt", lang)
        )


def show_fit_state(model: ClvModel, lang: str) -> None:
    """Warnings for fits at the model's edge, fits that did not converge, CLVs not computed."""
    if {"a", "b"} <= set(model.boundary):
        dropout = model.a / (model.a + model.b)
        show_warning(
            "{sentence}", sentence=text("rfm.clv.boundary_ab", lang, p=percent(dropout, lang))
        )
    elif model.boundary:
        names = ", ".join(model.boundary)
        show_warning("{sentence}", sentence=text("rfm.clv.boundary", lang, names=names))
    for fit, converged in (
        ("bgnbd", model.bgnbd_converged),
        ("gamma_gamma", model.gamma_gamma_converged),
    ):
        if not converged:
            show_warning("{sentence}", sentence=text(f"rfm.clv.not_converged.{fit}", lang))
    if not model.spend_mean_finite:
        show_warning("{sentence}", sentence=text("rfm.clv.no_mean_spend", lang, q=plain(model.q)))
    elif model.clv_not_computed:
        show_warning(
            "{sentence}",
            sentence=text("rfm.clv.not_computed", lang, n=number(model.clv_not_computed, lang)),
        )


def show_migration(report: RfmReport, tables: RfmTables) -> None:
    """Movements between classes since last month."""
    lang = report.lang
    finding(
        "{sentence}",
        sentence=text("rfm.migration.moved_down", lang, n=number(report.moved_down, lang)),
    )
    show_figure(
        plots.migration_heatmap(tables.migration, lang), alt=text("rfm.figure.migration.alt", lang)
    )
    shares = migration_shares(tables.migration).map(lambda v: percent(v, lang))
    shares.index = [class_label(c, lang) for c in shares.index]
    shares.columns = [class_label(c, lang) for c in shares.columns]
    show_table(shares, index=True, caption=text("rfm.migration.caption", lang))


def export_segments(
    report: RfmReport, tables: RfmTables, results_path: str | None, name: str
) -> None:
    """Write `<name>.segments.parquet` and `.csv` for the CRM (customer_id and labels only).

    The file is for machines: its column names and codes stay English in every language.
    """
    lang = report.lang
    frame = export_frame(tables)
    parquet = export_path(results_path, name, ".segments.parquet")
    if parquet is None:
        finding("{sentence}", sentence=text("rfm.export.none", lang))
        return
    frame.to_parquet(parquet, index=False)
    frame.to_csv(export_path(results_path, name, ".segments.csv"), index=False)
    finding(
        "{sentence}",
        sentence=text(
            "rfm.export.written", lang, n=number(len(frame), lang), file=f"{name}.segments"
        ),
    )
