"""Render the A/B report in a notebook: one call per section, every data value escaped.

Every heading, header, cell word and sentence comes from the language catalogue
(`i18n/<lang>/abtest.json`) in the report's language (`report.lang`, `params.lang`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from html import escape

import pandas as pd

from analysis.abtest import plots
from analysis.abtest.cumulative import cumulative_lifts
from analysis.abtest.metrics import METRICS
from analysis.abtest.portfolio import Portfolio
from analysis.abtest.report import VERDICTS, AbTestReport, verdict_word
from analysis.abtest.results import (
    ArmResult,
    Cuped,
    ExperimentResult,
    MetricResult,
    Winsorized,
)
from analysis.abtest.wording import metric_header, metric_name, name_list
from analysis.i18n import (
    MINUS,
    day,
    p_stated,
    p_value,
    percent,
    plain,
    points,
    points_interval,
    text,
)
from analysis.params import AbTestParams
from analysis.reporting import finding, show_figure, show_table
from analysis.reporting.display import display_html, show_headline, show_warning


def _pct(value: float | None, signed: bool = True) -> str:
    if value is None or not math.isfinite(value):  # a relative lift over a zero control
        return "–"
    return (f"{value:+.1%}".replace("-", MINUS) if signed else f"{value:.1%}").replace("-", MINUS)


def _ci(ci: tuple[float, float] | None, as_percent: bool) -> str:
    if ci is None or not all(math.isfinite(bound) for bound in ci):
        return "–"
    if as_percent:
        return f"[{_pct(ci[0])}, {_pct(ci[1])}]"
    return f"[{plain(ci[0], signed_=True)}, {plain(ci[1], signed_=True)}]"


def _lift_abs(lift: float, ci: tuple[float, float] | None, proportion: bool) -> str:
    """An absolute lift with its CI: percentage points for rates, the metric's unit otherwise."""
    if proportion:
        return f"{points(lift)} {points_interval(*ci) if ci else '–'}"
    return f"{plain(lift, signed_=True)} {_ci(ci, False)}"


def _loss(value: float | None, proportion: bool) -> str:
    """Expected loss of choosing the arm: points for rates, the metric's unit otherwise."""
    if value is None or not math.isfinite(value):
        return "–"
    return f"{100 * value:.2f} pp" if proportion else plain(value)


def metric_label(metric: MetricResult, lang: str) -> str:
    """The metric as a table header: "CTR (clicks / units)", "CTR（点击 / 样本单位）", or a
    custom metric's label and unit from params."""
    return metric_header(metric.metric, lang, metric.label, metric.unit)


def arms_frame(metric: MetricResult, lang: str) -> pd.DataFrame:
    """The arms table: label, units, value, lifts with CIs, p, adjusted p, Bayes.

    The first arm is the control (its lifts read "control"); a treatment whose metric could
    not be estimated reads "not estimable".
    """
    proportion = metric.kind == "proportion"

    def value(arm: ArmResult) -> str:
        return f"{arm.rate_or_mean:.2%}" if proportion else f"{arm.rate_or_mean:,.3f}"

    def no_lift(position: int) -> str:
        key = "abtest.cell.control" if position == 0 else "abtest.cell.not_estimable"
        return text(key, lang)

    arms = list(enumerate(metric.arms))
    return pd.DataFrame(
        {
            text("abtest.column.arm", lang): [a.variant for _, a in arms],
            text("abtest.column.label", lang): [a.label for _, a in arms],
            text("abtest.column.units", lang): [f"{a.units:,}" for _, a in arms],
            metric_label(metric, lang): [value(a) for _, a in arms],
            text("abtest.column.lift_abs", lang): [
                no_lift(n)
                if a.lift_abs is None
                else _lift_abs(a.lift_abs, a.lift_abs_ci, proportion)
                for n, a in arms
            ],
            text("abtest.column.lift_rel", lang): [
                no_lift(n)
                if a.lift_rel is None
                else "–"
                if not math.isfinite(a.lift_rel)  # over a control of zero: see the absolute lift
                else f"{_pct(a.lift_rel)} {_ci(a.lift_rel_ci, True)}"
                for n, a in arms
            ],
            text("abtest.column.p", lang): [p_value(a.p_value) for _, a in arms],
            text("abtest.column.p_adjusted", lang): [p_value(a.p_value_adjusted) for _, a in arms],
            text("abtest.column.chance_to_beat", lang): [
                _pct(a.chance_to_beat_control, False) for _, a in arms
            ],
            text("abtest.column.expected_loss", lang): [
                _loss(a.expected_loss, proportion) for _, a in arms
            ],
        }
    )


def cuped_frame(cuped: Cuped, lang: str, proportion: bool = False) -> pd.DataFrame:
    """The CUPED-adjusted comparison of each treatment: lift with CI, p, θ, variance removed."""
    arms = cuped.arms
    return pd.DataFrame(
        {
            text("abtest.column.arm", lang): [a.variant for a in arms],
            text("abtest.column.lift_abs", lang): [
                _lift_abs(a.lift_abs, a.lift_abs_ci, proportion) for a in arms
            ],
            text("abtest.column.p", lang): [p_value(a.p_value) for a in arms],
            text("abtest.column.theta", lang): [plain(a.theta) for a in arms],
            text("abtest.column.variance_reduction", lang): [
                f"{a.variance_reduction:.1%}" for a in arms
            ],
        }
    )


def decisions_frame(report: AbTestReport, limit: int | None = None) -> pd.DataFrame:
    """One row per experiment: verdict, primary metric, SRM p, arms to replace."""
    lang = report.lang
    shown = report.experiments[:limit] if limit else report.experiments
    return pd.DataFrame(
        {
            text("abtest.column.experiment", lang): [r.experiment_id for r in shown],
            text("abtest.column.verdict", lang): [r.decision_text for r in shown],
            text("abtest.column.metric", lang): [
                metric_name(r.metric, lang, r.metrics[0].label if r.metrics else None)
                for r in shown
            ],
            text("abtest.column.srm_p", lang): [
                text("abtest.cell.not_checked", lang)
                if r.srm_p_value is None
                else p_value(r.srm_p_value)
                for r in shown
            ],
            text("abtest.column.replace", lang): [name_list(r.replace, lang) or "–" for r in shown],
        }
    )


def show_overview(report: AbTestReport) -> None:
    """The headline, SRM warnings first, and the verdict table."""
    lang = report.lang
    invalid = [r for r in report.experiments if r.srm_invalid]
    if invalid:
        show_warning(
            "<b>{lead}</b>{detail}",
            lead=text("abtest.srm_warning.lead", lang, count=len(invalid)),
            detail=text(
                "abtest.srm_warning.detail",
                lang,
                names=_some((r.experiment_id for r in invalid), lang),
            ),
        )
    show_headline(report.headline)
    shown = min(len(report.experiments), TABLE_ROWS)
    caption = (
        text(
            "abtest.caption.verdicts_first",
            lang,
            shown=shown,
            total=f"{len(report.experiments):,}",
        )
        if shown < len(report.experiments)
        else text("abtest.caption.verdicts", lang)
    )
    show_table(decisions_frame(report, TABLE_ROWS), caption=caption)


def show_experiments(report: AbTestReport, daily: pd.DataFrame, params: AbTestParams) -> None:
    """A section per experiment (up to `portfolio_examples`): verdict, arms, figures, power."""
    for result in report.experiments[: params.portfolio_examples]:
        show_experiment(result, daily[daily["experiment_id"] == result.experiment_id], params)


def show_experiment(result: ExperimentResult, daily: pd.DataFrame, params: AbTestParams) -> None:
    """One experiment's section, in `params.lang`."""
    lang = params.lang
    heading = text("abtest.experiment.heading", lang, experiment=result.experiment_id)
    display_html(f"<h3 id='{anchor(result.experiment_id)}'>{escape(heading)}</h3>")
    finding("<b>{sentence}</b>", sentence=result.decision_text)
    finding(
        "{sentence}",
        sentence=text(
            "abtest.experiment.control",
            lang,
            control=result.control,
            reason=result.control_reason,
            method=result.method,
        ),
    )
    for metric in result.metrics:
        caption = text(
            f"abtest.caption.metric.{metric.role}", lang, metric=metric_label(metric, lang)
        )
        show_table(arms_frame(metric, lang), caption=caption)
        if metric.cuped:
            proportion = metric.kind == "proportion"
            cuped = cuped_frame(metric.cuped, lang, proportion)
            show_table(cuped, caption=metric.cuped.method)
        if metric.outliers:
            show_outlier_influence(metric, params)
    show_figure(
        plots.forest_plot(result, params.mde_relative, lang),
        alt=text("abtest.alt.forest", lang, experiment=result.experiment_id),
    )
    if not daily.empty and result.metric in METRICS:  # daily sums: presets only
        lifts = cumulative_lifts(
            daily,
            result.control,
            METRICS[result.metric],
            alpha=params.alpha,
            sequential_bounds=params.sequential,
        )
        if not lifts.empty:
            show_figure(
                plots.cumulative_chart(lifts, result, lang),
                alt=text("abtest.alt.cumulative", lang, experiment=result.experiment_id),
            )
    finding("{sentence}", sentence=srm_sentence(result, params))
    finding("{sentence}", sentence=power_sentence(result, params))
    if result.replace:
        finding(
            "{sentence}",
            sentence=text(
                "abtest.experiment.replace",
                lang,
                arms=name_list(result.replace, lang),
                share=f"{params.industry_ctr_share:.0%}",
                ctr=f"{params.industry_ctr:.2%}",
            ),
        )


def show_outlier_influence(metric: MetricResult, params: AbTestParams) -> None:
    """How much the largest units weigh: the p-value without them; a warning if it flips."""
    lang, influence = params.lang, metric.outliers
    if influence is None:  # no outlier check for this metric (a proportion)
        return
    p_values = {a.variant: a.p_value for a in metric.arms}
    if influence.winsorized is not None:
        show_winsorized(influence.winsorized, metric, lang)
    for top in influence.arms:
        with_top, without = p_values.get(top.variant), top.p_value_without
        values = {
            "n": influence.top_units,
            "share": percent(influence.top_share, lang),
            "metric": metric_name(metric.metric, lang, metric.label),
            "arm": top.variant,
            "p": p_value(with_top),
            "p_without": p_value(without),
        }
        flips = with_top is not None and (with_top < params.alpha) != (without < params.alpha)
        if flips:
            show_warning("{sentence}", sentence=text("abtest.outliers.flips", lang, **values))
        else:
            finding("{sentence}", sentence=text("abtest.outliers.sentence", lang, **values))


def show_winsorized(capped: Winsorized, metric: MetricResult, lang: str) -> None:
    """Each treatment's relative lift and p-value with the metric capped at a quantile."""
    for arm in capped.arms:
        low, high = arm.lift_rel_ci
        finding(
            "{sentence}",
            sentence=text(
                "abtest.outliers.winsorized",
                lang,
                q=f"{capped.quantile:g}",
                cap=plain(capped.cap, 4),
                metric=metric_name(metric.metric, lang, metric.label),
                arm=arm.variant,
                lift=f"{arm.lift_rel:+.1%} [{low:+.1%}, {high:+.1%}]".replace("-", MINUS),
                p=p_stated(arm.p_value),
            ),
        )


def srm_sentence(result: ExperimentResult, params: AbTestParams) -> str:
    """Whether the split of units matches the plan."""
    if result.srm_p_value is None:
        return text("abtest.srm.not_checked", params.lang)
    key = {"invalid": "differs", "warn": "suspect"}.get(result.srm_tier, "matches")
    return text(
        f"abtest.srm.{key}",
        params.lang,
        p=p_stated(result.srm_p_value),
        threshold=f"{params.srm_alpha:g}",
        warn=f"{params.srm_warn_alpha:g}",
    )


def power_sentence(result: ExperimentResult, params: AbTestParams) -> str:
    """What this sample can detect and what the planned MDE would take."""
    power = result.power
    if power is None or power.mde_relative_achievable is None:
        return text("abtest.power.proportions_only", params.lang)
    values = {
        "achievable": f"{power.mde_relative_achievable:.1%}",
        "power": f"{params.power:.0%}",
        "mde": f"{params.mde_relative:.0%}",
        "units": f"{power.units_needed_per_arm:,}",
    }
    if power.days_needed:
        return text(
            "abtest.power.days",
            params.lang,
            days=power.days_needed,
            per_day=f"{power.units_per_day:,.0f}",
            **values,
        )
    return text("abtest.power.sentence", params.lang, **values)


def show_portfolio(report: AbTestReport) -> None:
    """Many tests at once: the spread of lifts, significance before/after correction, agreement."""
    portfolio = report.portfolio
    if portfolio is None:
        return
    lang = report.lang
    sentence = text(
        "abtest.portfolio.significance",
        lang,
        comparisons=f"{portfolio.comparisons:,}",
        tests=f"{portfolio.experiments:,}",
        raw=f"{portfolio.significant_raw_share:.1%}",
        adjusted=f"{portfolio.significant_adjusted_share:.1%}",
    )
    if portfolio.agreement_share is not None:
        sentence += text(
            "abtest.portfolio.agreement",
            lang,
            share=f"{portfolio.agreement_share:.0%}",
            declared=f"{portfolio.declared_winners:,}",
        )
    finding("{sentence}", sentence=sentence)
    counts = {verdict_word(code, lang): n for code, n in _in_order(portfolio.decisions)}
    show_table(pd.DataFrame([counts]), caption=text("abtest.caption.portfolio_verdicts", lang))
    quantiles = {
        text("abtest.column.percentile", lang, q=name.removeprefix("p")): f"{value:+.1%}".replace(
            "-", MINUS
        )
        for name, value in portfolio.lift_rel_quantiles.items()
    }
    show_table(pd.DataFrame([quantiles]), caption=text("abtest.caption.lift_percentiles", lang))
    show_figure(
        plots.lift_histogram(report.experiments, portfolio.alpha, lang),
        alt=text("abtest.alt.histogram", lang),
    )
    show_srm_over_time(portfolio, lang)


def show_srm_over_time(portfolio: Portfolio, lang: str) -> None:
    """The failing share of the sample-ratio check by week, and inside a documented period."""
    weeks = portfolio.srm_by_week
    if not weeks:
        return
    tests, failing = sum(w.tests for w in weeks), sum(w.failing for w in weeks)
    sentence = text(
        "abtest.portfolio.srm_time",
        lang,
        failing=f"{failing:,}",
        tests=f"{tests:,}",
        share=f"{failing / tests:.1%}",
        alpha=f"{portfolio.srm_alpha:g}",
    )
    window = portfolio.srm_window
    if window is not None:
        sentence += text(
            "abtest.portfolio.srm_window",
            lang,
            start=day(window.start, lang),
            end=day(window.end, lang),
            inside=percent(window.rate_inside, lang),
            failing_inside=f"{window.failing_inside:,}",
            tests_inside=f"{window.tests_inside:,}",
            outside=percent(window.rate_outside, lang),
            failing_outside=f"{window.failing_outside:,}",
            tests_outside=f"{window.tests_outside:,}",
        )
    finding("{sentence}", sentence=sentence)
    show_figure(plots.srm_by_week_chart(portfolio, lang), alt=text("abtest.alt.srm_week", lang))


def _in_order(decisions: dict[str, int]) -> list[tuple[str, int]]:
    """Verdict counts in the order of VERDICTS, any other code after them."""
    order = {code: n for n, code in enumerate(VERDICTS)}
    return sorted(decisions.items(), key=lambda item: order.get(item[0], len(order)))


METHOD_NAMES = {
    "proportions": "abtest.methods.what.proportions",
    "means": "abtest.methods.what.means",
    "ratios": "abtest.methods.what.ratios",
    "relative lift CI": "abtest.methods.what.relative_lift_ci",
    "Bayesian": "abtest.methods.what.bayesian",
    "sample-ratio mismatch": "abtest.methods.what.srm",
    "multiple arms": "abtest.methods.what.multiple_arms",
    "prior": "abtest.methods.what.prior",
    "alpha": "abtest.methods.what.alpha",
    "CUPED": "abtest.methods.what.cuped",
    "sequential": "abtest.methods.what.sequential",
}
"""The entries of `AbTestReport.methods` (English codes) → the catalogue key of their name."""

DECISION_RULES = (
    "abtest.rules.invalid",
    "abtest.rules.ship",
    "abtest.rules.blocked",
    "abtest.rules.keep_control",
    "abtest.rules.inconclusive",
)
"""The decision rules of decisions.py, in order, as the catalogue words them."""


def show_methods(report: AbTestReport) -> None:
    """Every method and convention, and the decision rules."""
    lang = report.lang
    names = [text(METHOD_NAMES[w], lang) if w in METHOD_NAMES else w for w in report.methods]
    show_table(
        pd.DataFrame(
            {
                text("abtest.column.what", lang): names,
                text("abtest.column.method", lang): list(report.methods.values()),
            }
        ),
        caption=text("abtest.caption.methods", lang),
    )
    rules = [text(key, lang) for key in DECISION_RULES]
    finding(
        "<b>{title}</b><br>" + "<br>".join(f"{{rule{n}}}" for n in range(len(rules))),
        title=text("abtest.rules.title", lang),
        **{f"rule{n}": rule for n, rule in enumerate(rules)},
    )


PLANNING_COLUMNS = {
    "baseline": ("abtest.column.baseline", "{:.2%}"),
    "mde_relative": ("abtest.column.mde_relative", "{:.0%}"),
    "control_share": ("abtest.column.control_share", "{:.0%}"),
    "power": ("abtest.column.power", "{:.0%}"),
    "control_units": ("abtest.column.control_units", "{:,}"),
    "treatment_units": ("abtest.column.treatment_units", "{:,}"),
    "total_units": ("abtest.column.total_units", "{:,}"),
}
"""The planning table: each field of a planned test → its header key and format."""


def show_planning(report: AbTestReport) -> None:
    """Planning mode: units needed for the planned tests."""
    if not report.planning:
        return
    lang = report.lang
    frame = pd.DataFrame(
        {
            text(key, lang): [spec.format(getattr(test, name)) for test in report.planning]
            for name, (key, spec) in PLANNING_COLUMNS.items()
        }
    )
    show_table(frame, caption=text("abtest.caption.planning", lang))


TABLE_ROWS = 50
NAMES_SHOWN = 10


def _some(names: Iterable[str], lang: str) -> str:
    """Up to ten names, then how many more."""
    names = list(names)
    shown = name_list(names[:NAMES_SHOWN], lang)
    if len(names) <= NAMES_SHOWN:
        return shown
    return text("abtest.names_more", lang, names=shown, more=f"{len(names) - NAMES_SHOWN:,}")


def anchor(experiment_id: str) -> str:
    """The HTML id of an experiment's section (links from the monthly summary point here)."""
    return "experiment-" + "".join(c if c.isalnum() else "-" for c in experiment_id)
