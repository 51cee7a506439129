"""Render the A/B report in a notebook: one call per section, every data value escaped."""

from __future__ import annotations

from html import escape

import pandas as pd

from analysis.abtest import plots
from analysis.abtest.cumulative import cumulative_lifts
from analysis.abtest.decisions import __doc__ as DECISION_RULES
from analysis.abtest.metrics import METRICS
from analysis.abtest.report import AbTestReport
from analysis.abtest.results import ArmResult, ExperimentResult, MetricResult
from analysis.params import AbTestParams
from analysis.reporting import finding, show_figure, show_table
from analysis.reporting.display import display_html, show_warning


def _pct(value: float | None, signed: bool = True) -> str:
    return "–" if value is None else (f"{value:+.2%}" if signed else f"{value:.2%}")


def _ci(ci: tuple[float, float] | None, as_percent: bool) -> str:
    if ci is None:
        return "–"
    return f"[{ci[0]:+.2%}, {ci[1]:+.2%}]" if as_percent else f"[{ci[0]:+.4g}, {ci[1]:+.4g}]"


def arms_frame(metric: MetricResult) -> pd.DataFrame:
    """The arms table: label, units, value, lifts with CIs, p, adjusted p, Bayes."""
    proportion = METRICS[metric.metric].kind == "proportion"

    def value(arm: ArmResult) -> str:
        return f"{arm.rate_or_mean:.2%}" if proportion else f"{arm.rate_or_mean:,.3f}"

    return pd.DataFrame(
        {
            "Arm": [a.variant for a in metric.arms],
            "Label": [a.label for a in metric.arms],
            "Units": [f"{a.units:,}" for a in metric.arms],
            METRICS[metric.metric].label: [value(a) for a in metric.arms],
            "Lift (abs) [95% CI]": [
                "control"
                if a.lift_abs is None
                else f"{a.lift_abs:+.4g} {_ci(a.lift_abs_ci, False)}"
                for a in metric.arms
            ],
            "Lift (rel) [95% CI]": [
                "control"
                if a.lift_rel is None
                else f"{_pct(a.lift_rel)} {_ci(a.lift_rel_ci, True)}"
                for a in metric.arms
            ],
            "p": ["–" if a.p_value is None else f"{a.p_value:.3g}" for a in metric.arms],
            "adjusted p": [
                "–" if a.p_value_adjusted is None else f"{a.p_value_adjusted:.3g}"
                for a in metric.arms
            ],
            "P(beat control)": [_pct(a.chance_to_beat_control, False) for a in metric.arms],
            "Expected loss": [
                "–" if a.expected_loss is None else f"{a.expected_loss:.3g}" for a in metric.arms
            ],
        }
    )


def decisions_frame(report: AbTestReport, limit: int | None = None) -> pd.DataFrame:
    """One row per experiment: verdict, primary metric, SRM p, days needed."""
    shown = report.experiments[:limit] if limit else report.experiments
    return pd.DataFrame(
        {
            "Experiment": [r.experiment_id for r in shown],
            "Verdict": [r.decision_text for r in shown],
            "Metric": [r.metric for r in shown],
            "SRM p": [
                "not checked" if r.srm_p_value is None else f"{r.srm_p_value:.3g}" for r in shown
            ],
            "Replace (under industry CTR rule)": [", ".join(r.replace) or "–" for r in shown],
        }
    )


def show_overview(report: AbTestReport) -> None:
    """The headline, SRM warnings first, and the verdict table."""
    invalid = [r for r in report.experiments if r.srm_invalid]
    if invalid:
        show_warning(
            "<b>Do not act on {count} experiment(s) with a sample-ratio mismatch:</b> {names}. "
            "The split of traffic differs from the plan, so no ship decision is given for them.",
            count=len(invalid),
            names=_some(r.experiment_id for r in invalid),
        )
    finding("<b>{headline}</b>", headline=report.headline)
    shown = min(len(report.experiments), TABLE_ROWS)
    caption = "Verdict per experiment" + (
        f" (the first {shown} of {len(report.experiments):,}; all are in the results JSON)"
        if shown < len(report.experiments)
        else ""
    )
    show_table(decisions_frame(report, TABLE_ROWS), caption=caption)


def show_experiments(report: AbTestReport, daily: pd.DataFrame, params: AbTestParams) -> None:
    """A section per experiment (up to `portfolio_examples`): verdict, arms, figures, power."""
    for result in report.experiments[: params.portfolio_examples]:
        show_experiment(result, daily[daily["experiment_id"] == result.experiment_id], params)


def show_experiment(result: ExperimentResult, daily: pd.DataFrame, params: AbTestParams) -> None:
    """One experiment's section."""
    display_html(
        f"<h3 id='{anchor(result.experiment_id)}'>Experiment {escape(result.experiment_id)}</h3>"
    )
    finding("<b>{text}</b>", text=result.decision_text)
    finding(
        "Control: {control} ({reason}). Method: {method}.",
        control=result.control,
        reason=result.control_reason,
        method=result.method,
    )
    for metric in result.metrics:
        show_table(
            arms_frame(metric),
            caption=f"{metric.role.title()} metric: {METRICS[metric.metric].label}",
        )
        if metric.cuped:
            show_table(pd.DataFrame(metric.cuped["arms"]), caption=metric.cuped["method"])
    show_figure(
        plots.forest_plot(result, params.mde_relative),
        alt=f"relative lifts of {result.experiment_id}",
    )
    if not daily.empty:
        lifts = cumulative_lifts(
            daily,
            result.control,
            METRICS[result.metric],
            alpha=params.alpha,
            sequential_bounds=params.sequential,
        )
        if not lifts.empty:
            show_figure(
                plots.cumulative_chart(lifts, result),
                alt=f"cumulative lift of {result.experiment_id}",
            )
    finding("{sentence}", sentence=srm_sentence(result, params))
    finding("{sentence}", sentence=power_sentence(result, params))
    if result.replace:
        finding(
            "Replace {arms}: CTR under {share} of the industry mean {ctr} (handbook rule).",
            arms=", ".join(result.replace),
            share=f"{params.industry_ctr_share:.0%}",
            ctr=f"{params.industry_ctr:.2%}",
        )


def srm_sentence(result: ExperimentResult, params: AbTestParams) -> str:
    """Whether the split of units matches the plan."""
    if result.srm_p_value is None:
        return "Sample-ratio check: not made (planned shares unknown; check_srm is false)."
    verdict = "differs from" if result.srm_invalid else "matches"
    return (
        f"Sample-ratio check: the split of units {verdict} the planned shares "
        f"(chi-square p = {result.srm_p_value:.3g}; threshold {params.srm_alpha:g})."
    )


def power_sentence(result: ExperimentResult, params: AbTestParams) -> str:
    """What this sample can detect and what the planned MDE would take."""
    power = result.power
    if power is None or power.mde_relative_achievable is None:
        return "Power: computed for proportion metrics only."
    text = (
        f"Power: with these units the test can detect a relative lift of "
        f"{power.mde_relative_achievable:.1%} ({params.power:.0%} power); detecting "
        f"{params.mde_relative:.0%} needs {power.units_needed_per_arm:,} units per arm"
    )
    if power.days_needed:
        text += f", about {power.days_needed} more day(s) at {power.units_per_day:,.0f} units/day"
    return text + "."


def show_portfolio(report: AbTestReport) -> None:
    """Many tests at once: the spread of lifts, significance before/after correction, agreement."""
    portfolio = report.portfolio
    if portfolio is None:
        return
    agreement = (
        ""
        if portfolio.agreement_share is None
        else f" Our pick (the winner we ship, else the baseline) matches the platform's declared "
        f"winner in {portfolio.agreement_share:.0%} of the {portfolio.declared_winners:,} tests "
        "that declared one."
    )
    finding(
        "{n} comparisons in {e} tests: {raw} significant before correction, {adj} after."
        "{agreement}",
        n=f"{portfolio.comparisons:,}",
        e=f"{portfolio.experiments:,}",
        raw=f"{portfolio.significant_raw_share:.1%}",
        adj=f"{portfolio.significant_adjusted_share:.1%}",
        agreement=agreement,
    )
    show_table(pd.DataFrame([portfolio.decisions]), caption="Verdicts")
    show_table(
        pd.DataFrame([{k: f"{v:+.1%}" for k, v in portfolio.lift_rel_quantiles.items()}]),
        caption="Relative lift against baseline, percentiles",
    )
    show_figure(
        plots.lift_histogram(report.experiments, portfolio.alpha),
        alt="distribution of relative lifts",
    )


def show_methods(report: AbTestReport) -> None:
    """Every method and convention, and the decision rules."""
    show_table(
        pd.DataFrame({"What": list(report.methods), "Method": list(report.methods.values())}),
        caption="Methods and conventions",
    )
    rules = DECISION_RULES.split("Rules, in order (printed in the report):")[1].strip()
    finding("<b>Decision rules</b><br>{rules}", rules=rules)


def show_planning(report: AbTestReport) -> None:
    """Planning mode: units needed for the planned tests."""
    if report.planning:
        show_table(pd.DataFrame(report.planning), caption="Planned tests: units needed")


TABLE_ROWS = 50
NAMES_SHOWN = 10


def _some(names) -> str:
    """Up to ten names, then how many more."""
    names = list(names)
    more = f" and {len(names) - NAMES_SHOWN:,} more" if len(names) > NAMES_SHOWN else ""
    return ", ".join(names[:NAMES_SHOWN]) + more


def anchor(experiment_id: str) -> str:
    """The HTML id of an experiment's section (links from the monthly summary point here)."""
    return "experiment-" + "".join(c if c.isalnum() else "-" for c in experiment_id)
