"""Assemble the A/B report: query the engine once, analyse, summarise, name every method."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import pandas as pd

from analysis.abtest import analysis, power, queries
from analysis.abtest.metrics import METRICS, custom_metrics
from analysis.abtest.portfolio import Portfolio, summarise_portfolio
from analysis.abtest.results import ExperimentResult, PlannedUnits
from analysis.abtest.wording import name_list, worded
from analysis.errors import ParamsError
from analysis.i18n import text
from analysis.params import AbTestParams, PlannedTest, month_bounds
from analysis.warehouse import Warehouse

CONVENTIONS = {
    "proportions": "abtest.methods.proportions",
    "means": "abtest.methods.means",
    "ratios": "abtest.methods.ratios",
    "relative lift CI": "abtest.methods.relative_lift_ci",
    "Bayesian": "abtest.methods.bayesian",
    "sample-ratio mismatch": "abtest.methods.srm",
}
"""The conventions every run uses: the entry of `methods` → its catalogue key."""


@dataclass(frozen=True)
class AbTestReport:
    """Results of the A/B report, as published to `<name>.json` (read back with
    `reporting.record.read_results`)."""

    RECORD_VERSION: ClassVar[int] = 1
    headline: str
    period: str
    lang: str
    methods: dict[str, str]
    experiments: list[ExperimentResult]
    portfolio: Portfolio | None
    planning: list[PlannedUnits] = field(default_factory=list)


def run(warehouse: Warehouse, params: AbTestParams) -> tuple[AbTestReport, pd.DataFrame]:
    """Analyse every experiment in the params; returns the report and the daily statistics."""
    first, last = month_bounds(params.period)
    ids = [spec.id for spec in params.experiments] if params.experiments else None
    arms = queries.arms(warehouse, ids)
    has_units = warehouse.has_table("experiment_units")
    unit_stats = (
        queries.unit_statistics(
            warehouse, first, last, ids, list(custom_metrics(params.metrics).values())
        )
        if has_units
        else pd.DataFrame(columns=queries.ARM_KEY)
    )
    daily = (
        queries.daily_statistics(warehouse, first, last, ids)
        if has_units
        else pd.DataFrame(columns=[*queries.ARM_KEY, "day"])
    )
    if has_units and (params.outlier_top_units or params.winsorize_quantile):
        unit_stats = with_top_units(unit_stats, warehouse, first, last, ids, params)
    arms = _in_period(arms, unit_stats, warehouse, params, ids) if has_units else arms
    merged = analysis.merge_arm_statistics(arms, unit_stats)
    results = [
        worded(result, params)
        for result in analysis.analyse_experiments(
            merged, params, queries.declared_winners(warehouse, ids)
        )
    ]
    many = len(results) > params.portfolio_examples
    report = AbTestReport(
        headline=headline_sentence(results, params.lang),
        period=params.period,
        lang=params.lang,
        methods=methods(params, cuped_used=any(m.cuped for r in results for m in r.metrics)),
        experiments=results,
        portfolio=summarise_portfolio(
            results,
            params.alpha,
            srm_alpha=params.srm_alpha,
            weeks=queries.test_weeks(warehouse, ids),
            known_issue=params.srm_known_issue,
        )
        if many or len(results) > 3
        else None,
        planning=[planned(test, params) for test in params.planning],
    )
    return report, daily


def with_top_units(
    unit_stats: pd.DataFrame,
    warehouse: Warehouse,
    first,
    last,
    ids: list[str] | None,
    params: AbTestParams,
) -> pd.DataFrame:
    """The arm statistics with the sums of each arm's largest units for every mean metric
    the experiments use (their influence is reported), and winsorized sums when asked."""
    used = {
        name
        for spec in params.experiments or []
        for name in (spec.primary_metric, *spec.secondary_metrics, *spec.guardrail_metrics)
    }
    known = METRICS | custom_metrics(params.metrics)
    for name in sorted(used):
        if known[name].kind != "mean":
            continue
        if params.outlier_top_units:
            top = queries.top_unit_sums(
                warehouse, first, last, ids, known[name], params.outlier_top_units
            )
            unit_stats = unit_stats.merge(top, on=queries.ARM_KEY, how="left")
        if params.winsorize_quantile:
            capped = queries.winsorized_sums(
                warehouse, first, last, ids, known[name], params.winsorize_quantile
            )
            unit_stats = unit_stats.merge(capped, on=queries.ARM_KEY, how="left")
    return unit_stats


def _in_period(
    arms: pd.DataFrame,
    unit_stats: pd.DataFrame,
    warehouse: Warehouse,
    params: AbTestParams,
    ids: list[str] | None,
) -> pd.DataFrame:
    """Arms of experiments exposed in the period (unit-level ones with no exposure dropped)."""
    stale = queries.unit_level_experiments(warehouse, ids) - set(unit_stats["experiment_id"])
    if ids and stale & set(ids):
        raise ParamsError(
            f"experiments {sorted(stale & set(ids))} have no exposures in {params.period}; "
            "set the period to the month they ran, or leave them out of `experiments`"
        )
    return arms[~arms["experiment_id"].isin(stale)]


def methods(params: AbTestParams, *, cuped_used: bool = False) -> dict[str, str]:
    """Every method and convention the report used, in words of `params.lang`; the entries'
    names stay English codes (the report shows them through `abtest.methods.what.*`).
    CUPED is claimed only when some metric was adjusted (a covariate existed)."""
    lang = params.lang
    correction = {
        "holm": text("abtest.correction.holm", lang),
        "bh": text("abtest.correction.bh", lang),
        "bonferroni": text("abtest.correction.bonferroni", lang),
        "none": text("abtest.correction.none", lang),
    }[params.correction]
    chosen = {
        "proportions": "abtest.methods.proportions_pooled"
        if params.proportion_test == "pooled"
        else CONVENTIONS["proportions"],
        "relative lift CI": "abtest.methods.relative_lift_ci_absolute"
        if params.relative_ci == "absolute_over_control"
        else CONVENTIONS["relative lift CI"],
    }
    return {what: text(chosen.get(what, key), lang) for what, key in CONVENTIONS.items()} | {
        "multiple arms": text("abtest.methods.multiple_arms", lang, correction=correction),
        "prior": text(
            "abtest.methods.prior", lang, a=f"{params.prior.a:g}", b=f"{params.prior.b:g}"
        ),
        "alpha": text(
            "abtest.methods.alpha",
            lang,
            alpha=f"{params.alpha:g}",
            srm_alpha=f"{params.srm_alpha:g}",
            srm_warn_alpha=f"{params.srm_warn_alpha:g}",
        ),
        "CUPED": text(
            "abtest.methods.off"
            if not params.cuped
            else "abtest.methods.cuped_on"
            if cuped_used
            else "abtest.methods.cuped_unused",
            lang,
        ),
        "sequential": text(
            "abtest.methods.sequential_on"
            if params.sequential
            else "abtest.methods.sequential_off",
            lang,
        ),
    }


def planned(test: PlannedTest, params: AbTestParams) -> PlannedUnits:
    """Planning mode: units per arm to detect the test's relative MDE on its baseline."""
    control, treatment = power.required_units(
        baseline=test.baseline,
        mde_abs=test.baseline * test.mde_relative,
        alpha=params.alpha,
        power=test.power,
        control_share=test.control_share,
    )
    return PlannedUnits(
        **test.model_dump(),
        control_units=control,
        treatment_units=treatment,
        total_units=control + treatment,
    )


def headline_sentence(results: list[ExperimentResult], lang: str) -> str:
    """One sentence a manager reads, in `lang`: the verdicts, invalid tests first."""
    if not results:
        return text("abtest.headline.none", lang)
    if len(results) > 5:
        counts = pd.Series([r.decision for r in results]).value_counts()
        parts = name_list(
            (
                text("abtest.headline.count", lang, n=f"{n:,}", verdict=verdict_word(code, lang))
                for code, n in counts.items()
            ),
            lang,
        )
        return text("abtest.headline.many", lang, tests=f"{len(results):,}", parts=parts)
    ordered = sorted(results, key=lambda r: r.decision != "invalid")
    return " ".join(
        text("abtest.headline.item", lang, experiment=r.experiment_id, decision=r.decision_text)
        for r in ordered
    )


VERDICTS = ("ship", "keep_control", "inconclusive", "invalid", "blocked")
"""The verdict codes (`decision` in the results JSON); each has `abtest.verdict.<code>`."""


def verdict_word(code: str, lang: str) -> str:
    """The verdict code as a reader's word ("keep control", "保留对照组"); unknown codes as is."""
    return text(f"abtest.verdict.{code}", lang) if code in VERDICTS else code
