"""RFM scores: ties get one score by the documented rule; the R×F map covers every pair."""

from __future__ import annotations

import pandas as pd

from analysis.rfm.scores import quintile_scores, rfm_scores
from analysis.rfm.segments import RF_SEGMENTS, rf_segment


def test_heavily_tied_frequencies_get_deterministic_documented_scores() -> None:
    frequency = pd.Series([1] * 60 + [2] * 20 + [3] * 10 + [5] * 6 + [9] * 4)
    scores = quintile_scores(frequency)
    # one-order customers have nobody worse: score 1; two orders have 60% worse: 1 + ⌊3⌋ = 4
    assert scores.groupby(frequency).nunique().eq(1).all()  # tied values share a score
    assert scores.groupby(frequency).first().to_dict() == {1: 1, 2: 4, 3: 5, 5: 5, 9: 5}
    assert quintile_scores(frequency.sample(frac=1, random_state=3)).sort_index().equals(scores)


def test_distinct_values_fill_all_five_quintiles_and_recency_is_inverted() -> None:
    values = pd.Series(range(100))
    assert quintile_scores(values).value_counts().to_dict() == {1: 20, 2: 20, 3: 20, 4: 20, 5: 20}
    assert quintile_scores(values, higher_is_better=False).iloc[0] == 5


def test_rfm_scores_give_recent_frequent_big_spenders_fives() -> None:
    rfm = pd.DataFrame(
        {
            "recency_days": [1, 200, 30, 90, 400],
            "frequency": [20, 1, 5, 2, 1],
            "monetary_total": [900.0, 10, 300, 50, 5],
        }
    )
    best = rfm_scores(rfm).iloc[0]
    assert (best["r_score"], best["f_score"], best["m_score"]) == (5, 5, 5)


def test_every_score_pair_has_exactly_one_segment() -> None:
    for r in range(1, 6):
        for f in range(1, 6):
            owners = [n for n, rs, fs in RF_SEGMENTS if r in rs and f in fs]
            assert owners == [rf_segment(r, f)]
    assert rf_segment(5, 5) == "champions" and rf_segment(1, 1) == "hibernating"


def test_counting_and_ranking_give_the_same_scores() -> None:
    import numpy as np

    values = pd.Series(np.random.default_rng(5).poisson(3, 5000))
    for better in (True, False):
        counted = quintile_scores(values, higher_is_better=better)
        ranked = quintile_scores(values.astype(float), higher_is_better=better)
        assert counted.equals(ranked)
