"""The verdict on an experiment in plain words, from its statistics.

Rules, in order (printed in the report):
1. invalid: the sample-ratio-mismatch p-value is below the SRM threshold (default 0.001);
   the split of traffic is not what was planned, so no comparison can be trusted.
2. ship <arm>: some treatment beats the control on the primary metric with an adjusted
   p-value below alpha (with sequential monitoring: an always-valid interval, at alpha
   split across the arms, that excludes zero); the largest lift is chosen, unless
3. blocked: that arm is significantly worse (raw p < alpha) on a guardrail metric.
4. keep control: no treatment is significantly better, and every treatment is either
   significantly worse or has a confidence interval of the relative lift lying below the
   smallest lift worth shipping (the MDE): the test rules out a worthwhile gain.
5. inconclusive: otherwise; the report says how many more days at the observed traffic
   would make the test able to detect the MDE.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from analysis.abtest.results import ArmResult


@dataclass(frozen=True)
class Decision:
    """The verdict: a code, the sentence management reads, and the arm to ship if any."""

    code: str
    text: str
    winner: str | None = None


def decide(
    *,
    control: ArmResult,
    treatments: list[ArmResult],
    srm_p_value: float | None,
    srm_alpha: float,
    alpha: float,
    mde_relative: float,
    harmed_guardrails: dict[str, list[str]],
    days_needed: int | None,
    sequential: bool = False,
    wait_reason: str = "",
) -> Decision:
    """Apply the rules above; `harmed_guardrails` maps a variant to its worse guardrails.

    Arms whose metric could not be estimated (no comparison) take no part. With
    `sequential`, significance is judged on the always-valid intervals, so a verdict reached
    while peeking daily keeps its error rate.
    """
    if srm_p_value is not None and srm_p_value < srm_alpha:
        return Decision(
            "invalid",
            f"Invalid: the traffic split differs from the plan (SRM p = {srm_p_value:.2g}); "
            "fix the assignment and rerun before deciding anything.",
        )
    compared = [a for a in treatments if a.lift_abs is not None]
    better = [a for a in compared if _significant(a, alpha, sequential) and a.lift_abs > 0]
    if better:
        best = max(better, key=lambda a: a.lift_abs)  # same control: same order as relative
        harmed = harmed_guardrails.get(best.variant, [])
        if harmed:
            return Decision(
                "blocked",
                f"Blocked: {best.variant} wins on the primary metric ({_lift(best)}) but "
                f"is significantly worse on guardrail {', '.join(harmed)}.",
            )
        evidence = (
            "always-valid interval" if sequential else f"adjusted p = {best.p_value_adjusted:.2g}"
        )
        return Decision(
            "ship",
            f"Ship {best.variant}: {_lift(best)} against {control.variant} ({evidence}).",
            winner=best.variant,
        )
    worse = [a for a in compared if _significant(a, alpha, sequential) and a.lift_abs < 0]
    ruled_out = [a for a in compared if a not in worse and _below_mde(a, mde_relative)]
    if compared and len(worse) + len(ruled_out) == len(treatments):
        parts = []
        if worse:
            parts.append(f"{', '.join(a.variant for a in worse)} did significantly worse")
        if ruled_out:
            parts.append(
                f"{', '.join(a.variant for a in ruled_out)} cannot reach a "
                f"{mde_relative:.0%} lift (no difference)"
            )
        return Decision("keep_control", f"Keep {control.variant}: {'; '.join(parts)}.")
    undecided = ", ".join(a.variant for a in treatments if a not in worse + ruled_out)
    wait = (
        f" about {days_needed} more day(s) at the current traffic"
        if days_needed
        else f" more data{wait_reason}"
    )
    return Decision(
        "inconclusive",
        f"Inconclusive for {undecided}: no significant difference yet; it would take{wait} "
        f"to detect a {mde_relative:.0%} lift.",
    )


def _lift(arm: ArmResult) -> str:
    """The lift as management reads it: relative with its CI, or absolute when undefined."""
    if arm.lift_rel is not None and math.isfinite(arm.lift_rel) and arm.lift_rel_ci is not None:
        low, high = arm.lift_rel_ci
        return f"{arm.lift_rel:+.1%} [{low:+.1%}, {high:+.1%}]"
    low, high = arm.lift_abs_ci
    return f"{arm.lift_abs:+.4g} [{low:+.4g}, {high:+.4g}] (absolute; control is zero)"


def _below_mde(arm: ArmResult, mde_relative: float) -> bool:
    ci = arm.lift_rel_ci
    return ci is not None and math.isfinite(ci[1]) and ci[1] < mde_relative


def _significant(arm: ArmResult, alpha: float, sequential: bool) -> bool:
    if sequential and arm.sequential_ci is not None:
        low, high = arm.sequential_ci
        return low > 0 or high < 0
    return arm.p_value_adjusted is not None and arm.p_value_adjusted < alpha
