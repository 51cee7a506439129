"""The channel report's sentences about response curves and the budget proposal, worded
from the catalogue (`attribution.curve.*`, `attribution.budget.*`) in the report's language.

`response` and `budget` return codes and numbers; these functions turn them into the
reasons, notes and method text the results JSON and the page carry.
"""

from __future__ import annotations

from dataclasses import asdict, replace

from analysis.attribution import shapley
from analysis.attribution.budget import INTERIOR_MOVES, BudgetLine, BudgetProposal, Thresholds
from analysis.attribution.ltv import LifetimeValue
from analysis.attribution.models import ModelRun
from analysis.attribution.response import RESPONSE_MODEL, ResponseCurve
from analysis.i18n import money, number, percent, text
from analysis.params import AttributionParams


def worded_curve(curve: ResponseCurve, lang: str) -> ResponseCurve:
    """The curve with its `reason` sentence in `lang`."""
    return replace(curve, reason=curve_reason(curve, lang))


def curve_reason(curve: ResponseCurve, lang: str) -> str:
    """Why the data cannot support the curve, or a one-line description of the fit."""
    v = curve.values
    key = f"attribution.curve.{curve.code}"
    if curve.code == "few_days":
        return text(key, lang, days=v["days"], min_days=v["min_days"])
    if curve.code == "flat_spend":
        return text(key, lang, cv=f"{v['cv']:.2f}", min_cv=f"{v['min_cv']:g}")
    if curve.code == "no_convergence":
        return text(key, lang, error=v["error"])
    if curve.code in ("linear", "constant"):
        return text(key, lang, gain=f"{v['gain']:.1f}", min_gain=f"{v['min_gain']:g}")
    if curve.code == "outside":
        return text(
            key,
            lang,
            b=number(v["b"], lang),
            low=number(v["low"], lang),
            high=number(v["high"], lang),
        )
    if curve.code == "no_covariance":
        return text(key, lang)
    bounds = {name: f"{v[name]:.2f}" for name in ("low", "high", "point")}
    if curve.code == "uncertain":
        level = percent(v["level"], lang, 0)
        return text(key, lang, level=level, ratio=f"{v['ratio']:g}", **bounds)
    return text(
        "attribution.curve.description",
        lang,
        model=RESPONSE_MODEL,
        a=number(v["a"], lang),
        half=number(v["half"], lang),
        current=number(v["current"], lang),
        gain=f"{v['gain']:.1f}",
        **bounds,
    )


def budget_method(lang: str) -> str:
    """How the proposal meets the total, in full."""
    return text("attribution.budget.method", lang)


def reserve_line_name(lang: str) -> str:
    """The test reserve line's name in `lang` (its status is the code "test" in any language)."""
    return text("attribution.budget.test_reserve", lang)


def budget_lines(proposal: BudgetProposal, lang: str) -> tuple[BudgetLine, ...]:
    """The proposal's lines with their reasons (and the reserve line's name) in `lang`."""
    notes = budget_notes(proposal, lang)
    return tuple(
        replace(line, channel=reserve_line_name(lang), reason=_test_reason(proposal, notes, lang))
        if line.status == "test"
        else replace(line, reason=_reason(line, proposal, lang))
        for line in proposal.lines
    )


def budget_notes(proposal: BudgetProposal, lang: str) -> tuple[str, ...]:
    """Plain statements of a total the limits could not meet."""
    if proposal.unallocated > 0:
        return (
            text(
                "attribution.budget.note.unallocated",
                lang,
                amount=money(proposal.unallocated, lang, 2),
                keep=f"{proposal.thresholds.keep:g}",
            ),
        )
    if proposal.unallocated < 0:
        amount = money(-proposal.unallocated, lang, 2)
        return (text("attribution.budget.note.floors", lang, amount=amount),)
    return ()


def _test_reason(proposal: BudgetProposal, notes: tuple[str, ...], lang: str) -> str:
    reason = text(
        "attribution.budget.test_reason",
        lang,
        share=percent(proposal.test_share, lang, 0),
        total=money(proposal.total_asked, lang),  # a total: no cents
    )
    return text("attribution.budget.separator", lang).join((reason, *notes))


def _reason(line: BudgetLine, proposal: BudgetProposal, lang: str) -> str:
    """The sentence: the status rule, how the fit to the total moved it, the curve evidence."""
    if line.status == "n/a":
        return text("attribution.budget.no_spend", lang)
    rules = proposal.thresholds
    lines = {"watch": f"{rules.watch:g}", "keep": f"{rules.keep:g}", "expand": f"{rules.expand:g}"}
    roi = f"{line.roi or 0.0:.1f}"
    decrease = proposal.max_decrease[line.channel]
    cut = text("attribution.budget.cut", lang, limit=percent(decrease, lang, 0))
    rule = {
        "inefficient": "attribution.budget.rule.inefficient",
        "watch": "attribution.budget.rule.watch_deepening"
        if proposal.deepening
        else "attribution.budget.rule.watch",
        "keep": "attribution.budget.rule.keep",
        "expand": "attribution.budget.rule.expand",
    }[line.status]
    parts = [text(rule, lang, roi=roi, cut=cut, **lines), _movement(line, proposal, lang)]
    now, interval, later = line.marginal_roi, line.marginal_roi_interval, line.proposed_marginal_roi
    curve = proposal.curves.get(line.channel)
    if now is not None and interval is not None and later is not None:
        parts.append(
            text(
                "attribution.budget.marginal",
                lang,
                now=f"{now:.1f}",
                low=f"{interval[0]:.1f}".replace("-", "\u2212"),
                high=f"{interval[1]:.1f}",
                later=f"{later:.1f}",
            )
        )
    elif curve is not None:
        parts.append(text("attribution.budget.curve_unused", lang, reason=curve.reason))
    return text("attribution.budget.separator", lang).join(part for part in parts if part)


def _movement(line: BudgetLine, proposal: BudgetProposal, lang: str) -> str:
    """How fitting the total moved the channel (empty when the status rule alone set it)."""
    change = line.proposed - line.current
    if abs(change) < 0.005:
        return text("attribution.budget.held", lang) if line.status != "n/a" else ""
    if line.move not in (*INTERIOR_MOVES, "limit"):
        return ""
    share = percent(abs(change) / line.current, lang, 0)
    if change < 0:
        key = {
            "limit": "attribution.budget.cut_limit",
            "marginal": "attribution.budget.cut_marginal",
        }.get(line.move, "attribution.budget.cut_lowest")
        limit = percent(proposal.max_decrease[line.channel], lang, 0)
        how = text(key, lang, limit=limit, share=share)
        return text("attribution.budget.to_fit", lang, how=how)
    key = {
        "limit": "attribution.budget.raise_limit",
        "marginal": "attribution.budget.raise_marginal",
    }.get(line.move, "attribution.budget.raise_even")
    limit = percent(proposal.max_increase[line.channel], lang, 0)
    how = text(key, lang, limit=limit, share=share)
    if line.status == "keep":
        return text("attribution.budget.expand_full", lang, how=how)
    return how


def ltv_method(value: LifetimeValue, lang: str) -> str:
    """How the new customer's lifetime value was obtained, with its numbers."""
    v = value.values
    if value.method == "clv":
        return text(
            "attribution.method.ltv_clv",
            lang,
            repeats=f"{v['repeats']:.2f}",
            horizon=v["horizon"],
            mean_spend=money(v["mean_spend"], lang),
            margin=percent(v["margin"], lang, 0),
            rate=percent(v["rate"], lang, 1),
        )
    return text(
        "attribution.method.ltv_mean",
        lang,
        per_customer=money(v["per_customer"], lang),
        margin=percent(v["margin"], lang, 0),
    )


def ltv_fallback_reason(value: LifetimeValue, lang: str) -> str | None:
    """Why the CLV models were not used (None when they were, or were not asked for)."""
    if value.fallback_error is None:
        return None
    return text("attribution.method.ltv_fallback", lang, error=value.fallback_error)


def model_label(model: str, lang: str) -> str:
    """The model's name as the reader sees it ("last touch" / "末次触点"); the code stays in
    the results."""
    return text(f"attribution.model.{model}", lang)


def model_methods(params: AttributionParams, run: ModelRun) -> dict[str, str]:
    """Each model in a sentence, with its settings, in the report's language (`params.lang`)."""
    lang = params.lang
    first, middle, last = (percent(share, lang, 0) for share in params.position_weights)
    half_life = f"{params.half_life_days:g}"
    shapley_how = (
        "attribution.method.shapley_closed_form"
        if run.shapley_method == shapley.CLOSED_FORM
        else "attribution.method.shapley_enumeration"
    )
    sentences = {
        "first_touch": text("attribution.method.first_touch", lang),
        "last_touch": text("attribution.method.last_touch", lang),
        "linear": text("attribution.method.linear", lang),
        "time_decay": text("attribution.method.time_decay", lang, half_life=half_life),
        "position_based": text(
            "attribution.method.position_based", lang, first=first, middle=middle, last=last
        ),
        "markov": text(
            "attribution.method.markov", lang, order=params.markov_order, states=run.markov_states
        ),
        "shapley": text("attribution.method.shapley", lang, how=text(shapley_how, lang)),
    }
    return {model: sentences[model] for model in params.models}


def status_rule(status: str, thresholds: Thresholds, lang: str) -> str:
    """The rule behind a status with the report's thresholds ("ROI > 3: expand")."""
    lines = {name: f"{value:g}" for name, value in asdict(thresholds).items()}
    return text(f"attribution.status_rule.{status}", lang, **lines)


def quadrant_label(quadrant: str, lang: str, basis: str = "attributed") -> str:
    """A quadrant code in words, with the handbook's budget share (return axis: incremental)."""
    group = "quadrant_return" if basis == "incremental" else "quadrant"
    return text(f"attribution.{group}.{quadrant}", lang)
