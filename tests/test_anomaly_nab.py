"""NAB v1 scoring: every branch of the rule on hand-made files, then the vendored windows.

Expected values use σ(y) = 2 / (1 + e^(5y)) − 1 = tanh(−5y / 2), written with math.tanh so the
check does not reuse the module's formula.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis.anomaly import nab
from analysis.errors import AnalysisError, InputError

N_ROWS = 100  # probation = floor(0.15 × 100) = 15 rows
STAMPS = pd.date_range("2011-07-01", periods=N_ROWS, freq="h").to_numpy()
WINDOW = [(pd.Timestamp(STAMPS[40]), pd.Timestamp(STAMPS[49]))]  # rows 40..49, W = 10


def sigma(y: float) -> float:
    return -1.0 if y > 3 else math.tanh(-2.5 * y)


def flags(*rows: int) -> np.ndarray:
    out = np.zeros(N_ROWS, dtype=bool)
    out[list(rows)] = True
    return out


def test_scaled_sigmoid_matches_nab_anchor_values():
    assert nab.scaled_sigmoid(-1.0) == pytest.approx(0.98661, abs=1e-5)
    assert nab.scaled_sigmoid(-0.5) == pytest.approx(0.84828, abs=1e-5)
    assert nab.scaled_sigmoid(0.0) == pytest.approx(0.0)
    assert nab.scaled_sigmoid(1.0) == pytest.approx(-0.98661, abs=1e-5)
    assert nab.scaled_sigmoid(3.5) == -1.0


def test_probation_is_fifteen_percent_capped_at_750_rows():
    assert nab.probation_rows(100) == 15
    assert nab.probation_rows(1624) == 243
    assert nab.probation_rows(10_000) == 750


def test_detection_at_window_start_scores_full_true_positive():
    score = nab.score_file(STAMPS, flags(40), WINDOW)
    assert score.raw == pytest.approx(1.0)
    assert (score.true_positives, score.false_positives, score.false_negatives) == (1, 0, 0)


def test_detection_at_window_end_scores_sigma_of_minus_one_tenth():
    score = nab.score_file(STAMPS, flags(49), WINDOW)
    assert score.raw == pytest.approx(sigma(-0.1) / sigma(-1.0))  # ≈ 0.248
    assert score.raw == pytest.approx(0.2482, abs=1e-4)


def test_only_the_earliest_detection_in_a_window_counts():
    score = nab.score_file(STAMPS, flags(41, 45, 48), WINDOW)
    assert score.raw == pytest.approx(sigma(-0.9) / sigma(-1.0))
    assert (score.true_positives, score.false_positives) == (1, 0)


def test_missed_window_scores_minus_a_fn():
    score = nab.score_file(STAMPS, flags(), WINDOW)
    assert score.raw == pytest.approx(-1.0)
    assert (score.true_positives, score.false_negatives, score.n_windows) == (0, 1, 1)


def test_false_positive_before_any_window_scores_minus_a_fp():
    score = nab.score_file(STAMPS, flags(20, 40), WINDOW)
    assert score.raw == pytest.approx(1.0 - 0.11)
    assert score.false_positives == 1


def test_false_positive_just_after_a_window_is_nearly_free():
    score = nab.score_file(STAMPS, flags(40, 50), WINDOW)
    fp = score.raw - 1.0
    assert fp == pytest.approx(0.11 * sigma(1 / 9))  # y = (50 − 49) / (10 − 1)
    assert -0.11 * 0.3 < fp < 0


def test_false_positive_far_after_a_window_scores_minus_a_fp():
    score = nab.score_file(STAMPS, flags(40, 90), WINDOW)  # y = 41 / 9 > 3
    assert score.raw - 1.0 == pytest.approx(-0.11)


def test_every_flagged_row_counts_without_deduplication():
    score = nab.score_file(STAMPS, flags(20, 21, 22, 40), WINDOW)
    assert score.false_positives == 3
    assert score.raw == pytest.approx(1.0 - 3 * 0.11)


def test_detections_in_probation_are_neither_rewarded_nor_punished():
    plain = nab.score_file(STAMPS, flags(40), WINDOW)
    with_probation = nab.score_file(STAMPS, flags(0, 5, 14, 40), WINDOW)
    assert with_probation == plain
    assert nab.score_file(STAMPS, flags(15, 40), WINDOW).false_positives == 1


def test_window_wholly_inside_probation_is_not_counted():
    early = (pd.Timestamp(STAMPS[2]), pd.Timestamp(STAMPS[8]))
    score = nab.score_file(STAMPS, flags(5), [early, *WINDOW])
    assert score.n_windows == 1
    assert score.raw == pytest.approx(-1.0)  # only the later window, missed


@pytest.mark.parametrize(
    ("profile", "rows", "expected"),
    [
        ("standard", (20,), -1.0 - 0.11),
        ("reward_low_FP_rate", (20,), -1.0 - 0.22),
        ("reward_low_FN_rate", (20,), -2.0 - 0.11),
        ("reward_low_FN_rate", (20, 40), 1.0 - 0.11),
    ],
)
def test_profiles_weigh_false_positives_and_misses(profile, rows, expected):
    score = nab.score_file(STAMPS, flags(*rows), WINDOW, profile=profile)
    assert score.raw == pytest.approx(expected)


def test_unknown_profile_names_the_value_and_the_choices():
    with pytest.raises(InputError, match=r"'strict'.*standard"):
        nab.score_file(STAMPS, flags(), WINDOW, profile="strict")


def test_detections_of_the_wrong_length_are_refused():
    with pytest.raises(AnalysisError, match=r"shape \(99,\)"):
        nab.score_file(STAMPS, np.zeros(99, dtype=bool), WINDOW)


def test_normalised_score_is_100_for_perfect_and_0_for_null():
    two_windows = [WINDOW[0], (pd.Timestamp(STAMPS[70]), pd.Timestamp(STAMPS[79]))]
    perfect = [nab.score_file(STAMPS, flags(40, 70), two_windows)]
    null = [nab.score_file(STAMPS, flags(), two_windows)]
    half = [nab.score_file(STAMPS, flags(40), two_windows)]
    assert nab.normalised_score(perfect) == pytest.approx(100.0)
    assert nab.normalised_score(null) == pytest.approx(0.0)
    assert nab.normalised_score(half) == pytest.approx(50.0)


def test_normalised_score_refuses_mixed_profiles():
    score = nab.score_file(STAMPS, flags(40), WINDOW, profile="reward_low_FN_rate")
    with pytest.raises(InputError, match="reward_low_FN_rate"):
        nab.normalised_score([score], profile="standard")


def test_vendored_windows_are_fourteen_over_six_files_and_map_to_rows():
    windows = {k: v for k, v in nab.load_windows().items() if k.startswith("realAdExchange/")}
    assert len(windows) == 6
    assert sum(len(v) for v in windows.values()) == 14
    perfect, null = [], []
    for name, file_windows in windows.items():
        series = nab.load_series(nab.NAB_DIR / "data" / name)
        stamps = series["timestamp"].to_numpy()
        starts = np.isin(stamps, [np.datetime64(start) for start, _ in file_windows])
        perfect.append(nab.score_file(stamps, starts, file_windows))
        null.append(nab.score_file(stamps, np.zeros(len(stamps), dtype=bool), file_windows))
    assert sum(f.n_windows for f in perfect) == 14  # none lies wholly in probation
    assert nab.normalised_score(perfect) == pytest.approx(100.0)
    assert nab.normalised_score(null) == pytest.approx(0.0)


def test_a_file_with_one_row_out_of_order_is_scored_in_row_order():
    # NAB's scorer reads rows as they come; a row whose timestamp belongs earlier (row 70
    # stamped before row 69) does not stop the scoring nor move the window.
    stamps = STAMPS.copy()
    stamps[70] = STAMPS[20] + np.timedelta64(30, "m")
    score = nab.score_file(stamps, flags(40, 70), WINDOW)
    assert score.true_positives == 1 and score.false_positives == 1
    # a full true positive; the false alarm is 21 rows after a window of W = 10 rows
    assert score.raw == pytest.approx(1.0 + 0.11 * sigma((70 - 49) / 9))


def test_every_vendored_file_is_scored_row_by_row():
    windows = nab.load_windows()
    assert len(windows) == 44  # 6 + 17 + 10 + 6 + 5 files of five categories
    assert sum(len(v) for v in windows.values()) == 14 + 30 + 33 + 6  # none in artificialNo…
    for key, pairs in windows.items():
        frame = nab.load_series(nab.NAB_DIR / "data" / key)
        score = nab.score_file(frame["timestamp"], np.zeros(len(frame), bool), pairs)
        assert score.false_negatives == score.n_windows


def test_nab_series_without_anomalies_raise_almost_no_alarm():
    # artificialNoAnomaly: five synthetic 5-minute series (flat, noisy, daily square waves)
    # with no windows: every alarm is false. A new series' first morning rise was one (1.31
    # per series-month) until sub-daily cold start waited for a day of values.
    from analysis.anomaly.nab_eval import false_alarm_rate

    clean = false_alarm_rate()
    assert len(clean.files) == 5 and clean.series_months > 2
    assert clean.per_series_month < 0.5
