"""Figures of the A/B report: one message each, titled with it, in the report's language."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis.abtest.portfolio import Portfolio
from analysis.abtest.results import ExperimentResult
from analysis.abtest.wording import metric_name
from analysis.i18n import text
from analysis.reporting.style import as_label

SHIP, NEUTRAL, WORSE = "#2ca02c", "#7f7f7f", "#d62728"


def primary_name(result: ExperimentResult, lang: str) -> str:
    """The primary metric's name: from the catalogue, or a custom metric's label."""
    return metric_name(result.metric, lang, result.metrics[0].label if result.metrics else None)


def forest_plot(result: ExperimentResult, mde_relative: float, lang: str) -> Figure:
    """Relative lift of each treatment against control with its CI; MDE and zero marked."""
    treated = [a for a in result.arms if a.lift_rel is not None]
    figure, axes = plt.subplots(figsize=(8, 0.6 + 0.55 * len(treated)))
    for row, arm in enumerate(treated):
        lift, ci = arm.lift_rel, arm.lift_rel_ci
        assert lift is not None and ci is not None  # treated arms have a lift and its CI
        low, high = ci
        colour = SHIP if low > 0 else WORSE if high < 0 else NEUTRAL
        axes.errorbar(
            lift * 100,
            row,
            xerr=[[(lift - low) * 100], [(high - lift) * 100]],
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
        label=text("abtest.figure.mde_line", lang, mde=f"{mde_relative:.0%}"),
    )
    ticks = [
        as_label(text("abtest.figure.arm_tick", lang, variant=a.variant, label=a.label))
        for a in treated
    ]
    axes.set_yticks(range(len(treated)), ticks)
    axes.invert_yaxis()
    axes.set_xlabel(
        text(
            "abtest.figure.forest_x",
            lang,
            metric=primary_name(result, lang),
            control=result.control,
        )
    )
    axes.set_title(as_label(forest_title(result, lang)))
    axes.legend(fontsize=8, frameon=False, loc="lower right")
    return figure


def forest_title(result: ExperimentResult, lang: str) -> str:
    """ "<experiment>: ship B" (the verdict in a few words) in `lang`."""
    verdict = text(
        f"abtest.figure.verdict.{result.decision}",
        lang,
        winner=result.winner or "",
        control=result.control,
    )
    return text(
        "abtest.figure.forest_title", lang, experiment=result.experiment_id, verdict=verdict
    )


def cumulative_chart(lifts: pd.DataFrame, result: ExperimentResult, lang: str) -> Figure:
    """The absolute lift so far by day, with its CI band and always-valid bounds if computed."""
    figure, axes = plt.subplots()
    for variant, days in lifts.dropna(subset=["lift_abs"]).groupby("variant"):
        line = axes.plot(
            days["day"],
            days["lift_abs"],
            marker=".",
            label=as_label(text("abtest.figure.cumulative_line", lang, variant=variant)),
        )
        colour = line[0].get_color()
        axes.fill_between(days["day"], days["ci_low"], days["ci_high"], color=colour, alpha=0.15)
        if "seq_low" in days:
            axes.plot(days["day"], days["seq_low"], color=colour, linestyle="--", linewidth=1)
            axes.plot(days["day"], days["seq_high"], color=colour, linestyle="--", linewidth=1)
    axes.axhline(0, color="black", linewidth=1)
    metric = primary_name(result, lang)
    axes.set_ylabel(text("abtest.figure.cumulative_y", lang, metric=metric))
    axes.set_xlabel(text("abtest.figure.cumulative_x", lang))
    band = "abtest.figure.band_sequential" if "seq_low" in lifts else "abtest.figure.band"
    axes.set_title(
        as_label(text("abtest.figure.cumulative_title", lang, experiment=result.experiment_id))
    )
    axes.legend(fontsize=8, frameon=False, title=text(band, lang), title_fontsize=8)
    figure.autofmt_xdate()
    return figure


def lift_histogram(results: list[ExperimentResult], alpha: float, lang: str) -> Figure:
    """Distribution of relative lifts across every comparison, significant ones highlighted."""
    pairs = [
        (a.lift_rel * 100, a.p_value_adjusted < alpha)
        for r in results
        for a in r.arms
        if a.lift_rel is not None and np.isfinite(a.lift_rel) and a.p_value_adjusted is not None
    ]
    lifts = np.array([lift for lift, _ in pairs], dtype=float)
    significant = np.array([flag for _, flag in pairs], dtype=np.bool_)
    figure, axes = plt.subplots()
    if not lifts.size:
        axes.set_title(text("abtest.figure.histogram_empty", lang))
        return figure
    bins = np.linspace(np.percentile(lifts, 1), np.percentile(lifts, 99), 60).tolist()
    axes.hist(
        lifts[~significant],
        bins=bins,
        color=NEUTRAL,
        label=text("abtest.figure.not_significant", lang),
    )
    axes.hist(
        lifts[significant], bins=bins, color=SHIP, label=text("abtest.figure.significant", lang)
    )
    axes.set_xlabel(text("abtest.figure.histogram_x", lang))
    axes.set_ylabel(text("abtest.figure.histogram_y", lang))
    share = significant.mean() if significant.size else 0.0
    axes.set_title(
        text(
            "abtest.figure.histogram_title",
            lang,
            median=f"{float(np.median(lifts)):+.1f}%",
            share=f"{share:.0%}",
        )
    )
    axes.legend(fontsize=8, frameon=False)
    return figure


def srm_by_week_chart(portfolio: Portfolio, lang: str) -> Figure:
    """Share of tests failing the sample-ratio check by week; a documented period shaded."""
    weeks = portfolio.srm_by_week
    figure, axes = plt.subplots(figsize=(9, 3.5))
    days = pd.to_datetime([w.week for w in weeks])
    axes.bar(days, [100 * w.share for w in weeks], width=6, color=WORSE)
    window = portfolio.srm_window
    if window is not None:
        axes.axvspan(
            pd.Timestamp(window.start),
            pd.Timestamp(window.end),
            color=NEUTRAL,
            alpha=0.2,
            label=text("abtest.figure.srm_window", lang),
        )
        axes.legend(fontsize=8, frameon=False)
    axes.set_xlabel(text("abtest.figure.srm_week_x", lang))
    axes.set_ylabel(text("abtest.figure.srm_week_y", lang))
    axes.set_title(text("abtest.figure.srm_week_title", lang))
    return figure
