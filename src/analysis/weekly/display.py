"""How the weekly report shows itself: headers, findings and words from the catalogue.

Data values (channel names, titles, comments) are shown as written and escaped; comments
were masked when the results were built.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from analysis.i18n import number, p_stated, percent, text
from analysis.reporting.display import finding, show_figure, show_headline, show_table, show_warning
from analysis.weekly.plots import complaints_chart, funnel_chart
from analysis.weekly.report import WeeklyReport, channel_name, step_name


def _pp(value: float | None) -> str:
    return "–" if value is None else f"{value:+.1f} pp".replace("-", "−")


def _change(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:+.1f}%".replace("-", "−")


def _columns(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    return frame.rename(columns={c: text(f"weekly.col.{c}", lang) for c in frame.columns})


def show_overview(report: WeeklyReport) -> None:
    """The headline, and a note for each optional table the warehouse lacks."""
    show_headline(report.headline)
    for table in report.missing_tables:
        show_warning("{message}", message=text("weekly.missing_table", report.lang, table=table))


def show_traffic(report: WeeklyReport) -> None:
    """Paid / free / private totals, then every channel week on week."""
    lang = report.lang
    shares = {c.traffic_class: c for c in report.traffic_classes}
    finding(
        "{sentence}",
        sentence=text(
            "weekly.traffic.finding",
            lang,
            free=percent(shares["free"].share, lang, 1),
            free_last=percent(shares["free"].share_last_week, lang, 1),
            paid=percent(shares["paid"].share, lang, 1),
            private=percent(shares["private"].share, lang, 1),
        ),
    )
    classes = pd.DataFrame(
        {
            "class": [
                text(f"weekly.class.{c.traffic_class}", lang) for c in report.traffic_classes
            ],
            "sessions": [number(c.sessions, lang) for c in report.traffic_classes],
            "sessions_last_week": [
                number(c.sessions_last_week, lang) for c in report.traffic_classes
            ],
            "change": [_change(c.change) for c in report.traffic_classes],
            "share": [percent(c.share, lang, 1) for c in report.traffic_classes],
            "share_last_week": [
                percent(c.share_last_week, lang, 1) for c in report.traffic_classes
            ],
        }
    )
    show_table(_columns(classes, lang))
    rows = report.traffic
    channels = pd.DataFrame(
        {
            "channel": [channel_name(r.channel, lang) for r in rows],
            "class": [text(f"weekly.class.{r.traffic_class}", lang) for r in rows],
            "sessions": [number(r.sessions, lang) for r in rows],
            "sessions_last_week": [number(r.sessions_last_week, lang) for r in rows],
            "change": [_change(r.change) for r in rows],
            "page_views": [number(r.page_views, lang) for r in rows],
            "users": [number(r.users, lang) for r in rows],
            "orders": [number(r.orders, lang) for r in rows],
            "conversion": [percent(r.conversion, lang, 2) for r in rows],
        }
    )
    show_table(_columns(channels, lang))


def show_funnel(report: WeeklyReport) -> None:
    """The step that lost most orders, then every channel's steps with the stated test."""
    lang = report.lang
    worst = report.worst_step
    if worst is None:
        finding("{sentence}", sentence=text("weekly.funnel.no_loss", lang))
    else:
        key = "weekly.funnel.worst" if worst.beyond_noise else "weekly.funnel.worst_noise"
        finding(
            "{sentence}",
            sentence=text(
                key,
                lang,
                channel=channel_name(worst.channel, lang),
                from_step=step_name(worst.from_step, lang),
                step=step_name(worst.step, lang),
                rate=percent(worst.conversion, lang, 1),
                last=percent(worst.conversion_last_week, lang, 1),
                orders=f"{worst.orders_lost:.0f}",
            ),
        )
    figure = funnel_chart(report)
    if figure is not None:
        show_figure(figure, alt=figure.axes[0].get_title())
    finding("{sentence}", sentence=report.funnel_test)
    steps = report.funnel
    yes, no = text("weekly.yes", lang), text("weekly.no", lang)
    frame = pd.DataFrame(
        {
            "channel": [channel_name(s.channel, lang) for s in steps],
            "step": [f"{step_name(s.from_step, lang)} → {step_name(s.step, lang)}" for s in steps],
            "entered": [number(s.entered, lang) for s in steps],
            "conversion": [percent(s.conversion, lang, 1) for s in steps],
            "conversion_last_week": [percent(s.conversion_last_week, lang, 1) for s in steps],
            "change_pp": [_pp(s.change_pp) for s in steps],
            "p_holm": ["–" if s.p_holm is None else f"{s.p_holm:.3f}" for s in steps],
            "beyond_noise": [yes if s.beyond_noise else no for s in steps],
            "orders_lost": [number(s.orders_lost, lang, 1) for s in steps],
        }
    )
    show_table(_columns(frame, lang))


def show_incidents(report: WeeklyReport) -> None:
    """Each of the week's incidents in a sentence, or that there were none."""
    lang = report.lang
    if not report.incidents:
        finding("{sentence}", sentence=text("weekly.incidents.none", lang))
        return
    for incident in report.incidents:
        finding("{sentence}", sentence=incident.sentence)


def show_content(report: WeeklyReport, *, top: int = 15) -> None:
    """Video series against the completion target, then the week's most read items."""
    lang = report.lang
    if not report.content:
        finding("{sentence}", sentence=text("weekly.content.none", lang))
        return
    low = [s.series for s in report.series if s.below_target]
    key = "weekly.content.finding" if low else "weekly.content.all_on_target"
    names = text("weekly.list_sep", lang).join(low)
    finding("{sentence}", sentence=text(key, lang, count=len(low), series=names))
    yes, no = text("weekly.yes", lang), text("weekly.no", lang)
    series = pd.DataFrame(
        {
            "series": [s.series for s in report.series],
            "channel": [s.channel for s in report.series],
            "items": [s.items for s in report.series],
            "reads": [number(s.reads, lang) for s in report.series],
            "completion_rate": [percent(s.completion_rate, lang, 1) for s in report.series],
            "completion_target": [percent(s.completion_target, lang, 0) for s in report.series],
            "below_target": [yes if s.below_target else no for s in report.series],
        }
    )
    show_table(_columns(series, lang))
    lines = report.content[:top]
    items = pd.DataFrame(
        {
            "rank": [c.rank for c in lines],
            "title": [c.title for c in lines],
            "channel": [c.channel for c in lines],
            "format": [text(f"weekly.format.{c.format}", lang) for c in lines],
            "reads": [number(c.reads, lang) for c in lines],
            "reads_last_week": [number(c.reads_last_week, lang) for c in lines],
            "completion_rate": [percent(c.completion_rate, lang, 1) for c in lines],
            "share_rate": [percent(c.share_rate, lang, 2) for c in lines],
            "likes": [number(c.likes, lang) for c in lines],
            "followers_gained": [number(c.followers_gained, lang) for c in lines],
        }
    )
    show_table(_columns(items, lang))


def show_sentiment(report: WeeklyReport) -> None:
    """Comment sentiment per week, with the method named."""
    lang = report.lang
    if not report.sentiment:
        finding("{sentence}", sentence=text("weekly.comments.none", lang))
        return
    finding("{sentence}", sentence=report.sentiment_method)
    weeks = report.sentiment
    frame = pd.DataFrame(
        {
            "week": [w.week for w in weeks],
            "comments": [number(w.comments, lang) for w in weeks],
            "mean_score": [number(w.mean_score, lang, 2) for w in weeks],
            "negative_share": [percent(w.negative_share, lang, 1) for w in weeks],
            "positive_share": [percent(w.positive_share, lang, 1) for w in weeks],
        }
    )
    show_table(_columns(frame, lang))


def show_reputation(report: WeeklyReport) -> None:
    """The complaint alert (or its absence), complaints per week and masked examples."""
    lang = report.lang
    alert = report.reputation
    if alert is None:
        finding("{sentence}", sentence=text("weekly.comments.none", lang))
        return
    key = "weekly.reputation.alert" if alert.alert else "weekly.reputation.quiet"
    finding(
        "{sentence}",
        sentence=text(
            key,
            lang,
            count=alert.comments,
            baseline=f"{alert.baseline:.1f}",
            p=p_stated(alert.p_value),
            first=alert.first or "–",
            last=alert.last or "–",
        ),
    )
    weeks = pd.DataFrame(
        {
            "week": [w.week for w in report.complaints],
            "complaints": [w.comments for w in report.complaints],
            "channels": [w.channels for w in report.complaints],
            "first": [w.first or "–" for w in report.complaints],
            "last": [w.last or "–" for w in report.complaints],
        }
    )
    figure = complaints_chart(report)
    if figure is not None:
        show_figure(figure, alt=figure.axes[0].get_title())
    show_table(_columns(weeks, lang))
    if alert.examples:
        examples = pd.DataFrame([dataclasses.asdict(e) for e in alert.examples])[
            ["ts", "channel", "text"]
        ]
        show_table(_columns(examples, lang), caption=text("weekly.reputation.examples", lang))
