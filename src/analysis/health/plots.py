"""Figures of the data-health report: one message each, channels in their fixed colours."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from analysis.health.display import channel_word
from analysis.i18n import text
from analysis.reporting.style import as_label, channel_colour


def daily_by_channel(
    daily: pd.DataFrame, value: str, *, title: str, ylabel: str, lang: str = "en"
) -> Figure:
    """Stacked daily bars of `value` per channel (date, channel, value columns).

    `title` and `ylabel` come from the caller in the report's language; the day axis is
    labelled in `lang`.
    """
    wide = daily.pivot_table(index="date", columns="channel", values=value, aggfunc="sum")
    wide = wide.fillna(0.0)
    wide = wide[wide.sum().sort_values(ascending=False).index]
    figure, axes = plt.subplots()
    bottom = pd.Series(0.0, index=wide.index)
    for channel in wide.columns:
        axes.bar(
            wide.index,
            wide[channel],
            bottom=bottom,
            width=0.8,
            color=channel_colour(channel),
            label=as_label(channel_word(channel, lang)),
        )
        bottom = bottom + wide[channel]
    axes.set_title(title)
    axes.set_ylabel(ylabel)
    axes.set_xlabel(text("health.axis.day", lang))
    # beside the plot, not below it: below, it covered the day axis's label and dates
    axes.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    figure.autofmt_xdate()
    return figure
