"""Numbers and codes inside, words at the edge: computation returns codes, wording words them.

Issue 19: no statistics, model or decision function takes `lang`; the display layer
(`display`, `plots`, `wording`, `report` modules) turns codes into sentences from the
catalogue, so a verdict, a budget line or a curve rejection is the same record in every
language and only its words differ.
"""

from __future__ import annotations

import ast
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from arms import arm_result

from analysis.abtest.decisions import decide
from analysis.abtest.wording import decision_sentence
from analysis.attribution import wording as attribution_words
from analysis.attribution.budget import TEST_RESERVE, propose_budget
from analysis.attribution.response import fit_response_curve
from analysis.i18n import LANGUAGES

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "analysis"
EDGE = {"display.py", "plots.py", "wording.py", "report.py"}
"""Module names of the display layer inside an analysis package."""
SHARED_EDGE = {"i18n", "reporting", "templates"}
"""Packages that are the display layer as a whole."""


def computation_modules() -> list[Path]:
    return sorted(
        path
        for path in PACKAGE.glob("*/*.py")
        if path.parent.name not in SHARED_EDGE and path.name not in EDGE
    )


def test_no_computation_module_takes_lang_or_reads_the_catalogue() -> None:
    """Every function of a computation module is free of `lang`; none imports analysis.i18n."""
    offenders = []
    for path in computation_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = path.relative_to(PACKAGE)
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                arguments = node.args.args + node.args.kwonlyargs + node.args.posonlyargs
                if any(a.arg == "lang" for a in arguments):
                    offenders.append(f"{where}: {node.name}(lang)")
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("analysis.i18n"):
                offenders.append(f"{where}: imports {node.module}")
    assert len(computation_modules()) > 50  # the guard looks at the whole package
    assert offenders == []


def test_keep_control_names_the_worse_and_the_ruled_out_arms_as_codes() -> None:
    control = arm_result("A", None, (0.0, 0.0), 1.0)
    worse = arm_result("B", -0.2, (-0.3, -0.1), 0.001)  # significantly worse
    flat = arm_result("C", 0.01, (-0.05, 0.07), 0.8)  # CI below the 10% MDE
    decision = decide(
        treatments=[worse, flat],
        srm_p_value=0.5,
        srm_alpha=0.001,
        alpha=0.05,
        mde_relative=0.1,
        harmed_guardrails={},
        days_needed=None,
    )
    assert (decision.code, decision.worse, decision.ruled_out) == ("keep_control", ("B",), ("C",))
    said = {
        lang: decision_sentence(
            decision,
            control="A",
            arms=[control, worse, flat],
            srm_p_value=0.5,
            mde_relative=0.1,
            days_needed=None,
            lang=lang,
        )
        for lang in LANGUAGES
    }
    assert (
        said["en"]
        == "Keep A: B did significantly worse; C cannot reach a 10% lift (no difference)."
    )
    assert said["zh"] != said["en"] and "B" in said["zh"] and "C" in said["zh"]


@pytest.mark.parametrize(
    ("days", "dates", "wait"),
    [(12, True, "days"), (None, True, "data"), (None, False, "data_no_dates")],
)
def test_inconclusive_verdict_says_what_it_waits_for_as_a_code(days, dates, wait) -> None:
    decision = decide(
        treatments=[arm_result("B", 0.05, (-0.1, 0.2), 0.5)],
        srm_p_value=None,
        srm_alpha=0.001,
        alpha=0.05,
        mde_relative=0.1,
        harmed_guardrails={},
        days_needed=days,
        exposure_dates=dates,
    )
    assert (decision.code, decision.undecided, decision.wait) == ("inconclusive", ("B",), wait)


SPEND = {"抖音": 200_000.0, "百度SEM": 150_000.0, "邮件": 50_000.0, "企业微信社群": 0.0}
ROI = {"抖音": 4.0, "百度SEM": 2.5, "邮件": 0.9, "企业微信社群": None}


def test_budget_proposal_is_the_same_record_in_every_language_until_worded() -> None:
    """The proposal has no words; wording changes only reasons and the reserve line's name."""
    proposal = propose_budget(spend=SPEND, roi=ROI, total_budget=600_000)
    assert all(line.reason == "" for line in proposal.lines)
    assert proposal.lines[-1].channel == TEST_RESERVE == "test"
    assert {line.channel: line.move for line in proposal.lines[:-1]}["邮件"] == ""  # rule cut
    worded = {lang: attribution_words.budget_lines(proposal, lang) for lang in LANGUAGES}
    for lang, lines in worded.items():
        assert lines[-1].channel == attribution_words.reserve_line_name(lang)
        for before, after in zip(proposal.lines[:-1], lines[:-1], strict=True):
            assert after == replace(before, reason=after.reason)
            assert after.reason
    assert worded["en"][2].reason == "ROI 0.9 < 1.2: inefficient, cut by the 50% limit"
    assert worded["zh"][2].reason != worded["en"][2].reason


def test_rejected_curve_carries_the_failed_check_and_its_numbers() -> None:
    """Five days of spend: code few_days with the count; words only from the wording module."""
    spend = np.array([0.0] * 25 + [9_000.0, 11_000.0, 8_000.0, 12_000.0, 10_000.0])
    curve = fit_response_curve(spend, spend * 2.0, channel="知乎")
    assert not curve.supported and curve.reason == ""
    assert (curve.code, curve.values) == ("few_days", {"days": 5, "min_days": 14})
    assert attribution_words.curve_reason(curve, "en").startswith(
        "only 5 days with spend; at least 14"
    )
    assert "5" in attribution_words.curve_reason(curve, "zh")
