"""Render the RFM report in a notebook: one call per section, data values escaped."""

from __future__ import annotations

import pandas as pd

from analysis.reporting import export_path, finding, show_figure, show_table
from analysis.reporting.display import show_warning
from analysis.rfm import plots
from analysis.rfm.classes import CLASS_LABELS, migration_shares
from analysis.rfm.classes import __doc__ as CLASS_RULES
from analysis.rfm.report import RfmReport, RfmTables, export_frame
from analysis.rfm.segments import RF_SEGMENTS

CORRELATION_WARNING = 0.3


def show_overview(report: RfmReport) -> None:
    """The headline and the class table with the handbook's action per class."""
    finding("<b>{headline}</b>", headline=report.headline)
    rows = pd.DataFrame(report.classes)
    show_table(
        pd.DataFrame(
            {
                "Class": rows["label"],
                "Customers": rows["customers"].map("{:,}".format),
                "Share": rows["share"].map("{:.1%}".format),
                "Revenue share": rows["revenue_share"].map("{:.1%}".format),
                "AOV (yuan)": rows["aov"].map(lambda v: "–" if v is None else f"{v:,.0f}"),
                "Mean days since last purchase": rows["mean_recency_days"].map(_number),
                "Mean orders": rows["mean_frequency"].map(_number),
                "Mean spend (yuan)": rows["mean_monetary"].map(_number),
                "CLV total (yuan)": rows["clv_total"].map("{:,.0f}".format),
                "Action": rows["action"],
            }
        ),
        caption=f"Customer classes on {report.as_of}",
    )
    rate = report.repurchase_rate
    finding(
        "Repurchase rate this month (buyers with 2+ orders / buyers): {rate}; the handbook's "
        "target is 20–30% (from 15%).",
        rate="n/a" if rate is None else f"{rate:.1%}",
    )


def show_rules(report: RfmReport) -> None:
    """The class rules with this run's thresholds, and the R×F map."""
    rules = CLASS_RULES.split("Rules, applied", 1)[1].split('"Per month"')[0]
    finding("<b>Class rules</b> (applied in order){rules}", rules=rules.split(":", 1)[1])
    show_table(pd.DataFrame([report.rules]), caption="Thresholds used in this run")
    show_table(
        pd.DataFrame(
            {
                "Segment": [name for name, _, _ in RF_SEGMENTS],
                "Recency scores": [", ".join(map(str, r)) for _, r, _ in RF_SEGMENTS],
                "Frequency scores": [", ".join(map(str, f)) for _, _, f in RF_SEGMENTS],
                "Customers": [f"{report.rf_segments.get(n, 0):,}" for n, _, _ in RF_SEGMENTS],
            }
        ),
        caption="The ten-segment R×F map (scores 1–5, 5 = best; ties share a score)",
    )


def show_segments(tables: RfmTables) -> None:
    """The R×F heatmap."""
    show_figure(plots.rf_heatmap(tables.customers), alt="recency by frequency heatmap")


def show_clusters(report: RfmReport, tables: RfmTables) -> None:
    """Cluster profiles, the scatter and the silhouette chart."""
    clusters = report.clusters
    finding(
        "k-means found {k} clusters (mean silhouette {s}).",
        k=clusters["k"],
        s=f"{clusters['silhouette']:.2f}",
    )
    show_table(
        pd.DataFrame(clusters["profiles"]),
        caption="Cluster profiles (medians)",
        formats={"total_spend": ",.0f", "median_order_value": ",.0f", "clv_total": ",.0f"},
    )
    show_figure(
        plots.cluster_scatter(tables.customers, clusters["profiles"]),
        alt="clusters by frequency and order value",
    )
    show_figure(
        plots.silhouette_by_k(tables.silhouette_by_k, clusters["k"]),
        alt="silhouette by number of clusters",
    )


def show_lifetime_value(report: RfmReport, tables: RfmTables) -> None:
    """The CLV models, the independence check and CLV by class."""
    model = report.clv_model
    finding(
        "BG/NBD (Fader, Hardie & Lee 2005) r = {r}, α = {alpha}, a = {a}, b = {b}; "
        "Gamma-Gamma p = {p}, q = {q}, v = {v}; CLV over {h} days at {m} gross margin, "
        "discounted {d} a month.",
        r=f"{model['r']:.3f}",
        alpha=f"{model['alpha']:.3f}",
        a=f"{model['a']:.3f}",
        b=f"{model['b']:.3f}",
        p=f"{model['p']:.3f}",
        q=f"{model['q']:.3f}",
        v=f"{model['v']:.2f}",
        h=model["horizon_days"],
        m=f"{model['gross_margin']:.0%}",
        d=f"{model['monthly_discount_rate']:.1%}",
    )
    if abs(report.frequency_spend_correlation) > CORRELATION_WARNING:
        show_warning(
            "The Gamma-Gamma spend model assumes spend does not depend on how often a "
            "customer buys; here they correlate at {r}, so expected spend (and CLV) of "
            "frequent buyers is biased. Read CLV as a ranking, not as yuan.",
            r=f"{report.frequency_spend_correlation:.2f}",
        )
    show_figure(plots.clv_by_class(tables.customers), alt="CLV by class")


def show_migration(report: RfmReport, tables: RfmTables) -> None:
    """Movements between classes since last month."""
    finding("{n} customers moved down a class since last month.", n=f"{report.moved_down:,}")
    show_figure(plots.migration_heatmap(tables.migration), alt="class migration")
    shares = migration_shares(tables.migration).map("{:.1%}".format)
    shares.index = [CLASS_LABELS.get(c, c) for c in shares.index]
    shares.columns = [CLASS_LABELS.get(c, c) for c in shares.columns]
    show_table(shares, index=True, caption="Where last month's customers are now (row shares)")


def export_segments(tables: RfmTables, results_path: str | None, name: str) -> None:
    """Write `<name>.segments.parquet` and `.csv` for the CRM (customer_id and labels only)."""
    frame = export_frame(tables)
    parquet = export_path(results_path, name, ".segments.parquet")
    if parquet is None:
        finding("Exploring in JupyterLab: no export written (the runner writes it).")
        return
    frame.to_parquet(parquet, index=False)
    frame.to_csv(export_path(results_path, name, ".segments.csv"), index=False)
    finding(
        "Export for the CRM: {n} customers with class, R×F segment, cluster, CLV and "
        "P(alive), in {file}.parquet and .csv (no personal data).",
        n=f"{len(frame):,}",
        file=f"{name}.segments",
    )


def _number(value: float | None) -> str:
    return "–" if value is None or pd.isna(value) else f"{value:,.1f}"
