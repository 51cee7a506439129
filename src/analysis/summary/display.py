"""How the summary shows itself: every heading, header and sentence from the language catalogue."""

from __future__ import annotations

from html import escape

import pandas as pd

from analysis.i18n import catalogue, money, month, number, percent, signed_percent, text
from analysis.reporting.display import (
    display_html,
    finding,
    show_headline,
    show_table,
    show_warning,
)
from analysis.summary.report import SummaryReport
from analysis.summary.scorecard import HIGHER_IS_BETTER, KpiLine

STATUS_COLOURS = {
    "on_track": "#2ca02c",
    "at_risk": "#ff7f0e",
    "off_track": "#d62728",
    "no_data": "#7f7f7f",
}


def _value(value: float | None, unit: str, lang: str) -> str:
    if unit == "share":
        return percent(value, lang, 1)
    if unit == "yuan":
        return money(value, lang, 0)
    return number(value, lang, 2)


def _gap(line: KpiLine, lang: str) -> str:
    if line.gap is None:
        return "–"
    if line.unit == "share":
        return f"{100 * line.gap:+.1f} pp".replace("-", "−")
    shown = _value(abs(line.gap), line.unit, lang)
    return ("+" if line.gap >= 0 else "−") + shown


def show_overview(report: SummaryReport) -> None:
    """The headline, and a warning for every source report that failed or is missing."""
    show_headline(report.headline)
    show_kpi_tiles(report)
    for source in report.sources:
        if source.status != "ok":
            show_warning(
                "{message}",
                message=text(f"summary.source_{source.status}", report.lang, report=source.name),
            )


TILE_BACKGROUNDS = {
    "on_track": "#eaf6ea",
    "at_risk": "#fff3e0",
    "off_track": "#fdecea",
    "no_data": "#f2f2f2",
}


def show_kpi_tiles(report: SummaryReport) -> None:
    """One tile a KPI, coloured by its status: the number, the target and the status word.

    Text stays dark on a light tint (WCAG AA); the colour is also in a thick left border.
    """
    lang = report.lang
    tiles = []
    for line in report.scorecard:
        border = STATUS_COLOURS.get(line.status, STATUS_COLOURS["no_data"])
        background = TILE_BACKGROUNDS.get(line.status, TILE_BACKGROUNDS["no_data"])
        bound = _bound(line.kpi)
        kpi = text(f"kpi.{line.kpi}", lang)
        target = text("column.target", lang) + " " + bound + _value(line.target, line.unit, lang)
        tiles.append(
            f'<div class="kpi-tile" style="border-left:6px solid {border};'
            f"background:{background};padding:8px 12px;border-radius:4px;min-width:10em;"
            'flex:1 1 11em">'
            f'<div style="font-size:0.85em;color:#333">{escape(kpi)}</div>'
            f'<div style="font-size:1.6em;font-weight:700;color:#111">'
            f"{escape(_value(line.actual, line.unit, lang))}</div>"
            f'<div style="font-size:0.8em;color:#333">{escape(target)} · '
            f"<b>{escape(text(f'status.{line.status}', lang))}</b></div></div>"
        )
    if tiles:
        display_html(
            '<div class="kpi-tiles" style="display:flex;flex-wrap:wrap;gap:10px;margin:8px 0">'
            + "".join(tiles)
            + "</div>"
        )


def show_sources(report: SummaryReport) -> None:
    """The month's reports: status, headline and a link to each."""
    lang = report.lang
    rows = "".join(
        "<tr><td>{link}</td><td>{status}</td><td>{headline}</td></tr>".format(
            link=(f'<a href="{escape(s.href)}">{escape(s.name)}</a>' if s.href else escape(s.name)),
            status=escape(text(f"source.status.{s.status}", lang)),
            headline=escape(s.headline or ""),
        )
        for s in report.sources
    )
    head = "".join(
        f"<th>{escape(text(k, lang))}</th>"
        for k in ("column.report", "column.status", "column.headline")
    )
    display_html(
        f"<table class='report-table'><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
    )
    if any(w.status != "missing" for w in report.weekly):
        show_weekly(report)


def show_weekly(report: SummaryReport) -> None:
    """The month's weekly data reports, one row a week, linked where they ran."""
    lang = report.lang
    rows = "".join(
        "<tr><td>{link}</td><td>{status}</td><td>{headline}</td></tr>".format(
            link=(f'<a href="{escape(w.href)}">{escape(w.week)}</a>' if w.href else escape(w.week)),
            status=escape(text(f"source.status.{w.status}", lang)),
            headline=escape(w.headline or ""),
        )
        for w in report.weekly
    )
    head = "".join(
        f"<th>{escape(text(k, lang))}</th>"
        for k in ("weekly.col.week", "column.status", "column.headline")
    )
    caption = escape(text("weekly.summary.caption", lang))
    display_html(
        f"<p class='caption'><b>{caption}</b></p><table class='report-table'><thead><tr>{head}"
        f"</tr></thead><tbody>{rows}</tbody></table>"
    )


def show_scorecard(report: SummaryReport) -> None:
    """Actual, target, gap, changes and status of every KPI, with the status rule."""
    lang = report.lang
    frame = pd.DataFrame(
        {
            text("column.kpi", lang): [text(f"kpi.{x.kpi}", lang) for x in report.scorecard],
            text("column.actual", lang): [_value(x.actual, x.unit, lang) for x in report.scorecard],
            text("column.target", lang): [
                _bound(x.kpi) + _value(x.target, x.unit, lang) for x in report.scorecard
            ],
            text("column.gap", lang): [_gap(x, lang) for x in report.scorecard],
            text("column.on_month", lang): [
                signed_percent(x.change_on_month, lang) for x in report.scorecard
            ],
            text("column.on_year", lang): [
                signed_percent(x.change_on_year, lang) for x in report.scorecard
            ],
            text("column.status", lang): [
                text(f"status.{x.status}", lang) for x in report.scorecard
            ],
            text("column.source", lang): [
                text("source.warehouse", lang) if x.source == "warehouse" else x.source
                for x in report.scorecard
            ],
        }
    )
    show_table(frame, caption=text("scorecard.caption", lang, period=month(report.period, lang)))
    finding("{rule}", rule=report.status_rule)


def show_execution(report: SummaryReport) -> None:
    """Plan against actual spend per channel and the cause of each variance."""
    lang = report.lang
    if not report.budget_execution:
        finding("{note}", note=text("execution.no_plan", lang))
        return
    lines = report.budget_execution
    frame = pd.DataFrame(
        {
            text("column.channel", lang): [x.channel for x in lines],
            text("column.plan", lang): [money(x.plan, lang) for x in lines],
            text("column.actual_spend", lang): [money(x.actual, lang) for x in lines],
            text("column.variance", lang): [
                "–"
                if x.variance is None
                else f"{'+' if x.variance >= 0 else '−'}{money(abs(x.variance), lang)}"
                for x in lines
            ],
            text("column.variance_pct", lang): [
                signed_percent(x.variance_pct, lang) for x in lines
            ],
            text("column.roi", lang): [number(x.roi, lang, 1) for x in lines],
            text("column.status", lang): [
                "–" if x.status is None else text(f"channel_status.{x.status}", lang) for x in lines
            ],
            text("column.cause", lang): [text(x.cause, lang) for x in lines],
        }
    )
    show_table(frame, caption=text("execution.caption", lang, period=month(report.period, lang)))
    planned = sum(x.plan or 0 for x in lines)
    spent = sum(x.actual for x in lines)
    finding(
        "{sentence}",
        sentence=text(
            "execution.total",
            lang,
            spent=money(spent, lang),
            planned=money(planned, lang),
            share=percent(spent / planned if planned else None, lang),
        ),
    )


def show_decisions(report: SummaryReport) -> None:
    """The month's decisions, each linked to the section of its source report."""
    lang = report.lang
    if not report.decisions:
        finding("{note}", note=text("decisions.none", lang))
        return
    items = "".join(
        f'<li>{escape(d.text)} <a class="source-link" href="{escape(d.href)}">'
        f"{escape(text('decisions.link', lang, report=_source_title(d.source, lang)))}</a></li>"
        for d in report.decisions
    )
    display_html(f'<ol class="decisions">{items}</ol>')
    if report.decisions_left_out:
        count = report.decisions_left_out
        key = "decisions.more_one" if count == 1 else "decisions.more"
        finding("{note}", note=text(key, lang, count=count))


def _source_title(source: str, lang: str) -> str:
    """A source report's title in `lang` (异常监测 for anomalies), else its name as given."""
    return catalogue(lang).get(f"report.{source}", source)


def _bound(kpi: str) -> str:
    """How the target reads: at least it, or at most it for a KPI where lower is better."""
    return "≥ " if HIGHER_IS_BETTER[kpi] else "≤ "
