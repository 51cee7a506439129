"""SRM in two tiers: a suspicious split keeps the verdict with a caveat, a mismatch voids it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from arms import arm_result
from pydantic import ValidationError
from scipy.stats import chisquare

from analysis.abtest.decisions import decide
from analysis.abtest.results import ArmResult
from analysis.abtest.srm import srm_p_value, srm_tier
from analysis.abtest.wording import decision_sentence
from analysis.params import AbTestParams

ROOT = Path(__file__).resolve().parents[1]


def arm(variant: str, lift: float | None, p: float | None) -> ArmResult:
    return arm_result(variant, lift, None if lift is None else (0.1, 0.3), p)


@dataclass(frozen=True)
class Worded:
    """A verdict's codes with its sentence in one language."""

    code: str
    winner: str | None
    caveats: tuple[str, ...]
    text: str


def verdict(srm_p: float | None, lang: str = "en") -> Worded:
    arms = [arm("A", None, None), arm("B", 0.2, 0.001)]
    decision = decide(
        treatments=arms[1:],
        srm_p_value=srm_p,
        srm_alpha=0.001,
        srm_warn_alpha=0.01,
        alpha=0.05,
        mde_relative=0.1,
        harmed_guardrails={},
        days_needed=None,
    )
    sentence = decision_sentence(
        decision,
        control="A",
        arms=arms,
        srm_p_value=srm_p,
        mde_relative=0.1,
        days_needed=None,
        lang=lang,
    )
    return Worded(decision.code, decision.winner, decision.caveats, sentence)


@pytest.mark.parametrize(
    ("units", "tier"),
    [
        ([50_000, 50_000], "ok"),
        ([50_000, 49_400], "ok"),  # p ≈ 0.057
        ([50_000, 49_170], "warn"),  # p ≈ 0.0086, the case
        ([44_000, 45_000], "invalid"),  # p = 0.000802, the reference
    ],
)
def test_srm_tier_follows_scipy_chisquare_p(units, tier):
    p = chisquare(units).pvalue
    assert srm_p_value(units, [0.5, 0.5]) == pytest.approx(p, rel=1e-12)
    assert srm_tier(p, warn_alpha=0.01, alpha=0.001) == tier
    assert srm_tier(None, warn_alpha=0.01, alpha=0.001) == "not_checked"


def test_suspicious_split_keeps_the_verdict_with_a_caveat_in_both_languages():
    p = chisquare([50_000, 49_170]).pvalue
    english, chinese = verdict(p), verdict(p, "zh")
    assert english.code == chinese.code == "ship" and english.winner == "B"
    assert english.caveats == chinese.caveats == ("srm_suspect",)
    assert "check the assignment" in english.text
    assert "检查分流" in chinese.text
    assert verdict(0.2).caveats == () and "check the assignment" not in verdict(0.2).text
    assert verdict(0.0005).code == "invalid"


def test_warning_tier_below_invalid_threshold_is_rejected():
    data = {"path": str(ROOT / "data" / "external" / "upworthy")}
    with pytest.raises(ValidationError, match=r"srm_warn_alpha = 0\.0001 is below srm_alpha"):
        AbTestParams(period="2026-10", data=data, srm_warn_alpha=0.0001)
    params = AbTestParams(period="2026-10", data=data)
    assert (params.srm_warn_alpha, params.srm_alpha) == (0.01, 0.001)


def test_p_values_in_verdicts_read_as_bounded_not_scientific():
    """A tiny SRM p-value reads "p < 0.001" in the sentence, as in the tables (not 1.1e-05)."""
    for lang in ("en", "zh"):
        invalid = verdict(1.1e-05, lang).text
        assert "p < 0.001" in invalid and "e-05" not in invalid
    suspect = chisquare([50_000, 49_170]).pvalue  # 0.0084
    assert f"SRM p = {suspect:.3f})" in verdict(suspect).text
