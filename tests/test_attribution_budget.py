"""Response curves recover planted parameters; budget moves follow the handbook and the limits."""

from __future__ import annotations

import math
import re
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.attribution import budget, response
from analysis.attribution.budget import BudgetProposal, Thresholds, roi_status
from analysis.attribution.response import ResponseCurve, response_band
from analysis.attribution.wording import (
    budget_lines,
    budget_notes,
    reserve_line_name,
    worded_curve,
)
from analysis.errors import AnalysisError, InputError

TEST_RESERVE = reserve_line_name("en")


def propose_budget(**inputs) -> BudgetProposal:
    """`budget.propose_budget` with its lines worded in English, as the report publishes them."""
    proposal = budget.propose_budget(**inputs)
    return replace(proposal, lines=budget_lines(proposal, "en"))


def fit_response_curve(*args, **kwargs) -> ResponseCurve:
    """`response.fit_response_curve` with its reason worded in English, as the report has it."""
    return worded_curve(response.fit_response_curve(*args, **kwargs), "en")


TRUE_A, TRUE_B = 50_000.0, 8_000.0  # daily saturation revenue and spend scale (yuan)


def planted_days(
    seed: int, *, n_days: int = 60, a: float = TRUE_A, b: float = TRUE_B, noise: float = 2_000.0
) -> tuple[np.ndarray, np.ndarray]:
    """Daily spend varied over 2,000–20,000 and revenue from a·(1 − e^(−x/b)) plus noise."""
    rng = np.random.default_rng(seed)
    spend = rng.uniform(2_000, 20_000, n_days)
    return spend, a * -np.expm1(-spend / b) + rng.normal(0, noise, n_days)


def true_marginal_roi(spend: float, a: float = TRUE_A, b: float = TRUE_B) -> float:
    return a / b * math.exp(-spend / b)


def line(proposal: BudgetProposal, channel: str):
    return next(item for item in proposal.lines if item.channel == channel)


def cents(amount: float) -> int:
    return round(amount * 100)


# --- response curves -------------------------------------------------------------------------


def test_fit_recovers_planted_curve_and_marginal_roi():
    spend, revenue = planted_days(1)
    curve = fit_response_curve(spend, revenue, channel="抖音", current_daily_spend=10_000)
    assert curve.supported, curve.reason
    assert curve.a == pytest.approx(TRUE_A, rel=0.05)
    assert curve.b == pytest.approx(TRUE_B, rel=0.10)
    low, high = curve.marginal_roi_interval
    assert low < true_marginal_roi(10_000) < high
    assert curve.marginal_roi == pytest.approx(true_marginal_roi(10_000), rel=0.1)
    assert curve.n_days == 60
    assert "delta method" in curve.method and "AIC" in curve.method


def test_marginal_roi_interval_covers_truth_about_90_percent_of_the_time():
    covered = 0
    for seed in range(200):
        spend, revenue = planted_days(seed, n_days=45, noise=4_000.0)
        curve = fit_response_curve(spend, revenue, channel="抖音", current_daily_spend=10_000)
        low, high = curve.marginal_roi_interval_at(10_000)
        covered += low <= true_marginal_roi(10_000) <= high
    assert 0.84 <= covered / 200 <= 0.96


def test_fit_is_deterministic():
    spend, revenue = planted_days(2)
    first = fit_response_curve(spend, revenue, channel="抖音")
    assert fit_response_curve(spend, revenue, channel="抖音") == first


def test_constant_spend_is_not_supported():
    _, revenue = planted_days(3)
    curve = fit_response_curve(np.full(60, 9_000.0), revenue, channel="百度SEM")
    assert not curve.supported
    assert "barely varies" in curve.reason
    assert curve.a is None and curve.marginal_roi is None


def test_five_days_are_not_enough():
    spend, revenue = planted_days(4, n_days=5)
    curve = fit_response_curve(spend, revenue, channel="知乎")
    assert not curve.supported
    assert curve.reason.startswith("only 5 days with spend; at least 14")


def test_revenue_unrelated_to_spend_is_not_supported():
    rng = np.random.default_rng(5)
    spend = rng.uniform(2_000, 20_000, 60)
    revenue = rng.normal(30_000, 3_000, 60)
    curve = fit_response_curve(spend, revenue, channel="小红书")
    assert not curve.supported
    assert "revenue does not track spend: a constant fits as well" in curve.reason


def test_straight_line_response_shows_no_saturation():
    rng = np.random.default_rng(6)
    spend = rng.uniform(2_000, 20_000, 60)
    revenue = 3.0 * spend + rng.normal(0, 2_000, 60)
    curve = fit_response_curve(spend, revenue, channel="邮件")
    assert not curve.supported
    assert "straight line through the origin fits as well" in curve.reason


def test_saturation_far_beyond_observed_spend_is_not_supported():
    rng = np.random.default_rng(3)
    spend = rng.uniform(1_000, 10_000, 60)
    revenue = 200_000 * -np.expm1(-spend / 40_000) + rng.normal(0, 50, 60)
    curve = fit_response_curve(spend, revenue, channel="微信公众号")
    assert not curve.supported
    assert "far outside the observed daily spend" in curve.reason


def test_marginal_roi_far_outside_the_data_is_too_uncertain():
    spend, revenue = planted_days(0, n_days=20, noise=6_000.0)
    curve = fit_response_curve(spend, revenue, channel="抖音", current_daily_spend=40_000)
    assert not curve.supported
    assert "marginal ROI is too uncertain" in curve.reason
    assert fit_response_curve(spend, revenue, channel="抖音").supported


def test_band_brackets_the_planted_curve():
    spend, revenue = planted_days(7)
    curve = fit_response_curve(spend, revenue, channel="抖音")
    grid = np.array([0.0, 5_000.0, 10_000.0, 15_000.0])
    band = response_band(curve, grid)
    truth = TRUE_A * -np.expm1(-grid / TRUE_B)
    assert band.revenue[0] == 0 and band.lower[0] == 0
    assert np.all(band.lower <= truth + 1e-9) and np.all(truth <= band.upper + 1e-9)
    assert np.all(band.lower <= band.revenue) and np.all(band.revenue <= band.upper)


def test_evaluating_an_unfitted_curve_names_the_channel():
    curve = fit_response_curve(np.full(30, 5_000.0), np.full(30, 9_000.0), channel="知乎")
    with pytest.raises(AnalysisError, match="知乎"):
        curve.marginal_roi_at(5_000)


def test_bad_series_name_the_parameter():
    with pytest.raises(InputError, match="daily_spend and daily_revenue have lengths 3 and 2"):
        fit_response_curve(np.ones(3), np.ones(2), channel="抖音")
    with pytest.raises(InputError, match=re.escape("daily_spend has minimum -1.0")):
        fit_response_curve(np.array([-1.0, 2.0]), np.ones(2), channel="抖音")
    with pytest.raises(InputError, match=re.escape("level == 1.5")):
        fit_response_curve(np.ones(3), np.ones(3), channel="抖音", level=1.5)


# --- budget: handbook rules ------------------------------------------------------------------

SPEND = {"百度SEM": 100_000.0, "抖音": 200_000.0, "企业微信社群": 0.0, "邮件": 100_000.0}
ROI = {"百度SEM": 2.5, "抖音": 4.0, "企业微信社群": None, "邮件": 0.9}


def test_rules_cut_inefficient_grow_expand_keep_keep_with_total_unchanged():
    proposal = propose_budget(spend=SPEND, roi=ROI, test_share=0.0)
    assert proposal.total_budget == 400_000 and proposal.feasible
    assert line(proposal, "邮件").proposed == 50_000  # cut by the 50% limit
    assert line(proposal, "邮件").reason == "ROI 0.9 < 1.2: inefficient, cut by the 50% limit"
    assert line(proposal, "抖音").proposed == 250_000  # the 50,000 freed goes to the expand one
    assert line(proposal, "抖音").reason.startswith("ROI 4.0 > 3: expand; raised 25%")
    assert line(proposal, "百度SEM").proposed == 100_000
    assert line(proposal, "百度SEM").reason == "ROI 2.5 in 2–3: keep; held at current spend"


def test_zero_spend_channel_stays_at_zero_with_na_reason():
    proposal = propose_budget(spend=SPEND, roi=ROI, total_budget=600_000)
    community = line(proposal, "企业微信社群")
    assert community.proposed == 0 and community.status == "n/a"
    assert community.reason == "no spend (organic/community): not budgeted here"


def test_test_reserve_is_its_own_line_and_everything_sums_to_the_total():
    proposal = propose_budget(spend=SPEND, roi=ROI, total_budget=433_333.33)
    reserve = line(proposal, TEST_RESERVE)
    assert reserve is proposal.lines[-1] and reserve.status == "test"
    assert cents(reserve.proposed) == round(43_333_333 * 0.2)
    assert sum(cents(item.proposed) for item in proposal.lines) == 43_333_333
    assert proposal.feasible and proposal.unallocated == 0


def test_watch_channel_is_cut_in_deepening_phase_only():
    spend, roi = {"知乎": 100_000.0, "抖音": 100_000.0}, {"知乎": 1.6, "抖音": 3.5}
    deep = propose_budget(spend=spend, roi=roi, test_share=0.0)
    assert line(deep, "知乎").proposed == 50_000
    assert "deepening-phase rule drops channels under 2" in line(deep, "知乎").reason
    monthly = propose_budget(spend=spend, roi=roi, test_share=0.0, deepening=False)
    assert line(monthly, "知乎").proposed == 100_000


def test_doubled_budget_beyond_limits_reports_the_shortfall():
    proposal = propose_budget(
        spend=SPEND, roi=ROI, total_budget=800_000, test_share=0.0, max_increase=0.3
    )
    assert not proposal.feasible
    # 抖音 +30% = 260,000; 百度SEM +30% = 130,000; 邮件 stays cut at 50,000
    assert proposal.unallocated == pytest.approx(800_000 - 440_000)
    assert line(proposal, "抖音").proposed == 260_000
    assert "360,000.00 of the channel budget is unallocated" in line(proposal, TEST_RESERVE).reason
    assert budget_notes(proposal, "en") and "increase limit" in budget_notes(proposal, "en")[0]


def test_budget_below_the_floors_reports_the_excess():
    proposal = propose_budget(spend=SPEND, roi=ROI, total_budget=100_000, test_share=0.0)
    assert proposal.unallocated == pytest.approx(100_000 - 200_000)
    assert all(item.change_pct == -0.5 for item in proposal.lines if item.current > 0)


def test_per_channel_limit_override():
    proposal = propose_budget(
        spend=SPEND,
        roi=ROI,
        test_share=0.0,
        max_decrease_by_channel={"邮件": 1.0},
        max_increase_by_channel={"抖音": 0.1},
    )
    assert line(proposal, "邮件").proposed == 0  # paused
    assert line(proposal, "抖音").proposed == 220_000  # capped at +10%
    assert line(proposal, "百度SEM").proposed == 130_000  # keep absorbs what it can (+30%)
    assert proposal.unallocated == 50_000


# --- budget: marginal ROI from response curves -----------------------------------------------

CURVE_TRUTH = {"抖音": (60_000.0, 5_000.0, 6_000.0), "小红书": (40_000.0, 10_000.0, 8_000.0)}


@pytest.fixture(scope="module")
def fitted_curves() -> dict[str, ResponseCurve]:
    """Two channels' curves fitted from planted data; current daily spend 6,000 and 8,000."""
    curves = {}
    for seed, (channel, (a, b, current)) in enumerate(CURVE_TRUTH.items()):
        rng = np.random.default_rng(seed + 10)
        spend = rng.uniform(0.3 * current, 2.0 * current, 60)
        revenue = a * -np.expm1(-spend / b) + rng.normal(0, 1_500, 60)
        curves[channel] = fit_response_curve(
            spend, revenue, channel=channel, current_daily_spend=current
        )
    return curves


def test_money_goes_to_higher_marginal_roi_and_equalises_it(fitted_curves):
    assert all(curve.supported for curve in fitted_curves.values())
    spend = {channel: current * 30 for channel, (_, _, current) in CURVE_TRUTH.items()}
    proposal = propose_budget(
        spend=spend,
        roi={"抖音": 4.0, "小红书": 3.5},
        curves=fitted_curves,
        total_budget=sum(spend.values()) + 120_000,
        test_share=0.0,
        max_increase=1.0,
    )
    douyin, xhs = line(proposal, "抖音"), line(proposal, "小红书")
    assert douyin.change > 100_000 > xhs.change >= 0  # true marginal ROI 3.6 vs 1.8
    before = abs(true_marginal_roi(6_000, 60_000, 5_000) - true_marginal_roi(8_000, 40_000, 10_000))
    after = abs(
        true_marginal_roi(douyin.proposed / 30, 60_000, 5_000)
        - true_marginal_roi(xhs.proposed / 30, 40_000, 10_000)
    )
    assert after < before / 5
    # planted optimum: daily spend 9,662 and 8,338 equalise the true marginal ROI at 1.74
    assert douyin.proposed / 30 == pytest.approx(9_662, rel=0.05)
    assert douyin.proposed_marginal_roi == pytest.approx(xhs.proposed_marginal_roi, rel=1e-3)
    assert "marginal ROI 3.6 [" in douyin.reason and "to equalise marginal ROI" in douyin.reason
    assert douyin.curve_supported and douyin.marginal_roi_interval is not None
    assert sum(cents(item.proposed) for item in proposal.lines) == cents(proposal.total_budget)


def test_money_is_taken_where_marginal_roi_is_lowest(fitted_curves):
    spend = {channel: current * 30 for channel, (_, _, current) in CURVE_TRUTH.items()}
    proposal = propose_budget(
        spend=spend,
        roi={"抖音": 2.6, "小红书": 2.4},
        curves=fitted_curves,
        total_budget=sum(spend.values()) - 60_000,
        test_share=0.0,
    )
    douyin, xhs = line(proposal, "抖音"), line(proposal, "小红书")
    assert xhs.change < douyin.change <= 0  # 小红书's marginal ROI is the lower one
    assert "where marginal ROI is lowest" in xhs.reason


def test_unsupported_curve_is_named_and_not_used():
    curve = fit_response_curve(np.full(30, 5_000.0), np.full(30, 9_000.0), channel="抖音")
    proposal = propose_budget(spend=SPEND, roi=ROI, curves={"抖音": curve}, test_share=0.0)
    douyin = line(proposal, "抖音")
    assert not douyin.curve_supported and douyin.marginal_roi is None
    assert "response curve not used: daily spend barely varies" in douyin.reason


# --- budget: properties over random inputs ---------------------------------------------------


@st.composite
def budget_inputs(draw):
    n = draw(st.integers(1, 7))
    names = [f"channel {i}" for i in range(n)]
    spend = {
        name: draw(st.one_of(st.just(0.0), st.integers(100, 10**8).map(lambda c: c / 100)))
        for name in names
    }
    roi = {name: None if spend[name] == 0 else draw(st.floats(0, 6)) for name in names}
    curves = {}
    for name in names:
        if spend[name] > 0 and draw(st.booleans()):
            daily = spend[name] / 30
            a = daily * draw(st.floats(0.5, 20))
            b = daily * draw(st.floats(0.2, 5))
            curves[name] = ResponseCurve(
                channel=name, supported=True, reason="planted", method="planted",
                n_days=60, current_daily_spend=daily, level=0.9, a=a, b=b,
                covariance=((a * a / 100, 0.0), (0.0, b * b / 100)),
            )  # fmt: skip
    current = sum(spend.values())
    return {
        "spend": spend,
        "roi": roi,
        "curves": curves,
        "total_budget": draw(st.integers(0, max(1, round(current * 300))).map(lambda c: c / 100)),
        "max_increase": draw(st.floats(0, 1)),
        "max_decrease": draw(st.floats(0, 1)),
        "test_share": draw(st.floats(0, 0.5)),
        "deepening": draw(st.booleans()),
    }


@settings(max_examples=300, deadline=None)
@given(budget_inputs())
def test_budget_meets_total_or_states_gap_and_never_breaks_limits(inputs):
    proposal = propose_budget(**inputs)
    total = cents(inputs["total_budget"])
    placed = sum(cents(item.proposed) for item in proposal.lines)
    assert placed + cents(proposal.unallocated) == total
    assert proposal.feasible == (proposal.unallocated == 0)
    assert cents(line(proposal, TEST_RESERVE).proposed) == round(total * inputs["test_share"])
    thresholds = Thresholds()
    for item in proposal.lines[:-1]:
        current = inputs["spend"][item.channel]
        assert item.proposed == round(item.proposed, 2)
        assert current * (1 - inputs["max_decrease"]) - 1e-6 <= item.proposed
        assert item.proposed <= current * (1 + inputs["max_increase"]) + 1e-6
        if item.status in ("inefficient", "watch"):
            assert item.proposed <= current  # cut or held, never raised
        if item.status == "inefficient":
            assert item.proposed <= current * (1 - inputs["max_decrease"]) + 0.01
        assert item.status == roi_status(inputs["roi"][item.channel], thresholds)
    if not proposal.feasible:
        assert budget_notes(proposal, "en")


@settings(max_examples=300, deadline=None)
@given(budget_inputs())
def test_budget_is_feasible_exactly_when_the_limits_allow_the_total(inputs):
    """Reachable channel money, from the rules alone: every paid channel can fall to its floor;
    expand/keep channels can rise to their cap, watch channels (outside deepening) stay,
    cut channels stay at the floor."""
    proposal = propose_budget(**inputs)
    spend, roi, thresholds = inputs["spend"], inputs["roi"], Thresholds()
    floors = {name: amount * (1 - inputs["max_decrease"]) for name, amount in spend.items()}
    lowest = sum(floors.values())
    highest = 0.0
    for name, amount in spend.items():
        status = roi_status(roi[name], thresholds)
        if status in ("expand", "keep"):
            highest += amount * (1 + inputs["max_increase"])
        elif status == "watch" and not inputs["deepening"]:
            highest += amount
        else:
            highest += floors[name]
    total = cents(inputs["total_budget"])
    channel_money = (total - round(total * inputs["test_share"])) / 100
    slack = 0.01 * (len(spend) + 1)
    if lowest + slack <= channel_money <= highest - slack:
        assert proposal.feasible
    elif channel_money > highest + slack:
        assert proposal.unallocated == pytest.approx(channel_money - highest, abs=slack)
    elif channel_money < lowest - slack:
        assert proposal.unallocated == pytest.approx(channel_money - lowest, abs=slack)


# --- budget: input errors --------------------------------------------------------------------


def test_status_disagreeing_with_roi_names_channel_and_values():
    with pytest.raises(InputError, match=r"status\['抖音'\] == 'keep' but ROI 4.0"):
        propose_budget(
            spend=SPEND,
            roi=ROI,
            status={
                "百度SEM": "keep",
                "抖音": "keep",
                "企业微信社群": "n/a",
                "邮件": "inefficient",
            },
        )


def test_paid_channel_without_roi_is_rejected():
    with pytest.raises(InputError, match=r"roi\['邮件'\] == None for spend 100000.0"):
        propose_budget(spend=SPEND, roi={**ROI, "邮件": None})


def test_bad_limits_and_shares_name_the_parameter():
    with pytest.raises(InputError, match=re.escape("max_decrease == 1.5")):
        propose_budget(spend=SPEND, roi=ROI, max_decrease=1.5)
    with pytest.raises(InputError, match=r"max_increase_by_channel\['抖音'\] == -0.1"):
        propose_budget(spend=SPEND, roi=ROI, max_increase_by_channel={"抖音": -0.1})
    with pytest.raises(InputError, match=re.escape("test_share == 1.0")):
        propose_budget(spend=SPEND, roi=ROI, test_share=1.0)
    with pytest.raises(InputError, match="names unknown channels"):
        propose_budget(spend=SPEND, roi=ROI, max_increase_by_channel={"视频号": 0.2})


def test_thresholds_must_be_ordered():
    with pytest.raises(InputError, match="0 < watch < keep < expand"):
        Thresholds(expand=2.0, keep=3.0)
