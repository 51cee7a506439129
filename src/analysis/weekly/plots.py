"""Figures of the weekly report: one message each, titles and labels in the report's language."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from analysis.i18n import text
from analysis.reporting.style import as_label, channel_colour
from analysis.weekly.report import WeeklyReport, channel_name, step_name


def funnel_chart(report: WeeklyReport) -> Figure | None:
    """The losing channel's step conversions this week against last week (None without one)."""
    worst = report.worst_step
    if worst is None:
        return None
    lang = report.lang
    steps = [s for s in report.funnel if s.channel == worst.channel]
    labels = [f"{step_name(s.from_step, lang)}→{step_name(s.step, lang)}" for s in steps]
    now = [100 * (s.conversion or 0) for s in steps]
    before = [100 * (s.conversion_last_week or 0) for s in steps]
    where = np.arange(len(steps))
    figure, axes = plt.subplots(figsize=(8, 3.2))
    axes.bar(where - 0.2, before, 0.4, color="#cccccc", label=text("weekly.figure.last_week", lang))
    axes.bar(
        where + 0.2,
        now,
        0.4,
        color=channel_colour(worst.channel),
        label=text("weekly.figure.this_week", lang),
    )
    axes.set_xticks(where, [as_label(label) for label in labels], fontsize=8)
    axes.set_ylabel(as_label(text("weekly.figure.conversion_axis", lang)))
    title = text(
        "weekly.figure.funnel_title",
        lang,
        channel=channel_name(worst.channel, lang),
        step=f"{step_name(worst.from_step, lang)} → {step_name(worst.step, lang)}",
    )
    axes.set_title(as_label(title))
    axes.legend(fontsize=8, frameon=False)
    return figure


def complaints_chart(report: WeeklyReport) -> Figure | None:
    """Brand complaints per week, the report week highlighted (None without comments)."""
    if not report.complaints:
        return None
    lang = report.lang
    weeks = [w.week for w in report.complaints]
    counts = [w.comments for w in report.complaints]
    colours = ["#7f7f7f"] * (len(weeks) - 1) + [
        "#d62728" if report.reputation and report.reputation.alert else "#1f77b4"
    ]
    figure, axes = plt.subplots(figsize=(8, 2.8))
    axes.bar(weeks, counts, color=colours)
    axes.set_ylabel(as_label(text("weekly.figure.complaints_axis", lang)))
    axes.set_title(as_label(text("weekly.figure.complaints_title", lang, count=counts[-1])))
    axes.tick_params(axis="x", labelsize=8)
    return figure
