"""Spend-response curves per channel: diminishing returns and the marginal ROI of more spend.

Model: the modified-exponential response curve (Hanssens, Parsons & Schultz, "Market
Response Models", 2nd ed. 2001): daily attributed revenue y = a·(1 − exp(−x/b)) for daily
spend x, with a the saturation revenue per day and b the spend scale (b·ln 2 reaches half
of a). Marginal ROI, the revenue
from one more yuan at spend s, is dy/dx = (a/b)·exp(−s/b).

Fitted by nonlinear least squares (scipy `curve_fit`, trust-region reflective, a, b > 0)
from a profile-grid start, so the fit is deterministic (nothing is random). Intervals use
the delta method on the parameter covariance: for marginal ROI on the log scale
(log m = log a − log b − s/b, so the interval stays positive), for the curve on its own
scale. A curve is only `supported` when the data can carry it; otherwise `code` says why,
with the numbers behind it in `values` (`attribution.wording.curve_reason` words them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy.optimize import curve_fit
from scipy.stats import norm

from analysis.errors import AnalysisError, InputError

RESPONSE_MODEL = "y = a·(1 − exp(−x/b))"
RESPONSE_METHOD = (
    f"saturating response {RESPONSE_MODEL} on daily spend x and attributed revenue y; "
    "nonlinear least squares (scipy curve_fit, trust-region reflective, a, b > 0); "
    "compared with a line through the origin and a constant by AIC = n·ln(RSS/n) + 2k; "
    "interval: delta method on the parameter covariance (log scale for marginal ROI)"
)
_START_GRID_SIZE = 80  # b values tried (log-spaced) for the profile-grid starting point
_B_BOUND_FACTOR = 1e3  # b is searched in [min spend / 1e3, max spend · 1e3]


@dataclass(frozen=True)
class ResponseCurve:
    """A fitted (or rejected) spend-response curve for one channel, in daily units."""

    channel: str
    supported: bool
    reason: str  # the sentence for readers (worded from `code` and `values`; "" until then)
    method: str
    n_days: int  # days with spend > 0
    current_daily_spend: float  # where `marginal_roi` is evaluated (mean daily spend by default)
    level: float  # coverage of the intervals, e.g. 0.9
    a: float | None = None  # saturation revenue per day
    b: float | None = None  # spend scale per day
    covariance: tuple[tuple[float, float], tuple[float, float]] | None = None  # of (a, b)
    marginal_roi: float | None = None  # (a/b)·exp(−s/b) at current_daily_spend
    marginal_roi_interval: tuple[float, float] | None = None
    spend_range: tuple[float, float] | None = None  # smallest and largest positive daily spend
    aic: float | None = None
    aic_line: float | None = None  # line through the origin, y = k·x
    aic_constant: float | None = None  # constant, y = c
    code: str = ""  # few_days | flat_spend | no_convergence | linear | constant | outside |
    #   no_covariance | uncertain (why not supported) | fitted (supported)
    values: dict[str, Any] = field(default_factory=dict)  # the numbers behind `code`

    def marginal_roi_at(self, daily_spend: float) -> float:
        """Marginal ROI (a/b)·exp(−s/b): revenue from one more yuan at daily spend s."""
        a, b = self._parameters()
        return a / b * math.exp(-daily_spend / b)

    def spend_for_marginal_roi(self, marginal: float) -> float:
        """Daily spend b·ln(a/(b·m)) where marginal ROI equals m."""
        a, b = self._parameters()
        return b * math.log(a / (b * marginal))

    def marginal_roi_interval_at(self, daily_spend: float) -> tuple[float, float] | None:
        """`level` interval for marginal ROI at s: delta method on log m = ln a − ln b − s/b."""
        a, b = self._parameters()
        if self.covariance is None:
            return None
        gradient = np.array([1.0 / a, -1.0 / b + daily_spend / b**2])
        variance = float(gradient @ np.array(self.covariance) @ gradient)
        if not math.isfinite(variance) or variance < 0:
            return None
        half_width = _z(self.level) * math.sqrt(variance)
        point = self.marginal_roi_at(daily_spend)
        return point * math.exp(-half_width), point * math.exp(half_width)

    def _parameters(self) -> tuple[float, float]:
        if self.a is None or self.b is None:
            raise AnalysisError(
                f"channel {self.channel!r} has no fitted response curve ({self.reason}); "
                "only curves with fitted a and b can be evaluated"
            )
        return self.a, self.b


@dataclass(frozen=True)
class ResponseBand:
    """The fitted curve on a spend grid with its pointwise delta-method band (for plotting)."""

    channel: str
    daily_spend: np.ndarray
    revenue: np.ndarray
    lower: np.ndarray  # clipped at 0: revenue is not negative
    upper: np.ndarray
    level: float
    supported: bool


def fit_response_curve(  # noqa: PLR0913  # data, then keyword-only rules of when a curve holds
    daily_spend: np.ndarray,
    daily_revenue: np.ndarray,
    *,
    channel: str,
    current_daily_spend: float | None = None,
    min_days: int = 14,
    min_spend_cv: float = 0.1,
    min_aic_gain: float = 2.0,
    max_extrapolation: float = 3.0,
    max_interval_ratio: float = 1.0,
    level: float = 0.9,
) -> ResponseCurve:
    """Fit y = a·(1 − exp(−x/b)) by nonlinear least squares and decide if the data support it.

    Not supported when: fewer than `min_days` days have spend; spend barely varies (coefficient
    of variation over spend days below `min_spend_cv`); the curve's AIC is not at least
    `min_aic_gain` below both a line through the origin and a constant (Gaussian least-squares
    AIC, n·ln(RSS/n) + 2k); the spend scale b lies more than `max_extrapolation` times outside
    the observed spend range (the bend is not in the data); or the `level` delta-method interval
    for marginal ROI at `current_daily_spend` (default: mean daily spend) is wider than
    `max_interval_ratio` × its point estimate. Deterministic; days with zero spend are used.
    `code` names the check that failed (or `fitted`), `values` its numbers.
    """
    spend, revenue = _check_series(daily_spend, daily_revenue)
    _check_options(min_days, min_spend_cv, max_extrapolation, max_interval_ratio, level)
    current = float(spend.mean()) if current_daily_spend is None else current_daily_spend
    if not (math.isfinite(current) and current >= 0):
        raise InputError(f"current_daily_spend == {current!r}; a finite number >= 0 is accepted")
    paid = spend[spend > 0]
    base = ResponseCurve(
        channel=channel,
        supported=False,
        reason="",
        method=RESPONSE_METHOD,
        n_days=int(paid.size),
        current_daily_spend=current,
        level=level,
    )
    if paid.size < min_days:
        return _reject(base, "few_days", days=int(paid.size), min_days=min_days)
    spend_cv = float(paid.std(ddof=1) / paid.mean())
    if spend_cv < min_spend_cv:
        return _reject(base, "flat_spend", cv=spend_cv, min_cv=min_spend_cv)
    curve = _fit(base, spend, revenue, paid)
    if curve.a is None:
        return curve
    return _judge(curve, min_aic_gain, max_extrapolation, max_interval_ratio)


def response_band(curve: ResponseCurve, daily_spend: np.ndarray) -> ResponseBand:
    """Evaluate the fitted curve and its pointwise `level` band (delta method) on a spend grid."""
    grid = np.asarray(daily_spend, dtype=float)
    if hasattr(curve, "band"):  # the marketing-mix model's curve draws its own band
        return curve.band(grid)
    a, b = curve._parameters()
    revenue = a * -np.expm1(-grid / b)
    if curve.covariance is None:
        lower, upper = revenue.copy(), revenue.copy()
    else:
        gradient = np.stack([-np.expm1(-grid / b), -a * grid / b**2 * np.exp(-grid / b)])
        variance = np.einsum("in,ij,jn->n", gradient, np.array(curve.covariance), gradient)
        half_width = _z(curve.level) * np.sqrt(np.clip(variance, 0.0, None))
        lower, upper = np.clip(revenue - half_width, 0.0, None), revenue + half_width
    return ResponseBand(curve.channel, grid, revenue, lower, upper, curve.level, curve.supported)


def _fit(
    base: ResponseCurve, spend: np.ndarray, revenue: np.ndarray, paid: np.ndarray
) -> ResponseCurve:
    """Least-squares fit from the best point of a profile grid over b; AICs of the rivals."""
    low, high = float(paid.min()), float(paid.max())
    bounds = ([0.0, low / _B_BOUND_FACTOR], [np.inf, high * _B_BOUND_FACTOR])
    start = _profile_start(spend, revenue, low, high)
    try:
        params, covariance = curve_fit(
            _saturation, spend, revenue, p0=start, bounds=bounds, x_scale="jac"
        )
    except (RuntimeError, ValueError) as error:
        return _reject(base, "no_convergence", error=str(error))
    a, b = (float(value) for value in params)
    n = spend.size
    rss_curve = float(np.sum((revenue - _saturation(spend, a, b)) ** 2))
    slope = float(spend @ revenue / (spend @ spend))
    rss_line = float(np.sum((revenue - slope * spend) ** 2))
    rss_constant = float(np.sum((revenue - revenue.mean()) ** 2))
    finite = bool(np.all(np.isfinite(covariance)))
    cov = covariance.tolist()
    return replace(
        base,
        a=a,
        b=b,
        covariance=((cov[0][0], cov[0][1]), (cov[1][0], cov[1][1])) if finite else None,
        spend_range=(low, high),
        aic=_aic(rss_curve, n, 2),
        aic_line=_aic(rss_line, n, 1),
        aic_constant=_aic(rss_constant, n, 1),
    )


def _judge(
    curve: ResponseCurve,
    min_aic_gain: float,
    max_extrapolation: float,
    max_interval_ratio: float,
) -> ResponseCurve:
    """Apply the model-comparison, range and precision checks to a fitted curve."""
    a, b = curve._parameters()
    low, high = curve.spend_range or (0.0, 0.0)
    gain_line = (curve.aic_line or 0.0) - (curve.aic or 0.0)
    gain_constant = (curve.aic_constant or 0.0) - (curve.aic or 0.0)
    if gain_line < min_aic_gain:
        return _reject(curve, "linear", gain=gain_line, min_gain=min_aic_gain)
    if gain_constant < min_aic_gain:
        return _reject(curve, "constant", gain=gain_constant, min_gain=min_aic_gain)
    if b > max_extrapolation * high or b < low / max_extrapolation:
        return _reject(curve, "outside", b=b, low=low, high=high)
    point = curve.marginal_roi_at(curve.current_daily_spend)
    interval = curve.marginal_roi_interval_at(curve.current_daily_spend)
    fitted = replace(curve, marginal_roi=point, marginal_roi_interval=interval)
    if interval is None:
        return _reject(fitted, "no_covariance")
    bounds = {"low": interval[0], "high": interval[1], "point": point}
    if interval[1] - interval[0] > max_interval_ratio * point:
        return _reject(fitted, "uncertain", level=curve.level, ratio=max_interval_ratio, **bounds)
    return replace(
        fitted,
        supported=True,
        code="fitted",
        values={
            "a": a,
            "half": b * math.log(2),
            "current": curve.current_daily_spend,
            "gain": min(gain_line, gain_constant),
            **bounds,
        },
    )


def _reject(curve: ResponseCurve, code: str, **values: Any) -> ResponseCurve:
    """A copy of `curve`, not supported, with the failed check's code and its numbers."""
    return replace(curve, supported=False, code=code, values=values)


def _profile_start(
    spend: np.ndarray, revenue: np.ndarray, low: float, high: float
) -> tuple[float, float]:
    """(a, b) minimising RSS over a log grid of b, with a solved exactly (linear in a)."""
    scales = np.geomspace(low / 10, high * 10, _START_GRID_SIZE)
    shapes = -np.expm1(-spend[None, :] / scales[:, None])
    a = np.clip(shapes @ revenue / np.einsum("ij,ij->i", shapes, shapes), 1e-9, None)
    rss = np.sum((revenue[None, :] - a[:, None] * shapes) ** 2, axis=1)
    best = int(np.argmin(rss))
    return float(a[best]), float(scales[best])


def _saturation(spend: np.ndarray, a: float, b: float) -> np.ndarray:
    return a * -np.expm1(-spend / b)


def _aic(rss: float, n: int, k: int) -> float:
    """Gaussian least-squares AIC, n·ln(RSS/n) + 2k (a perfect fit gets −inf)."""
    return n * math.log(rss / n) + 2 * k if rss > 0 else -math.inf


def _z(level: float) -> float:
    return float(norm.ppf(0.5 + level / 2))


def _check_series(daily_spend: np.ndarray, daily_revenue: np.ndarray) -> tuple[np.ndarray, ...]:
    """Both 1-D, finite and of equal length; spend >= 0."""
    series = {"daily_spend": daily_spend, "daily_revenue": daily_revenue}
    arrays = []
    for name, values in series.items():
        array = np.asarray(values, dtype=float)
        if array.ndim != 1 or array.size == 0:
            raise InputError(f"{name} has shape {array.shape}; a non-empty 1-D array is accepted")
        if not np.all(np.isfinite(array)):
            raise InputError(f"{name} contains non-finite values; finite numbers are accepted")
        arrays.append(array)
    spend, revenue = arrays
    if spend.size != revenue.size:
        raise InputError(
            f"daily_spend and daily_revenue have lengths {spend.size} and {revenue.size}; "
            "they must be equal (one entry per day)"
        )
    if np.any(spend < 0):
        raise InputError(f"daily_spend has minimum {float(spend.min())!r}; spend must be >= 0")
    return spend, revenue


def _check_options(
    min_days: int,
    min_spend_cv: float,
    max_extrapolation: float,
    max_interval_ratio: float,
    level: float,
) -> None:
    if min_days < 3:
        raise InputError(f"min_days == {min_days!r}; an integer >= 3 is accepted")
    if not min_spend_cv >= 0:
        raise InputError(f"min_spend_cv == {min_spend_cv!r}; a number >= 0 is accepted")
    if not max_extrapolation >= 1:
        raise InputError(f"max_extrapolation == {max_extrapolation!r}; a number >= 1 is accepted")
    if not max_interval_ratio > 0:
        raise InputError(f"max_interval_ratio == {max_interval_ratio!r}; a number > 0 is accepted")
    if not 0 < level < 1:
        raise InputError(f"level == {level!r}; a number strictly between 0 and 1 is accepted")
