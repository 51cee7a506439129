"""The verdict on an experiment in plain words, from its statistics.

Rules, in order (printed in the report):
1. invalid: the sample-ratio-mismatch p-value is below the SRM threshold (default 0.001);
   the split of traffic is not what was planned, so no comparison can be trusted.
2. ship <arm>: some treatment beats the control on the primary metric with an adjusted
   p-value below alpha; the one with the largest lift is chosen, unless
3. blocked: that arm is significantly worse (raw p < alpha) on a guardrail metric.
4. keep control: no treatment is significantly better, and either one is significantly
   worse or every treatment's confidence interval of the relative lift lies below the
   smallest lift worth shipping (the MDE): the test rules out a worthwhile gain.
5. inconclusive: otherwise; the report says how many more days at the observed traffic
   would make the test able to detect the MDE.
"""

from __future__ import annotations

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
    srm_p_value: float,
    srm_alpha: float,
    alpha: float,
    mde_relative: float,
    harmed_guardrails: dict[str, list[str]],
    days_needed: int | None,
) -> Decision:
    """Apply the rules above; `harmed_guardrails` maps a variant to its worse guardrails."""
    if srm_p_value < srm_alpha:
        return Decision(
            "invalid",
            f"Invalid: the traffic split differs from the plan (SRM p = {srm_p_value:.2g}); "
            "fix the assignment and rerun before deciding anything.",
        )
    better = [a for a in treatments if _significant(a, alpha) and a.lift_abs > 0]
    if better:
        best = max(better, key=lambda a: a.lift_rel)
        harmed = harmed_guardrails.get(best.variant, [])
        if harmed:
            return Decision(
                "blocked",
                f"Blocked: {best.variant} wins on the primary metric ({best.lift_rel:+.1%}) but "
                f"is significantly worse on guardrail {', '.join(harmed)}.",
            )
        lo, hi = best.lift_rel_ci
        return Decision(
            "ship",
            f"Ship {best.variant}: {best.lift_rel:+.1%} [{lo:+.1%}, {hi:+.1%}] against "
            f"{control.variant} (adjusted p = {best.p_value_adjusted:.2g}).",
            winner=best.variant,
        )
    worse = [a for a in treatments if _significant(a, alpha) and a.lift_abs < 0]
    if worse:
        names = ", ".join(a.variant for a in worse)
        return Decision("keep_control", f"Keep {control.variant}: {names} did significantly worse.")
    if all(a.lift_rel_ci is not None and a.lift_rel_ci[1] < mde_relative for a in treatments):
        return Decision(
            "keep_control",
            f"Keep {control.variant}: no difference; the test rules out a lift of "
            f"{mde_relative:.0%} or more.",
        )
    wait = (
        f" about {days_needed} more day(s) at the current traffic" if days_needed else " more data"
    )
    return Decision(
        "inconclusive",
        f"Inconclusive: no significant difference yet; it would take{wait} to detect a "
        f"{mde_relative:.0%} lift.",
    )


def _significant(arm: ArmResult, alpha: float) -> bool:
    return arm.p_value_adjusted is not None and arm.p_value_adjusted < alpha
