"""Markov-chain attribution by removal effect, solved exactly on the absorbing chain.

Method (Anderl, Becker, von Wangenheim & Schumann 2016, "Mapping the customer journey";
the model of the ChannelAttribution package, without its simulation):

- States: START, one state per channel (order k > 1: per tuple of the last k channels,
  shorter at the start of a path, as in ChannelAttribution), and the absorbing states
  CONVERSION and NULL. Repeated touches are kept as the path set has them; call
  `PathSet.collapsed()` first to merge them.
- Transition counts come from the distinct paths, each weighted by its journeys
  (conversions + nulls) for START → first state and state → state; the last state goes to
  CONVERSION with the path's conversions and to NULL with its nulls. Rows are normalised.
- P(conversion) is the absorption probability in CONVERSION from START: with Q the
  transient-to-transient block and r the one-step conversion probabilities, solve
  (I − Q) x = r (a dense linear solve on the fundamental matrix up to `DENSE_STATE_LIMIT`
  states). Never simulated. Larger chains (orders 3–4) step forward instead: the journeys'
  distribution over states after t steps, START · Q^t, is carried for the baseline and every
  removal at once (one sparse product a step), and what it absorbs in CONVERSION is summed,
  i.e. the Neumann series x_START = Σ_t (Q^t r)_START, until the mass still in transient
  states bounds what is left below `FORWARD_TOLERANCE` of the baseline (the chain is
  absorbing, so the series converges geometrically). If it has not after `MAX_FORWARD_STEPS`
  steps (long self-loops), scipy.sparse `spsolve` solves each chain exactly instead. Both
  give the same numbers to rounding (tests compare them).
- Removing channel c sends every transition into a state containing c to NULL.
  Removal effect = 1 − P(conversion without c) / P(conversion), in [0, 1] (clipped only
  against floating error). Conversions are shared by normalised removal effects, so the
  credit sums to the path set's total conversions exactly; all zero if nothing converts.
- Revenue: each conversion leaving state s carries the mean revenue of the conversions
  that left s, so E[revenue] = Σ_s P(absorbed in CONVERSION via s) × mean revenue from s
  (solve (I − Q) y = g with g_s = revenue leaving s / journeys leaving s). Revenue removal
  effect = 1 − E[revenue without c] / E[revenue]; total revenue is shared by them.

The empirical chain reproduces the data's totals: journeys × P(conversion) equals total
conversions and journeys × E[revenue] equals total revenue.
Checked against shared/reference/attribution.md §1 (vignette: A 2, B 1) and §2.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse import linalg as sparse_linalg

from analysis.attribution.credit import Credit
from analysis.attribution.pathset import PathSet
from analysis.errors import AnalysisError, InputError

DENSE_STATE_LIMIT = 300  # transient states up to which a dense solve is used
FORWARD_TOLERANCE = 1e-14  # bound on what the forward steps leave, relative to the baseline
MAX_FORWARD_STEPS = 2000  # then the exact sparse solve, chain by chain
START, CONVERSION, NULL = "START", "CONVERSION", "NULL"
STATE_SEPARATOR = " > "  # label of a higher-order state: its channels, oldest first


@dataclass(frozen=True, eq=False)
class MarkovResult:
    """Markov attribution of one path set; effects are per channel, in `credit.channels` order."""

    credit: Credit  # model "markov" (order 1) or "markov_order_{k}"
    removal_effects: np.ndarray
    revenue_removal_effects: np.ndarray
    conversion_probability: float  # P(absorbed in CONVERSION | START)
    order: int
    n_states: int  # START + channel states + CONVERSION + NULL


@dataclass(frozen=True, eq=False)
class _Chain:
    """Transition counts of the transient states; index 0 is START."""

    state_keys: np.ndarray  # per channel state (transient index − 1): last k codes + 1, base-coded
    transient_counts: sparse.csr_array  # transient → transient
    conversion_counts: np.ndarray
    null_counts: np.ndarray
    revenue_sums: np.ndarray

    @property
    def n_transient(self) -> int:
        return len(self.conversion_counts)

    @property
    def out_totals(self) -> np.ndarray:
        return (
            np.asarray(self.transient_counts.sum(axis=1)).ravel()
            + self.conversion_counts
            + self.null_counts
        )


def markov(paths: PathSet, *, order: int = 1) -> MarkovResult:
    """Markov removal-effect attribution of conversions and revenue; exact absorbing-chain solve."""
    _check_order(order, len(paths.channels))
    chain = _build_chain(paths, order)
    n_channels = len(paths.channels)
    transitions, conversion_step, revenue_step = _normalised(chain)
    contains = _states_containing(chain, order, n_channels)
    values = None
    if chain.n_transient > DENSE_STATE_LIMIT:
        values = _absorb_forward(transitions, conversion_step, revenue_step, contains)
    if values is None:
        values = _absorb_each(transitions, conversion_step, revenue_step, contains)
    baseline, removed = values[0], values[1:]
    removal_effects = _removal_effects(baseline[0], removed[:, 0])
    revenue_removal_effects = _removal_effects(baseline[1], removed[:, 1])
    credit = Credit(
        model="markov" if order == 1 else f"markov_order_{order}",
        channels=paths.channels,
        conversions=_share(paths.total_conversions, removal_effects),
        revenue=_share(paths.total_revenue, revenue_removal_effects),
    )
    return MarkovResult(
        credit=credit,
        removal_effects=removal_effects,
        revenue_removal_effects=revenue_removal_effects,
        conversion_probability=float(baseline[0]),
        order=order,
        n_states=chain.n_transient + 2,
    )


def transition_matrix(
    paths: PathSet, *, order: int = 1
) -> tuple[tuple[str, ...], np.ndarray | sparse.csr_array]:
    """State labels and the row-stochastic transition matrix of the Markov chain.

    Labels: START, the channel states (order k: "a > b", oldest first), CONVERSION, NULL;
    CONVERSION and NULL are absorbing. Dense up to `DENSE_STATE_LIMIT` states, else CSR.
    """
    _check_order(order, len(paths.channels))
    chain = _build_chain(paths, order)
    if chain.n_transient == 1:
        raise AnalysisError(
            "paths hold no journeys (conversions + nulls = 0 on every path); "
            "a transition matrix needs at least one"
        )
    transitions, conversion_step, _ = _normalised(chain)
    n = chain.n_transient
    null_step = chain.null_counts / chain.out_totals
    absorbing = sparse.csr_array(np.column_stack([conversion_step, null_step]))
    top = sparse.hstack([transitions, absorbing])
    bottom = sparse.csr_array(([1.0, 1.0], ([0, 1], [n, n + 1])), shape=(2, n + 2))
    matrix = sparse.vstack([top, bottom]).tocsr()
    labels = (START, *_state_labels(chain, order, paths.channels), CONVERSION, NULL)
    if n + 2 <= DENSE_STATE_LIMIT:
        return labels, matrix.toarray()
    return labels, matrix


def _check_order(order: int, n_channels: int) -> None:
    if isinstance(order, bool) or not isinstance(order, int) or order < 1:
        raise InputError(f"order = {order!r}, must be an integer ≥ 1")
    if (n_channels + 1) ** order >= 2**62:
        raise InputError(
            f"order = {order} with {n_channels} channels gives too many states to code; "
            f"use a lower order"
        )


def _build_chain(paths: PathSet, order: int) -> _Chain:
    """Count transitions of journeys (weighted distinct paths) between order-k states."""
    journeys = paths.conversions + paths.nulls
    used_path = journeys > 0  # paths without journeys add no transitions
    used_touch = used_path[paths.touch_path]
    keys = _touch_state_keys(paths, order)
    state_keys, state_of_kept = np.unique(keys[used_touch], return_inverse=True)
    state = np.zeros(len(keys), dtype=np.int64)
    state[used_touch] = state_of_kept.ravel() + 1  # transient index; 0 is START
    n_transient = len(state_keys) + 1

    first = paths.path_starts[used_path]
    last = paths.path_ends[used_path]
    step = np.flatnonzero(used_touch[:-1] & (paths.touch_path[:-1] == paths.touch_path[1:]))
    sources = np.concatenate([np.zeros(len(first), dtype=np.int64), state[step]])
    targets = np.concatenate([state[first], state[step + 1]])
    weights = np.concatenate([journeys[used_path], journeys[paths.touch_path[step]]])
    counts = sparse.coo_array((weights, (sources, targets)), shape=(n_transient, n_transient))

    def at_last_state(values: np.ndarray) -> np.ndarray:
        return np.bincount(state[last], weights=values[used_path], minlength=n_transient)

    return _Chain(
        state_keys=state_keys,
        transient_counts=counts.tocsr(),
        conversion_counts=at_last_state(paths.conversions),
        null_counts=at_last_state(paths.nulls),
        revenue_sums=at_last_state(paths.revenue),
    )


def _touch_state_keys(paths: PathSet, order: int) -> np.ndarray:
    """Per touch, its last `order` channel codes (+1; 0 before the path starts) in base n+1."""
    codes = paths.touch_codes.astype(np.int64)
    base = len(paths.channels) + 1
    position_in_path = np.arange(len(codes)) - paths.path_starts[paths.touch_path]
    keys = np.zeros(len(codes), dtype=np.int64)
    for lag in range(order):
        has_lag = np.flatnonzero(position_in_path >= lag)
        keys[has_lag] += (codes[has_lag - lag] + 1) * base**lag
    return keys


def _state_digits(chain: _Chain, order: int, n_channels: int) -> np.ndarray:
    """Channel code + 1 of each lag (column 0 = newest) of each channel state; 0 = none."""
    base = n_channels + 1
    powers = base ** np.arange(order, dtype=np.int64)
    return (chain.state_keys[:, None] // powers[None, :]) % base


def _states_containing(chain: _Chain, order: int, n_channels: int) -> np.ndarray:
    """Boolean (channel, transient state): does the state hold the channel? START holds none."""
    digits = _state_digits(chain, order, n_channels)
    contains = np.zeros((n_channels, chain.n_transient), dtype=bool)
    for code in range(n_channels):
        contains[code, 1:] = (digits == code + 1).any(axis=1)
    return contains


def _state_labels(chain: _Chain, order: int, channels: tuple[str, ...]) -> list[str]:
    digits = _state_digits(chain, order, len(channels))
    return [
        STATE_SEPARATOR.join(channels[digit - 1] for digit in row[::-1] if digit)
        for row in digits.tolist()
    ]


def _normalised(chain: _Chain) -> tuple[sparse.csr_array, np.ndarray, np.ndarray]:
    """Transient transition probabilities Q, one-step P(conversion), one-step E[revenue]."""
    totals = chain.out_totals
    inverse_totals = np.divide(1.0, totals, out=np.zeros_like(totals), where=totals > 0)
    transitions = sparse.csr_array(sparse.diags_array(inverse_totals) @ chain.transient_counts)
    return (
        transitions,
        chain.conversion_counts * inverse_totals,
        chain.revenue_sums * inverse_totals,
    )


def _absorb_each(
    transitions: sparse.csr_array,
    conversion_step: np.ndarray,
    revenue_step: np.ndarray,
    contains: np.ndarray,
) -> np.ndarray:
    """[P(conversion), E[revenue]] for the baseline (row 0) and without each channel, one
    exact solve per chain."""
    baseline = _absorb(transitions, conversion_step, revenue_step)
    values = np.tile(baseline, (len(contains) + 1, 1))
    for code, removed_states in enumerate(contains):
        if removed_states.any():
            values[code + 1] = _absorb(transitions, conversion_step, revenue_step, removed_states)
    return values


def _absorb_forward(
    transitions: sparse.csr_array,
    conversion_step: np.ndarray,
    revenue_step: np.ndarray,
    contains: np.ndarray,
) -> np.ndarray | None:
    """Like `_absorb_each`, by stepping every chain's journey distribution forward together.

    Column 0 of `mass` is the baseline chain, column c + 1 the chain without channel c (its
    states containing c are emptied after every step: journeys entering them go to NULL).
    What is left after step t is at most mass_t × (1, the largest mean revenue of a
    conversion); stop when that is below `FORWARD_TOLERANCE` of the baseline's values so far.
    None if that takes more than `MAX_FORWARD_STEPS` steps.
    """
    n_states = transitions.shape[0]
    if not conversion_step.any():  # nothing converts: every value is 0
        return np.zeros((len(contains) + 1, 2))
    kept = np.column_stack([np.ones(n_states, dtype=bool), ~contains.T]).astype(float)
    rewards = np.column_stack([conversion_step, revenue_step])
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_revenue = np.where(conversion_step > 0, revenue_step / conversion_step, 0.0)
    largest_revenue = float(mean_revenue.max(initial=0.0))
    stepping = sparse.csr_array(transitions.T)
    mass = np.zeros((n_states, kept.shape[1]))
    mass[0] = 1.0  # every journey starts in START, which holds no channel
    values = np.zeros((kept.shape[1], 2))
    for _ in range(MAX_FORWARD_STEPS):
        values += mass.T @ rewards
        left = float(mass.sum(axis=0).max())
        if left <= FORWARD_TOLERANCE * values[0, 0] and (
            left * largest_revenue <= FORWARD_TOLERANCE * values[0, 1]
        ):
            return values
        mass = (stepping @ mass) * kept
    return None


def _absorb(
    transitions: sparse.csr_array,
    conversion_step: np.ndarray,
    revenue_step: np.ndarray,
    removed_states: np.ndarray | None = None,
) -> np.ndarray:
    """[P(conversion), E[revenue]] from START; transitions into `removed_states` go to NULL."""
    rewards = np.column_stack([conversion_step, revenue_step])
    if removed_states is not None:
        transitions = transitions @ sparse.diags_array((~removed_states).astype(float))
        rewards = rewards * (~removed_states)[:, None]
    n = transitions.shape[0]
    if n <= DENSE_STATE_LIMIT:
        solution = np.linalg.solve(np.eye(n) - transitions.toarray(), rewards)
    else:
        system = sparse.csc_array(sparse.eye_array(n) - transitions)
        solution = sparse_linalg.spsolve(system, rewards).reshape(n, 2)
    return solution[0]


def _removal_effects(baseline: float, without_channel: np.ndarray) -> np.ndarray:
    """1 − value without the channel / value, clipped into [0, 1]; zeros if the value is 0."""
    if baseline <= 0:
        return np.zeros(len(without_channel))
    return np.clip(1.0 - without_channel / baseline, 0.0, 1.0)


def _share(total: float, effects: np.ndarray) -> np.ndarray:
    """`total` split in proportion to `effects`; zeros if every effect is 0."""
    effect_sum = effects.sum()
    if effect_sum <= 0:
        return np.zeros(len(effects))
    return total * effects / effect_sum
