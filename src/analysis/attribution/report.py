"""Assemble the channel ROI report: paths, credit models, ROI and status, budget moves."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date, timedelta
from typing import ClassVar

import pandas as pd

from analysis.attribution import budget, channels, ltv, mmm, models, queries, response, wording
from analysis.attribution.budget import BudgetLine, Thresholds
from analysis.attribution.channels import ChannelEconomics
from analysis.attribution.mmm import BudgetEffect
from analysis.attribution.mmm_series import STEP_DAYS, STEP_NAMES, step_series
from analysis.attribution.results import (
    ChannelRecord,
    LtvSummary,
    MmmFitted,
    MmmNotFitted,
    PathSummary,
)
from analysis.attribution.wording import model_label, quadrant_label
from analysis.errors import AnalysisError, InputError
from analysis.i18n import money, percent, text
from analysis.params import AttributionParams, month_bounds
from analysis.warehouse import Warehouse

NOTABLE_GAP = 0.2  # a CAC gap worth a sentence: 20% or more


@dataclass(frozen=True)
class AttributionReport:
    """Results of the channel ROI report, as published to `<name>.json` (read back with
    `reporting.record.read_results`; the records are in `attribution.results`).

    Codes (models, statuses, `quadrant_code`, budget `status`) are English in every language;
    sentences (headline, findings, methods, reasons, notes, `quadrant`) are in `lang`.
    """

    RECORD_VERSION: ClassVar[int] = 1
    headline: str
    period: str
    lang: str
    models: list[str]
    decision_model: str
    methods: dict[str, str]
    channels: list[ChannelRecord]
    removal_effects: dict[str, float]
    revenue_removal_effects: dict[str, float]
    budget: list[BudgetLine]
    budget_method: str
    budget_notes: list[str]
    paths: PathSummary | None  # None: aggregates only, no journeys
    ltv: LtvSummary
    findings: list[str]
    model_dependent_channels: list[str]
    thresholds: Thresholds
    roi_basis: str = "attributed"  # "incremental": decisions on the marketing-mix model
    mmm: MmmFitted | MmmNotFitted | None = None  # the fit, or why it was not fitted
    budget_effect: BudgetEffect | None = None  # expected incremental revenue: proposal
    #   vs current


@dataclass(frozen=True)
class AttributionTables:
    """What the notebook draws: economics, credits, paths and response curves."""

    economics: list[ChannelEconomics]
    credits: pd.DataFrame
    top_paths: pd.DataFrame
    lengths: pd.DataFrame
    curves: dict[str, mmm.AnyCurve]
    daily: pd.DataFrame  # date, channel, spend, revenue (decision model's level)


def run(
    warehouse: Warehouse, params: AttributionParams
) -> tuple[AttributionReport, AttributionTables]:
    """Attribute the month's conversions and revenue, judge each channel, propose the budget."""
    if params.inputs == "aggregates":
        return run_aggregates(warehouse, params)
    first, last = month_bounds(params.period)
    counts, time_decay, untouched = _journey_figures(warehouse, params, first, last)
    has_spend = warehouse.has_table("spend")
    spend = (
        queries.spend_by_channel(warehouse, first, last).set_index("channel")["spend"]
        if has_spend
        else pd.Series(dtype=float)
    )
    visits = queries.visits_by_channel(warehouse, first, last).set_index("channel")["visits"]
    touched = {channel for path in counts["path"] for channel in path}
    names = channels.channel_order(touched | set(spend.index) | set(visits.index))
    everything, acquisition = models.path_sets(counts, names)
    run_ = models.run_models(everything, acquisition, time_decay, params)
    value = ltv.new_customer_ltv(
        warehouse,
        last,
        source=params.ltv,
        margin=params.gross_margin,
        horizon_days=params.clv_horizon_days,
        monthly_discount_rate=params.monthly_discount_rate,
    )
    days_in_month = (last - first).days + 1
    fit, not_fitted = _mmm(warehouse, params, last, days_in_month)
    economics = channels.channel_economics(
        run_.credits,
        spend,
        visits,
        decision_model=params.decision_model,
        thresholds=thresholds(params),
        margin=params.gross_margin,
        ltv=value.value,
        incremental={c.channel: c for c in fit.channels} if fit else None,
    )
    curves: dict[str, mmm.AnyCurve]
    if fit is not None:
        daily = fit.daily
        curves = {
            name: replace(curve, reason=_curve_words(fit, name, params.lang))
            for name, curve in fit.curves.items()
            if spend.get(name, 0.0) > 0
        }
    elif has_spend:
        daily = _daily(warehouse, params, last, economics)
        curves = _curves(daily, economics, params, days_in_month)
    else:  # no spend table: the path models alone; ROI and the budget need spend
        daily, curves = pd.DataFrame(columns=["date", "channel", "spend", "revenue"]), {}
    proposal = (
        _budget(economics, curves, params, days_in_month, incremental=fit is not None)
        if has_spend
        else None
    )
    effect = (
        _effect(curves, proposal, days_in_month, params)
        if fit is not None and proposal is not None
        else None
    )
    report = AttributionReport(
        headline=incremental_headline(economics, params.decision_model, params.lang)
        if fit is not None
        else headline_sentence(economics, params.decision_model, params.lang),
        roi_basis="incremental" if fit is not None else "attributed",
        mmm=_mmm_summary(fit, not_fitted),
        budget_effect=effect,
        period=params.period,
        lang=params.lang,
        models=list(params.models),
        decision_model=params.decision_model,
        methods=wording.model_methods(params, run_)
        | {
            "ltv": wording.ltv_method(value, params.lang),
            "quadrant": _quadrant_method(fit, params.lang),
        }
        | ({"mmm": _mmm_method(fit, params.lang)} if fit is not None else {}),
        channels=[_channel_record(row, params.decision_model, params.lang) for row in economics],
        removal_effects=run_.removal_effects,
        revenue_removal_effects=run_.revenue_removal_effects,
        budget=list(wording.budget_lines(proposal, params.lang)) if proposal else [],
        budget_method=wording.budget_method(params.lang)
        if proposal
        else text("attribution.needs_spend", params.lang),
        budget_notes=list(wording.budget_notes(proposal, params.lang)) if proposal else [],
        paths=path_summary(counts, untouched),
        ltv=LtvSummary(
            value=value.value,
            method=wording.ltv_method(value, params.lang),
            fallback_reason=wording.ltv_fallback_reason(value, params.lang),
            source=value.method,  # the code the sentences word: clv | mean_revenue
        ),
        findings=(
            incremental_findings(economics, fit, effect, params.lang)
            if fit is not None
            else findings(economics, params.decision_model, params.lang)
        )
        + ([] if has_spend else [text("attribution.needs_spend", params.lang)]),
        model_dependent_channels=[r.channel for r in economics if r.status_depends_on_model],
        thresholds=thresholds(params),
    )
    tables = AttributionTables(
        economics,
        run_.credits,
        top_paths(counts, params.top_paths),
        path_lengths(counts),
        curves,
        daily,
    )
    return report, tables


def _mmm(
    warehouse: Warehouse, params: AttributionParams, last: date, days_in_month: int
) -> tuple[mmm.MmmFit | None, str | None]:
    """The marketing-mix model on daily spend and revenue up to `last`, or why it is not fitted.

    Returns (fit, None), or (None, reason code): "attributed_chosen" (roi_source), "short_history"
    (fewer than 8 weeks of revenue)."""
    if params.roi_source != "incremental" and params.inputs == "journeys":
        return None, "attributed_chosen"
    if params.inputs == "journeys" and not warehouse.has_table("spend"):
        return None, "no_spend_table"
    first = last - timedelta(days=params.mmm.history_days - 1)
    aggregates = params.inputs == "aggregates"
    revenue = (queries.aggregate_revenue if aggregates else queries.daily_revenue)(
        warehouse, first, last
    )
    spend = (queries.aggregate_spend if aggregates else queries.daily_spend)(warehouse, first, last)
    settings = mmm_settings(params)
    tables = ("daily_revenue", "channel_spend") if aggregates else ("orders", "spend")
    try:
        steps = step_series(spend, revenue, settings.step)
    except InputError as error:  # say which of the user's files, by the table's kind
        table = tables[0] if str(error).startswith("revenue") else tables[1]
        raise InputError(f"table {table} ({warehouse.location(table)}): {error}") from error
    if revenue.empty or mmm.span_days(steps) < mmm.MIN_WEEKS * 7:
        return None, "short_history"
    controls = queries.known_drivers(warehouse, first, last)
    if not aggregates and params.mmm.controls == "organic_touches":
        paid = set(spend.loc[spend["spend"] > 0, "channel"])
        organic = queries.organic_touches(warehouse, first, last, paid)
        controls = pd.concat([organic, controls], ignore_index=True)
    fit = mmm.fit_mmm(
        spend,
        revenue,
        lift_tests=queries.lift_tests(warehouse),
        current_days=days_in_month,
        settings=settings,
        controls=controls,
    )
    return fit, None


def _journey_figures(
    warehouse: Warehouse, params: AttributionParams, first: date, last: date
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, float]]:
    """Distinct paths, time-decay credit and the orders without touches, from one evaluation
    of the month's journeys: the engine keeps them as a temporary table until all three are
    read (each used to join touchpoints to orders again; at scale 100 that join is most of the
    report's time)."""
    journeys = queries.journey_touches(
        warehouse, first, last, lookback_days=params.lookback_days, collapse=params.collapse_repeats
    )
    with warehouse.materialized(journeys) as cached:
        return (
            queries.path_counts(cached),
            queries.time_decay_credit(cached, params.half_life_days),
            queries.orders_without_touches(warehouse, cached, first, last),
        )


def run_aggregates(
    warehouse: Warehouse, params: AttributionParams
) -> tuple[AttributionReport, AttributionTables]:
    """Incremental ROI and the budget from daily spend per channel and daily revenue alone;
    the path models need journeys and say so."""
    first, last = month_bounds(params.period)
    days_in_month = (last - first).days + 1
    fit, not_fitted = _mmm(warehouse, params, last, days_in_month)
    if fit is None:
        raise AnalysisError(
            f"inputs: aggregates: daily_revenue up to {last} has fewer than "
            f"{mmm.MIN_WEEKS * 7} days ({not_fitted}); the marketing-mix model needs 8 weeks"
        )
    month = queries.aggregate_spend(warehouse, first, last)
    spend = month.groupby("channel")["spend"].sum()
    rules = thresholds(params)
    rows = []
    for row in fit.channels:
        cost = float(spend.get(row.channel, 0.0))
        base = ChannelEconomics(
            channel=row.channel, spend=cost, visits=0, conversions={}, revenue={},
            new_customers={}, roi={}, profit_roi=None, cac=None, ltv_to_cac=None,
            conversion_rate=None, status="n/a", status_by_model={}, roi_range=None,
            status_depends_on_model=False, quadrant="",
        )  # fmt: skip
        rows.append(
            channels._on_incremental(
                base, row, rules, params.gross_margin, 0.0, params.decision_model
            )
        )
    economics = channels._with_return_quadrants(rows, rules)
    curves: dict[str, mmm.AnyCurve] = {
        name: replace(curve, reason=_curve_words(fit, name, params.lang))
        for name, curve in fit.curves.items()
        if spend.get(name, 0.0) > 0
    }
    proposal = _budget(economics, curves, params, days_in_month, incremental=True)
    effect = _effect(curves, proposal, days_in_month, params)
    lang = params.lang
    report = AttributionReport(
        headline=incremental_headline(economics, params.decision_model, lang),
        period=params.period,
        lang=lang,
        models=[],
        decision_model=params.decision_model,
        methods={"mmm": _mmm_method(fit, lang), "quadrant": _quadrant_method(fit, lang)},
        channels=[_channel_record(r, params.decision_model, lang) for r in economics],
        removal_effects={},
        revenue_removal_effects={},
        budget=list(wording.budget_lines(proposal, lang)),
        budget_method=wording.budget_method(lang),
        budget_notes=list(wording.budget_notes(proposal, lang)),
        paths=None,
        ltv=LtvSummary(value=None, method=None, fallback_reason=None, source=None),
        findings=[
            text("attribution.finding.needs_journeys", lang),
            *incremental_findings(economics, fit, effect, lang),
        ],
        model_dependent_channels=[],
        thresholds=thresholds(params),
        roi_basis="incremental",
        mmm=_mmm_summary(fit, None),
        budget_effect=effect,
    )
    empty = pd.DataFrame()
    tables = AttributionTables(economics, empty, empty, empty, curves, fit.daily)
    return report, tables


def mmm_settings(params: AttributionParams) -> mmm.MmmSettings:
    """The marketing-mix model's settings from the report's params (its seed included)."""
    return mmm.MmmSettings(
        level=params.mmm.level,
        draws=params.mmm.draws,
        seed=params.random_state,
        prior_roi_mean=params.mmm.prior_roi_mean,
        prior_roi_sd=params.mmm.prior_roi_sd,
        events=tuple((start, end) for start, end in params.mmm.events),
        step=STEP_DAYS.get(params.mmm.step),
    )


def _mmm_summary(fit: mmm.MmmFit | None, not_fitted: str | None) -> MmmFitted | MmmNotFitted:
    if fit is None:
        return MmmNotFitted(reason=not_fitted)
    return MmmFitted(
        method=fit.method,
        first=fit.first,
        last=fit.last,
        days=fit.days,
        step=fit.step,
        gaps=fit.gaps,
        controls=fit.controls,
        r_squared=fit.r_squared,
        noise_inflation=fit.noise_inflation,
        calibrated=[c.channel for c in fit.channels if c.calibrated],
        cannot_estimate={c.channel: c.reason for c in fit.channels if c.code != "estimated"},
    )


def current_plan(proposal: budget.BudgetProposal) -> dict[str, float]:
    """The current plan at the proposal's channel money: this month's mix, scaled to the money
    the proposal spreads over channels (total − test reserve), so both spend the same."""
    lines = [line for line in proposal.lines if line.status != "test"]
    now = sum(line.current for line in lines)
    placed = sum(line.proposed for line in lines)
    factor = placed / now if now > 0 else 0.0
    return {line.channel: line.current * factor for line in lines}


def _effect(
    curves: dict, proposal: budget.BudgetProposal, days: int, params: AttributionParams
) -> mmm.BudgetEffect:
    proposed = {line.channel: line.proposed for line in proposal.lines if line.status != "test"}
    return mmm.budget_effect(curves, current_plan(proposal), proposed, days, params.mmm.level)


def _quadrant_method(fit: mmm.MmmFit | None, lang: str) -> str:
    key = "quadrant_incremental" if fit is not None else "quadrant"
    return text(f"attribution.method.{key}", lang)


def _mmm_method(fit: mmm.MmmFit, lang: str) -> str:
    return text(
        "attribution.method.mmm",
        lang,
        days=fit.days,
        first=fit.first.isoformat(),
        last=fit.last.isoformat(),
        grain=text(f"attribution.mmm.grain.{STEP_NAMES[fit.step]}", lang),
        gaps=text(f"attribution.mmm.gaps.{STEP_NAMES[fit.step]}", lang, n=fit.gaps)
        if fit.gaps
        else "",
        controls=text(
            "attribution.mmm.controls",
            lang,
            names=text("attribution.list_separator", lang).join(fit.controls),
        )
        if fit.controls
        else "",
        r2=f"{fit.r_squared:.2f}",
    )


def _curve_words(fit: mmm.MmmFit, name: str, lang: str) -> str:
    row = fit.channel(name)
    if row is None:
        raise AnalysisError(f"the marketing-mix fit has no channel {name!r}, yet a curve for it")
    return text(
        "attribution.mmm.curve",
        lang,
        decay=f"{row.decay:g}",
        half=money(row.half_saturation, lang),
    )


def thresholds(params: AttributionParams) -> budget.Thresholds:
    """The params' ROI lines as the budget and status rules take them."""
    return budget.Thresholds(**params.thresholds.model_dump())


def _channel_record(row: ChannelEconomics, decision_model: str, lang: str) -> ChannelRecord:
    """The published record of a channel: its economics, the decision model, and the quadrant
    in words (in `lang`) beside its code."""
    return ChannelRecord(
        **asdict(row)
        | {
            "quadrant": quadrant_label(row.quadrant, lang, row.roi_basis),
            "decision_model": decision_model,
            "quadrant_code": row.quadrant,
        }
    )


def path_summary(counts: pd.DataFrame, untouched: dict[str, float]) -> PathSummary:
    """Converting and null journeys, mean and distribution of converting path length."""
    converted = counts[counts["converted"]]
    lengths = converted["path"].map(len)
    weights = converted["journeys"]
    mean_length = float((lengths * weights).sum() / weights.sum()) if weights.sum() else 0.0
    return PathSummary(
        converting=int(weights.sum()),
        null=int(counts.loc[~counts["converted"], "journeys"].sum()),
        mean_length=mean_length,
        distinct=int(counts["path"].nunique()),
        orders_without_touches=int(untouched["orders"]),
        revenue_without_touches=float(untouched["revenue"]),
    )


def top_paths(counts: pd.DataFrame, n: int) -> pd.DataFrame:
    """The n most travelled paths: journeys, conversions, conversion rate, revenue."""
    frame = counts.assign(
        conversions=counts["journeys"].where(counts["converted"], 0),
        nulls=counts["journeys"].where(~counts["converted"], 0),
    )
    per_path = frame.groupby("path", sort=False)[["conversions", "nulls", "revenue"]].sum()
    per_path["journeys"] = per_path["conversions"] + per_path["nulls"]
    per_path["conversion_rate"] = per_path["conversions"] / per_path["journeys"]
    per_path = per_path.sort_values(["conversions", "journeys"], ascending=False).head(n)
    per_path.index = [" > ".join(path) for path in per_path.index]
    return per_path.rename_axis("path").reset_index()


def path_lengths(counts: pd.DataFrame) -> pd.DataFrame:
    """Journeys per path length, converting and null apart."""
    frame = counts.assign(length=counts["path"].map(len))
    table = frame.pivot_table(
        index="length", columns="converted", values="journeys", aggfunc="sum", fill_value=0
    )
    table = table.rename(columns={True: "converting", False: "null"})
    for column in ("converting", "null"):
        if column not in table:
            table[column] = 0
    return table[["converting", "null"]].reset_index()


def _daily(
    warehouse: Warehouse, params: AttributionParams, last: date, economics: list[ChannelEconomics]
) -> pd.DataFrame:
    """Daily spend and revenue per channel over `curve_days`, revenue at the decision model's level.

    The daily shape comes from linear credit; each channel's series is scaled so that its
    total over the report month equals the decision model's revenue for the month.
    """
    first = last - timedelta(days=params.budget.curve_days - 1)
    journeys = queries.journey_touches(
        warehouse, first, last, lookback_days=params.lookback_days, collapse=params.collapse_repeats
    )
    revenue = queries.daily_linear_revenue(journeys)
    spend = queries.daily_spend(warehouse, first, last)
    daily = spend.merge(revenue, on=["date", "channel"], how="outer").fillna(
        {"spend": 0.0, "revenue": 0.0}
    )
    daily["date"] = pd.to_datetime(daily["date"])
    month = daily["date"] >= pd.Timestamp(last.replace(day=1))
    month_linear = daily[month].groupby("channel")["revenue"].sum()
    scale = {
        row.channel: (row.revenue[params.decision_model] / month_linear[row.channel])
        if month_linear.get(row.channel, 0) > 0
        else 1.0
        for row in economics
    }
    daily["revenue"] = daily["revenue"] * daily["channel"].map(scale).fillna(1.0)
    return daily.sort_values(["channel", "date"], ignore_index=True)


def _curves(
    daily: pd.DataFrame,
    economics: list[ChannelEconomics],
    params: AttributionParams,
    days_in_month: int,
) -> dict[str, mmm.AnyCurve]:
    curves: dict[str, mmm.AnyCurve] = {}
    for row in economics:
        if row.spend <= 0:
            continue
        days = daily[daily["channel"] == row.channel]
        curve = response.fit_response_curve(
            days["spend"].to_numpy(float),
            days["revenue"].to_numpy(float),
            channel=row.channel,
            current_daily_spend=row.spend / days_in_month,
            min_days=params.budget.min_curve_days,
        )
        curves[row.channel] = wording.worded_curve(curve, params.lang)
    return curves


def _budget(
    economics: list[ChannelEconomics],
    curves: dict[str, mmm.AnyCurve],
    params: AttributionParams,
    days_in_month: int,
    *,
    incremental: bool = False,
) -> budget.BudgetProposal:
    """The proposal; on incremental ROI a channel without an estimate stays outside it (its
    spend unchanged) and a negative estimate counts as ROI 0 (inefficient either way)."""
    rules = params.budget
    if incremental:
        rows = [r for r in economics if r.spend <= 0 or r.incremental_roi is not None]
        roi = {
            r.channel: None
            if r.spend <= 0 or r.incremental_roi is None
            else max(r.incremental_roi, 0.0)
            for r in rows
        }
    else:
        rows = economics
        roi = {r.channel: r.roi[params.decision_model] for r in rows}
    names = {r.channel for r in rows}
    decreases = {c: v[0] for c, v in rules.channel_limits.items() if c in names}
    increases = {c: v[1] for c, v in rules.channel_limits.items() if c in names}
    return budget.propose_budget(
        spend={row.channel: row.spend for row in rows},
        roi=roi,
        curves={name: curve for name, curve in curves.items() if name in names},
        total_budget=rules.total,
        max_increase=rules.max_increase,
        max_decrease=rules.max_decrease,
        max_increase_by_channel=increases or None,
        max_decrease_by_channel=decreases or None,
        test_share=rules.test_share,
        thresholds=budget.Thresholds(
            expand=params.thresholds.expand,
            keep=params.thresholds.keep,
            watch=params.thresholds.watch,
        ),
        deepening=rules.deepening_phase,
        days_in_month=float(days_in_month),
    )


def undervalued_by_last_touch(
    economics: list[ChannelEconomics], model: str
) -> ChannelEconomics | None:
    """The channel whose credit under `model` most exceeds its last-touch credit."""
    rated = [r for r in economics if r.revenue.get("last_touch", 0) > 0]
    if not rated:
        return None
    return max(rated, key=lambda r: r.revenue[model] / r.revenue["last_touch"])


def headline_sentence(economics: list[ChannelEconomics], model: str, lang: str) -> str:
    """E.g. "小红书 is worth 4.2× what last-touch credits it; ROI 3.6 under Markov: expand"."""
    label = model_label(model, lang)
    top = undervalued_by_last_touch(economics, model)
    if top is None:
        return text("attribution.headline.none", lang)
    ratio = top.revenue[model] / top.revenue["last_touch"]
    roi = top.roi[model]
    judged = (
        text(
            "attribution.headline.judged",
            lang,
            roi=f"{roi:.1f}",
            model=label,
            status=text(f"attribution.status.{top.status}", lang),
        )
        if roi is not None
        else text("attribution.headline.no_spend", lang)
    )
    if ratio < 1.05:
        return text(
            "attribution.headline.agree", lang, model=label, channel=top.channel, judged=judged
        )
    return text(
        "attribution.headline.undervalued",
        lang,
        channel=top.channel,
        ratio=f"{ratio:.1f}",
        judged=judged,
    )


def findings(economics: list[ChannelEconomics], model: str, lang: str) -> list[str]:
    """Sentences for the monthly review: CAC gaps, inefficient and model-dependent channels."""
    sentences = []
    cac = {r.channel: r.cac for r in economics if r.cac is not None}
    paid = [r for r in economics if r.channel in cac]
    if len(paid) >= 2:
        biggest = max(paid, key=lambda r: r.spend)
        cheapest = min(paid, key=lambda r: cac[r.channel])
        gap = 1 - cac[cheapest.channel] / cac[biggest.channel]
        if cheapest is not biggest and gap >= NOTABLE_GAP:
            sentences.append(
                text(
                    "attribution.finding.cac_gap",
                    lang,
                    cheapest=cheapest.channel,
                    cheapest_cac=money(cheapest.cac, lang),
                    gap=percent(gap, lang, 0),
                    biggest=biggest.channel,
                    biggest_cac=money(biggest.cac, lang),
                )
            )
    for row in economics:
        if row.status == "inefficient":
            sentences.append(
                text(
                    "attribution.finding.inefficient",
                    lang,
                    channel=row.channel,
                    roi=f"{row.roi[model]:.2f}",
                    model=model_label(model, lang),
                )
            )
    separator = text("attribution.list_separator", lang)
    for row in economics:
        if row.status_depends_on_model and row.roi_range is not None:
            low, high = row.roi_range
            statuses = sorted(set(row.status_by_model.values()))
            sentences.append(
                text(
                    "attribution.finding.model_dependent",
                    lang,
                    channel=row.channel,
                    low=f"{low:.1f}".replace("-", "\u2212"),
                    high=f"{high:.1f}",
                    statuses=separator.join(
                        text(f"attribution.status.{status}", lang) for status in statuses
                    ),
                )
            )
    return sentences


def status_words(row: ChannelEconomics, lang: str) -> str:
    """A status in words, "…, not yet certain" when its interval crosses a handbook line."""
    words = text(f"attribution.status.{row.status}", lang)
    if row.status_certainty == "uncertain":
        return text("attribution.status_uncertain", lang, status=words)
    return words


def incremental_headline(economics: list[ChannelEconomics], model: str, lang: str) -> str:
    """The channel whose attributed and incremental ROI differ most, judged on incremental ROI."""
    rated = [r for r in economics if r.incremental_roi is not None]
    if not rated:
        return text("attribution.headline.no_estimate", lang)
    top = max(rated, key=lambda r: abs((r.attributed_roi or 0.0) - (r.incremental_roi or 0.0)))
    low, high = top.incremental_roi_interval or (top.incremental_roi, top.incremental_roi)
    return (
        text(
            "attribution.headline.incremental",
            lang,
            channel=top.channel,
            roi=f"{top.incremental_roi:.1f}",
            low=f"{low:.1f}".replace("-", "\u2212"),
            high=f"{high:.1f}",
            status=status_words(top, lang),
            model=model_label(model, lang),
            attributed="–" if top.attributed_roi is None else f"{top.attributed_roi:.1f}",
        )
        if top.attributed_roi is not None
        else text(
            "attribution.headline.incremental_only",
            lang,
            channel=top.channel,
            roi=f"{top.incremental_roi:.1f}",
            low=f"{low:.1f}".replace("-", "\u2212"),
            high=f"{high:.1f}",
            status=status_words(top, lang),
        )
    )


def incremental_findings(
    economics: list[ChannelEconomics],
    fit: mmm.MmmFit,
    effect: mmm.BudgetEffect | None,
    lang: str,
) -> list[str]:
    """Sentences on incremental ROI: inefficient, not yet certain, not estimable, calibrated,
    and what the proposed budget is expected to add."""
    sentences = []
    for row in economics:
        if row.incremental_roi is None:
            continue
        low, high = row.incremental_roi_interval or (row.incremental_roi, row.incremental_roi)
        if row.status == "inefficient":
            sentences.append(
                text(
                    "attribution.finding.inefficient_incremental",
                    lang,
                    channel=row.channel,
                    roi=f"{row.incremental_roi:.2f}",
                )
            )
        if row.status_certainty == "uncertain":
            sentences.append(
                text(
                    "attribution.finding.uncertain",
                    lang,
                    channel=row.channel,
                    status=text(f"attribution.status.{row.status}", lang),
                    low=f"{low:.1f}".replace("-", "\u2212"),
                    high=f"{high:.1f}",
                )
            )
    for row in economics:
        if row.estimate == "cannot_estimate":
            sentences.append(
                text(
                    "attribution.finding.cannot_estimate",
                    lang,
                    channel=row.channel,
                    reason=text(f"attribution.estimate_reason.{row.estimate_reason}", lang),
                )
            )
    calibrated = [c.channel for c in fit.channels if c.calibrated]
    if calibrated:
        separator = text("attribution.list_separator", lang)
        sentences.append(
            text("attribution.finding.calibrated", lang, channels=separator.join(calibrated))
        )
    if effect is not None:
        low, high = effect.difference_interval
        sentences.append(
            text(
                "attribution.finding.budget_effect",
                lang,
                difference=money(effect.difference, lang),
                low=money(low, lang),
                high=money(high, lang),
                current=money(effect.current, lang),
            )
        )
    return sentences
