"""Figures of the channel ROI report: one message each, channels in their report-wide colours.

Titles, axis labels and legends come from the language catalogue in the report's `lang`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis.attribution.channels import ChannelEconomics
from analysis.attribution.response import ResponseCurve, response_band
from analysis.attribution.wording import model_label
from analysis.i18n import text
from analysis.params import RoiThresholds
from analysis.reporting.style import as_label, channel_colour

if TYPE_CHECKING:
    from analysis.attribution.mmm import SaturationCurve


def roi_by_channel(
    economics: list[ChannelEconomics], model: str, thresholds: RoiThresholds, lang: str
) -> Figure:
    """ROI per paid channel under the decision model, with the handbook's threshold lines.

    On incremental ROI (the marketing-mix model) bars carry their 90% intervals."""
    incremental = any(r.roi_basis == "incremental" for r in economics)
    if incremental:
        rated = [(r, r.incremental_roi) for r in economics if r.incremental_roi is not None]
    else:
        rated = [(r, roi) for r in economics if (roi := r.roi.get(model)) is not None]
    paid = [r for r, _ in rated]
    values = [roi for _, roi in rated]
    figure, axes = plt.subplots(figsize=(8, 4))
    names = [as_label(r.channel) for r in paid]
    axes.barh(names, values, color=[channel_colour(r.channel) for r in paid])
    if incremental and paid:
        low = [
            v - (r.incremental_roi_interval or (v, v))[0] for r, v in zip(paid, values, strict=True)
        ]
        high = [
            (r.incremental_roi_interval or (v, v))[1] - v for r, v in zip(paid, values, strict=True)
        ]
        axes.errorbar(values, range(len(paid)), xerr=[low, high], fmt="none", ecolor="#222")
    for value, key, style in (
        (thresholds.watch, "attribution.figure.roi.inefficient", ":"),
        (thresholds.keep, "attribution.figure.roi.cut", "--"),
        (thresholds.expand, "attribution.figure.roi.expand", "-"),
    ):
        line = text(key, lang, value=f"{value:g}")
        axes.axvline(value, color="#444", linestyle=style, linewidth=1, label=line)
    for y, value in enumerate(values):
        axes.text(value, y, f" {value:.1f}", va="center", fontsize=8)
    axes.invert_yaxis()
    label = text("attribution.model_mmm", lang) if incremental else model_label(model, lang)
    xlabel = (
        "attribution.figure.roi.xlabel_incremental"
        if incremental
        else "attribution.figure.roi.xlabel"
    )
    axes.set_xlabel(text(xlabel, lang, model=label))
    axes.set_title(text("attribution.figure.roi.title", lang, model=label))
    axes.legend(fontsize=7, frameon=False, loc="lower right")
    return figure


def revenue_by_model(credits: pd.DataFrame, models: list[str], lang: str) -> Figure:
    """Attributed revenue per channel, one bar per model side by side."""
    table = credits.pivot_table(index="channel", columns="model", values="revenue", aggfunc="sum")
    table = table.reindex(columns=models)
    order = table.mean(axis=1).sort_values(ascending=False).index
    table = table.loc[order]
    figure, axes = plt.subplots(figsize=(9, 4.2))
    width = 0.8 / len(models)
    positions = np.arange(len(table))
    cmap = plt.get_cmap("tab10")
    for i, model in enumerate(models):
        axes.bar(
            positions + i * width,
            table[model] / 1e3,
            width,
            label=model_label(model, lang),
            color=cmap(i),
        )
    axes.set_xticks(positions + 0.4 - width / 2, [as_label(c) for c in table.index])
    axes.set_ylabel(text("attribution.figure.revenue.ylabel", lang))
    axes.set_title(text("attribution.figure.revenue.title", lang))
    axes.legend(fontsize=7, frameon=False, ncol=4)
    return figure


def _return_quadrants(economics: list[ChannelEconomics], keep_line: float, lang: str) -> Figure:
    rated = [(r, r.incremental_roi) for r in economics if r.incremental_roi is not None]
    figure, axes = plt.subplots(figsize=(7, 4.5))
    for row, roi in rated:
        axes.scatter(row.spend / 1e3, roi, s=80, color=channel_colour(row.channel))
        axes.annotate(
            as_label(row.channel),
            (row.spend / 1e3, roi),
            fontsize=8,
            xytext=(5, 4),
            textcoords="offset points",
        )
    paid = [r.spend / 1e3 for r in economics if r.spend > 0]
    axes.axhline(keep_line, color="#888", linestyle="--", linewidth=1)
    if paid:
        axes.axvline(float(np.median(paid)), color="#888", linestyle="--", linewidth=1)
    axes.set_xlabel(text("attribution.figure.quadrant.xlabel", lang))
    axes.set_ylabel(text("attribution.figure.quadrant.ylabel_incremental", lang))
    axes.set_title(text("attribution.figure.quadrant.title", lang))
    return figure


def quadrant_chart(economics: list[ChannelEconomics], lang: str, keep_line: float = 2.0) -> Figure:
    """Spend against conversion rate, split at the medians: the handbook's four quadrants.

    On incremental ROI the vertical axis is incremental ROI, split at `keep_line`."""
    incremental = any(r.roi_basis == "incremental" for r in economics)
    if incremental:
        return _return_quadrants(economics, keep_line, lang)
    converting = [(r, r.conversion_rate) for r in economics if r.conversion_rate is not None]
    rows = [r for r, _ in converting]
    figure, axes = plt.subplots(figsize=(7, 4.5))
    for row, rate in converting:
        axes.scatter(row.spend / 1e3, rate, s=80, color=channel_colour(row.channel))
        axes.annotate(
            as_label(row.channel),
            (row.spend / 1e3, rate),
            fontsize=8,
            xytext=(5, 4),
            textcoords="offset points",
        )
    rates = [rate for _, rate in converting]
    paid = [r.spend / 1e3 for r in rows if r.spend > 0]
    if rates:
        axes.axhline(float(np.median(rates)), color="#888", linestyle="--", linewidth=1)
    if paid:
        axes.axvline(float(np.median(paid)), color="#888", linestyle="--", linewidth=1)
    axes.set_xlabel(text("attribution.figure.quadrant.xlabel", lang))
    axes.set_ylabel(text("attribution.figure.quadrant.ylabel", lang))
    axes.set_title(text("attribution.figure.quadrant.title", lang))
    return figure


def path_length_chart(lengths: pd.DataFrame, lang: str) -> Figure:
    """Journeys by number of touches, converting and not."""
    figure, axes = plt.subplots(figsize=(7, 3.5))
    positions = lengths["length"].to_numpy()
    converting = text("attribution.figure.lengths.converting", lang)
    null = text("attribution.figure.lengths.null", lang)
    axes.bar(positions - 0.2, lengths["converting"], 0.4, label=converting, color="#2ca02c")
    axes.bar(positions + 0.2, lengths["null"], 0.4, label=null, color="#aaaaaa")
    axes.set_xlabel(text("attribution.figure.lengths.xlabel", lang))
    axes.set_ylabel(text("attribution.figure.lengths.ylabel", lang))
    axes.set_title(text("attribution.figure.lengths.title", lang))
    axes.legend(fontsize=8, frameon=False)
    return figure


def response_curves(
    curves: dict[str, ResponseCurve | SaturationCurve], daily: pd.DataFrame, lang: str
) -> Figure:
    """Daily spend against attributed revenue per channel, with fitted curves and bands."""
    channels = list(curves)
    columns = min(3, max(1, len(channels)))
    rows = int(np.ceil(len(channels) / columns)) or 1
    figure, grid = plt.subplots(rows, columns, figsize=(3.6 * columns, 2.8 * rows), squeeze=False)
    for axes, channel in zip(grid.flat, channels, strict=False):
        days = daily[daily["channel"] == channel]
        colour = channel_colour(channel)
        axes.scatter(days["spend"] / 1e3, days["revenue"] / 1e3, s=8, color=colour, alpha=0.6)
        curve = curves[channel]
        if curve.supported:
            spend_grid = np.linspace(0, days["spend"].max() * 1.3, 60)
            # the marketing-mix model's curve draws its own band (posterior draws of β)
            band = (
                response_band(curve, spend_grid)
                if isinstance(curve, ResponseCurve)
                else curve.band(spend_grid)
            )
            axes.plot(band.daily_spend / 1e3, band.revenue / 1e3, color=colour)
            axes.fill_between(
                band.daily_spend / 1e3, band.lower / 1e3, band.upper / 1e3, color=colour, alpha=0.2
            )
            title = text("attribution.figure.curves.fitted", lang, channel=as_label(channel))
        else:
            title = text("attribution.figure.curves.none", lang, channel=as_label(channel))
        axes.set_title(title, fontsize=9)
        axes.set_xlabel(text("attribution.figure.curves.xlabel", lang), fontsize=8)
        axes.set_ylabel(text("attribution.figure.curves.ylabel", lang), fontsize=8)
    for axes in list(grid.flat)[len(channels) :]:
        axes.set_visible(False)
    figure.suptitle(text("attribution.figure.curves.title", lang))
    figure.tight_layout()
    return figure
