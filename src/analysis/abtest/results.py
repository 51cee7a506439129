"""Typed results of the A/B report, as published to `<name>.json`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Verdict = Literal["ship", "keep_control", "inconclusive", "invalid", "blocked"]
Evidence = Literal["adjusted", "sequential"]  # how a shipped arm's significance was judged
Wait = Literal["days", "data", "data_no_dates"]  # what an inconclusive test waits for
ControlRule = Literal["named", "flagged", "most_units"]  # how the control arm was chosen


@dataclass(frozen=True)
class ArmResult:
    """One arm on one metric; the control's lifts, p-values and chances are None."""

    variant: str
    label: str
    units: int
    successes: int | None  # proportions
    mean: float | None  # means and ratios
    rate_or_mean: float
    lift_abs: float | None = None
    lift_abs_ci: tuple[float, float] | None = None
    lift_rel: float | None = None
    lift_rel_ci: tuple[float, float] | None = None
    p_value: float | None = None
    p_value_adjusted: float | None = None
    chance_to_beat_control: float | None = None
    expected_loss: float | None = None
    sequential_ci: tuple[float, float] | None = None  # always-valid CI of lift_abs, if asked
    replace: bool = False  # CTR under the handbook's share of the industry mean
    note: str | None = None  # why the metric could not be estimated for this arm


@dataclass(frozen=True)
class CupedArm:
    """One treatment's CUPED-adjusted comparison with the control (Deng et al. 2013)."""

    variant: str
    lift_abs: float
    lift_abs_ci: tuple[float, float]
    p_value: float
    theta: float  # the covariate's coefficient
    variance_reduction: float  # share of the metric's variance the covariate removed


@dataclass(frozen=True)
class Cuped:
    """The CUPED-adjusted comparisons of a metric; `method` is worded by `abtest.wording`."""

    method: str  # "" until worded
    arms: list[CupedArm]


@dataclass(frozen=True)
class WithoutTopUnits:
    """One treatment compared with the control again, each arm without its largest units."""

    variant: str
    p_value_without: float
    lift_rel_without: float


@dataclass(frozen=True)
class WinsorizedArm:
    """One treatment compared with the control on values capped at a quantile (Welch)."""

    variant: str
    lift_rel: float
    lift_rel_ci: tuple[float, float]
    p_value: float


@dataclass(frozen=True)
class Winsorized:
    """The comparisons of a mean metric capped at the control's `quantile` (`cap`)."""

    quantile: float
    cap: float
    arms: list[WinsorizedArm]


@dataclass(frozen=True)
class TopUnitInfluence:
    """How much a mean metric's largest units weigh: their count per arm and share of the
    total (None when not measured), and the comparisons without them."""

    top_units: int
    top_share: float | None
    arms: list[WithoutTopUnits]
    winsorized: Winsorized | None = None


@dataclass(frozen=True)
class MetricResult:
    """Every arm of an experiment on one metric, with the method named."""

    metric: str
    role: str  # primary | secondary | guardrail
    method: str  # the test's name for readers (worded by abtest.wording; "" until then)
    arms: list[ArmResult]
    cuped: Cuped | None = None  # revenue per unit with a pre-period covariate
    kind: str = "proportion"  # proportion | mean | ratio
    label: str | None = None  # custom metrics: the label from params (presets: catalogue)
    unit: str = ""
    outliers: TopUnitInfluence | None = None  # mean metrics: the comparison without the top units


@dataclass(frozen=True)
class Power:
    """What the sample can show, and what it would take to show the planned MDE."""

    mde_relative_achievable: float | None
    units_needed_per_arm: int | None
    units_per_day: float | None
    days_needed: int | None


@dataclass(frozen=True)
class Decision:
    """The verdict (rules in `abtest.decisions`) and why: a code, the arm to ship if any,
    and the arms and metrics behind it.

    `arm` is the best significant treatment (ship, blocked); `harmed` the guardrail metrics it
    is worse on (blocked); `worse`/`ruled_out` the treatments that keep the control;
    `undecided` the treatments an inconclusive verdict waits on, with `wait` saying for what.
    """

    code: Verdict
    winner: str | None = None
    caveats: tuple[str, ...] = ()  # codes: srm_suspect
    arm: str | None = None
    harmed: tuple[str, ...] = ()
    evidence: Evidence | None = None  # ship: how significance was judged
    worse: tuple[str, ...] = ()
    ruled_out: tuple[str, ...] = ()
    undecided: tuple[str, ...] = ()
    wait: Wait | None = None


@dataclass(frozen=True)
class ExperimentResult:
    """The verdict on one experiment and the statistics behind it.

    Codes (`decision`, `control_rule`, `verdict`, `caveats`) come from the statistics; the
    sentences for readers (`decision_text`, `control_reason`, `method`) are filled from them
    by `abtest.wording.worded` (empty until then).
    """

    experiment_id: str
    metric: str
    method: str
    control: str
    control_reason: str
    srm_p_value: float | None  # None when not checked (planned shares unknown)
    srm_invalid: bool
    decision: Verdict
    decision_text: str
    winner: str | None
    days_needed: int | None
    arms: list[ArmResult]
    metrics: list[MetricResult] = field(default_factory=list)
    power: Power | None = None
    replace: list[str] = field(default_factory=list)
    declared_winner: str | None = None  # the platform's own verdict, where it reports one
    srm_tier: str = "not_checked"  # not_checked | ok | warn | invalid
    caveats: list[str] = field(default_factory=list)  # codes on the verdict: srm_suspect
    control_rule: ControlRule = "named"
    verdict: Decision | None = None  # the verdict's code with the arms and metrics behind it


@dataclass(frozen=True)
class PlannedUnits:
    """Planning mode: a planned test (as in params) and the units it needs to detect its MDE."""

    baseline: float
    mde_relative: float
    control_share: float
    power: float
    control_units: int
    treatment_units: int
    total_units: int
