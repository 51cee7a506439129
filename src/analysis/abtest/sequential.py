"""Always-valid confidence sequences, so an experiment can be checked daily at a fixed alpha.

Asymptotic confidence sequence of Waudby-Smith, Arbour, Sinha, Kennedy & Ramdas (2023),
"Time-uniform central limit theory and asymptotic confidence sequences" (arXiv 2103.06476,
Theorem 2.2 with the normal-mixture boundary), in the form GrowthBook's
`SequentialTwoSidedTTest` uses for a difference of two means:

    half-width = σ̂·√( 2(Nρ² + 1) / (N²ρ²) · log( √(Nρ² + 1) / α ) ),   σ̂² = se²·N,

with N the total units in both arms, se the standard error of the lift, and the mixing
parameter ρ tuned so the sequence is tightest near N* = tuning_units (eq. 161):

    ρ = √( (−2 log α + log(−2 log α + 1)) / N* ).

GrowthBook's default N* is 5,000. The matching always-valid p-value is the reciprocal of
the mixture e-value (eq. 155), capped at 1; it is below α exactly when the sequence
excludes 0.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from analysis.abtest.frequentist import check_alpha
from analysis.errors import InputError

DEFAULT_TUNING_UNITS = 5_000  # GrowthBook's default sequential tuning parameter


def mixing_rho(*, alpha: float, tuning_units: float) -> float:
    """ρ that makes the confidence sequence tightest at tuning_units (Waudby-Smith eq. 161)."""
    check_alpha(alpha)
    if not tuning_units > 0:
        raise InputError(f"tuning_units = {tuning_units!r}, must be > 0")
    log_alpha = math.log(alpha)
    return math.sqrt((-2 * log_alpha + math.log(-2 * log_alpha + 1)) / tuning_units)


def sequential_half_width(
    std_error: float | npt.ArrayLike,
    *,
    units: float | npt.ArrayLike,
    alpha: float = 0.05,
    tuning_units: float = DEFAULT_TUNING_UNITS,
) -> float | np.ndarray:
    """Half-width of the asymptotic confidence sequence (Waudby-Smith et al. 2023, Thm 2.2).

    Vectorised over std_error and units (total units in both arms at each look).
    """
    rho = mixing_rho(alpha=alpha, tuning_units=tuning_units)
    n = np.asarray(units, dtype=float)
    if np.any(n <= 0):
        raise InputError(f"units = {units!r}, must be > 0 at every look")
    variance_per_unit = np.asarray(std_error, dtype=float) ** 2 * n
    n_rho2 = n * rho * rho
    boundary = 2 * (n_rho2 + 1) / (n * n_rho2) * np.log(np.sqrt(n_rho2 + 1) / alpha)
    half_width = np.sqrt(variance_per_unit * boundary)
    return float(half_width) if half_width.ndim == 0 else half_width


def confidence_sequence(
    std_error: float,
    lift_abs: float,
    *,
    units: int,
    alpha: float = 0.05,
    tuning_units: float = DEFAULT_TUNING_UNITS,
) -> tuple[float, float]:
    """Always-valid CI of lift_abs at this look; asymptotic CS (Waudby-Smith et al. 2023).

    std_error and lift_abs as in `Comparison`; units is the total in BOTH arms at this look.
    The interval stays valid however often it is checked.
    """
    half_width = sequential_half_width(
        std_error, units=units, alpha=alpha, tuning_units=tuning_units
    )
    return (float(lift_abs - half_width), float(lift_abs + half_width))


def always_valid_p_value(
    std_error: float,
    lift_abs: float,
    *,
    units: int,
    alpha: float = 0.05,
    tuning_units: float = DEFAULT_TUNING_UNITS,
) -> float:
    """min(1, 1/e-value) of the normal-mixture e-value (Waudby-Smith et al. 2023, eq. 155).

    ρ depends on alpha, so use the same alpha as the confidence sequence: p < alpha exactly
    when `confidence_sequence` excludes 0. units is the total in both arms.
    """
    if not units > 0:
        raise InputError(f"units = {units!r}, must be > 0")
    if std_error == 0:
        return 1.0 if lift_abs == 0 else 0.0
    rho = mixing_rho(alpha=alpha, tuning_units=tuning_units)
    n_rho2_plus_1 = units * rho * rho + 1
    z2_times_n = lift_abs**2 * units / std_error**2
    log_e_value = rho * rho * z2_times_n / (2 * n_rho2_plus_1) - 0.5 * math.log(n_rho2_plus_1)
    return min(1.0, math.exp(-log_e_value))
