"""Assemble the A/B report: query the engine once, analyse, summarise, name every method."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from analysis.abtest import analysis, power, queries
from analysis.abtest.portfolio import Portfolio, summarise_portfolio
from analysis.abtest.results import ExperimentResult
from analysis.errors import ParamsError
from analysis.params import AbTestParams, month_bounds
from analysis.warehouse import Warehouse

CONVENTIONS = {
    "proportions": "unpooled Wald z-test with the matching unpooled Wald CI (not pooled z)",
    "means": "Welch t-test with Welch–Satterthwaite degrees of freedom",
    "ratios": "delta method for the ratio of two per-unit means",
    "relative lift CI": "delta method on the log of the ratio of the arms' values, exponentiated "
    "(as tea-tasting; GrowthBook's symmetric delta and absolute-CI-over-control differ)",
    "Bayesian": "Beta-Binomial posteriors per arm, P(treatment > control) and expected loss by "
    "deterministic numerical integration; normal approximation for means",
    "sample-ratio mismatch": "Pearson chi-square of units against planned shares",
}


@dataclass(frozen=True)
class AbTestReport:
    """Results of the A/B report, as published to `<name>.json`."""

    headline: str
    period: str
    methods: dict[str, str]
    experiments: list[ExperimentResult]
    portfolio: Portfolio | None
    planning: list[dict] = field(default_factory=list)


def run(warehouse: Warehouse, params: AbTestParams) -> tuple[AbTestReport, pd.DataFrame]:
    """Analyse every experiment in the params; returns the report and the daily statistics."""
    first, last = month_bounds(params.period)
    ids = [spec.id for spec in params.experiments] if params.experiments else None
    arms = queries.arms(warehouse, ids)
    has_units = warehouse.has_table("experiment_units")
    unit_stats = (
        queries.unit_statistics(warehouse, first, last, ids)
        if has_units
        else pd.DataFrame(columns=queries.ARM_KEY)
    )
    daily = (
        queries.daily_statistics(warehouse, first, last, ids)
        if has_units
        else pd.DataFrame(columns=[*queries.ARM_KEY, "day"])
    )
    arms = _in_period(arms, unit_stats, warehouse, params, ids) if has_units else arms
    merged = analysis.merge_arm_statistics(arms, unit_stats)
    results = analysis.analyse_experiments(merged, params, queries.declared_winners(warehouse, ids))
    many = len(results) > params.portfolio_examples
    report = AbTestReport(
        headline=headline_sentence(results),
        period=params.period,
        methods=methods(params),
        experiments=results,
        portfolio=summarise_portfolio(results, params.alpha) if many or len(results) > 3 else None,
        planning=[planned(test, params) for test in params.planning],
    )
    return report, daily


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


def methods(params: AbTestParams) -> dict[str, str]:
    """Every method and convention the report used, in words."""
    correction = {
        "holm": "Holm (family-wise error)",
        "bh": "Benjamini–Hochberg (false discovery rate)",
        "none": "none",
    }[params.correction]
    return CONVENTIONS | {
        "multiple arms": f"each arm against control; {correction} across arms of an experiment",
        "prior": f"Beta({params.prior.a:g}, {params.prior.b:g}) on each arm's rate",
        "alpha": f"{params.alpha:g} two-sided; SRM flagged below p = {params.srm_alpha:g}",
        "CUPED": "on revenue per unit with pre_revenue (missing counted as 0), Deng et al. 2013"
        if params.cuped
        else "off",
        "sequential": "always-valid confidence sequences (Waudby-Smith et al. 2023)"
        if params.sequential
        else "off (fixed-horizon intervals: read them once, at the end)",
    }


def planned(test, params: AbTestParams) -> dict:
    """Planning mode: units per arm to detect the test's relative MDE on its baseline."""
    control, treatment = power.required_units(
        baseline=test.baseline,
        mde_abs=test.baseline * test.mde_relative,
        alpha=params.alpha,
        power=test.power,
        control_share=test.control_share,
    )
    return test.model_dump() | {
        "control_units": control,
        "treatment_units": treatment,
        "total_units": control + treatment,
    }


def headline_sentence(results: list[ExperimentResult]) -> str:
    """One sentence a manager reads: the verdicts, invalid tests first."""
    if not results:
        return "No experiment had exposures in this period."
    if len(results) > 5:
        counts = pd.Series([r.decision for r in results]).value_counts()
        parts = ", ".join(f"{n:,} {code.replace('_', ' ')}" for code, n in counts.items())
        return f"{len(results):,} tests analysed: {parts}."
    ordered = sorted(results, key=lambda r: r.decision != "invalid")
    return " ".join(f"{r.experiment_id}: {r.decision_text}" for r in ordered)
