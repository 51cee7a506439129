"""The channel ROI report: journeys built by the rules, planted truths found, edge cases shown."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from record_roundtrip import assert_round_trips
from scipy.stats import spearmanr

from analysis.attribution import budget, queries, report
from analysis.attribution.channels import channel_economics
from analysis.attribution.results import MmmNotFitted
from analysis.errors import ParamsError
from analysis.params import AttributionParams, DataSource, validate_report
from analysis.schema import CHANNELS
from analysis.warehouse import open_warehouse

FIRST, LAST = date(2026, 10, 1), date(2026, 10, 31)


def _journey_warehouse(folder: Path) -> Path:
    """Four people whose journeys exercise every path rule."""
    ts = pd.Timestamp
    touches = [
        ("c1", "2026-10-01 09:00", "百度SEM"),
        ("c1", "2026-10-03 09:00", "小红书"),
        ("c1", "2026-10-04 09:00", "小红书"),
        ("c1", "2026-10-10 09:00", "邮件"),  # after c1's first order: the second order's path
        ("c1", "2026-10-20 09:00", "知乎"),  # after c1's last order: a null journey
        ("c2", "2026-08-01 09:00", "知乎"),  # outside the 30-day lookback
        ("c2", "2026-09-20 09:00", "抖音"),
        ("c3", "2026-10-07 09:00", "抖音"),  # c3 never buys
        ("c3", "2026-10-08 09:00", "小红书"),
    ]
    orders = [
        ("o1", "c1", "2026-10-05 12:00", 100.0),
        ("o2", "c1", "2026-10-12 12:00", 50.0),
        ("o0", "c2", "2026-07-01 12:00", 10.0),
        ("o3", "c2", "2026-10-02 12:00", 70.0),
        ("o4", "c4", "2026-10-15 12:00", 30.0),  # no touch at all
    ]
    folder.mkdir(parents=True)
    pd.DataFrame(
        {
            "user_id": [t[0] for t in touches],
            "ts": [ts(t[1]) for t in touches],
            "channel": [t[2] for t in touches],
            "campaign": [None] * len(touches),
        }
    ).to_parquet(folder / "touchpoints.parquet")
    pd.DataFrame(
        {
            "order_id": [o[0] for o in orders],
            "customer_id": [o[1] for o in orders],
            "order_ts": [ts(o[2]) for o in orders],
            "revenue": [o[3] for o in orders],
            "channel": [None] * len(orders),
        }
    ).to_parquet(folder / "orders.parquet")
    pd.DataFrame(
        {
            "date": [date(2026, 10, 1)],
            "channel": ["百度SEM"],
            "campaign": ["brand"],
            "keyword": [None],
            "spend": [100.0],
            "impressions": [1000],
            "clicks": [10],
        }
    ).to_parquet(folder / "spend.parquet")
    return folder


def _paths(folder: Path, collapse: bool) -> set[tuple]:
    warehouse = open_warehouse(DataSource(path=folder))
    journeys = queries.journey_touches(warehouse, FIRST, LAST, lookback_days=30, collapse=collapse)
    counts = queries.path_counts(journeys)
    return {
        (row.path, row.converted, row.is_first, row.never_bought, row.journeys, row.revenue)
        for row in counts.itertuples()
    }


def test_journeys_follow_lookback_previous_order_and_null_rules(tmp_path: Path) -> None:
    folder = _journey_warehouse(tmp_path / "w")
    assert _paths(folder, collapse=True) == {
        (("百度SEM", "小红书"), True, True, False, 1, 100.0),
        (("邮件",), True, False, False, 1, 50.0),
        (("抖音",), True, False, False, 1, 70.0),
        (("知乎",), False, False, False, 1, 0.0),
        (("抖音", "小红书"), False, False, True, 1, 0.0),
    }
    uncollapsed = _paths(folder, collapse=False)
    assert (("百度SEM", "小红书", "小红书"), True, True, False, 1, 100.0) in uncollapsed
    warehouse = open_warehouse(DataSource(path=folder))
    journeys = queries.journey_touches(warehouse, FIRST, LAST, lookback_days=30, collapse=True)
    untouched = queries.orders_without_touches(warehouse, journeys, FIRST, LAST)
    assert untouched == {"orders": 1, "revenue": 30.0}


def test_time_decay_halves_a_touch_one_half_life_older(tmp_path: Path) -> None:
    folder = _journey_warehouse(tmp_path / "w")
    warehouse = open_warehouse(DataSource(path=folder))
    journeys = queries.journey_touches(warehouse, FIRST, LAST, lookback_days=30, collapse=True)
    # o1: 百度SEM 4 days 3 h before the order, 小红书 (kept: the first of its run) 2 days 3 h
    credit = queries.time_decay_credit(journeys, half_life_days=2.0).set_index("channel")
    sem, red = 2.0 ** (-(4 + 3 / 24) / 2), 2.0 ** (-(2 + 3 / 24) / 2)
    assert credit.loc["百度SEM", "conversions"] == pytest.approx(sem / (sem + red))
    assert credit.loc["小红书", "revenue"] == pytest.approx(100 * red / (sem + red))
    assert credit["conversions"].sum() == pytest.approx(3.0)


@pytest.fixture(scope="module")
def demo_run(demo_dir: Path):
    params = AttributionParams(period="2026-10", data={"path": str(demo_dir)})
    return report.run(open_warehouse(params.data), params)


def test_markov_credit_adds_up_to_the_converting_journeys(demo_run) -> None:
    results, tables = demo_run
    markov = tables.credits[tables.credits["model"] == "markov"]
    assert markov["conversions"].sum() == pytest.approx(results.paths.converting)
    for model, credit in tables.credits.groupby("model"):
        assert credit["conversions"].sum() == pytest.approx(results.paths.converting), model
    assert all(0 <= value <= 1 for value in results.removal_effects.values())


def test_last_touch_undervalues_the_planted_assisting_channel(demo_dir: Path, demo_run) -> None:
    truth = json.loads((demo_dir / "truth.json").read_text())
    assisting = truth["assisting_channel"]
    row = next(r for r in demo_run[1].economics if r.channel == assisting)
    assert row.revenue["markov"] > 1.5 * row.revenue["last_touch"]
    assert row.roi["markov"] > row.roi["last_touch"]


def test_markov_revenue_ranking_matches_the_planted_truth(demo_dir: Path, demo_run) -> None:
    truth = json.loads((demo_dir / "truth.json").read_text())["channels"]
    credits = demo_run[1].credits
    markov = credits[credits["model"] == "markov"].set_index("channel")["revenue"]
    rho = spearmanr([markov[c] for c in CHANNELS], [truth[c]["true_revenue"] for c in CHANNELS])[0]
    assert rho >= 0.8


def test_zero_spend_channel_has_roi_not_applicable(demo_run) -> None:
    results, _ = demo_run
    community = next(c for c in results.channels if c.channel == "企业微信社群")
    assert community.spend == 0
    assert set(community.roi.values()) == {None}
    assert community.status == "n/a" and community.cac is None
    line = next(b for b in results.budget if b.channel == "企业微信社群")
    assert line.proposed == 0 and "no spend" in line.reason


def test_budget_lines_add_up_to_the_total(demo_run) -> None:
    results, tables = demo_run
    total = sum(r.spend for r in tables.economics)
    assert sum(line.proposed for line in results.budget) == pytest.approx(total, abs=0.01)


def test_results_record_has_the_documented_fields(demo_run) -> None:
    results, _ = demo_run
    assert {"period", "models", "channels", "removal_effects", "budget", "paths"} <= set(
        vars(results)
    )
    channel = results.channels[0]
    for key in ("channel", "spend", "conversions", "revenue", "roi", "cac", "ltv_to_cac"):
        assert key in vars(channel)
    assert {"status", "quadrant"} <= set(vars(channel))
    assert {"converting", "null", "mean_length"} <= set(vars(results.paths))
    assert {"channel", "current", "proposed", "reason"} <= set(vars(results.budget[0]))


def test_the_results_record_reads_back_as_the_same_typed_report(demo_run) -> None:
    results, _ = demo_run
    payload = assert_round_trips(results)
    assert payload["mmm"]["fitted"] and payload["mmm"]["first"] < payload["mmm"]["last"]
    assert payload["channels"][0]["quadrant_code"] and payload["budget_effect"]["level"] == 0.9
    assert payload["thresholds"] == {"expand": 3.0, "keep": 2.0, "watch": 1.2}


def test_channel_with_spend_but_no_touches_is_shown_as_inefficient() -> None:
    credits = pd.DataFrame(
        {
            "model": ["last_touch"],
            "channel": ["百度SEM"],
            "conversions": [10.0],
            "revenue": [1000.0],
            "new_customers": [5.0],
        }
    )
    spend = pd.Series({"百度SEM": 100.0, "知乎": 50.0, "企业微信社群": 0.0})
    visits = pd.Series({"百度SEM": 200, "企业微信社群": 80})
    rows = {
        r.channel: r
        for r in channel_economics(
            credits,
            spend,
            visits,
            decision_model="last_touch",
            thresholds=budget.Thresholds(),
            margin=0.3,
            ltv=90.0,
        )
    }
    assert rows["知乎"].roi["last_touch"] == 0.0 and rows["知乎"].status == "inefficient"
    assert rows["知乎"].visits == 0 and rows["知乎"].conversion_rate is None
    assert rows["百度SEM"].roi["last_touch"] == 10.0 and rows["百度SEM"].status == "expand"
    assert rows["百度SEM"].cac == 20.0 and rows["百度SEM"].ltv_to_cac == pytest.approx(4.5)
    assert rows["企业微信社群"].roi["last_touch"] is None and rows["企业微信社群"].status == "n/a"


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ({"position_weights": [0.5, 0.5, 0.5]}, "position_weights"),
        ({"decision_model": "markov", "models": ["last_touch", "linear"]}, "decision_model"),
        ({"thresholds": {"watch": 2.5, "keep": 2.0, "expand": 3.0}}, "watch < keep < expand"),
    ],
)
def test_bad_attribution_params_name_the_problem(tmp_path: Path, override, named) -> None:
    values = {"report": "attribution", "period": "2026-10", "data": {"path": str(tmp_path)}}
    with pytest.raises(ParamsError, match=named):
        validate_report(values | override, "test.yaml")


def test_incremental_roi_against_the_planted_truth_at_suite_scale(demo_dir: Path, demo_run) -> None:
    """At scale 0.05 the daily revenue is too noisy to place every channel on the right side
    of a handbook line (notes/14: at scale 1 most are); what must hold here: the planted ROI
    lies inside the 90% interval for at least 5 of 6 paid channels, and a status that differs
    from the planted one is never presented as certain."""
    truth = json.loads((demo_dir / "truth.json").read_text())["channels"]
    results, _ = demo_run
    assert results.roi_basis == "incremental"
    paid = [c for c in results.channels if truth[c.channel]["true_roi"] is not None]
    assert len(paid) == 6
    inside = sum(
        c.incremental_roi_interval[0]
        <= truth[c.channel]["true_roi"]
        <= c.incremental_roi_interval[1]
        for c in paid
    )
    assert inside >= 5
    for channel in paid:
        if channel.status != truth[channel.channel]["status"]:
            assert channel.status_certainty == "uncertain", channel.channel
    assert "抖音" in results.mmm.calibrated


def test_proposed_budget_earns_at_least_the_current_plan_on_the_planted_curves(
    demo_dir: Path, demo_run
) -> None:
    truth = json.loads((demo_dir / "truth.json").read_text())["channels"]
    results, _ = demo_run
    lines = [b for b in results.budget if b.status != "test"]
    money = sum(b.proposed for b in lines) / sum(b.current for b in lines)

    def planted(amounts: dict[str, float]) -> float:
        total = 0.0
        for name, monthly in amounts.items():
            curve = (truth[name].get("response") or {}).get("curve")
            if curve:
                daily = monthly / 31
                total += 31 * curve["beta"] * daily / (daily + curve["half_saturation"])
        return total

    current_plan = {b.channel: b.current * money for b in lines}
    proposed = {b.channel: b.proposed for b in lines}
    assert planted(proposed) >= planted(current_plan)
    effect = results.budget_effect
    assert effect.difference_interval[0] <= effect.difference


def test_without_a_spend_table_the_path_models_run_alone(demo_dir: Path, tmp_path: Path) -> None:
    for source in demo_dir.glob("*.parquet"):
        if source.name != "spend.parquet":
            (tmp_path / source.name).symlink_to(source)
    params = AttributionParams(period="2026-10", data={"path": str(tmp_path)})
    assert "spend" not in params.tables_needed
    results, _ = report.run(open_warehouse(params.data), params)
    assert results.mmm == MmmNotFitted(reason="no_spend_table")
    assert_round_trips(results)  # the record without a fit, a budget or an effect reads back
    assert results.budget == [] and results.roi_basis == "attributed"
    assert {c.status for c in results.channels} == {"n/a"}
    assert "spend" in results.findings[-1] and results.removal_effects
