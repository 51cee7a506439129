"""The verdict on an experiment as a code and its reasons, from its statistics.

`decide` returns codes and arm/metric names only; `abtest.wording` turns a `Decision`
into the sentence management reads.

Rules, in order (the report prints them from the catalogue, keys `abtest.rules.*`):
1. invalid: the sample-ratio-mismatch p-value is below the SRM threshold (default 0.001);
   the split of traffic is not what was planned, so no comparison can be trusted.
   Between that and the warning tier (default 0.01) the verdict below stands but carries
   the caveat `srm_suspect` (check the assignment before acting).
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
from dataclasses import replace

from analysis.abtest.results import ArmResult, Decision, Evidence, Wait


def decide(  # noqa: PLR0913  # keyword-only evidence of one experiment, read once
    *,
    treatments: list[ArmResult],
    srm_p_value: float | None,
    srm_alpha: float,
    alpha: float,
    mde_relative: float,
    harmed_guardrails: dict[str, list[str]],
    days_needed: int | None,
    sequential: bool = False,
    exposure_dates: bool = True,
    srm_warn_alpha: float | None = None,
) -> Decision:
    """Apply the rules above to the `treatments` (each compared with the control already);
    `harmed_guardrails` maps a variant to its worse guardrails.

    Arms whose metric could not be estimated (no comparison) take no part. With
    `sequential`, significance is judged on the always-valid intervals, so a verdict reached
    while peeking daily keeps its error rate. Without `exposure_dates` an inconclusive
    verdict waits on `data_no_dates` (no number of days can be given). An SRM p-value below
    `srm_warn_alpha` (but not below `srm_alpha`) adds the caveat `srm_suspect` to whatever
    verdict the rules give.
    """
    if srm_p_value is not None and srm_p_value < srm_alpha:
        return Decision("invalid")
    verdict = _verdict(
        treatments=treatments,
        alpha=alpha,
        mde_relative=mde_relative,
        harmed_guardrails=harmed_guardrails,
        days_needed=days_needed,
        sequential=sequential,
        exposure_dates=exposure_dates,
    )
    warn = srm_alpha if srm_warn_alpha is None else srm_warn_alpha
    if srm_p_value is not None and srm_p_value < warn:
        return replace(verdict, caveats=("srm_suspect",))
    return verdict


def _verdict(
    *,
    treatments: list[ArmResult],
    alpha: float,
    mde_relative: float,
    harmed_guardrails: dict[str, list[str]],
    days_needed: int | None,
    sequential: bool,
    exposure_dates: bool,
) -> Decision:
    """Rules 2-5 (the split is not invalid)."""
    compared = [a for a in treatments if a.lift_abs is not None]
    better = [a for a in compared if _significant(a, alpha, sequential) and (a.lift_abs or 0) > 0]
    if better:
        best = max(better, key=lambda a: a.lift_abs or 0)  # same control: same order as relative
        harmed = harmed_guardrails.get(best.variant, [])
        if harmed:
            return Decision("blocked", arm=best.variant, harmed=tuple(harmed))
        evidence: Evidence = "sequential" if sequential else "adjusted"
        return Decision("ship", winner=best.variant, arm=best.variant, evidence=evidence)
    worse = [a for a in compared if _significant(a, alpha, sequential) and (a.lift_abs or 0) < 0]
    ruled_out = [a for a in compared if a not in worse and _below_mde(a, mde_relative)]
    if compared and len(worse) + len(ruled_out) == len(treatments):
        return Decision(
            "keep_control",
            worse=tuple(a.variant for a in worse),
            ruled_out=tuple(a.variant for a in ruled_out),
        )
    undecided = tuple(a.variant for a in treatments if a not in worse + ruled_out)
    wait: Wait = "days" if days_needed else "data" if exposure_dates else "data_no_dates"
    return Decision("inconclusive", undecided=undecided, wait=wait)


def _below_mde(arm: ArmResult, mde_relative: float) -> bool:
    ci = arm.lift_rel_ci
    return ci is not None and math.isfinite(ci[1]) and ci[1] < mde_relative


def _significant(arm: ArmResult, alpha: float, sequential: bool) -> bool:
    if sequential and arm.sequential_ci is not None:
        low, high = arm.sequential_ci
        return low > 0 or high < 0
    return arm.p_value_adjusted is not None and arm.p_value_adjusted < alpha
