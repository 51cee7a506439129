"""Figures of the A/B report: one message each, titled with it."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis.abtest.results import ExperimentResult
from analysis.reporting.style import as_label

SHIP, NEUTRAL, WORSE = "#2ca02c", "#7f7f7f", "#d62728"


def forest_plot(result: ExperimentResult, mde_relative: float) -> Figure:
    """Relative lift of each treatment against control with its CI; MDE and zero marked."""
    treated = [a for a in result.arms if a.lift_rel is not None]
    figure, axes = plt.subplots(figsize=(8, 0.6 + 0.55 * len(treated)))
    for row, arm in enumerate(treated):
        low, high = arm.lift_rel_ci
        colour = SHIP if low > 0 else WORSE if high < 0 else NEUTRAL
        axes.errorbar(
            arm.lift_rel * 100,
            row,
            xerr=[[(arm.lift_rel - low) * 100], [(high - arm.lift_rel) * 100]],
            fmt="o",
            color=colour,
            capsize=4,
        )
    axes.axvline(0, color="black", linewidth=1)
    axes.axvline(
        mde_relative * 100,
        color=SHIP,
        linestyle=":",
        linewidth=1,
        label=f"smallest lift worth shipping ({mde_relative:.0%})",
    )
    axes.set_yticks(range(len(treated)), [as_label(f"{a.variant}: {a.label}") for a in treated])
    axes.invert_yaxis()
    axes.set_xlabel(f"relative lift of {result.metric} against {result.control} (%)")
    axes.set_title(as_label(f"{result.experiment_id}: {result.decision_text.split(':')[0]}"))
    axes.legend(fontsize=8, frameon=False, loc="lower right")
    return figure


def cumulative_chart(lifts: pd.DataFrame, result: ExperimentResult) -> Figure:
    """The absolute lift so far by day, with its CI band and always-valid bounds if computed."""
    figure, axes = plt.subplots()
    for variant, days in lifts.dropna(subset=["lift_abs"]).groupby("variant"):
        line = axes.plot(
            days["day"], days["lift_abs"], marker=".", label=as_label(f"{variant} − control")
        )
        colour = line[0].get_color()
        axes.fill_between(days["day"], days["ci_low"], days["ci_high"], color=colour, alpha=0.15)
        if "seq_low" in days:
            axes.plot(days["day"], days["seq_low"], color=colour, linestyle="--", linewidth=1)
            axes.plot(days["day"], days["seq_high"], color=colour, linestyle="--", linewidth=1)
    axes.axhline(0, color="black", linewidth=1)
    axes.set_ylabel(f"{result.metric}: treatment − control")
    axes.set_xlabel("exposure day (cumulative)")
    bounds = "; dashed: always-valid bounds" if "seq_low" in lifts else ""
    axes.set_title(as_label(f"{result.experiment_id}: the estimate settles as units accrue"))
    axes.legend(fontsize=8, frameon=False, title=f"band: 95% CI{bounds}", title_fontsize=8)
    figure.autofmt_xdate()
    return figure


def lift_histogram(results: list[ExperimentResult], alpha: float) -> Figure:
    """Distribution of relative lifts across every comparison, significant ones highlighted."""
    arms = [
        a
        for r in results
        for a in r.arms
        if a.lift_rel is not None and np.isfinite(a.lift_rel) and a.p_value_adjusted is not None
    ]
    lifts = np.array([a.lift_rel * 100 for a in arms])
    significant = np.array([a.p_value_adjusted < alpha for a in arms], dtype=bool)
    figure, axes = plt.subplots()
    if not lifts.size:
        axes.set_title("No comparison has a defined relative lift")
        return figure
    bins = np.linspace(np.percentile(lifts, 1), np.percentile(lifts, 99), 60)
    axes.hist(lifts[~significant], bins=bins, color=NEUTRAL, label="not significant (adjusted)")
    axes.hist(lifts[significant], bins=bins, color=SHIP, label="significant (adjusted)")
    axes.set_xlabel("relative lift against baseline (%)")
    axes.set_ylabel("comparisons")
    share = significant.mean() if significant.size else 0.0
    axes.set_title(
        f"Median lift {float(np.median(lifts)):+.1f}%; {share:.0%} of comparisons significant "
        "after correction"
    )
    axes.legend(fontsize=8, frameon=False)
    return figure
