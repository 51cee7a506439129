"""Incidents from planted flags: time merging, one story across levels, drivers, severity, rules."""

from __future__ import annotations

import json
import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from analysis.anomaly.incidents import build_incidents, drill_down, false_incident_rate
from analysis.anomaly.panel import KEY_COLUMNS, Panel
from analysis.anomaly.rules import evaluate_rules
from analysis.errors import AnalysisError, InputError

N_DAYS = 56
START = pd.Timestamp("2026-09-01")
SPIKE_DAYS = [20, 21]
# keyword: (clicks a day, CPC); the CPC of 大词 jumps 45% on SPIKE_DAYS
KEYWORDS = {"大词": (1000.0, 2.0), "中词": (300.0, 3.0), "小词": (20.0, 1.0)}


def day(i: int) -> pd.Timestamp:
    return START + pd.Timedelta(days=i)


def cpc_tree(jump: float = 0.45) -> tuple[Panel, np.ndarray]:
    """SEM (channel) → 双11 (campaign) → three keywords, CPC rows; and each row's expected CPC."""
    rng = np.random.default_rng(0)
    names = ["SEM", "SEM / 双11", *(f"SEM / 双11 / {k}" for k in KEYWORDS)]
    clicks, spend, expected_spend = [], [], []
    for clicks_a_day, cpc in KEYWORDS.values():
        c = np.full(N_DAYS, clicks_a_day)
        price = cpc * rng.lognormal(0.0, 0.01, N_DAYS)
        expected_spend.append(c * cpc)
        if clicks_a_day == 1000.0:
            price[SPIKE_DAYS] *= 1 + jump
        clicks.append(c)
        spend.append(c * price)
    total = [np.sum(clicks, axis=0), np.sum(spend, axis=0), np.sum(expected_spend, axis=0)]
    den = np.array([total[0], total[0], *clicks])
    num = np.array([total[1], total[1], *spend])
    expected = np.array([total[2], total[2], *expected_spend]) / den
    keys = pd.DataFrame(
        {
            "name": names,
            "level": ["channel", "campaign", "keyword", "keyword", "keyword"],
            "metric": "cpc",
            "kind": "price",
            "channel": "SEM",
            "campaign": [None, "双11", "双11", "双11", "双11"],
            "keyword": [None, None, *KEYWORDS],
            "parent": [-1, 0, 1, 1, 1],
        },
        columns=list(KEY_COLUMNS),
    )
    stamps = pd.date_range(START, periods=N_DAYS, freq="D").to_numpy()
    return Panel(keys, stamps, num / den, num, den), expected


def detection(panel: Panel, expected: np.ndarray, flagged: dict, shifts=()) -> SimpleNamespace:
    """Detector output by hand: `flagged` maps row → steps; score 3 + step / 100 there."""
    anomalous = np.zeros(panel.values.shape, dtype=bool)
    score = np.zeros(panel.values.shape)
    for row, steps in flagged.items():
        anomalous[row, steps] = True
        score[row, steps] = 3 + np.asarray(steps) / 100
    return SimpleNamespace(expected=expected, score=score, anomalous=anomalous, shifts=shifts)


def count_panel(levels: list[np.ndarray], name: str = "visits") -> Panel:
    n = len(levels)
    keys = pd.DataFrame(
        {
            "name": [f"s{i}" for i in range(n)],
            "level": "channel",
            "metric": name,
            "kind": "count",
            "channel": [f"c{i}" for i in range(n)],
            "campaign": None,
            "keyword": None,
            "parent": -1,
        },
        columns=list(KEY_COLUMNS),
    )
    stamps = pd.date_range(START, periods=N_DAYS, freq="D").to_numpy()
    nan = np.full((n, N_DAYS), np.nan)
    return Panel(keys, stamps, np.array(levels, dtype=float), nan, nan.copy())


def test_keyword_spike_seen_at_three_levels_is_one_story_headed_by_the_keyword():
    panel, expected = cpc_tree()
    incidents = build_incidents(
        panel, detection(panel, expected, {0: SPIKE_DAYS, 1: SPIKE_DAYS, 2: SPIKE_DAYS})
    )
    assert len(incidents) == 1
    story = incidents[0]
    assert story.series == "SEM / 双11 / 大词"
    assert (story.level, story.metric, story.kind, story.direction) == (
        "keyword",
        "cpc",
        "spike",
        "up",
    )
    assert story.chain == ("SEM", "SEM / 双11")
    assert (story.start, story.end, story.peak_ts) == (day(20), day(21), day(21))
    assert story.expected == pytest.approx(2.0, rel=0.01)
    assert story.deviation_pct == pytest.approx(45, abs=2)
    assert story.drivers == ()  # a keyword has no children


def test_drivers_name_the_keyword_that_carries_the_campaign_deviation():
    panel, expected = cpc_tree()
    incidents = build_incidents(panel, detection(panel, expected, {0: SPIKE_DAYS, 1: SPIKE_DAYS}))
    assert [i.series for i in incidents] == ["SEM / 双11"]  # channel = campaign: it explains it all
    drivers = incidents[0].drivers
    assert drivers[0]["series"] == "SEM / 双11 / 大词"
    assert drivers[0]["contribution"] == pytest.approx(1.0, abs=0.05)
    assert len(drivers) == 3
    assert all(abs(d["contribution"]) < 0.05 for d in drivers[1:])  # price noise only


def test_cpc_contribution_is_excess_spend_at_expected_cpc():
    panel, expected = cpc_tree()
    det = detection(panel, expected, {1: SPIKE_DAYS})
    drivers = drill_down(panel, det, 1, 20, 21)
    steps = slice(20, 22)
    excess = {
        row: np.sum(
            panel.numerator[row, steps] - panel.denominator[row, steps] * expected[row, steps]
        )
        for row in (1, 2)
    }
    big = next(d for d in drivers if d["series"].endswith("大词"))
    assert big["contribution"] == pytest.approx(excess[2] / excess[1])
    assert excess[2] == pytest.approx(1000 * 2 * 2.0 * 0.45, rel=0.03)  # clicks × days × Δcpc


def test_big_keyword_45pct_jump_outranks_a_tiny_keyword_10pct_blip():
    panel, expected = cpc_tree(jump=0.45)
    small = panel.numerator.copy()
    small[4, 40] *= 1.10  # 小词: +10% on one day, 20 clicks
    panel = Panel(panel.keys, panel.timestamps, small / panel.denominator, small, panel.denominator)
    incidents = build_incidents(panel, detection(panel, expected, {2: SPIKE_DAYS, 4: [40]}))
    assert [i.series for i in incidents] == ["SEM / 双11 / 大词", "SEM / 双11 / 小词"]
    big = incidents[0]
    assert big.severity == pytest.approx(
        abs(big.deviation_pct) / 100 * math.log1p(2000) * math.sqrt(2)
    )
    assert incidents[1].severity < big.severity / 10


def test_flags_within_max_gap_merge_and_wider_gaps_split():
    panel = count_panel([np.full(N_DAYS, 1000.0)])
    values = panel.values.copy()
    values[0, [10, 12, 16]] = 1500.0
    panel = Panel(panel.keys, panel.timestamps, values, panel.numerator, panel.denominator)
    det = detection(panel, np.full(values.shape, 1000.0), {0: [10, 12, 16]})
    spans = sorted((i.start, i.end) for i in build_incidents(panel, det))
    assert spans == [(day(10), day(12)), (day(16), day(16))]
    merged = build_incidents(panel, det, max_gap=3)
    assert [(i.start, i.end) for i in merged] == [(day(10), day(16))]
    # per day, the quiet days inside counting too
    assert merged[0].actual == pytest.approx((3 * 1500 + 4 * 1000) / 7)
    assert merged[0].expected == pytest.approx(1000)


def test_a_spike_starts_on_the_first_of_the_days_that_led_up_to_its_flag():
    values = np.full(N_DAYS, 1000.0)
    values[[18, 19, 20]] = [800.0, 850.0, 500.0]  # two low days, then one beyond the threshold
    panel = count_panel([values])
    det = detection(panel, np.full((1, N_DAYS), 1000.0), {0: [20]})
    det.score[0, [16, 17, 18, 19, 20]] = [-2.0, 0.5, -2.0, -1.5, -5.0]
    (incident,) = build_incidents(panel, det)
    # day 17 leans up: the lead-in stops there, so day 16 is not part of it either
    assert (incident.start, incident.end, incident.peak_ts) == (day(18), day(20), day(20))
    assert incident.expected == pytest.approx(1000)
    assert incident.actual == pytest.approx((800 + 850 + 500) / 3)
    det.score[0, 18] = -0.9  # under onset_lean (1 SD): not evidence of the same move
    assert build_incidents(panel, det)[0].start == day(19)
    assert build_incidents(panel, det, onset_lean=np.inf)[0].start == day(20)
    with pytest.raises(InputError, match="onset_lean = -1"):
        build_incidents(panel, det, onset_lean=-1)


def test_level_shift_is_one_incident_to_the_end_labelled_shifted_since():
    level = np.where(np.arange(N_DAYS) >= 30, 700.0, 1000.0)
    panel = count_panel([level])
    adapted = np.where(np.arange(N_DAYS) >= 33, 700.0, 1000.0)[None, :]  # detector follows it
    shift = SimpleNamespace(series_row=0, start=30, direction="down", size=-300.0)
    det = detection(panel, adapted, {0: list(range(30, 33))}, shifts=[shift])
    incidents = build_incidents(panel, det)
    assert len(incidents) == 1
    inc = incidents[0]
    assert (inc.kind, inc.start, inc.end, inc.direction) == ("shift", day(30), day(55), "down")
    assert inc.label == "shifted since 2026-10-01"
    assert inc.expected == pytest.approx(1000)  # per day, not summed over the 26 days
    assert inc.actual == pytest.approx(700)
    assert inc.deviation_pct == pytest.approx(-30)


def test_a_shift_that_recovers_ends_before_the_recovery():
    # down 30% on days 30–36, back to normal from day 37 (the planted 抖音 drop of the demo)
    level = np.where((np.arange(N_DAYS) >= 30) & (np.arange(N_DAYS) < 37), 700.0, 1000.0)
    panel = count_panel([level])
    shift = SimpleNamespace(series_row=0, start=30, direction="down", size=-300.0)
    det = detection(panel, level[None, :].copy(), {0: [30, 31]}, shifts=[shift])
    (inc,) = build_incidents(panel, det)
    assert (inc.kind, inc.start, inc.end, inc.ongoing) == ("shift", day(30), day(36), False)
    assert inc.label == "shifted 2026-10-01 to 2026-10-07"
    assert inc.actual == pytest.approx(700)


def test_a_shift_ends_with_the_series_last_value():
    level = np.where(np.arange(N_DAYS) >= 30, 700.0, 1000.0)
    level[45:] = np.nan  # the series stopped reporting
    panel = count_panel([level])
    shift = SimpleNamespace(series_row=0, start=30, direction="down", size=-300.0)
    det = detection(panel, np.full((1, N_DAYS), 1000.0), {}, shifts=[shift])
    (inc,) = build_incidents(panel, det)
    assert (inc.end, inc.ongoing) == (day(44), False)


def test_a_metric_series_reads_per_step_not_summed():
    # an ambient temperature of about 70 that rises to 80 for three days
    values = np.full(N_DAYS, 70.0)
    values[20:23] = 80.0
    panel = count_panel([values])
    panel.keys.loc[0, ["level", "metric", "kind"]] = ["series", "series", "amount"]
    det = detection(panel, np.full((1, N_DAYS), 70.0), {0: [20, 21, 22]})
    (inc,) = build_incidents(panel, det)
    assert inc.expected == pytest.approx(70) and inc.actual == pytest.approx(80)


def test_rule_alert_inside_the_window_is_attached_and_one_outside_is_not():
    panel, expected = cpc_tree()
    alerts = evaluate_rules(panel)
    assert {(a.series, a.ts) for a in alerts} >= {("SEM / 双11 / 大词", day(20))}
    flagged = {2: SPIKE_DAYS}
    assert (
        build_incidents(panel, detection(panel, expected, flagged), rule_alerts=alerts)[0].rule
        == "cpc_jump_30pct"
    )
    late = [a for a in alerts if a.ts == day(20)]
    moved = [SimpleNamespace(rule=a.rule, series_row=a.series_row, ts=day(40)) for a in late]
    assert (
        build_incidents(panel, detection(panel, expected, flagged), rule_alerts=moved)[0].rule
        is None
    )


def test_sibling_keywords_without_their_parent_are_separate_stories():
    panel, expected = cpc_tree()
    incidents = build_incidents(panel, detection(panel, expected, {2: SPIKE_DAYS, 3: SPIKE_DAYS}))
    assert sorted(i.series for i in incidents) == ["SEM / 双11 / 中词", "SEM / 双11 / 大词"]
    assert all(i.chain == () for i in incidents)


def test_incident_record_is_json_ready():
    panel, expected = cpc_tree()
    record = build_incidents(panel, detection(panel, expected, {0: SPIKE_DAYS, 2: SPIKE_DAYS}))[
        0
    ].as_record()
    assert record["start"] == "2026-09-21" and record["chain"] == ["SEM"]
    assert (
        json.loads(json.dumps(record, ensure_ascii=False))["label"]
        == "spike 2026-09-21 to 2026-09-22"
    )


def test_false_incident_rate_is_per_100_series_months():
    panel, expected = cpc_tree()
    incidents = build_incidents(panel, detection(panel, expected, {2: [5], 3: [30], 4: [45]}))
    assert false_incident_rate(incidents, n_series=10, n_months=3) == pytest.approx(10.0)
    with pytest.raises(InputError, match="n_series = 0"):
        false_incident_rate(incidents, n_series=0, n_months=3)


def test_detection_of_the_wrong_shape_names_the_array():
    panel, expected = cpc_tree()
    det = detection(panel, expected, {})
    det.score = det.score[:, :-1]
    with pytest.raises(AnalysisError, match=r"detection.score has shape \(5, 55\)"):
        build_incidents(panel, det)


def _one_channel_metrics(metrics: list[str]) -> Panel:
    """One channel's count series, one per metric, flat at 100 a day."""
    n = len(metrics)
    keys = pd.DataFrame(
        {
            "name": [f"抖音 · {m}" for m in metrics],
            "level": "channel",
            "metric": metrics,
            "kind": "count",
            "channel": "抖音",
            "campaign": None,
            "keyword": None,
            "parent": -1,
        },
        columns=list(KEY_COLUMNS),
    )
    stamps = pd.date_range(START, periods=N_DAYS, freq="D").to_numpy()
    values = np.full((n, N_DAYS), 100.0)
    values[:, 30:33] = 70.0
    nan = np.full((n, N_DAYS), np.nan)
    return Panel(keys, stamps, values, nan, nan.copy())


def test_metrics_of_one_channel_falling_together_are_one_story_led_by_traffic():
    panel = _one_channel_metrics(["impressions", "spend", "visits", "clicks"])
    expected = np.full(panel.values.shape, 100.0)
    flags = {0: [30, 31, 32], 1: [30, 31], 2: [31, 32], 3: [30, 31, 32]}
    incidents = build_incidents(panel, detection(panel, expected, flags))
    assert len(incidents) == 1
    story = incidents[0]
    assert (story.series, story.metric, story.direction) == ("抖音 · visits", "visits", "down")
    assert set(story.chain) == {"抖音 · impressions", "抖音 · spend", "抖音 · clicks"}


def test_metrics_of_different_channels_or_days_stay_apart():
    panel = _one_channel_metrics(["visits", "clicks"])
    expected = np.full(panel.values.shape, 100.0)
    apart_in_time = build_incidents(panel, detection(panel, expected, {0: [30], 1: [32]}))
    assert len(apart_in_time) == 2
    other = count_panel([np.full(N_DAYS, 100.0), np.full(N_DAYS, 100.0)])
    other.values[:, 30] = 70.0
    both = build_incidents(
        other, detection(other, np.full(other.values.shape, 100.0), {0: [30], 1: [30]})
    )
    assert len(both) == 2  # same metric, two unrelated channels


def test_a_rule_on_one_metric_makes_it_lead_the_story():
    panel = _one_channel_metrics(["visits", "clicks"])
    expected = np.full(panel.values.shape, 100.0)
    alert = SimpleNamespace(rule="my_rule", series_row=1, ts=day(30), last_ts=day(30))
    incidents = build_incidents(
        panel, detection(panel, expected, {0: [30], 1: [30]}), rule_alerts=[alert]
    )
    assert [(i.metric, i.rule) for i in incidents] == [("clicks", "my_rule")]
