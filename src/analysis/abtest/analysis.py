"""Analyse experiments: from arm statistics to a verdict per experiment.

This module only wires the pure statistics (frequentist, cuped, bayesian, multiplicity,
srm, power, sequential) to the arm statistics the engine returned.
"""

from __future__ import annotations

import math

import pandas as pd

from analysis.abtest import bayesian, cuped, frequentist, multiplicity, power, sequential, srm
from analysis.abtest.decisions import decide
from analysis.abtest.metrics import (
    METRICS,
    Metric,
    arm_stats,
    check_available,
    compare,
    covariate_stats,
    custom_metrics,
)
from analysis.abtest.queries import ARM_KEY
from analysis.abtest.results import (
    ArmResult,
    ControlRule,
    Cuped,
    CupedArm,
    ExperimentResult,
    MetricResult,
    Power,
    TopUnitInfluence,
    Winsorized,
    WinsorizedArm,
    WithoutTopUnits,
)
from analysis.abtest.sufficient import MeanStats, ProportionStats
from analysis.errors import DataContractError, InputError, ParamsError
from analysis.params import AbTestParams, ExperimentSpec

Arms = dict[str, dict]
"""One experiment's arms: variant → its row of merged statistics (as a plain dict)."""


def merge_arm_statistics(arms: pd.DataFrame, unit_stats: pd.DataFrame) -> pd.DataFrame:
    """One row per arm: unit-level sufficient statistics where they exist, else the platform's
    aggregate units and clicks (`unit_level` says which)."""
    platform = arms.rename(columns={"units": "platform_units", "clicks": "platform_clicks"})
    unit_stats = unit_stats.reindex(
        columns=list(dict.fromkeys([*ARM_KEY, "units", "clicks", *unit_stats.columns]))
    )
    merged = platform.merge(unit_stats, on=ARM_KEY, how="left")
    has_units = merged.groupby("experiment_id")["units"].transform(lambda s: s.notna().any())
    merged["unit_level"] = has_units.astype(bool)
    merged["units"] = merged["units"].where(merged["unit_level"], merged["platform_units"])
    merged["clicks"] = merged["clicks"].where(merged["unit_level"], merged["platform_clicks"])
    return merged


def default_specs(merged: pd.DataFrame) -> list[ExperimentSpec]:
    """Every experiment found, judged on CTR (the one metric platform aggregates also give)."""
    return [ExperimentSpec(id=e) for e in merged["experiment_id"].drop_duplicates()]


def analyse_experiments(
    merged: pd.DataFrame, params: AbTestParams, declared: dict[str, str] | None = None
) -> list[ExperimentResult]:
    """A verdict for each experiment in the params (or each one found)."""
    specs = params.experiments or default_specs(merged)
    found = set(merged["experiment_id"])
    missing = [s.id for s in specs if s.id not in found]
    if missing:
        raise ParamsError(
            f"experiments {missing} have no arms in experiment_arms; "
            f"experiments found: {', '.join(sorted(found)) or 'none'}"
        )
    by_experiment: dict[str, Arms] = {}
    for row in merged.to_dict("records"):
        by_experiment.setdefault(row["experiment_id"], {})[row["variant"]] = row
    return [
        analyse_experiment(by_experiment[spec.id], spec, params, (declared or {}).get(spec.id))
        for spec in specs
    ]


def analyse_experiment(
    arms: Arms, spec: ExperimentSpec, params: AbTestParams, declared: str | None = None
) -> ExperimentResult:
    """SRM, every metric against control, power, and the verdict for one experiment, as codes
    and numbers (`abtest.wording.worded` adds the sentences)."""
    _check_arms(arms, spec.id)
    control, rule = choose_control(arms, spec)
    unit_level = bool(next(iter(arms.values()))["unit_level"])
    known = METRICS | custom_metrics(params.metrics)
    primary = check_available(spec.primary_metric, spec.id, unit_level, known)
    srm_p = (
        srm.srm_p_value(
            [int(a["units"]) for a in arms.values()], [a["planned_share"] for a in arms.values()]
        )
        if params.check_srm
        else None
    )
    primary_result = compare_metric(arms, control, primary, "primary", params)
    others = [
        compare_metric(
            arms, control, check_available(name, spec.id, unit_level, known), role, params
        )
        for role, names in (
            ("secondary", spec.secondary_metrics),
            ("guardrail", spec.guardrail_metrics),
        )
        for name in names
    ]
    treatments = [a for a in primary_result.arms if a.variant != control]
    study_power = power_of(arms, control, primary, params)
    decision = decide(
        treatments=treatments,
        srm_p_value=srm_p,
        srm_alpha=params.srm_alpha,
        alpha=params.alpha,
        mde_relative=params.mde_relative,
        harmed_guardrails=_harmed(others, params.alpha),
        days_needed=study_power.days_needed,
        sequential=params.sequential,
        exposure_dates=bool(study_power.units_per_day),
        srm_warn_alpha=params.srm_warn_alpha,
    )
    return ExperimentResult(
        experiment_id=spec.id,
        metric=primary.name,
        method=primary_result.method,
        control=control,
        control_reason="",
        srm_p_value=srm_p,
        srm_invalid=srm_p is not None and srm_p < params.srm_alpha,
        decision=decision.code,
        decision_text="",
        winner=decision.winner,
        days_needed=study_power.days_needed if decision.code == "inconclusive" else None,
        arms=primary_result.arms,
        metrics=[primary_result, *others],
        power=study_power,
        replace=[a.variant for a in primary_result.arms if a.replace],
        declared_winner=declared,
        srm_tier=srm.srm_tier(srm_p, warn_alpha=params.srm_warn_alpha, alpha=params.srm_alpha),
        caveats=list(decision.caveats),
        control_rule=rule,
        verdict=decision,
    )


def choose_control(arms: Arms, spec: ExperimentSpec) -> tuple[str, ControlRule]:
    """The control arm and the rule that chose it: named, flagged or most_units."""
    variants = list(arms)
    if spec.control is not None:
        if spec.control not in variants:
            raise ParamsError(
                f"experiment {spec.id}: control {spec.control!r} is not an arm; "
                f"arms: {', '.join(variants)}"
            )
        return spec.control, "named"
    flagged = [v for v, row in arms.items() if _flag(row["is_control"])]
    if len(flagged) == 1:
        return flagged[0], "flagged"
    if len(flagged) > 1:
        raise DataContractError(
            f"experiment {spec.id}: arms {flagged} are all marked is_control; mark one, or "
            "name the control under experiments[].control"
        )
    most = max(arms, key=lambda v: arms[v]["units"])  # max keeps the first of equals
    return str(most), "most_units"


def _flag(value: object) -> bool:
    """True for a set is_control flag; missing (None, NaN, pd.NA) is False."""
    return False if pd.isna(value) else bool(value)


def compare_metric(
    rows: Arms, control: str, metric: Metric, role: str, params: AbTestParams
) -> MetricResult:
    """Each treatment against control on one metric, with multiplicity, Bayes and CUPED."""
    base = arm_stats(rows[control], metric)
    treatments = [v for v in rows if v != control]
    comparisons: dict[str, frequentist.Comparison] = {}
    not_estimable: dict[str, str] = {}
    for variant in treatments:
        try:
            comparisons[variant] = compare(
                metric,
                base,
                arm_stats(rows[variant], metric),
                alpha=params.alpha,
                pooled=params.proportion_test == "pooled",
                relative_ci=params.relative_ci,
            )
        except InputError as exc:  # e.g. revenue per click with no clicks, a 1-unit arm
            not_estimable[variant] = str(exc)
    adjusted = dict(
        zip(
            comparisons,
            multiplicity.adjust_p_values(
                [c.p_value for c in comparisons.values()], method=params.correction
            ),
            strict=True,
        )
    )
    # always-valid intervals share alpha across the arms (Bonferroni), as adjusted p-values do
    sequential_alpha = params.alpha / max(len(comparisons), 1)
    if params.correction == "none":
        sequential_alpha = params.alpha
    arms = [_arm_result(rows[control], base, metric, params)]
    for variant in treatments:
        stats = arm_stats(rows[variant], metric)
        comparison = comparisons.get(variant)
        arms.append(
            _arm_result(
                rows[variant],
                stats,
                metric,
                params,
                comparison,
                adjusted.get(variant),
                _bayes(metric, base, stats, comparison, params) if comparison else None,
                pair_units=base.units + stats.units,
                sequential_alpha=sequential_alpha,
                note=not_estimable.get(variant),
            )
        )
    cuped_summary = _cuped(rows, control, metric, params)
    return MetricResult(
        metric.name,
        role,
        "",  # worded with the report's other sentences
        arms,
        cuped_summary,
        metric.kind,
        metric.label,
        metric.unit,
        top_unit_influence(rows, control, metric, comparisons, params),
    )


def top_unit_influence(
    rows: Arms, control: str, metric: Metric, comparisons: dict, params: AbTestParams
) -> TopUnitInfluence | None:
    """For a mean metric: the Welch comparison again without each arm's largest units, and
    the share of the metric's total those units hold; with `winsorize_quantile`, also the
    comparison with values capped at that quantile (None when nothing was measured)."""
    alpha = params.alpha
    names = [f"{metric.name}__top_{key}" for key in ("units", "sum", "squares")]
    if metric.kind != "mean":
        return None
    winsorized = _winsorized(rows, control, metric, comparisons, params)
    if not all(n in rows[control] for n in names):
        return TopUnitInfluence(0, None, [], winsorized)

    def without(variant: str) -> MeanStats:
        full = arm_stats(rows[variant], metric)
        assert isinstance(full, MeanStats)  # a mean metric: checked above
        units, total, squares = (float(rows[variant].get(n) or 0) for n in names)
        return MeanStats(int(full.units - units), full.total - total, full.sum_squares - squares)

    top = {v: float(rows[v].get(names[1]) or 0) for v in rows}
    totals = {v: s.total for v in rows if isinstance(s := arm_stats(rows[v], metric), MeanStats)}
    arms = []
    for variant in comparisons:
        try:
            again = frequentist.compare_means(without(control), without(variant), alpha=alpha)
        except InputError:
            continue
        arms.append(WithoutTopUnits(variant, again.p_value, again.lift_rel))
    return TopUnitInfluence(
        top_units=int(float(rows[control].get(names[0]) or 0)),
        top_share=sum(top.values()) / sum(totals.values()) if sum(totals.values()) else None,
        arms=arms,
        winsorized=winsorized,
    )


def _winsorized(
    rows: Arms, control: str, metric: Metric, comparisons: dict, params: AbTestParams
) -> Winsorized | None:
    """Welch comparisons of the metric capped at the experiment's winsorize_quantile."""
    names = [f"{metric.name}__w_{key}" for key in ("cap", "sum", "squares")]
    if not params.winsorize_quantile or not all(n in rows[control] for n in names):
        return None

    def capped(variant: str) -> MeanStats:
        return MeanStats(
            int(rows[variant]["units"]),
            float(rows[variant][names[1]]),
            float(rows[variant][names[2]]),
        )

    arms = []
    for variant in comparisons:
        again = frequentist.compare_means(capped(control), capped(variant), alpha=params.alpha)
        arms.append(WinsorizedArm(variant, again.lift_rel, again.lift_rel_ci, again.p_value))
    return Winsorized(
        quantile=params.winsorize_quantile,
        cap=float(rows[control][names[0]]),
        arms=arms,
    )


def _bayes(metric, control, treatment, comparison, params: AbTestParams):
    if metric.kind == "proportion":
        return bayesian.beta_chance_to_beat(
            control, treatment, prior_a=params.prior.a, prior_b=params.prior.b
        )
    return bayesian.normal_chance_to_beat(comparison)


def _arm_result(  # noqa: PLR0913  # private: one arm's numbers gathered in one place
    row,
    stats,
    metric: Metric,
    params: AbTestParams,
    comparison=None,
    adjusted: float | None = None,
    bayes=None,
    pair_units: int = 0,
    sequential_alpha: float = 0.05,
    note: str | None = None,
) -> ArmResult:
    is_proportion = isinstance(stats, ProportionStats)
    value = _value(stats)
    sequential_ci = None
    if comparison is not None and params.sequential:
        sequential_ci = sequential.confidence_sequence(
            comparison.std_error, comparison.lift_abs, units=pair_units, alpha=sequential_alpha
        )
    return ArmResult(
        variant=str(row["variant"]),
        label=str(row["label"]),
        units=int(row["units"]),
        successes=stats.successes if is_proportion else None,
        mean=None if is_proportion else value,
        rate_or_mean=value,
        lift_abs=comparison.lift_abs if comparison else None,
        lift_abs_ci=comparison.lift_abs_ci if comparison else None,
        lift_rel=comparison.lift_rel if comparison else None,
        lift_rel_ci=comparison.lift_rel_ci if comparison else None,
        p_value=comparison.p_value if comparison else None,
        p_value_adjusted=adjusted,
        chance_to_beat_control=bayes.chance_to_beat_control if bayes else None,
        expected_loss=bayes.expected_loss if bayes else None,
        sequential_ci=sequential_ci,
        replace=_under_industry(metric, value, params),
        note=note,
    )


def _value(stats) -> float:
    if isinstance(stats, ProportionStats):
        return stats.rate if stats.units else math.nan
    if isinstance(stats, MeanStats):
        return stats.mean if stats.units else math.nan
    return stats.ratio if stats.denominator else math.nan


def _under_industry(metric: Metric, value: float, params: AbTestParams) -> bool:
    if metric.name != "ctr" or params.industry_ctr is None:
        return False
    return value < params.industry_ctr * params.industry_ctr_share


def _cuped(rows, control: str, metric: Metric, params: AbTestParams) -> Cuped | None:
    has_pre = all(float(row.get("pre_units", 0) or 0) > 0 for row in rows.values())
    if not (params.cuped and metric.name == "revenue_per_unit" and has_pre):
        return None
    base = covariate_stats(rows[control])
    arms = []
    for variant, row in rows.items():
        if variant == control:
            continue
        adjusted = cuped.compare_means_cuped(base, covariate_stats(row), alpha=params.alpha)
        arms.append(
            CupedArm(
                variant=variant,
                lift_abs=adjusted.comparison.lift_abs,
                lift_abs_ci=adjusted.comparison.lift_abs_ci,
                p_value=adjusted.comparison.p_value,
                theta=adjusted.theta,
                variance_reduction=adjusted.variance_reduction,
            )
        )
    return Cuped(method="", arms=arms)  # worded with the report's other sentences


def _harmed(others: list[MetricResult], alpha: float) -> dict[str, list[str]]:
    harmed: dict[str, list[str]] = {}
    for result in others:
        if result.role != "guardrail":
            continue
        for arm in result.arms:
            if arm.p_value is not None and arm.p_value < alpha and (arm.lift_abs or 0.0) < 0:
                harmed.setdefault(arm.variant, []).append(result.metric)
    return harmed


def power_of(arms: Arms, control: str, metric: Metric, params: AbTestParams) -> Power:
    """The relative MDE the current sample can detect and the days to reach the planned MDE."""
    if metric.kind != "proportion":
        return Power(None, None, None, None)
    base = arm_stats(arms[control], metric)
    if not isinstance(base, ProportionStats):  # a proportion metric: checked above
        return Power(None, None, None, None)
    rate = base.rate
    if not 0 < rate < 1:
        return Power(None, None, None, None)
    smallest = int(min(a["units"] for a in arms.values()))
    achievable = (
        power.minimum_detectable_effect(
            control=base.units,
            treatment=smallest,
            baseline_sd=math.sqrt(rate * (1 - rate)),
            alpha=params.alpha,
            power=params.power,
        )
        / rate
    )
    # each comparison is control vs one treatment: the pair's split of their joint traffic
    control_share = float(arms[control]["planned_share"])
    treatment_share = min(float(a["planned_share"]) for v, a in arms.items() if v != control)
    needed_control, needed_treatment = power.required_units(
        baseline=rate,
        mde_abs=rate * params.mde_relative,
        alpha=params.alpha,
        power=params.power,
        control_share=control_share / (control_share + treatment_share),
    )
    # traffic of the control and its smallest-share treatment: the pair the MDE is about
    all_shares = sum(float(a["planned_share"]) for a in arms.values())
    per_day = _units_per_day(arms)
    if per_day:
        per_day *= (control_share + treatment_share) / all_shares
    days = None
    if per_day:
        days = power.days_still_needed(
            current_control=base.units,
            current_treatment=smallest,
            required_control=needed_control,
            required_treatment=needed_treatment,
            units_per_day=per_day,
        )
    return Power(achievable, max(needed_control, needed_treatment), per_day, days)


def _units_per_day(arms: Arms) -> float | None:
    firsts = [a.get("first_exposure") for a in arms.values()]
    lasts = [a.get("last_exposure") for a in arms.values()]
    if any(t is None or pd.isna(t) for t in firsts + lasts):
        return None
    elapsed = max(t for t in lasts if t is not None) - min(t for t in firsts if t is not None)
    span = elapsed.total_seconds()
    return sum(float(a["units"]) for a in arms.values()) / max(span / 86_400, 1.0)


def _check_arms(arms: Arms, experiment_id: str) -> None:
    if len(arms) < 2:
        raise DataContractError(
            f"experiment {experiment_id} has {len(arms)} arm(s); a test needs at least two"
        )
    for variant, row in arms.items():
        where = f"experiment {experiment_id}, arm {variant}"
        units, clicks = row["units"], row["clicks"]
        if pd.isna(units) or units <= 0:
            raise DataContractError(f"{where}: no units; every arm needs units to be compared")
        if pd.isna(clicks) or clicks < 0:
            raise DataContractError(f"{where}: clicks {clicks} must be 0 or more")
        if clicks > units:
            raise DataContractError(
                f"{where}: {int(clicks)} clicks > {int(units)} units; clicks count units "
                "that clicked, so they cannot exceed units"
            )


__all__ = ["analyse_experiment", "analyse_experiments", "merge_arm_statistics"]
