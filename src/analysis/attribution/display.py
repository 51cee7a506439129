"""Render the channel ROI report in a notebook: one call per section, data values escaped.

Every heading, header, cell word and sentence comes from the language catalogue in the
report's language (`report.lang`); channel names and paths are data and shown as written.
"""

from __future__ import annotations

import pandas as pd

from analysis.attribution import plots
from analysis.attribution.budget import Thresholds
from analysis.attribution.channels import ChannelEconomics
from analysis.attribution.report import AttributionReport, AttributionTables
from analysis.attribution.results import MmmNotFitted
from analysis.attribution.wording import model_label, quadrant_label, status_rule
from analysis.i18n import number, percent, signed_percent, text
from analysis.params import AttributionParams
from analysis.reporting import finding, show_figure, show_table
from analysis.reporting.display import show_headline, show_warning


def _column(name: str, lang: str) -> str:
    return text(f"attribution.column.{name}", lang)


def _amount(value: float | None, lang: str, digits: int = 0) -> str:
    """A number, or the catalogue's "n/a" when it is not defined (no spend, no buyers)."""
    return text("attribution.na", lang) if value is None else number(value, lang, digits)


def _share(value: float | None, lang: str) -> str:
    return text("attribution.na", lang) if value is None else percent(value, lang, 1)


def show_overview(report: AttributionReport, params: AttributionParams) -> None:
    """The headline, the findings and how the decision model was chosen."""
    lang = report.lang
    show_headline(report.headline)
    for sentence in report.findings:
        finding("{sentence}", sentence=sentence)
    if report.roi_basis == "incremental":
        finding("{note}", note=text("attribution.note.two_rois", lang))
    elif isinstance(report.mmm, MmmNotFitted) and report.mmm.reason:
        reason = text(f"attribution.mmm_reason.{report.mmm.reason}", lang)
        show_warning("{note}", note=text("attribution.note.no_mmm", lang, reason=reason))
    if report.models:
        key = (
            "attribution.overview.incremental"
            if report.roi_basis == "incremental"
            else "attribution.overview.model"
        )
        finding(
            text(key, lang, model="<b>{model}</b>"),
            model=model_label(params.decision_model, lang),
        )


def show_roi(
    report: AttributionReport, tables: AttributionTables, params: AttributionParams
) -> None:
    """ROI by channel with the threshold lines, and the status table."""
    lang, model = report.lang, params.decision_model
    label = model_label(model, lang)
    rows = tables.economics
    show_figure(
        plots.roi_by_channel(rows, model, params.thresholds, lang),
        alt=text("attribution.alt.roi", lang, model=label),
    )
    if not report.models:  # aggregates only: no journeys, no attributed columns
        columns = {
            "channel": [r.channel for r in rows],
            "spend": [_amount(r.spend, lang) for r in rows],
            "incremental_roi": [_amount(r.incremental_roi, lang, 2) for r in rows],
            "roi_interval": [_interval(r.incremental_roi_interval) for r in rows],
            "marginal_roi": [_amount(r.marginal_roi, lang, 2) for r in rows],
            "revenue_share": [_share(r.revenue_share, lang) for r in rows],
            "profit_roi": [_amount(r.profit_roi, lang, 2) for r in rows],
            "status": [_status_cell(r, report.thresholds, lang) for r in rows],
        }
        show_table(
            pd.DataFrame({_column(name, lang): values for name, values in columns.items()}),
            caption=text("attribution.caption.roi", lang, model=label, period=report.period),
        )
        return
    columns = {
        "channel": [r.channel for r in rows],
        "spend": [_amount(r.spend, lang) for r in rows],
        "visits": [number(r.visits, lang) for r in rows],
        "conversions": [number(r.conversions[model], lang) for r in rows],
        "revenue": [_amount(r.revenue[model], lang) for r in rows],
        "roi": [_amount(r.roi[model], lang, 2) for r in rows],
        "profit_roi": [_amount(r.profit_roi, lang, 2) for r in rows],
        "new_customers": [number(r.new_customers[model], lang) for r in rows],
        "cac": [_amount(r.cac, lang) for r in rows],
        "ltv_to_cac": [_amount(r.ltv_to_cac, lang, 2) for r in rows],
        "conversion_rate": [_share(r.conversion_rate, lang) for r in rows],
        "status": [status_rule(r.status, report.thresholds, lang) for r in rows],
    }
    if report.roi_basis == "incremental":
        first = ("channel", "spend", "visits", "conversions", "revenue")
        last = ("profit_roi", "new_customers", "cac", "ltv_to_cac", "conversion_rate")
        columns = (
            {name: columns[name] for name in first}
            | {
                "attributed_roi": columns["roi"],
                "incremental_roi": [_amount(r.incremental_roi, lang, 2) for r in rows],
                "roi_interval": [_interval(r.incremental_roi_interval) for r in rows],
                "marginal_roi": [_amount(r.marginal_roi, lang, 2) for r in rows],
                "revenue_share": [_share(r.revenue_share, lang) for r in rows],
            }
            | {name: columns[name] for name in last}
            | {"status": [_status_cell(r, report.thresholds, lang) for r in rows]}
        )
    show_table(
        pd.DataFrame({_column(name, lang): values for name, values in columns.items()}),
        caption=text("attribution.caption.roi", lang, model=label, period=report.period),
    )
    finding(
        "{note}",
        note=text(
            "attribution.note.profit",
            lang,
            margin=percent(params.gross_margin, lang, 0),
            ltv=report.methods["ltv"],
        ),
    )
    if report.ltv.fallback_reason:
        show_warning(
            "{note}",
            note=text("attribution.note.ltv_fallback", lang, why=report.ltv.fallback_reason),
        )


def _status_cell(row: ChannelEconomics, thresholds: Thresholds, lang: str) -> str:
    """The status rule, and "not yet certain" when the interval crosses a line."""
    rule = status_rule(row.status, thresholds, lang)
    if row.status_certainty == "uncertain":
        return text("attribution.status_uncertain", lang, status=rule)
    return rule


def _interval(bounds: tuple[float, float] | None) -> str:
    if bounds is None:
        return "–"
    return f"{bounds[0]:.2f} – {bounds[1]:.2f}".replace("-", "\u2212")


def show_models(report: AttributionReport, tables: AttributionTables) -> None:
    """Attributed revenue by model side by side, ROI ranges, and every method in a sentence."""
    lang = report.lang
    if not report.models:  # aggregates only: the path models need journeys
        finding("{note}", note=text("attribution.finding.needs_journeys", lang))
        return
    show_figure(
        plots.revenue_by_model(tables.credits, report.models, lang),
        alt=text("attribution.alt.revenue", lang),
    )
    show_table(
        pd.DataFrame(
            [
                {_column("channel", lang): r.channel}
                | {model_label(m, lang): _amount(r.roi[m], lang, 2) for m in report.models}
                | {
                    _column("roi_range", lang): text("attribution.na", lang)
                    if r.roi_range is None
                    else f"{r.roi_range[0]:.1f} – {r.roi_range[1]:.1f}",
                    _column("depends_on_model", lang): text(
                        "attribution.yes" if r.status_depends_on_model else "attribution.no", lang
                    ),
                }
                for r in tables.economics
            ]
        ),
        caption=text("attribution.caption.models", lang),
    )
    if report.removal_effects:
        show_table(
            pd.DataFrame(
                {
                    _column("channel", lang): list(report.removal_effects),
                    _column("removal_conversions", lang): [
                        f"{v:.3f}" for v in report.removal_effects.values()
                    ],
                    _column("removal_revenue", lang): [
                        f"{report.revenue_removal_effects[c]:.3f}" for c in report.removal_effects
                    ],
                }
            ),
            caption=text("attribution.caption.removal", lang),
        )
    show_table(
        pd.DataFrame(
            {
                _column("model", lang): [_method_name(k, lang) for k in report.methods],
                _column("method", lang): list(report.methods.values()),
            }
        ),
        caption=text("attribution.caption.methods", lang),
    )


def _method_name(key: str, lang: str) -> str:
    """A row of the methods table: a model's name, or LTV / quadrant."""
    if key in ("ltv", "quadrant", "mmm"):
        return text(f"attribution.methods_row.{key}", lang)
    return model_label(key, lang)


def show_quadrants(report: AttributionReport, tables: AttributionTables) -> None:
    """The four-quadrant chart and each channel's quadrant."""
    lang = report.lang
    show_figure(
        plots.quadrant_chart(tables.economics, lang, report.thresholds.keep),
        alt=text("attribution.alt.quadrants", lang),
    )
    show_table(
        pd.DataFrame(
            {
                _column("channel", lang): [r.channel for r in tables.economics],
                _column("quadrant", lang): [
                    quadrant_label(r.quadrant, lang, r.roi_basis) for r in tables.economics
                ],
            }
        ),
        caption=text("attribution.caption.quadrants", lang),
    )


def show_paths(report: AttributionReport, tables: AttributionTables) -> None:
    """Path counts, the length distribution and the most travelled paths."""
    lang, paths = report.lang, report.paths
    if paths is None:  # aggregates only
        finding("{note}", note=text("attribution.finding.needs_journeys", lang))
        return
    finding(
        "{note}",
        note=text(
            "attribution.note.paths",
            lang,
            converting=number(paths.converting, lang),
            null=number(paths.null, lang),
            distinct=number(paths.distinct, lang),
            mean=number(paths.mean_length, lang, 1),
            untouched=number(paths.orders_without_touches, lang),
        ),
    )
    show_figure(
        plots.path_length_chart(tables.lengths, lang), alt=text("attribution.alt.lengths", lang)
    )
    names = {
        "path": "path",
        "conversions": "conversions",
        "nulls": "did_not_convert",
        "revenue": "revenue",
        "journeys": "journeys",
        "conversion_rate": "conversion_rate",
    }
    shown = {field: _column(name, lang) for field, name in names.items()}
    show_table(
        tables.top_paths.rename(columns=shown),
        caption=text("attribution.caption.paths", lang),
        formats={
            shown["conversions"]: ",.0f",
            shown["nulls"]: ",.0f",
            shown["revenue"]: ",.0f",
            shown["journeys"]: ",.0f",
            shown["conversion_rate"]: ".1%",
        },
    )


def show_budget(report: AttributionReport, tables: AttributionTables) -> None:
    """The budget table (now, proposed, change, reason) and the response curves."""
    lang, lines = report.lang, report.budget
    if not lines:  # no spend table: nothing to move
        finding("{note}", note=report.budget_method)
        return
    show_table(
        pd.DataFrame(
            {
                _column("channel", lang): [b.channel for b in lines],
                _column("now", lang): [_amount(b.current, lang) for b in lines],
                _column("proposed", lang): [_amount(b.proposed, lang) for b in lines],
                _column("change", lang): [signed_percent(b.change_pct, lang, 0) for b in lines],
                _column("reason", lang): [b.reason for b in lines],
            }
        ),
        caption=text("attribution.caption.budget", lang),
    )
    finding("{note}", note=text("attribution.note.how", lang, method=report.budget_method))
    for note in report.budget_notes:
        show_warning("{note}", note=note)
    curves = tables.curves.values()
    show_table(
        pd.DataFrame(
            {
                _column("channel", lang): list(tables.curves),
                _column("curve", lang): [
                    text(
                        "attribution.curve.fitted"
                        if c.supported
                        else "attribution.curve.not_supported",
                        lang,
                    )
                    for c in curves
                ],
                _column("curve_fit", lang): [c.reason for c in curves],
            }
        ),
        caption=text("attribution.caption.curves", lang),
    )
    if tables.curves:
        show_figure(
            plots.response_curves(tables.curves, tables.daily, lang),
            alt=text("attribution.alt.curves", lang),
        )
