"""The verdict on an experiment in plain words, from its statistics.

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
from collections.abc import Iterable
from dataclasses import dataclass, replace

from analysis.abtest.labels import metric_name
from analysis.abtest.results import ArmResult
from analysis.i18n import p_stated, text


@dataclass(frozen=True)
class Decision:
    """The verdict: a code, the sentence management reads (in the report's language), and the
    arm to ship if any."""

    code: str
    text: str
    winner: str | None = None
    caveats: tuple[str, ...] = ()  # codes: srm_suspect


def decide(  # noqa: PLR0913  # keyword-only evidence of one experiment, read once
    *,
    control: ArmResult,
    treatments: list[ArmResult],
    srm_p_value: float | None,
    srm_alpha: float,
    alpha: float,
    mde_relative: float,
    harmed_guardrails: dict[str, list[str]],
    days_needed: int | None,
    lang: str,
    sequential: bool = False,
    exposure_dates: bool = True,
    srm_warn_alpha: float | None = None,
    metric_labels: dict[str, str] | None = None,
) -> Decision:
    """Apply the rules above; `harmed_guardrails` maps a variant to its worse guardrails.

    Arms whose metric could not be estimated (no comparison) take no part. With
    `sequential`, significance is judged on the always-valid intervals, so a verdict reached
    while peeking daily keeps its error rate. The sentence is written in `lang`; without
    `exposure_dates` it says why no number of days can be given. An SRM p-value below
    `srm_warn_alpha` (but not below `srm_alpha`) adds the caveat `srm_suspect`, and its
    sentence, to whatever verdict the rules give.
    """
    if srm_p_value is not None and srm_p_value < srm_alpha:
        return Decision("invalid", text("abtest.decision.invalid", lang, p=p_stated(srm_p_value)))
    verdict = _verdict(
        control=control,
        treatments=treatments,
        alpha=alpha,
        mde_relative=mde_relative,
        harmed_guardrails=harmed_guardrails,
        days_needed=days_needed,
        lang=lang,
        sequential=sequential,
        exposure_dates=exposure_dates,
        metric_labels=metric_labels or {},
    )
    warn = srm_alpha if srm_warn_alpha is None else srm_warn_alpha
    if srm_p_value is not None and srm_p_value < warn:
        caveat = text("abtest.decision.caveat.srm_suspect", lang, p=p_stated(srm_p_value))
        return replace(verdict, text=f"{verdict.text} {caveat}", caveats=("srm_suspect",))
    return verdict


def _verdict(  # noqa: PLR0913  # private: the evidence decide() gathered
    *,
    control: ArmResult,
    treatments: list[ArmResult],
    alpha: float,
    mde_relative: float,
    harmed_guardrails: dict[str, list[str]],
    days_needed: int | None,
    lang: str,
    sequential: bool,
    exposure_dates: bool,
    metric_labels: dict[str, str],
) -> Decision:
    """Rules 2-5 (the split is not invalid)."""
    mde = f"{mde_relative:.0%}"
    compared = [a for a in treatments if a.lift_abs is not None]
    better = [a for a in compared if _significant(a, alpha, sequential) and (a.lift_abs or 0) > 0]
    if better:
        best = max(better, key=lambda a: a.lift_abs or 0)  # same control: same order as relative
        harmed = harmed_guardrails.get(best.variant, [])
        if harmed:
            return Decision(
                "blocked",
                text(
                    "abtest.decision.blocked",
                    lang,
                    arm=best.variant,
                    lift=_lift(best, lang),
                    guardrails=name_list(
                        (metric_name(m, lang, metric_labels.get(m)) for m in harmed), lang
                    ),
                ),
            )
        evidence = (
            text("abtest.decision.evidence_sequential", lang)
            if sequential
            else text("abtest.decision.evidence_adjusted", lang, p=p_stated(best.p_value_adjusted))
        )
        return Decision(
            "ship",
            text(
                "abtest.decision.ship",
                lang,
                arm=best.variant,
                lift=_lift(best, lang),
                control=control.variant,
                evidence=evidence,
            ),
            winner=best.variant,
        )
    worse = [a for a in compared if _significant(a, alpha, sequential) and a.lift_abs < 0]
    ruled_out = [a for a in compared if a not in worse and _below_mde(a, mde_relative)]
    if compared and len(worse) + len(ruled_out) == len(treatments):
        parts = []
        if worse:
            parts.append(
                text(
                    "abtest.decision.worse", lang, arms=name_list((a.variant for a in worse), lang)
                )
            )
        if ruled_out:
            arms = name_list((a.variant for a in ruled_out), lang)
            parts.append(text("abtest.decision.ruled_out", lang, arms=arms, mde=mde))
        reasons = text("abtest.separator.clause", lang).join(parts)
        return Decision(
            "keep_control",
            text("abtest.decision.keep_control", lang, control=control.variant, reasons=reasons),
        )
    undecided = name_list((a.variant for a in treatments if a not in worse + ruled_out), lang)
    if days_needed:
        wait = text("abtest.decision.wait_days", lang, days=days_needed)
    elif exposure_dates:
        wait = text("abtest.decision.wait_data", lang)
    else:
        wait = text("abtest.decision.wait_data_no_dates", lang)
    return Decision(
        "inconclusive",
        text("abtest.decision.inconclusive", lang, arms=undecided, wait=wait, mde=mde),
    )


def name_list(names: Iterable[str], lang: str) -> str:
    """Arm or metric names as a list: "B, C" (en), "B、C" (zh)."""
    return text("abtest.separator.list", lang).join(names)


def _lift(arm: ArmResult, lang: str) -> str:
    """The lift as management reads it: relative with its CI, or absolute when undefined."""
    if arm.lift_rel is not None and math.isfinite(arm.lift_rel) and arm.lift_rel_ci is not None:
        low, high = arm.lift_rel_ci
        return f"{arm.lift_rel:+.1%} [{low:+.1%}, {high:+.1%}]".replace("-", "\u2212")
    low, high = arm.lift_abs_ci
    return text(
        "abtest.decision.absolute_lift",
        lang,
        lift=f"{arm.lift_abs:+.4g}",
        low=f"{low:+.4g}",
        high=f"{high:+.4g}",
    )


def _below_mde(arm: ArmResult, mde_relative: float) -> bool:
    ci = arm.lift_rel_ci
    return ci is not None and math.isfinite(ci[1]) and ci[1] < mde_relative


def _significant(arm: ArmResult, alpha: float, sequential: bool) -> bool:
    if sequential and arm.sequential_ci is not None:
        low, high = arm.sequential_ci
        return low > 0 or high < 0
    return arm.p_value_adjusted is not None and arm.p_value_adjusted < alpha
