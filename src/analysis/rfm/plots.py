"""Figures of the RFM report: one message each; titles, labels and legends in `lang`."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis.i18n import money, text
from analysis.reporting.style import label_colour
from analysis.rfm.classes import CLASSES
from analysis.rfm.clusters import ClusterProfile
from analysis.rfm.wording import class_label, cluster_label


def rf_heatmap(table: pd.DataFrame, lang: str) -> Figure:
    """Customers and mean spend by recency score (rows) and frequency score (columns)."""
    counts = pd.crosstab(table["r_score"], table["f_score"]).reindex(
        index=range(5, 0, -1), columns=range(1, 6), fill_value=0
    )
    spend = table.pivot_table(
        index="r_score", columns="f_score", values="monetary_total", aggfunc="mean"
    ).reindex(index=range(5, 0, -1), columns=range(1, 6))
    figure, axes = plt.subplots(figsize=(6.5, 4.5))
    image = axes.imshow(counts.to_numpy(), cmap="Blues")
    for (i, j), n in np.ndenumerate(counts.to_numpy()):
        mean = spend.to_numpy()[i, j]
        cell = f"{n:,}" + ("" if np.isnan(mean) else f"\n{money(mean, lang)}")
        colour = label_colour(tuple(image.cmap(image.norm(n))))
        axes.text(j, i, cell, ha="center", va="center", fontsize=8, color=colour)
    axes.set_xticks(range(5), [str(f) for f in counts.columns])
    axes.set_yticks(range(5), [str(r) for r in counts.index])
    axes.set_xlabel(text("rfm.figure.rf.x", lang))
    axes.set_ylabel(text("rfm.figure.rf.y", lang))
    axes.grid(False)
    axes.set_title(text("rfm.figure.rf.title", lang))
    return figure


def cluster_scatter(table: pd.DataFrame, profiles: list[ClusterProfile], lang: str) -> Figure:
    """Frequency against mean order value on log axes, coloured by cluster."""
    names = {p.cluster: cluster_label(p.name, lang) for p in profiles}
    figure, axes = plt.subplots(figsize=(8, 4.5))
    shown = table.sample(n=min(len(table), 5000), random_state=0)
    for cluster, members in shown.groupby("cluster"):
        axes.scatter(
            members["frequency"],
            members["monetary_mean"],
            s=6,
            alpha=0.5,
            label=f"{cluster}: {names[cluster]}",
        )
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel(text("rfm.figure.clusters.x", lang))
    axes.set_ylabel(text("rfm.figure.clusters.y", lang))
    axes.set_title(text("rfm.figure.clusters.title", lang, k=len(profiles)))
    axes.legend(fontsize=7, frameon=False, markerscale=3)
    return figure


def silhouette_by_k(silhouettes: dict[int, float], chosen: int, lang: str) -> Figure:
    """The silhouette of each k tried; the chosen k marked."""
    figure, axes = plt.subplots(figsize=(6, 3))
    ks = sorted(silhouettes)
    axes.plot(ks, [silhouettes[k] for k in ks], marker="o")
    axes.axvline(chosen, color="#2ca02c", linestyle=":")
    axes.set_xlabel(text("rfm.figure.silhouette.x", lang))
    axes.set_ylabel(text("rfm.figure.silhouette.y", lang))
    axes.set_title(text("rfm.figure.silhouette.title", lang, k=chosen))
    return figure


def clv_by_class(table: pd.DataFrame, lang: str) -> Figure:
    """The spread of lifetime value within each class."""
    figure, axes = plt.subplots(figsize=(8, 3.5))
    data = [table.loc[table["class"] == c, "clv"].dropna().to_numpy() for c in CLASSES]
    axes.boxplot(data, showfliers=False)
    axes.set_xticks(range(1, len(CLASSES) + 1), [class_label(c, lang) for c in CLASSES])
    axes.set_ylabel(text("rfm.figure.clv.y", lang))
    totals = {c: d.sum() for c, d in zip(CLASSES, data, strict=True)}
    top = max(totals, key=lambda c: totals[c])
    axes.set_title(text("rfm.figure.clv.title", lang, label=class_label(top, lang)))
    return figure


def migration_heatmap(moves: pd.DataFrame, lang: str) -> Figure:
    """Customers by class a month ago (rows) and now (columns)."""
    figure, axes = plt.subplots(figsize=(7, 4.5))
    image = axes.imshow(np.log1p(moves.to_numpy()), cmap="Purples")
    for (i, j), n in np.ndenumerate(moves.to_numpy()):
        colour = label_colour(tuple(image.cmap(image.norm(np.log1p(n)))))
        axes.text(j, i, f"{n:,}", ha="center", va="center", fontsize=8, color=colour)
    labels = [class_label(c, lang) for c in moves.index]
    axes.set_xticks(range(len(moves.columns)), labels, rotation=20, fontsize=8)
    axes.set_yticks(range(len(moves.index)), labels, fontsize=8)
    axes.set_xlabel(text("rfm.figure.migration.x", lang))
    axes.set_ylabel(text("rfm.figure.migration.y", lang))
    axes.grid(False)
    axes.set_title(text("rfm.figure.migration.title", lang))
    return figure
