"""The A/B report's words: verdicts, control reasons, method and metric names, from the
catalogue (`abtest.*`) in the report's language.

The statistics (`analysis`, `decisions`) return codes and numbers; `worded` fills the
sentence fields of an `ExperimentResult` from them, so the results JSON carries both.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import replace

from analysis.abtest.decisions import Decision
from analysis.abtest.results import ArmResult, ExperimentResult, MetricResult
from analysis.i18n import p_stated, text
from analysis.params import AbTestParams

CORRECTION_NAMES = {"holm": "Holm", "bonferroni": "Bonferroni", "bh": "Benjamini–Hochberg"}


def worded(result: ExperimentResult, params: AbTestParams) -> ExperimentResult:
    """The experiment with its verdict, control reason and methods in `params.lang`."""
    lang = params.lang
    metrics = [_worded_metric(m, params) for m in result.metrics]
    labels = {m.metric: m.label for m in result.metrics[1:] if m.label is not None}
    decision = result.verdict or Decision(result.decision, winner=result.winner)
    return replace(
        result,
        method=metrics[0].method if metrics else result.method,
        control_reason=text(f"abtest.control_reason.{result.control_rule}", lang),
        decision_text=decision_sentence(
            decision,
            control=result.control,
            arms=result.arms,
            srm_p_value=result.srm_p_value,
            mde_relative=params.mde_relative,
            days_needed=result.power.days_needed if result.power else None,
            lang=lang,
            metric_labels=labels,
        ),
        metrics=metrics,
    )


def _worded_metric(metric: MetricResult, params: AbTestParams) -> MetricResult:
    compared = sum(a.lift_abs is not None for a in metric.arms)
    method = method_text(
        metric.kind,
        bool(compared),
        params.lang,
        pooled=params.proportion_test == "pooled",
        relative_ci=params.relative_ci,
    ) + correction_note(params.correction, compared, params.lang)
    cuped = (
        replace(metric.cuped, method=text("abtest.cuped.method", params.lang))
        if metric.cuped is not None
        else None
    )
    return replace(metric, method=method, cuped=cuped)


def decision_sentence(
    decision: Decision,
    *,
    control: str,
    arms: list[ArmResult],
    srm_p_value: float | None,
    mde_relative: float,
    days_needed: int | None,
    lang: str,
    metric_labels: dict[str, str] | None = None,
) -> str:
    """The verdict as management reads it, with its caveats, in `lang`."""
    said = _verdict_sentence(
        decision,
        control=control,
        arms={a.variant: a for a in arms},
        srm_p_value=srm_p_value,
        mde=f"{mde_relative:.0%}",
        days_needed=days_needed,
        lang=lang,
        metric_labels=metric_labels or {},
    )
    for caveat in decision.caveats:
        said += " " + text(f"abtest.decision.caveat.{caveat}", lang, p=p_stated(srm_p_value))
    return said


def _verdict_sentence(
    decision: Decision,
    *,
    control: str,
    arms: dict[str, ArmResult],
    srm_p_value: float | None,
    mde: str,
    days_needed: int | None,
    lang: str,
    metric_labels: dict[str, str],
) -> str:
    code = decision.code
    if code == "invalid":
        return text("abtest.decision.invalid", lang, p=p_stated(srm_p_value))
    if code == "blocked":
        assert decision.arm is not None  # a blocked decision names its arm
        guardrails = (metric_name(m, lang, metric_labels.get(m)) for m in decision.harmed)
        return text(
            "abtest.decision.blocked",
            lang,
            arm=decision.arm,
            lift=lift_text(arms[decision.arm], lang),
            guardrails=name_list(guardrails, lang),
        )
    if code == "ship":
        assert decision.arm is not None  # a ship decision names its arm
        best = arms[decision.arm]
        evidence = (
            text("abtest.decision.evidence_sequential", lang)
            if decision.evidence == "sequential"
            else text("abtest.decision.evidence_adjusted", lang, p=p_stated(best.p_value_adjusted))
        )
        return text(
            "abtest.decision.ship",
            lang,
            arm=decision.arm,
            lift=lift_text(best, lang),
            control=control,
            evidence=evidence,
        )
    if code == "keep_control":
        parts = []
        if decision.worse:
            parts.append(text("abtest.decision.worse", lang, arms=name_list(decision.worse, lang)))
        if decision.ruled_out:
            arms_out = name_list(decision.ruled_out, lang)
            parts.append(text("abtest.decision.ruled_out", lang, arms=arms_out, mde=mde))
        reasons = text("abtest.separator.clause", lang).join(parts)
        return text("abtest.decision.keep_control", lang, control=control, reasons=reasons)
    wait = (
        text("abtest.decision.wait_days", lang, days=days_needed)
        if decision.wait == "days"
        else text(f"abtest.decision.wait_{decision.wait}", lang)
    )
    undecided = name_list(decision.undecided, lang)
    return text("abtest.decision.inconclusive", lang, arms=undecided, wait=wait, mde=mde)


def name_list(names: Iterable[str], lang: str) -> str:
    """Arm or metric names as a list: "B, C" (en), "B、C" (zh)."""
    return text("abtest.separator.list", lang).join(names)


def lift_text(arm: ArmResult, lang: str) -> str:
    """The lift as management reads it: relative with its CI, or absolute when undefined."""
    if arm.lift_rel is not None and math.isfinite(arm.lift_rel) and arm.lift_rel_ci is not None:
        low, high = arm.lift_rel_ci
        return f"{arm.lift_rel:+.1%} [{low:+.1%}, {high:+.1%}]".replace("-", "\u2212")
    low, high = arm.lift_abs_ci or (math.nan, math.nan)
    return text(
        "abtest.decision.absolute_lift",
        lang,
        lift=f"{arm.lift_abs:+.4g}",
        low=f"{low:+.4g}",
        high=f"{high:+.4g}",
    )


def method_text(
    kind: str,
    compared: bool,
    lang: str,
    *,
    pooled: bool = False,
    relative_ci: str = "log_ratio",
) -> str:
    """The test behind a metric's comparisons in `lang` (in English the words of the
    `*_METHOD` constants of frequentist.py), or "not estimable" when none could be made."""
    if not compared:
        return text("abtest.method.not_estimable", lang)
    said = {
        "proportion": text(
            "abtest.method.proportion_pooled" if pooled else "abtest.method.proportion", lang
        ),
        "mean": text("abtest.method.mean", lang),
        "ratio": text("abtest.method.ratio", lang),
    }[kind]
    if relative_ci == "absolute_over_control":
        said += text("abtest.method.relative_absolute_over_control", lang)
    return said


def correction_note(correction: str, comparisons: int, lang: str) -> str:
    """How the arms' p-values were adjusted for multiplicity, as a clause in `lang`."""
    if comparisons < 2:
        return text("abtest.method.no_correction_needed", lang)
    if correction == "none":
        return text("abtest.method.no_correction", lang)
    name = CORRECTION_NAMES[correction]
    return text("abtest.method.adjusted", lang, name=name, arms=comparisons)


def metric_name(metric: str, lang: str, label: str | None = None) -> str:
    """In sentences and figures: the catalogue's `abtest.metric_name.<metric>`, or the custom
    metric's own label."""
    return label if label is not None else text(f"abtest.metric_name.{metric}", lang)


def metric_header(metric: str, lang: str, label: str | None = None, unit: str = "") -> str:
    """As a table header with its unit: "CTR (clicks / units)", or "<label> (<unit>)"."""
    if label is None:
        return text(f"abtest.metric_label.{metric}", lang)
    return f"{label} ({unit})" if unit else label
