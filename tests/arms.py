"""A/B arm results for decision and wording tests: a 5% control rate, lifts relative to it."""

from __future__ import annotations

from analysis.abtest.results import ArmResult


def arm_result(
    variant: str, lift: float | None, ci: tuple[float, float] | None, p: float | None
) -> ArmResult:
    """An arm of 1,000 units at 5%, with relative `lift` and its interval `ci` (absolute
    values scaled by the 5% base; None: no interval) and its p-value, adjusted or not."""
    return ArmResult(
        variant=variant,
        label=variant,
        units=1000,
        successes=50,
        mean=None,
        rate_or_mean=0.05,
        lift_abs=None if lift is None else lift * 0.05,
        lift_abs_ci=None if ci is None else (ci[0] * 0.05, ci[1] * 0.05),
        lift_rel=lift,
        lift_rel_ci=ci,
        p_value=p,
        p_value_adjusted=p,
    )
