"""Run the chosen credit models on the month's paths: one tidy table of credit per model.

Every model answers three questions per channel: conversions, revenue and new customers
credited. New customers come from the same model run on acquisition journeys (first orders
as the conversions, journeys of people who never bought as the nulls); time decay weighs
touches by their age, so it is computed per touch in the engine (`queries.time_decay_credit`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.attribution import markov, rules, shapley
from analysis.attribution.credit import Credit
from analysis.attribution.pathset import PathSet
from analysis.params import AttributionParams


@dataclass(frozen=True)
class ModelRun:
    """Credits of every model (model, channel, conversions, revenue, new_customers) and the
    Markov and Shapley details the report shows."""

    credits: pd.DataFrame
    removal_effects: dict[str, float]
    revenue_removal_effects: dict[str, float]
    conversion_probability: float | None
    markov_states: int | None
    shapley_method: str | None


def path_sets(counts: pd.DataFrame, channels: list[str]) -> tuple[PathSet, PathSet]:
    """All journeys, and acquisition journeys, as PathSets from `queries.path_counts`."""
    converted = counts["converted"].to_numpy(bool)
    journeys = counts["journeys"].to_numpy(float)
    revenue = counts["revenue"].to_numpy(float)
    everything = PathSet.from_records(
        list(counts["path"]),
        conversions=np.where(converted, journeys, 0.0),
        revenue=np.where(converted, revenue, 0.0),
        nulls=np.where(converted, 0.0, journeys),
        channels=channels,
    )
    first = converted & counts["is_first"].to_numpy(bool)
    never = ~converted & counts["never_bought"].to_numpy(bool)
    keep = first | never
    acquisition = PathSet.from_records(
        list(counts["path"][keep]),
        conversions=np.where(first, journeys, 0.0)[keep],
        revenue=np.where(first, revenue, 0.0)[keep],
        nulls=np.where(never, journeys, 0.0)[keep],
        channels=channels,
    )
    return everything, acquisition


def run_models(
    everything: PathSet, acquisition: PathSet, time_decay: pd.DataFrame, params: AttributionParams
) -> ModelRun:
    """Credit per model and channel for the models in params (see the module's rules)."""
    frames = []
    effects: dict[str, float] = {}
    revenue_effects: dict[str, float] = {}
    probability = states = method = None
    for model in params.models:
        if model == "time_decay":
            frames.append(time_decay.assign(model=model))
            continue
        if model == "markov":
            result = markov.markov(everything, order=params.markov_order)
            acquired = markov.markov(acquisition, order=params.markov_order).credit
            effects = _by_channel(everything.channels, result.removal_effects)
            revenue_effects = _by_channel(everything.channels, result.revenue_removal_effects)
            probability, states = result.conversion_probability, result.n_states
            credit = result.credit
        elif model == "shapley":
            split = shapley.shapley(
                everything, max_exact_channels=params.max_exact_shapley_channels
            )
            credit, method = split.credit, split.method
            acquired = shapley.shapley(
                acquisition, max_exact_channels=params.max_exact_shapley_channels
            ).credit
        else:
            credit, acquired = _rule(model, everything, params), _rule(model, acquisition, params)
        frames.append(_frame(model, credit, acquired))
    credits = pd.concat(frames, ignore_index=True)[
        ["model", "channel", "conversions", "revenue", "new_customers"]
    ]
    return ModelRun(credits, effects, revenue_effects, probability, states, method)


def _by_channel(channels: tuple[str, ...], values: np.ndarray) -> dict[str, float]:
    return {channel: float(value) for channel, value in zip(channels, values, strict=True)}


def _rule(model: str, paths: PathSet, params: AttributionParams) -> Credit:
    if model == "position_based":
        return rules.position_based(paths, weights=params.position_weights)
    return {
        "first_touch": rules.first_touch,
        "last_touch": rules.last_touch,
        "linear": rules.linear,
    }[model](paths)


def _frame(model: str, credit: Credit, acquired: Credit) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "model": model,
            "channel": list(credit.channels),
            "conversions": credit.conversions,
            "revenue": credit.revenue,
            "new_customers": acquired.conversions,
        }
    )
