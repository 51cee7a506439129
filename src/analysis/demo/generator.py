"""Orchestration: stream the chunks to Parquet, then build the small tables and the truth."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from analysis.demo.chunk import simulate_chunk
from analysis.demo.customers import Identity
from analysis.demo.erasures import build_erasures
from analysis.demo.experiments import (
    EXPERIMENTS,
    arms_table,
    experiment_truth,
    run_experiment,
)
from analysis.demo.media import (
    aggregate_tables,
    channel_day_spend,
    channel_response_truth,
    lift_test_table,
)
from analysis.demo.metrics import build_metrics
from analysis.demo.plan import Plan, make_plan
from analysis.demo.seeding import Stream, rng_for
from analysis.demo.spend import build_spend
from analysis.demo.tally import Tally
from analysis.demo.truth import assemble_truth
from analysis.demo.weekly import write_weekly_tables
from analysis.demo.writer import TRUTH_FILE, WarehouseWriter, contract_schema

logger = logging.getLogger(__name__)


def generate(out: Path, *, seed: int = 7, scale: float = 1.0, progress: bool = False) -> dict:
    """Write a deterministic demo warehouse with planted truths to `out`; return the truth.

    The same seed and scale give identical table contents. `out` must be new, empty or an
    earlier demo warehouse; it is replaced atomically once every file is complete.
    """
    plan = make_plan(seed, scale)
    logger.info(
        "generating demo warehouse: seed=%d scale=%g customers=%d",
        plan.seed,
        plan.scale,
        plan.customers,
    )
    with (
        WarehouseWriter(Path(out)) as writer,
        tqdm(
            total=plan.chunk_count + 1, unit="chunk", desc="demo warehouse", disable=not progress
        ) as bar,
    ):
        tally = stream_chunks(plan, writer, bar)
        truth = write_small_tables(plan, tally, writer)
        bar.update(1)
        writer.write_json(TRUTH_FILE, truth)
        writer.commit()
    return truth


def stream_chunks(plan: Plan, writer: WarehouseWriter, bar: tqdm) -> Tally:
    """Simulate every customer chunk and append its rows; return the accumulated tally."""
    identity = Identity.draw(rng_for(plan.seed, Stream.IDENTITY))
    tally = Tally()
    for index in range(plan.chunk_count):
        spec = tally.next_chunk(plan, index)
        result = simulate_chunk(plan.seed, spec, identity)
        for name, table in result.tables.items():
            writer.append(name, table)
        tally.add(spec, result)
        bar.update(1)
    return tally


def write_small_tables(plan: Plan, tally: Tally, writer: WarehouseWriter) -> dict:
    """Spend, experiments, metrics and erasures from the tally; returns the truth dict."""
    spend, spend_by_day = build_spend(
        rng_for(plan.seed, Stream.SPEND), tally.clicks, channel_day_spend(plan.seed, plan.customers)
    )
    writer.append("spend", spend)
    lift_tests, lift_truth = lift_test_table(plan.seed, plan.customers)
    writer.append("lift_tests", lift_tests)
    channel_spend, daily_revenue = aggregate_tables(spend_by_day, tally.daily_revenue)
    writer.append("channel_spend", channel_spend)
    writer.append("daily_revenue", daily_revenue)
    # no known driver is planted beyond the 双11 run-up, which the demo's params give as an event
    writer.append("known_drivers", contract_schema("known_drivers").empty_table())
    response = channel_response_truth(plan.seed, plan.customers, spend_by_day)
    writer.append("experiment_arms", arms_table())
    records, participants = [], []
    for number, experiment in enumerate(EXPERIMENTS, start=1):
        run = run_experiment(
            rng_for(plan.seed, Stream.EXPERIMENTS, number), plan, number, experiment
        )
        for batch in run.batches():
            writer.append("experiment_units", batch)
        records.append(experiment_truth(experiment, run.arm_units))
        participants.append(run.customers)
    writer.append("metrics", build_metrics(rng_for(plan.seed, Stream.METRICS), plan))
    erasures, erased = build_erasures(
        rng_for(plan.seed, Stream.ERASURES),
        plan,
        np.concatenate(participants),
        np.concatenate(tally.buyers),
    )
    writer.append("erasures", erasures)
    weekly = write_weekly_tables(plan, writer, erased)
    truth = assemble_truth(
        plan, tally, writer.rows, spend_by_day.sum(axis=1), records, erased, response
    )
    truth["lift_tests"] = [lift_truth]
    truth["weekly"] = weekly
    return truth
