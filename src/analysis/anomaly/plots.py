"""Figures of the anomaly report: one message each, titles and labels in the report's language."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis.anomaly.detect import Detection
from analysis.anomaly.incidents import Incident
from analysis.anomaly.panel import Panel
from analysis.anomaly.report import incident_when, metric_label, series_label
from analysis.i18n import text
from analysis.reporting.style import as_label, channel_colour


def incident_chart(
    panel: Panel, detection: Detection, incident: Incident, first: int, *, lang: str
) -> Figure:
    """Actual against the expected band for the incident's series, the incident shaded."""
    row = incident.series_row
    steps = pd.DatetimeIndex(panel.timestamps)
    shown = slice(max(first - 28, 0), None)
    figure, axes = plt.subplots(figsize=(8, 3.2))
    colour = channel_colour(panel.keys["channel"].iat[row])
    axes.fill_between(
        steps[shown],
        detection.lower[row, shown],
        detection.upper[row, shown],
        color="#cccccc",
        label=text("anomaly.figure.band", lang),
    )
    axes.plot(
        steps[shown],
        detection.expected[row, shown],
        color="#666",
        linewidth=1,
        label=text("anomaly.figure.expected", lang),
    )
    axes.plot(
        steps[shown],
        panel.values[row, shown],
        color=colour,
        linewidth=1.5,
        label=text("anomaly.figure.actual", lang),
    )
    axes.axvspan(incident.start, incident.end + pd.Timedelta(days=1), color="#d62728", alpha=0.12)
    title = text(
        "anomaly.figure.incident_title",
        lang,
        series=series_label(incident.series, lang),
        change=f"{incident.deviation_pct:+.0f}%",
        when=incident_when(incident.kind, incident.start, incident.end, lang),
    )
    axes.set_title(as_label(title))
    axes.set_ylabel(as_label(metric_label(panel.keys["metric"].iat[row], lang)))
    axes.legend(fontsize=7, frameon=False, loc="upper left")
    figure.autofmt_xdate()
    return figure


def score_heatmap(
    panel: Panel, detection: Detection, first: int, rows: list[int], *, lang: str
) -> Figure:
    """Scores by series and step over the scored period (red low, blue high)."""
    scores = detection.score[rows, first:]
    steps = pd.DatetimeIndex(panel.timestamps[first:])
    figure, axes = plt.subplots(figsize=(9, 0.28 * len(rows) + 1.5))
    image = axes.imshow(np.nan_to_num(scores), aspect="auto", cmap="RdBu", vmin=-6, vmax=6)
    axes.set_yticks(
        range(len(rows)),
        [as_label(series_label(panel.keys["name"].iat[r], lang)) for r in rows],
        fontsize=7,
    )
    ticks = range(0, len(steps), max(len(steps) // 10, 1))
    axes.set_xticks(list(ticks), [steps[i].strftime("%m-%d") for i in ticks], fontsize=7)
    axes.set_title(text("anomaly.figure.heatmap_title", lang))
    figure.colorbar(image, ax=axes, label=text("anomaly.figure.score", lang))
    return figure
