"""Attribution models against shared/reference/attribution.md and planted truths.

§1 the ChannelAttribution vignette (exact Markov solve: A 2, B 1), §2 the `mta` fixtures
with null paths (rules and Markov removal effects), §3 the Shapley example (a 7, b 3);
then properties on random path sets (credit sums to the totals, effects in [0, 1], the
two Shapley methods agree) and the validation messages.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.attribution import markov as markov_module
from analysis.attribution.markov import markov, transition_matrix
from analysis.attribution.pathset import PathSet
from analysis.attribution.rules import first_touch, last_touch, linear, position_based
from analysis.attribution.shapley import CLOSED_FORM, ENUMERATION, shapley
from analysis.errors import AnalysisError, InputError

PROPERTY_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
RULES = (first_touch, last_touch, linear, position_based)
EXACT = 1e-12


@pytest.fixture
def vignette() -> PathSet:
    """Reference §1: three converting paths, no nulls, repeated channels kept."""
    return PathSet.from_records([list("ABABBA"), list("ABBAA"), list("AA")], conversions=[1, 1, 1])


@pytest.fixture
def mta_paths() -> PathSet:
    """Reference §2: the `mta` package's fixtures, with null paths (revenue 10 a conversion)."""
    return PathSet.from_records(
        [["direct"], ["search", "email"], ["search", "social", "email"]],
        conversions=[2, 3, 5],
        nulls=[1, 2, 4],
        revenue=[20, 30, 50],
    )


def credit_of(credit, channel: str) -> float:
    return float(credit.conversions[credit.channels.index(channel)])


# --- reference §1: ChannelAttribution vignette ------------------------------------------


def test_transition_matrix_matches_vignette_counts(vignette):
    labels, matrix = transition_matrix(vignette)
    assert labels == ("START", "A", "B", "CONVERSION", "NULL")
    at = {label: i for i, label in enumerate(labels)}
    expected = {
        ("START", "A"): 3 / 3,
        ("A", "A"): 2 / 8,
        ("A", "B"): 3 / 8,
        ("A", "CONVERSION"): 3 / 8,
        ("B", "A"): 3 / 5,
        ("B", "B"): 2 / 5,
        ("CONVERSION", "CONVERSION"): 1.0,
        ("NULL", "NULL"): 1.0,
    }
    for (source, target), probability in expected.items():
        assert matrix[at[source], at[target]] == pytest.approx(probability, abs=EXACT)
    assert np.count_nonzero(matrix) == len(expected)


def test_markov_matches_exact_vignette(vignette):
    result = markov(vignette)
    assert result.removal_effects == pytest.approx([1.0, 0.5], abs=EXACT)
    assert result.credit.conversions == pytest.approx([2.0, 1.0], abs=EXACT)  # not 2.0997
    assert result.credit.channels == ("A", "B")
    assert result.credit.model == "markov"
    assert result.conversion_probability == pytest.approx(1.0, abs=EXACT)
    assert result.n_states == 5


# --- reference §2: mta fixtures with null paths -------------------------------------------


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        (first_touch, {"direct": 2, "search": 8, "email": 0, "social": 0}),
        (last_touch, {"direct": 2, "search": 0, "email": 8, "social": 0}),
        (linear, {"direct": 2, "search": 19 / 6, "email": 19 / 6, "social": 5 / 3}),
        (position_based, {"direct": 2, "search": 3.5, "email": 3.5, "social": 1}),
    ],
)
def test_rule_models_match_mta_fixtures(mta_paths, model, expected):
    credit = model(mta_paths)
    for channel, conversions in expected.items():
        assert credit_of(credit, channel) == pytest.approx(conversions, abs=EXACT)
        revenue = credit.revenue[credit.channels.index(channel)]
        assert revenue == pytest.approx(10 * conversions, abs=1e-9)  # revenue 10 a conversion
    assert credit.model == model.__name__


def test_markov_removal_effects_match_mta_fixtures(mta_paths):
    result = markov(mta_paths)
    effects = dict(zip(result.credit.channels, result.removal_effects, strict=True))
    expected = {"direct": 0.2, "search": 0.8, "email": 0.8, "social": 0.514286}
    for channel, effect in expected.items():
        assert effects[channel] == pytest.approx(effect, abs=1e-6)
    assert result.conversion_probability == pytest.approx(10 / 17, abs=EXACT)
    # revenue is 10 a conversion everywhere, so revenue effects equal conversion effects
    assert result.revenue_removal_effects == pytest.approx(result.removal_effects, abs=1e-12)
    assert result.credit.total_conversions == pytest.approx(10, abs=1e-12)


def test_position_based_splits_two_touch_paths_by_renormalised_end_weights():
    paths = PathSet.from_records([["a", "b"]], conversions=[1])
    assert position_based(paths).conversions == pytest.approx([0.5, 0.5])
    skewed = position_based(paths, weights=(0.6, 0.3, 0.1))
    assert skewed.conversions == pytest.approx([6 / 7, 1 / 7])


# --- reference §3: Shapley ------------------------------------------------------------


@pytest.mark.parametrize("max_exact_channels", [12, 0])
def test_shapley_matches_reference_example(max_exact_channels):
    paths = PathSet.from_records([["a"], ["a", "b"]], conversions=[4, 6], revenue=[40, 60])
    result = shapley(paths, max_exact_channels=max_exact_channels)
    assert result.credit.conversions == pytest.approx([7.0, 3.0], abs=EXACT)
    assert result.credit.revenue == pytest.approx([70.0, 30.0], abs=1e-10)
    assert result.method == (ENUMERATION if max_exact_channels else CLOSED_FORM)
    assert result.credit.model == "shapley"


# --- behaviour and edge cases -------------------------------------------------------------


def test_linear_credits_a_repeated_channel_once_per_touch():
    paths = PathSet.from_records([["a", "b", "a"]], conversions=[3])
    assert linear(paths).conversions == pytest.approx([2.0, 1.0])


def test_from_records_merges_duplicate_paths_in_first_seen_order():
    paths = PathSet.from_records(
        [["b", "a"], ["a"], ["b", "a"]], conversions=[1, 2, 3], nulls=[4, 5, 6], revenue=[1, 2, 3]
    )
    assert paths.channels == ("b", "a")
    assert paths.paths == ((0, 1), (1,))
    assert paths.conversions.tolist() == [4, 2]
    assert paths.nulls.tolist() == [10, 5]
    assert paths.revenue.tolist() == [4, 2]
    assert paths.lengths.tolist() == [2, 1]


def test_collapsed_merges_consecutive_repeats_and_the_paths_they_join():
    paths = PathSet.from_records(
        [["a", "a", "b"], ["a", "b", "b"], ["b", "a", "b"]], conversions=[1, 2, 4], nulls=[1, 1, 1]
    )
    collapsed = paths.collapsed()
    assert collapsed.paths == ((0, 1), (1, 0, 1))
    assert collapsed.conversions.tolist() == [3, 4]
    assert collapsed.nulls.tolist() == [2, 1]


def test_listed_channel_without_touches_gets_zero_credit_from_every_model():
    paths = PathSet.from_records(
        [["a", "b"], ["b"]], conversions=[2, 1], nulls=[1, 3], channels=["a", "unused", "b"]
    )
    credits = [model(paths) for model in RULES]
    credits += [markov(paths).credit, markov(paths, order=2).credit, shapley(paths).credit]
    credits.append(shapley(paths, max_exact_channels=0).credit)
    for credit in credits:
        assert credit.channels == ("a", "unused", "b")
        assert credit.conversions[1] == 0
        assert credit.total_conversions == pytest.approx(3)


def test_all_null_path_set_gets_zero_credit_without_error():
    paths = PathSet.from_records([["a", "b"], ["b"]], conversions=[0, 0], nulls=[5, 2])
    result = markov(paths)
    assert result.conversion_probability == 0
    assert result.removal_effects.tolist() == [0, 0]
    assert result.credit.conversions.tolist() == [0, 0]
    assert result.credit.revenue.tolist() == [0, 0]
    for model in RULES:
        assert model(paths).conversions.tolist() == [0, 0]
    assert shapley(paths).credit.conversions.tolist() == [0, 0]


def test_markov_order_at_least_longest_path_removes_exactly_the_paths_with_the_channel():
    """Planted truth: with order ≥ every path length each state is a whole prefix, so the
    chain replays the data and removing c loses exactly the paths that touch c. Large
    enough (> DENSE_STATE_LIMIT states) to run the sparse solve."""
    rng = np.random.default_rng(3)
    channels = list("abcdef")
    records = [rng.choice(channels, size=rng.integers(1, 5)).tolist() for _ in range(3000)]
    conversions = rng.integers(0, 4, len(records))
    revenue = conversions * rng.gamma(2.0, 20.0, len(records))
    paths = PathSet.from_records(
        records, conversions=conversions, nulls=rng.integers(0, 4, len(records)), revenue=revenue
    )
    result = markov(paths, order=4)
    assert result.n_states > markov_module.DENSE_STATE_LIMIT
    assert result.credit.model == "markov_order_4"
    for code, channel in enumerate(paths.channels):
        touches = np.array([code in path for path in paths.paths])
        conversion_share = paths.conversions[touches].sum() / paths.total_conversions
        revenue_share = paths.revenue[touches].sum() / paths.total_revenue
        assert result.removal_effects[code] == pytest.approx(conversion_share, abs=1e-9), channel
        assert result.revenue_removal_effects[code] == pytest.approx(revenue_share, abs=1e-9)


def test_sparse_and_dense_solves_agree(monkeypatch):
    rng = np.random.default_rng(5)
    records = [rng.choice(list("abcdefg"), size=rng.integers(1, 7)).tolist() for _ in range(2000)]
    paths = PathSet.from_records(
        records,
        conversions=rng.integers(0, 3, len(records)),
        nulls=rng.integers(0, 9, len(records)),
    )
    sparse_result = markov(paths, order=3)
    assert sparse_result.n_states > markov_module.DENSE_STATE_LIMIT
    monkeypatch.setattr(markov_module, "DENSE_STATE_LIMIT", 10**6)
    dense_result = markov(paths, order=3)
    assert sparse_result.removal_effects == pytest.approx(dense_result.removal_effects, abs=1e-10)
    labels, matrix = transition_matrix(paths, order=3)
    assert isinstance(matrix, np.ndarray)
    assert matrix.sum(axis=1) == pytest.approx(np.ones(len(labels)))


def _random_paths(seed: int, n_records: int, channels: str, max_length: int) -> PathSet:
    rng = np.random.default_rng(seed)
    records = [
        rng.choice(list(channels), size=rng.integers(1, max_length + 1)).tolist()
        for _ in range(n_records)
    ]
    conversions = rng.integers(0, 3, n_records)
    return PathSet.from_records(
        records,
        conversions=conversions,
        nulls=rng.integers(0, 6, n_records),
        revenue=conversions * rng.gamma(2.0, 50.0, n_records),
    )


@pytest.mark.parametrize(("seed", "order"), [(11, 1), (12, 2), (13, 3), (14, 4)])
def test_forward_steps_equal_the_exact_solve(monkeypatch, seed, order):
    """The forward-stepping solve (large chains) against the dense exact solve, same chain."""
    paths = _random_paths(seed, 600, "abcde", 7)
    monkeypatch.setattr(markov_module, "DENSE_STATE_LIMIT", 10**6)
    exact = markov(paths, order=order)
    monkeypatch.setattr(markov_module, "DENSE_STATE_LIMIT", 0)
    forward = markov(paths, order=order)
    for name in ("removal_effects", "revenue_removal_effects"):
        assert getattr(forward, name) == pytest.approx(getattr(exact, name), rel=1e-12, abs=1e-14)
    assert forward.credit.conversions == pytest.approx(exact.credit.conversions, rel=1e-12)
    assert forward.credit.revenue == pytest.approx(exact.credit.revenue, rel=1e-12)


def test_forward_steps_reproduce_the_published_figures(monkeypatch, vignette, mta_paths):
    monkeypatch.setattr(markov_module, "DENSE_STATE_LIMIT", 0)
    assert markov(vignette).credit.conversions == pytest.approx([2.0, 1.0], abs=EXACT)
    result = markov(mta_paths)
    effects = dict(zip(result.credit.channels, result.removal_effects, strict=True))
    expected = {"direct": 0.2, "search": 0.8, "email": 0.8, "social": 0.514286}
    for channel, effect in expected.items():
        assert effects[channel] == pytest.approx(effect, abs=1e-6)
    assert result.conversion_probability == pytest.approx(10 / 17, abs=EXACT)


def test_forward_steps_and_sparse_exact_solve_agree_on_a_large_order_4_chain(monkeypatch):
    paths = _random_paths(15, 4000, "abcdefgh", 8)
    forward = markov(paths, order=4)
    assert forward.n_states > markov_module.DENSE_STATE_LIMIT
    monkeypatch.setattr(markov_module, "MAX_FORWARD_STEPS", 0)  # straight to spsolve
    exact = markov(paths, order=4)
    assert forward.removal_effects == pytest.approx(exact.removal_effects, rel=1e-12)
    assert forward.credit.revenue == pytest.approx(exact.credit.revenue, rel=1e-12)


def test_slow_forward_steps_fall_back_to_the_exact_solve(monkeypatch):
    """A self-loop of 199/200 needs ~6,400 steps to 1e-14: the exact solve answers instead.
    Planted: every conversion passes through a (effect 1); without b the 5 of 9 journeys that
    start on b are lost and the 4 starting on a convert 4 in 5: 1 − (4/9 · 4/5) / (4/9) = 0.2."""
    paths = PathSet.from_records(
        [["a"] * 200, ["b"], ["b", "a"]], conversions=[3, 0, 1], nulls=[1, 4, 0]
    )
    chain = markov_module._build_chain(paths, 1)
    transitions, conversion_step, revenue_step = markov_module._normalised(chain)
    contains = markov_module._states_containing(chain, 1, 2)
    assert (
        markov_module._absorb_forward(transitions, conversion_step, revenue_step, contains) is None
    )
    monkeypatch.setattr(markov_module, "DENSE_STATE_LIMIT", 0)
    result = markov(paths)
    assert result.removal_effects == pytest.approx([1.0, 0.2], abs=1e-12)
    assert result.conversion_probability == pytest.approx(4 / 9, abs=1e-12)


def test_higher_order_states_are_labelled_by_their_last_channels(mta_paths):
    labels, matrix = transition_matrix(mta_paths, order=2)
    assert labels == (
        "START",
        "direct",
        "search",
        "search > email",
        "search > social",
        "social > email",
        "CONVERSION",
        "NULL",
    )
    at = {label: i for i, label in enumerate(labels)}
    assert matrix[at["search"], at["search > social"]] == pytest.approx(9 / 14)
    assert matrix[at["social > email"], at["CONVERSION"]] == pytest.approx(5 / 9)


# --- properties on random path sets ---------------------------------------------------------


@st.composite
def path_sets(draw, max_channels: int = 6, allow_unused: bool = True) -> PathSet:
    n_channels = draw(st.integers(1, max_channels))
    names = [f"ch{i}" for i in range(n_channels)]
    record = st.tuples(
        st.lists(st.sampled_from(names), min_size=1, max_size=6),
        st.integers(0, 5),
        st.integers(0, 5),
        st.floats(1, 500),
    )
    records = draw(st.lists(record, min_size=1, max_size=25))
    extra = ["never touched"] if allow_unused and draw(st.booleans()) else []
    return PathSet.from_records(
        [path for path, _, _, _ in records],
        conversions=[conversions for _, conversions, _, _ in records],
        nulls=[nulls for _, _, nulls, _ in records],
        revenue=[conversions * price for _, conversions, _, price in records],
        channels=names + extra,
    )


@PROPERTY_SETTINGS
@given(paths=path_sets())
def test_rule_models_credit_sums_to_totals(paths):
    for model in RULES:
        credit = model(paths)
        assert credit.total_conversions == pytest.approx(paths.total_conversions)
        assert credit.total_revenue == pytest.approx(paths.total_revenue)
        assert (credit.conversions >= 0).all()


@PROPERTY_SETTINGS
@given(paths=path_sets(), order=st.integers(1, 3))
def test_markov_credit_sums_to_totals_with_effects_in_unit_interval(paths, order):
    result = markov(paths, order=order)
    assert result.credit.total_conversions == pytest.approx(paths.total_conversions)
    assert result.credit.total_revenue == pytest.approx(paths.total_revenue)
    for effects in (result.removal_effects, result.revenue_removal_effects):
        assert ((effects >= 0) & (effects <= 1)).all()
    # the empirical chain reproduces the observed conversion rate
    journeys = paths.total_journeys
    assert result.conversion_probability * journeys == pytest.approx(paths.total_conversions)


@PROPERTY_SETTINGS
@given(paths=path_sets(), order=st.integers(1, 3))
def test_forward_steps_equal_the_exact_solve_on_any_path_set(paths, order):
    exact = markov(paths, order=order)  # small chains: the dense exact solve
    limit = markov_module.DENSE_STATE_LIMIT
    markov_module.DENSE_STATE_LIMIT = 0  # every chain by forward steps
    try:
        forward = markov(paths, order=order)
    finally:
        markov_module.DENSE_STATE_LIMIT = limit
    for name in ("removal_effects", "revenue_removal_effects"):
        assert getattr(forward, name) == pytest.approx(getattr(exact, name), rel=1e-12, abs=1e-13)
    assert forward.conversion_probability == pytest.approx(exact.conversion_probability, rel=1e-12)


@PROPERTY_SETTINGS
@given(paths=path_sets())
def test_collapsed_keeps_totals_and_leaves_no_consecutive_repeats(paths):
    collapsed = paths.collapsed()
    assert collapsed.total_conversions == pytest.approx(paths.total_conversions)
    assert collapsed.total_revenue == pytest.approx(paths.total_revenue)
    assert collapsed.nulls.sum() == pytest.approx(paths.nulls.sum())
    assert all(a != b for path in collapsed.paths for a, b in itertools.pairwise(path))
    assert len(set(collapsed.paths)) == len(collapsed.paths)
    assert collapsed.collapsed().paths == collapsed.paths


@PROPERTY_SETTINGS
@given(paths=path_sets(max_channels=8))
def test_shapley_enumeration_equals_closed_form_and_sums_to_totals(paths):
    enumerated = shapley(paths)
    closed = shapley(paths, max_exact_channels=0)
    assert enumerated.method == ENUMERATION
    assert closed.method == CLOSED_FORM
    assert enumerated.credit.conversions == pytest.approx(closed.credit.conversions, abs=1e-9)
    assert enumerated.credit.revenue == pytest.approx(closed.credit.revenue, rel=1e-9, abs=1e-7)
    assert enumerated.credit.total_conversions == pytest.approx(paths.total_conversions)
    assert enumerated.credit.total_revenue == pytest.approx(paths.total_revenue)


def test_shapley_switches_to_closed_form_above_the_channel_limit():
    paths = PathSet.from_records([list("abcd"), list("ab")], conversions=[4, 2])
    assert shapley(paths, max_exact_channels=3).method == CLOSED_FORM
    assert shapley(paths, max_exact_channels=4).method == ENUMERATION


# --- validation messages --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"conversions": [1, -2]}, r"conversions\[1\] = -2\.0, must be a finite number ≥ 0"),
        ({"conversions": [1, 1], "nulls": [0, np.nan]}, r"nulls\[1\] = nan"),
        (
            {"conversions": [1]},
            r"conversions has shape \(1,\), need one value per path \(2 paths\)",
        ),
        ({"conversions": [0, 1], "revenue": [5, 1]}, r"revenue\[0\] = 5\.0 but conversions\[0\]"),
        ({"conversions": [1, 1], "channels": ["a"]}, r"paths\[1\] = \['b'\] touches channel 'b'"),
        ({"conversions": [1, 1], "channels": ["a", "b", "a"]}, r"channels lists \['a'\] more"),
    ],
)
def test_from_records_errors_name_argument_position_and_value(kwargs, message):
    with pytest.raises(AnalysisError, match=message):
        PathSet.from_records([["a"], ["b"]], **kwargs)


def test_from_records_rejects_empty_and_string_paths():
    with pytest.raises(AnalysisError, match=r"paths\[1\] = \[\] is empty"):
        PathSet.from_records([["a"], []], conversions=[1, 1])
    with pytest.raises(AnalysisError, match=r"paths\[0\] = 'a > b' is a string"):
        PathSet.from_records(["a > b"], conversions=[1])


def test_pathset_rejects_channel_codes_outside_channels():
    with pytest.raises(AnalysisError, match=r"PathSet: path 1 = \(0, 2\) holds channel code 2"):
        PathSet(
            channels=("a", "b"),
            touch_codes=np.array([1, 0, 2]),
            lengths=np.array([1, 2]),
            conversions=np.array([1.0, 1.0]),
            revenue=np.array([0.0, 0.0]),
            nulls=np.array([0.0, 0.0]),
        )


@pytest.mark.parametrize(
    ("codes", "lengths", "message"),
    [
        ([0, 1], [1, 0, 1], r"journeys: lengths\[1\] = 0, every path needs a touch"),
        ([0, 1, 1], [1, 1], r"lengths sum to 2 touches but touch_codes holds 3"),
        ([0, -1], [2], r"journeys: path 0 = \(0, -1\) holds channel code -1"),
        ([0.5, 1.0], [2], r"touch_codes must be a one-dimensional array of integers"),
    ],
)
def test_from_codes_errors_name_the_path_and_the_bad_value(codes, lengths, message):
    with pytest.raises(AnalysisError, match=message):
        PathSet.from_codes(
            ("a", "b"), np.array(codes), np.array(lengths), conversions=np.ones(len(lengths))
        )


def test_from_codes_equals_from_records_on_the_same_journeys():
    """Columnar and list input give one path set: same distinct paths in first-seen order,
    same sums, whether a length's paths are merged by integer key or by whole rows."""
    rng = np.random.default_rng(21)
    channels = [f"c{i}" for i in range(40)]  # 40 ** 12 > 2 ** 62: long paths merge by rows
    records = [rng.choice(channels[:3], size=rng.integers(1, 15)).tolist() for _ in range(3000)]
    conversions = rng.integers(0, 3, len(records))
    counts = {
        "conversions": conversions,
        "nulls": rng.integers(0, 3, len(records)),
        "revenue": conversions * 10.0,
    }
    listed = PathSet.from_records(records, channels=channels, **counts)
    code_of = {channel: code for code, channel in enumerate(channels)}
    columnar = PathSet.from_codes(
        channels,
        np.array([code_of[channel] for record in records for channel in record]),
        np.array([len(record) for record in records]),
        **counts,
    )
    first_seen = list(dict.fromkeys(tuple(code_of[c] for c in record) for record in records))
    assert listed.paths == columnar.paths == tuple(first_seen)
    assert max(listed.lengths) >= 12 and listed.n_paths < len(records)
    for name in ("conversions", "nulls", "revenue"):
        assert getattr(listed, name).tolist() == getattr(columnar, name).tolist()
    expected_conversions = {}
    for record, value in zip(records, conversions, strict=True):
        key = tuple(code_of[c] for c in record)
        expected_conversions[key] = expected_conversions.get(key, 0) + value
    assert listed.conversions.tolist() == [expected_conversions[path] for path in first_seen]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda p: markov(p, order=0), r"order = 0, must be an integer ≥ 1"),
        (lambda p: transition_matrix(p, order=1.5), r"order = 1\.5"),
        (lambda p: position_based(p, weights=(0.5, 0.5)), r"weights = \(0\.5, 0\.5\), need 3"),
        (lambda p: position_based(p, weights=(0.5, 0.5, 0.5)), r"sum to 1\.5, must sum to 1"),
        (lambda p: position_based(p, weights=(0, 1, 0)), r"first \+ last must be > 0"),
        (lambda p: shapley(p, max_exact_channels=40), r"max_exact_channels = 40, must be"),
    ],
)
def test_model_options_are_checked_with_the_bad_value_named(mta_paths, call, message):
    with pytest.raises(InputError, match=message):
        call(mta_paths)


def test_transition_matrix_without_journeys_says_so():
    paths = PathSet.from_records([["a"]], conversions=[0])
    with pytest.raises(AnalysisError, match="no journeys"):
        transition_matrix(paths)
