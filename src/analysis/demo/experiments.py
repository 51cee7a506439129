"""October 2026 A/B tests: arms, unit-level exposures and the decisions they should lead to.

Clicks and conversions are planted as exact counts (round(units × rate) per arm, placed on
randomly chosen units), so each arm's observed rates equal its true rates. Unit ids are
customers sampled without replacement within an experiment; when an experiment needs more
units than there are customers (small scales), the excess are visitors 'U<n>-<number>',
n being the experiment's position (1, 2, 3).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from analysis.demo.arrow import digit_strings, money, timestamps
from analysis.demo.customers import customer_ids
from analysis.demo.plan import Plan
from analysis.demo.world import DAY, day_index

EXPOSURE_START, EXPOSURE_END = dt.date(2026, 10, 1), dt.date(2026, 10, 28)
PROPENSITY_SIGMA = 0.8
UNIT_ID_WIDTH = 6
BATCH_ROWS = 1_000_000


@dataclass(frozen=True)
class Arm:
    """One variant: the copy shown, its planned share and its true click and conversion rates."""

    variant: str
    label: str
    is_control: bool
    planned_share: float
    true_ctr: float
    true_conversion: float  # converted units / exposed units


@dataclass(frozen=True)
class Experiment:
    """A planted test: its arms, size, allocation and the decision the data support."""

    experiment_id: str
    arms: tuple[Arm, ...]
    units_at_scale_1: int
    min_units: int
    expected_decision: str
    decision: str  # the code an analysis must reach: ship | keep_control | invalid
    winner: str | None = None  # the variant to ship, when decision is ship
    actual_shares: tuple[float, ...] | None = None  # planted SRM allocation; None = random
    industry_ctr: float | None = None
    primary_metric: str = "ctr"
    mde_relative: float = 0.10  # the smallest relative lift worth shipping the test is sized for


EXPERIMENTS: tuple[Experiment, ...] = (
    Experiment(
        "title_2026_10",
        (
            Arm("A", "如何做到一周皮肤透亮？", True, 0.5, 0.050, 0.010),
            Arm("B", "3个技巧让皮肤一周透亮", False, 0.5, 0.060, 0.010),
        ),
        units_at_scale_1=40_000,
        min_units=20_000,  # 10k per arm: the lift is significant
        expected_decision="ship B",
        decision="ship",
        winner="B",
    ),
    Experiment(
        "copy_2026_10",
        (
            Arm("A", "限时折扣", True, 0.5, 0.040, 0.020),
            Arm("B", "买一送一", False, 0.5, 0.040, 0.020),
        ),
        # 40k per arm at every scale: powered to rule out a 10% relative CTR lift, so "no
        # difference" is a decision (keep the control), not an inconclusive test
        units_at_scale_1=80_000,
        min_units=80_000,
        expected_decision="keep A / no difference",
        decision="keep_control",
    ),
    Experiment(
        "creative_2026_10",
        (
            Arm("A", "产品特写_白底", True, 1 / 3, 0.030, 0.008),
            Arm("B", "真人试用_前后对比", False, 1 / 3, 0.034, 0.009),
            Arm("C", "品牌海报_Logo大字", False, 1 / 3, 0.009, 0.0025),
        ),
        units_at_scale_1=45_000,
        min_units=6_000,  # enough units for the SRM to be detectable
        expected_decision="invalid (SRM)",
        decision="invalid",
        actual_shares=(0.36, 0.33, 0.31),
        industry_ctr=0.025,
    ),
)


@dataclass(frozen=True)
class ExperimentRun:
    """An experiment's unit rows (as columns, in exposure order) and the customers it enrolled."""

    experiment: Experiment
    unit_ids: pa.Array
    arm: np.ndarray
    exposed: np.ndarray  # seconds since period start
    clicked: np.ndarray
    converted: np.ndarray
    revenue: np.ndarray
    pre_revenue: np.ndarray
    customers: np.ndarray  # 0-based customer numbers among the units

    @property
    def arm_units(self) -> tuple[int, ...]:
        """Units assigned to each arm, in arm order."""
        counts = np.bincount(self.arm, minlength=len(self.experiment.arms))
        return tuple(int(n) for n in counts)

    def batches(self, rows: int = BATCH_ROWS) -> Iterator[pa.Table]:
        """experiment_units rows in slices, so a large test never sits in memory as one table."""
        variants = pa.array([a.variant for a in self.experiment.arms], type=pa.string())
        for first in range(0, len(self.arm), rows):
            part = slice(first, first + rows)
            size = len(self.arm[part])
            yield pa.table(
                {
                    "experiment_id": pa.repeat(
                        pa.scalar(self.experiment.experiment_id, pa.string()), size
                    ),
                    "unit_id": self.unit_ids.slice(first, size),
                    "variant": variants.take(pa.array(self.arm[part])),
                    "exposed_at": timestamps(self.exposed[part]),
                    "clicked": pa.array(self.clicked[part], type=pa.int64()),
                    "converted": pa.array(self.converted[part], type=pa.int64()),
                    "revenue": money(self.revenue[part]),
                    "pre_revenue": money(self.pre_revenue[part]),
                }
            )


def arm_sizes(rng: np.random.Generator, experiment: Experiment, total: int) -> np.ndarray:
    """Units per arm: the planted (SRM) allocation exactly, or a fair random split."""
    if experiment.actual_shares is None:
        planned = np.array([a.planned_share for a in experiment.arms])
        return rng.multinomial(total, planned / planned.sum())
    shares = np.array(experiment.actual_shares)
    sizes = np.floor(shares * total).astype(np.int64)
    sizes[np.argsort(-(shares * total - sizes))[: total - sizes.sum()]] += 1
    return sizes


def enrol(
    rng: np.random.Generator, plan: Plan, number: int, total: int
) -> tuple[pa.Array, np.ndarray]:
    """Unit ids in random order: distinct customers first, then visitors for any excess."""
    real = min(total, plan.customers)
    customers = rng.choice(plan.customers, size=real, replace=False)
    ids = customer_ids(customers, plan.customer_id_width)
    if total > real:
        visitors = total - real
        width = max(UNIT_ID_WIDTH, len(str(visitors)))  # never wraps: ids stay unique
        extra = digit_strings(np.arange(1, visitors + 1), width, f"U{number}-")
        ids = pa.concat_arrays([ids, extra])
    order = rng.permutation(total)
    return ids.take(pa.array(order)), customers


def _pick_weighted(rng: np.random.Generator, weight: np.ndarray, count: int) -> np.ndarray:
    """Indices of `count` items drawn without replacement with probability ∝ weight."""
    keys = np.log(weight) - np.log(-np.log(rng.random(len(weight))))  # Gumbel top-k
    return np.argpartition(-keys, count - 1)[:count] if count else np.array([], np.int64)


def _arm_outcomes(
    rng: np.random.Generator, arm: Arm, propensity: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Exact-count clicked / converted flags, both favouring high-propensity units."""
    n = len(propensity)
    clicked = np.zeros(n, dtype=np.int64)
    converted = np.zeros(n, dtype=np.int64)
    clickers = _pick_weighted(rng, np.sqrt(propensity), round(n * arm.true_ctr))
    clicked[clickers] = 1
    buyers = min(round(n * arm.true_conversion), len(clickers))
    converted[clickers[_pick_weighted(rng, propensity[clickers] ** 2, buyers)]] = 1
    return clicked, converted


def run_experiment(
    rng: np.random.Generator, plan: Plan, number: int, experiment: Experiment
) -> ExperimentRun:
    """All units of one experiment, ordered by exposure time."""
    total = plan.scaled(experiment.units_at_scale_1, experiment.min_units)
    sizes = arm_sizes(rng, experiment, total)
    ids, customers = enrol(rng, plan, number, total)
    arm = np.repeat(np.arange(len(sizes)), sizes)
    propensity = rng.lognormal(-(PROPENSITY_SIGMA**2) / 2, PROPENSITY_SIGMA, size=total)
    clicked, converted = np.zeros(total, np.int64), np.zeros(total, np.int64)
    for k, spec in enumerate(experiment.arms):
        members = np.flatnonzero(arm == k)
        clicked[members], converted[members] = _arm_outcomes(rng, spec, propensity[members])
    revenue = converted * 200.0 * propensity**0.8 * rng.lognormal(-0.045, 0.3, size=total)
    # the pre-period spend tracks the same propensity, so CUPED has a real covariate to use
    pre = 120.0 * propensity**1.5 * rng.lognormal(-0.02, 0.2, size=total)
    pre = np.where(rng.random(total) < 0.15, 0.0, pre)  # no purchase in the pre-period
    start = day_index(EXPOSURE_START) * DAY
    exposed = rng.integers(start, (day_index(EXPOSURE_END) + 1) * DAY, size=total)
    order = np.argsort(exposed, kind="stable")
    return ExperimentRun(
        experiment,
        ids.take(pa.array(order)),
        arm[order],
        exposed[order],
        clicked[order],
        converted[order],
        revenue[order],
        pre[order],
        customers,
    )


def arms_table() -> pa.Table:
    """experiment_arms: one row per arm; unit and click totals are null (unit rows exist)."""
    rows = [(e.experiment_id, a) for e in EXPERIMENTS for a in e.arms]
    return pa.table(
        {
            "experiment_id": pa.array([e for e, _ in rows], type=pa.string()),
            "variant": pa.array([a.variant for _, a in rows], type=pa.string()),
            "label": pa.array([a.label for _, a in rows], type=pa.string()),
            "is_control": pa.array([a.is_control for _, a in rows], type=pa.bool_()),
            "planned_share": pa.array([a.planned_share for _, a in rows], type=pa.float64()),
            "units": pa.nulls(len(rows), type=pa.int64()),
            "clicks": pa.nulls(len(rows), type=pa.int64()),
        }
    )


def experiment_truth(experiment: Experiment, arm_units: tuple[int, ...]) -> dict:
    """The truth.json record of one experiment."""
    total = sum(arm_units)
    record: dict = {
        "experiment_id": experiment.experiment_id,
        "arms": [
            {
                "variant": a.variant,
                "label": a.label,
                "true_ctr": a.true_ctr,
                "true_conversion": a.true_conversion,
                "planned_share": round(a.planned_share, 6),
                "actual_share": round(n / total, 6),
                "units": n,
            }
            for a, n in zip(experiment.arms, arm_units, strict=True)
        ],
        "srm": experiment.actual_shares is not None,
        "below_half_industry": [],
        "expected_decision": experiment.expected_decision,
        "decision": experiment.decision,
        "winner": experiment.winner,
        "primary_metric": experiment.primary_metric,
        "mde_relative": experiment.mde_relative,
    }
    if experiment.industry_ctr is not None:
        record["industry_ctr"] = experiment.industry_ctr
        record["below_half_industry"] = [
            a.variant for a in experiment.arms if a.true_ctr < experiment.industry_ctr / 2
        ]
    return record
