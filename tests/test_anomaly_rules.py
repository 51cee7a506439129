"""Handbook rules: each fires on a planted case, stays quiet on noise and low volume, is causal."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.anomaly.panel import KEY_COLUMNS, Panel
from analysis.anomaly.rules import RuleSettings, evaluate_rules, rule_flags
from analysis.errors import AnalysisError, ParamsError

N_DAYS = 56
START = pd.Timestamp("2026-09-01")


def make_panel(series: list[dict], n_days: int = N_DAYS, frequency: str = "D") -> Panel:
    """Panel from dicts with name, metric, kind, level, parent and values or num/den."""
    nan = np.full(n_days, np.nan)
    keys = pd.DataFrame(
        [
            {
                "name": s["name"],
                "level": s.get("level", "keyword"),
                "metric": s["metric"],
                "kind": s["kind"],
                "channel": "SEM",
                "campaign": None,
                "keyword": None,
                "parent": s.get("parent", -1),
            }
            for s in series
        ],
        columns=list(KEY_COLUMNS),
    )
    numerator = np.array([np.asarray(s.get("num", nan), float) for s in series])
    denominator = np.array([np.asarray(s.get("den", nan), float) for s in series])
    values = np.array(
        [np.asarray(s["values"], float) if "values" in s else s["num"] / s["den"] for s in series]
    )
    stamps = pd.date_range(START, periods=n_days, freq=frequency).to_numpy()
    return Panel(keys, stamps, values, numerator, denominator, frequency)


def cpc_series(name: str, clicks: float, jump_days=(), jump: float = 0.45, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    clicks_per_day = rng.poisson(clicks, N_DAYS).astype(float)
    cpc = 2.0 * rng.lognormal(0.0, 0.04, N_DAYS)
    cpc[list(jump_days)] *= 1 + jump
    return {"name": name, "metric": "cpc", "kind": "price", "num": clicks_per_day * cpc,
            "den": clicks_per_day}  # fmt: skip


def visits_series(name: str, visits: float, drop_days=(), drop: float = 0.30, seed: int = 1):
    rng = np.random.default_rng(seed)
    weekly = np.tile([1.0, 1.0, 1.0, 1.0, 1.1, 0.6, 0.6], N_DAYS // 7)
    mean = visits * weekly
    mean[list(drop_days)] *= 1 - drop
    return {"name": name, "metric": "visits", "kind": "count", "values": rng.poisson(mean)}


def conversion_series(name: str, visits: float, rate: float, dip_days=(), dip=0.40, seed=2):
    rng = np.random.default_rng(seed)
    visits_per_day = rng.poisson(visits, N_DAYS).astype(float)
    rates = np.full(N_DAYS, rate)
    rates[list(dip_days)] *= 1 - dip
    conversions = rng.binomial(visits_per_day.astype(int), rates).astype(float)
    return {"name": name, "metric": "conversion_rate", "kind": "ratio", "num": conversions,
            "den": visits_per_day}  # fmt: skip


def ctr_series(name: str, impressions: float, ctr: float) -> dict:
    den = np.full(N_DAYS, impressions)
    return {"name": name, "metric": "ctr", "kind": "ratio", "num": den * ctr, "den": den}


def test_cpc_jump_fires_on_the_day_with_a_24_hour_deadline():
    alerts = evaluate_rules(make_panel([cpc_series("kw", 300, jump_days=[30])]))
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert.rule == "cpc_jump_30pct"
    assert alert.ts == START + pd.Timedelta(days=30)
    assert alert.deadline == alert.ts + pd.Timedelta(hours=24)
    assert alert.change_pct == pytest.approx(45, abs=8)
    assert alert.baseline == pytest.approx(2.0, rel=0.05)


def test_consecutive_days_merge_into_one_alert_since_the_first():
    alerts = evaluate_rules(make_panel([cpc_series("kw", 300, jump_days=[30, 31])]))
    assert [(a.ts, a.last_ts, a.days) for a in alerts] == [
        (START + pd.Timedelta(days=30), START + pd.Timedelta(days=31), 2)
    ]


def test_cpc_rule_is_silent_on_a_small_keyword_and_on_noise():
    small = cpc_series("tiny", 8, jump_days=[30])
    noisy = [cpc_series(f"kw{i}", 300, seed=10 + i) for i in range(10)]
    assert evaluate_rules(make_panel([small, *noisy])) == []


def test_cpc_rule_applies_at_every_level():
    channel = {**cpc_series("channel", 3000, jump_days=[30]), "level": "channel"}
    keyword = {**cpc_series("keyword", 300, jump_days=[30], seed=5), "parent": 0}
    alerts = evaluate_rules(make_panel([channel, keyword]))
    assert sorted(a.series for a in alerts) == ["channel", "keyword"]


def test_traffic_drop_compares_with_the_same_weekday_last_week():
    panel = make_panel([visits_series("douyin", 2000, drop_days=[33])])
    alerts = evaluate_rules(panel)
    assert [(a.rule, a.ts) for a in alerts] == [
        ("traffic_drop_20pct", START + pd.Timedelta(days=33))
    ]
    assert alerts[0].baseline == panel.values[0, 26]
    assert alerts[0].deadline is None


def test_traffic_rule_ignores_weekends_noise_and_small_series():
    quiet = visits_series("big", 2000, seed=3)  # weekend dips are not drops week on week
    small = visits_series("small", 40, drop_days=[33], drop=0.6)
    assert evaluate_rules(make_panel([quiet, small])) == []


def test_conversion_rate_drop_is_week_on_week_of_summed_rates():
    alerts = evaluate_rules(make_panel([conversion_series("wechat", 50_000, 0.03, [30, 31, 32])]))
    assert {a.rule for a in alerts} == {"conversion_rate_drop_5pct"}
    assert len(alerts) == 1
    # one dip day of 7 lowers the week by 40% / 7 ≈ 5.7%: borderline on day 30, clear by day 31
    assert START + pd.Timedelta(days=30) <= alerts[0].ts <= START + pd.Timedelta(days=31)
    assert alerts[0].last_ts >= START + pd.Timedelta(days=32)
    assert alerts[0].last_ts <= START + pd.Timedelta(days=36)  # dip leaves this week's window


def test_conversion_rule_is_silent_on_noise_at_high_volume():
    noisy = [conversion_series(f"s{i}", 50_000, 0.03, seed=30 + i) for i in range(5)]
    assert evaluate_rules(make_panel(noisy)) == []


def test_conversion_p_value_guard_stops_a_noise_sized_dip():
    visits = np.full(N_DAYS, 3000.0)
    rate = np.where(np.arange(N_DAYS) >= 30, 0.03 * 0.94, 0.03)  # −6%, ~630 conversions a week
    series = {"name": "s", "metric": "conversion_rate", "kind": "ratio",
              "num": visits * rate, "den": visits}  # fmt: skip
    panel = make_panel([series])
    assert evaluate_rules(panel) == []
    unguarded = evaluate_rules(panel, settings=RuleSettings(conversion_max_p_value=None))
    assert unguarded[0].ts == START + pd.Timedelta(days=35)  # 6 of 7 days at −6% → −5.1%


def test_ctr_rule_needs_a_benchmark_and_enough_impressions():
    panel = make_panel([ctr_series("banner", 5000, 0.008), ctr_series("tiny", 500, 0.008)])
    assert evaluate_rules(panel) == []  # industry_ctr None: rule off
    alerts = evaluate_rules(panel, settings=RuleSettings(industry_ctr=0.02))
    assert [(a.rule, a.series, a.days) for a in alerts] == [
        ("ctr_below_50pct_industry", "banner", N_DAYS)
    ]
    assert alerts[0].change_pct == pytest.approx(-60)


def test_rules_are_causal_future_days_do_not_change_past_flags():
    series = [
        cpc_series("kw", 300, jump_days=[20, 40]),
        visits_series("v", 2000, drop_days=[22, 41]),
        conversion_series("c", 20_000, 0.03, [24, 25, 26]),
        ctr_series("banner", 5000, 0.008),
    ]
    settings = RuleSettings(industry_ctr=0.02)
    cut = 30
    full = rule_flags(make_panel(series), settings=settings)
    rng = np.random.default_rng(9)
    for s in series:  # scramble every day after the cut
        for field in ("values", "num", "den"):
            if field in s:
                s[field] = np.asarray(s[field], float).copy()
                s[field][cut + 1 :] *= rng.uniform(0.2, 3.0, N_DAYS - cut - 1)
    changed = rule_flags(make_panel(series), settings=settings)
    assert sum(f[:, : cut + 1].sum() for f in full.values()) >= 4
    for rule, flags in full.items():
        np.testing.assert_array_equal(flags[:, : cut + 1], changed[rule][:, : cut + 1])


def test_threshold_in_the_name_follows_the_settings():
    alerts = evaluate_rules(
        make_panel([cpc_series("kw", 300, jump_days=[30], jump=0.3)]),
        settings=RuleSettings(cpc_jump=0.25),
    )
    assert [a.rule for a in alerts] == ["cpc_jump_25pct"]


def test_bad_settings_name_the_field_and_the_accepted_range():
    with pytest.raises(ParamsError, match=r"traffic_drop = 20.*\(0, 1\)"):
        RuleSettings(traffic_drop=20)
    with pytest.raises(ParamsError, match="industry_ctr = 2"):
        RuleSettings(industry_ctr=2)


def test_hourly_panel_is_refused():
    with pytest.raises(AnalysisError, match=r"daily panel.*'h'"):
        evaluate_rules(make_panel([cpc_series("kw", 300)], frequency="h"))
