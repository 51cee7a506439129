"""Render the channel ROI report in a notebook: one call per section, data values escaped."""

from __future__ import annotations

import pandas as pd

from analysis.attribution import plots
from analysis.attribution.channels import STATUS_RULES
from analysis.attribution.models import MODEL_LABELS
from analysis.attribution.report import AttributionReport, AttributionTables
from analysis.params import AttributionParams
from analysis.reporting import finding, show_figure, show_table
from analysis.reporting.display import show_warning


def _money(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def show_overview(report: AttributionReport, params: AttributionParams) -> None:
    """The headline, the findings and how the decision model was chosen."""
    finding("<b>{headline}</b>", headline=report.headline)
    for sentence in report.findings:
        finding("{sentence}", sentence=sentence)
    finding(
        "Status, quadrant, CAC and budget use the <b>{model}</b> model (parameter "
        "decision_model); ROI = attributed revenue / spend, the handbook's definition.",
        model=MODEL_LABELS[params.decision_model],
    )


def show_roi(
    report: AttributionReport, tables: AttributionTables, params: AttributionParams
) -> None:
    """ROI by channel with the threshold lines, and the status table."""
    model = params.decision_model
    show_figure(
        plots.roi_by_channel(tables.economics, model, params.thresholds),
        alt=f"ROI by channel under {MODEL_LABELS[model]} with threshold lines",
    )
    rules = {k: v.format(**report.thresholds) for k, v in STATUS_RULES.items()}
    show_table(
        pd.DataFrame(
            {
                "Channel": [r.channel for r in tables.economics],
                "Spend (yuan)": [_money(r.spend) for r in tables.economics],
                "Visits": [f"{r.visits:,}" for r in tables.economics],
                "Conversions": [f"{r.conversions[model]:,.0f}" for r in tables.economics],
                "Revenue (yuan)": [_money(r.revenue[model]) for r in tables.economics],
                "ROI": [_ratio(r.roi[model]) for r in tables.economics],
                "Profit ROI": [_ratio(r.profit_roi) for r in tables.economics],
                "New customers": [f"{r.new_customers[model]:,.0f}" for r in tables.economics],
                "CAC (yuan)": [_money(r.cac) for r in tables.economics],
                "LTV:CAC": [_ratio(r.ltv_to_cac) for r in tables.economics],
                "Conversion rate": [
                    "n/a" if r.conversion_rate is None else f"{r.conversion_rate:.1%}"
                    for r in tables.economics
                ],
                "Status": [rules[r.status] for r in tables.economics],
            }
        ),
        caption=f"Channels under {MODEL_LABELS[model]}, {report.period}",
    )
    finding(
        "Profit ROI = (revenue × gross margin {margin} − spend) / spend. LTV: {ltv}. "
        "CAC = spend / new customers credited to the channel (the same model run with first "
        "orders as the conversions).",
        margin=f"{params.gross_margin:.0%}",
        ltv=report.methods["ltv"],
    )
    if report.ltv["fallback_reason"]:
        show_warning("LTV fell back to mean revenue: {why}", why=report.ltv["fallback_reason"])


def show_models(report: AttributionReport, tables: AttributionTables) -> None:
    """Attributed revenue by model side by side, ROI ranges, and every method in a sentence."""
    show_figure(
        plots.revenue_by_model(tables.credits, report.models),
        alt="Attributed revenue per channel under each model",
    )
    show_table(
        pd.DataFrame(
            [
                {"Channel": r.channel}
                | {MODEL_LABELS[m]: _ratio(r.roi[m]) for m in report.models}
                | {
                    "ROI range": "n/a"
                    if r.roi_range is None
                    else f"{r.roi_range[0]:.1f} – {r.roi_range[1]:.1f}",
                    "Status changes with model": "yes" if r.status_depends_on_model else "no",
                }
                for r in tables.economics
            ]
        ),
        caption="ROI of each channel under each model: how much the answer depends on the model",
    )
    if report.removal_effects:
        show_table(
            pd.DataFrame(
                {
                    "Channel": list(report.removal_effects),
                    "Removal effect (conversions)": [
                        f"{v:.3f}" for v in report.removal_effects.values()
                    ],
                    "Removal effect (revenue)": [
                        f"{report.revenue_removal_effects[c]:.3f}" for c in report.removal_effects
                    ],
                }
            ),
            caption="Markov removal effects: the share of conversions lost without the channel",
        )
    show_table(
        pd.DataFrame(
            {
                "Model": [MODEL_LABELS.get(k, k) for k in report.methods],
                "Method": list(report.methods.values()),
            }
        ),
        caption="Methods",
    )


def show_quadrants(tables: AttributionTables) -> None:
    """The four-quadrant chart and each channel's quadrant."""
    show_figure(plots.quadrant_chart(tables.economics), alt="Channels by spend and conversion rate")
    show_table(
        pd.DataFrame(
            {
                "Channel": [r.channel for r in tables.economics],
                "Quadrant": [r.quadrant for r in tables.economics],
            }
        ),
        caption="Quadrant of each channel (the handbook's budget share in brackets)",
    )


def show_paths(report: AttributionReport, tables: AttributionTables) -> None:
    """Path counts, the length distribution and the most travelled paths."""
    paths = report.paths
    finding(
        "{converting} converting and {null} non-converting journeys ({distinct} distinct "
        "paths); a converting journey has {mean} touches on average. {untouched} orders "
        "had no touch in their window and are credited to no channel.",
        converting=f"{paths['converting']:,}",
        null=f"{paths['null']:,}",
        distinct=f"{paths['distinct']:,}",
        mean=f"{paths['mean_length']:.1f}",
        untouched=f"{paths['orders_without_touches']:,}",
    )
    show_figure(plots.path_length_chart(tables.lengths), alt="Journeys by number of touches")
    show_table(
        tables.top_paths.rename(
            columns={
                "path": "Path",
                "conversions": "Conversions",
                "nulls": "Did not convert",
                "revenue": "Revenue (yuan)",
                "journeys": "Journeys",
                "conversion_rate": "Conversion rate",
            }
        ),
        caption="Most converting paths",
        formats={
            "Conversions": ",.0f",
            "Did not convert": ",.0f",
            "Revenue (yuan)": ",.0f",
            "Journeys": ",.0f",
            "Conversion rate": ".1%",
        },
    )


def show_budget(report: AttributionReport, tables: AttributionTables) -> None:
    """The budget table (now, proposed, change, reason) and the response curves."""
    lines = pd.DataFrame(report.budget)
    show_table(
        pd.DataFrame(
            {
                "Channel": lines["channel"],
                "Now (yuan)": lines["current"].map(_money),
                "Proposed (yuan)": lines["proposed"].map(_money),
                "Change": ["–" if pct is None else f"{pct:+.0%}" for pct in lines["change_pct"]],
                "Reason": lines["reason"],
            }
        ),
        caption="Next month's budget",
    )
    finding("How: {method}", method=report.budget_method)
    for note in report.budget_notes:
        show_warning("{note}", note=note)
    show_table(
        pd.DataFrame(
            {
                "Channel": list(tables.curves),
                "Curve": [
                    "fitted" if c.supported else "not supported" for c in tables.curves.values()
                ],
                "Why / fit": [c.reason for c in tables.curves.values()],
            }
        ),
        caption="Response curves: where the daily data support a marginal ROI",
    )
    if tables.curves:
        show_figure(
            plots.response_curves(tables.curves, tables.daily),
            alt="Daily spend against attributed revenue with fitted response curves",
        )
