"""The portfolio view when many tests are analysed at once (e.g. the Upworthy archive)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from analysis.abtest.results import ExperimentResult


@dataclass(frozen=True)
class Portfolio:
    """How a set of tests came out: lifts, significance before and after correction, agreement."""

    alpha: float
    experiments: int
    comparisons: int
    significant_raw_share: float
    significant_adjusted_share: float
    decisions: dict[str, int]
    lift_rel_quantiles: dict[str, float]
    declared_winners: int
    agreement_share: float | None  # our pick equals the platform's declared winner


def our_pick(result: ExperimentResult) -> str:
    """The arm we would run after the test: the winner if shipping, else the control."""
    return result.winner or result.control


def summarise_portfolio(results: list[ExperimentResult], alpha: float) -> Portfolio:
    """Shares of significant comparisons (raw and adjusted), lift spread, decisions, agreement."""
    treated = [a for r in results for a in r.arms if a.p_value is not None]
    lifts = np.array([a.lift_rel for a in treated if a.lift_rel is not None], dtype=float)
    declared = [r for r in results if r.declared_winner is not None]
    agreeing = sum(our_pick(r) == r.declared_winner for r in declared)
    quantiles = (
        {f"p{q}": float(np.nanpercentile(lifts, q)) for q in (10, 25, 50, 75, 90)}
        if np.isfinite(lifts).any()
        else {}
    )
    return Portfolio(
        alpha=alpha,
        experiments=len(results),
        comparisons=len(treated),
        significant_raw_share=_share(a.p_value < alpha for a in treated),
        significant_adjusted_share=_share(a.p_value_adjusted < alpha for a in treated),
        decisions=dict(Counter(r.decision for r in results)),
        lift_rel_quantiles=quantiles,
        declared_winners=len(declared),
        agreement_share=agreeing / len(declared) if declared else None,
    )


def _share(flags) -> float:
    values = list(flags)
    return sum(values) / len(values) if values else 0.0
