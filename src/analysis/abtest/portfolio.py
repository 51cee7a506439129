"""The portfolio view when many tests are analysed at once (e.g. the Upworthy archive).

Where the arms carry the week each test ran, the sample-ratio check is also shown over
time: the share of tests failing it (p < srm_alpha) by week, and, when the platform
documented a period with assignment problems, the failing share inside and outside it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

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
    srm_alpha: float | None = None  # the SRM threshold failures are counted at
    srm_by_week: list[SrmWeek] = field(default_factory=list)
    srm_window: SrmWindow | None = None


@dataclass(frozen=True)
class SrmWeek:
    """Tests that started in one week, and how many failed the sample-ratio check."""

    week: date  # Monday the week starts
    tests: int
    failing: int
    share: float


@dataclass(frozen=True)
class SrmWindow:
    """Sample-ratio failures inside a documented period (weeks starting in it) and outside."""

    start: date
    end: date
    tests_inside: int
    failing_inside: int
    rate_inside: float | None
    tests_outside: int
    failing_outside: int
    rate_outside: float | None


def week_start(test_week: int) -> date:
    """The Monday of YYYYWW, weeks counted as strftime's %W (week 00: before the first Monday)."""
    return datetime.strptime(f"{int(test_week)}1", "%Y%W%w").date()


def srm_by_week(failed: dict[str, bool], weeks: dict[str, int]) -> list[SrmWeek]:
    """Per week (the test's first week): tests checked, tests failing, failing share."""
    counts: dict[date, list[int]] = {}
    for experiment, fail in failed.items():
        if experiment in weeks:
            tally = counts.setdefault(week_start(weeks[experiment]), [0, 0])
            tally[0] += 1
            tally[1] += int(fail)
    return [SrmWeek(w, n, k, k / n) for w, (n, k) in sorted(counts.items())]


def srm_window(by_week: list[SrmWeek], start: date, end: date) -> SrmWindow:
    """Failing share of tests whose week starts within [start, end] against all the others."""
    inside = [w for w in by_week if start <= w.week <= end]
    outside = [w for w in by_week if not start <= w.week <= end]
    n_in, k_in = sum(w.tests for w in inside), sum(w.failing for w in inside)
    n_out, k_out = sum(w.tests for w in outside), sum(w.failing for w in outside)
    return SrmWindow(
        start,
        end,
        n_in,
        k_in,
        k_in / n_in if n_in else None,
        n_out,
        k_out,
        k_out / n_out if n_out else None,
    )


def our_pick(result: ExperimentResult) -> str:
    """The arm we would run after the test: the winner if shipping, else the control."""
    return result.winner or result.control


def summarise_portfolio(
    results: list[ExperimentResult],
    alpha: float,
    *,
    srm_alpha: float | None = None,
    weeks: dict[str, int] | None = None,
    known_issue: tuple[date, date] | None = None,
) -> Portfolio:
    """Shares of significant comparisons (raw and adjusted), lift spread, decisions, agreement;
    with `weeks`, the sample-ratio failures by week (and inside `known_issue`)."""
    treated = [a for r in results for a in r.arms if a.p_value is not None]
    lifts = np.array([a.lift_rel for a in treated if a.lift_rel is not None], dtype=float)
    declared = [r for r in results if r.declared_winner is not None]
    agreeing = sum(our_pick(r) == r.declared_winner for r in declared)
    failed = {
        r.experiment_id: r.srm_tier == "invalid" for r in results if r.srm_p_value is not None
    }
    by_week = srm_by_week(failed, weeks or {})
    quantiles = (
        {f"p{q}": float(np.nanpercentile(lifts, q)) for q in (10, 25, 50, 75, 90)}
        if np.isfinite(lifts).any()
        else {}
    )
    return Portfolio(
        alpha=alpha,
        experiments=len(results),
        comparisons=len(treated),
        significant_raw_share=_share(_below(a.p_value, alpha) for a in treated),
        significant_adjusted_share=_share(_below(a.p_value_adjusted, alpha) for a in treated),
        decisions=dict(Counter(r.decision for r in results)),
        lift_rel_quantiles=quantiles,
        declared_winners=len(declared),
        agreement_share=agreeing / len(declared) if declared else None,
        srm_alpha=srm_alpha,
        srm_by_week=by_week,
        srm_window=srm_window(by_week, *known_issue) if known_issue and by_week else None,
    )


def _below(p_value: float | None, alpha: float) -> bool:
    """Significant at alpha; an arm without a p-value is not."""
    return p_value is not None and p_value < alpha


def _share(flags) -> float:
    values = list(flags)
    return sum(values) / len(values) if values else 0.0
