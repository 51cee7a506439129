"""Sample size, minimum detectable effect and time still needed, by the normal approximation.

Two-sided z-test power including both rejection tails, exactly as statsmodels
`NormalIndPower` (and so as spotify-confidence's sample-size example, reference §4):
power = Φ(d·√n_eff − z) + Φ(−d·√n_eff − z), with d = effect / sd, z = Φ⁻¹(1 − α/2)
and n_eff = 1 / (1/n_control + 1/n_treatment). Each arm's required units are rounded up
separately, so the arms can sum to one more than the rounded-up total (§4: 80,806 +
8,979 = 89,785 while the total 89,783.88 rounds up to 89,784).
"""

from __future__ import annotations

import functools
import math

from scipy import optimize, special

from analysis.errors import InputError


def _check_rates(alpha: float, power: float) -> None:
    if not 0 < alpha < 1:
        raise InputError(f"alpha = {alpha!r}, must be strictly between 0 and 1")
    if not alpha < power < 1:
        raise InputError(f"power = {power!r}, must be above alpha = {alpha!r} and below 1")


def _power(standardised_shift: float, alpha: float) -> float:
    """Two-sided z-test power at a shift of effect/se (both tails, as statsmodels)."""
    z = special.ndtri(1 - alpha / 2)
    return float(special.ndtr(standardised_shift - z) + special.ndtr(-z - standardised_shift))


@functools.lru_cache(maxsize=64)
def required_shift(*, alpha: float, power: float) -> float:
    """The effect / standard-error ratio a two-sided z-test needs for the given power.

    Cached: it depends on alpha and power only, and a portfolio asks thousands of times.
    """
    _check_rates(alpha, power)
    upper = float(special.ndtri(1 - alpha / 2) + special.ndtri(power))  # one-tail answer
    return float(optimize.brentq(lambda s: _power(s, alpha) - power, 0.0, upper, xtol=1e-14))


def _exact_units(
    baseline: float, mde_abs: float, alpha: float, power: float, control_share: float
) -> tuple[float, float]:
    if not 0 < baseline < 1:
        raise InputError(f"baseline = {baseline!r}, a rate must be strictly between 0 and 1")
    if mde_abs == 0:
        raise InputError("mde_abs = 0, the minimum detectable effect must be non-zero")
    if not 0 < control_share < 1:
        raise InputError(f"control_share = {control_share!r}, must be strictly between 0 and 1")
    effect_size = abs(mde_abs) / math.sqrt(baseline * (1 - baseline))
    effective_units = (required_shift(alpha=alpha, power=power) / effect_size) ** 2
    ratio = (1 - control_share) / control_share  # treatment units per control unit
    control_units = effective_units * (1 + ratio) / ratio
    return control_units, control_units * ratio


def required_units(
    *,
    baseline: float,
    mde_abs: float,
    alpha: float = 0.05,
    power: float = 0.8,
    control_share: float = 0.5,
) -> tuple[int, int]:
    """(control, treatment) units to detect mde_abs on a rate; normal approximation, two-sided.

    Effect size mde / √(p(1 − p)) at the baseline rate p, as statsmodels `NormalIndPower`
    with ratio = treatment / control units; each arm rounded up (spotify-confidence §4).
    """
    control_units, treatment_units = _exact_units(baseline, mde_abs, alpha, power, control_share)
    return math.ceil(control_units), math.ceil(treatment_units)


def required_total_units(
    *,
    baseline: float,
    mde_abs: float,
    alpha: float = 0.05,
    power: float = 0.8,
    control_share: float = 0.5,
) -> int:
    """Total units for `required_units`, rounded up once (the total reference §4 prints)."""
    control_units, treatment_units = _exact_units(baseline, mde_abs, alpha, power, control_share)
    return math.ceil(control_units + treatment_units)


def minimum_detectable_effect(
    *, control: int, treatment: int, baseline_sd: float, alpha: float = 0.05, power: float = 0.8
) -> float:
    """Absolute effect detectable with the given power at these units; normal approximation.

    mde = s·sd·√(1/n_control + 1/n_treatment), s solving the two-sided power equation
    (the inverse of `required_units`). For a rate p, baseline_sd = √(p(1 − p)).
    """
    for name, units in (("control", control), ("treatment", treatment)):
        if not units >= 1:
            raise InputError(f"{name} = {units!r}, units must be at least 1")
    if not baseline_sd > 0:
        raise InputError(f"baseline_sd = {baseline_sd!r}, must be > 0")
    shift = required_shift(alpha=alpha, power=power)
    return shift * baseline_sd * math.sqrt(1 / control + 1 / treatment)


def units_still_needed(
    *, current_control: int, current_treatment: int, required_control: int, required_treatment: int
) -> tuple[int, int]:
    """(control, treatment) units still to collect to reach the required sample (≥ 0 each)."""
    _check_counts(
        current_control=current_control,
        current_treatment=current_treatment,
        required_control=required_control,
        required_treatment=required_treatment,
    )
    return (
        max(required_control - current_control, 0),
        max(required_treatment - current_treatment, 0),
    )


def days_still_needed(
    *,
    current_control: int,
    current_treatment: int,
    required_control: int,
    required_treatment: int,
    units_per_day: float,
) -> int | None:
    """Whole days until both arms reach their required units; None if no traffic comes in.

    units_per_day is the experiment's total daily traffic, split between the arms in the
    planned proportion required_control : required_treatment.
    """
    still_control, still_treatment = units_still_needed(
        current_control=current_control,
        current_treatment=current_treatment,
        required_control=required_control,
        required_treatment=required_treatment,
    )
    if still_control == 0 and still_treatment == 0:
        return 0
    if not units_per_day >= 0:
        raise InputError(f"units_per_day = {units_per_day!r}, must be ≥ 0")
    if units_per_day == 0:
        return None
    control_share = required_control / (required_control + required_treatment)
    days = max(
        still_control / (units_per_day * control_share) if still_control else 0.0,
        still_treatment / (units_per_day * (1 - control_share)) if still_treatment else 0.0,
    )
    return math.ceil(days)


def _check_counts(**counts: int) -> None:
    for name, value in counts.items():
        if not value >= 0:
            raise InputError(f"{name} = {value!r}, unit counts must be ≥ 0")
