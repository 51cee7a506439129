"""Causal, volume-aware anomaly scores and level shifts for every series of a panel.

`detect(panel)` judges each step only against the steps before it:
1. Baseline and robust scale (`anomaly.baseline`): trailing seasonal medians plus a robust
   level; 1.4826 × MAD of past residuals.
2. Volume model: the day's sampling variance v_t from its volume — binomial p(1 − p)/n for
   ratios (p = pooled rate Σnumerator / Σdenominator of the scale window, n = the step's
   denominator), Poisson λ = expected for counts, (price_cv × expected)² / clicks for prices,
   and for amounts with a known unit count (spend: clicks, revenue: orders) the compound
   Poisson variance of a sum of unit amounts, expected units × E[unit²] (module
   `sampling_variance`); 0 for amounts without units (the generic `metrics` table). The
   scale's share beyond sampling noise is the over-dispersion τ² = max(0, scale² − median
   of past v) and the step's standard deviation is
   sd_t = sqrt(τ² + v_t): the additive random-effects form of Spiegelhalter's funnel plots
   with over-dispersion (Spiegelhalter 2005, Statistics in Medicine 24:1185). So a CTR from a
   handful of impressions gets a wide band, and a volume too small for the normal
   approximation (`min_volume`) is not scored at all.
3. score: the studentised residual t = (value − expected) / sd, put on the standard normal
   scale through its tail probability under Student's t: score = Φ⁻¹(F_t(t; df)), where a
   MAD of n residuals counts as df = 0.3675 n (its Gaussian efficiency, Rousseeuw & Croux
   1993), adjusted for the known sampling part by Satterthwaite's formula
   df × ((τ² + v_t) / scale²)². So 3.5 means a 1-in-2,150 two-sided tail whether the scale
   came from 14 residuals or 56. anomalous where |score| > threshold; the band
   lower / upper = expected ∓ t* × sd, t* the t-quantile matching the threshold. The
   threshold is per day: hourly data uses `DetectorSettings.step_threshold` (4.27 for 3.5),
   the same expected false alarms per day.
4. Level shifts (`anomaly.shifts`): a two-sided CUSUM of the residuals against the seasonal
   reference (without the level term, which would absorb a shift before it is confirmed),
   standardised like the score and whitened for lag-1 autocorrelation; the start is
   Hinkley's change point. When a shift is confirmed, the series' history before its start
   is moved by its size and the baseline recomputed for the steps after confirmation, so the
   new level is the new normal: one `Shift` record, not a run of daily alerts. Steps between
   start and confirmation keep the verdicts a monitor gave on those days (usually the first
   2–3 days of a large shift are anomalous points: one incident with the shift).
5. Short runs (`anomaly.runs`, daily data): a scan of moving sums of the final studentised
   residuals over windows of 2 to `run_longest` days, AR(1)-adjusted and Student-t
   calibrated, finds a few days that are off together though none crosses the threshold and
   the run is over before the CUSUM confirms: one `Run` from its first to its last leaning
   step, raised on the day the scan crossed.
Missing or infinite values are missing steps (never zeros). Work runs in blocks of
series (BLOCK_ELEMENTS), vectorised inside a block.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np
from scipy import special

from analysis.anomaly.baseline import (
    MAD_EFFICIENCY,
    robust_baseline,
    student_to_z,
    trailing_median,
    window_steps,
)
from analysis.anomaly.panel import Panel
from analysis.anomaly.runs import Run, find_runs
from analysis.anomaly.settings import DetectorSettings
from analysis.anomaly.shifts import Shift, first_cusum_alarm, shift_sizes, whiten
from analysis.anomaly.steps import incident_gap, step_minutes
from analysis.anomaly.tails import TAIL_MIN_RESIDUALS, gpd_quantile, own_tail
from analysis.errors import AnalysisError, ParamsError

KINDS = ("count", "amount", "ratio", "price")
DEFAULT_SETTINGS = DetectorSettings()
BLOCK_ELEMENTS = 1 << 20
"""Window elements (series × steps × scale window) per block: 8 MB temporaries, small enough
for the allocator to reuse memory between blocks instead of mapping fresh pages."""


@dataclass(frozen=True)
class Detection:
    """Verdicts for every series and step of a panel (arrays are (n_series, n_steps)).

    expected: baseline; lower / upper: the band at the alarm threshold; score: signed score on
    the standard normal scale (module docstring, 3); anomalous: |score| > the step threshold.
    NaN (False) where a step has no score: before `warm_up[row]` (history too short), where
    the value is missing, where the volume is below `min_volume`, or where the history has no
    spread at all (a series flat at 0). shifts: confirmed level shifts in order of
    confirmation. runs: short runs (module docstring, 5), by series then time. warm_up:
    (n_series,) first step with a baseline (n_steps if never): the step after the series'
    `early_values`-th value; early: (n_series, n_steps) steps scored by the cold-start model
    (`anomaly.baseline`, 5: wider bands, marked early in the report); too_short: rows that
    never gathered `early_values` values before a step, so have no baseline at all.
    """

    timestamps: np.ndarray
    expected: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    score: np.ndarray
    anomalous: np.ndarray
    shifts: tuple[Shift, ...]
    runs: tuple[Run, ...]
    warm_up: np.ndarray
    too_short: np.ndarray
    settings: DetectorSettings
    early: np.ndarray | None = None
    frequency: str = "D"

    def alerts(self, *, shifts: bool = True, runs: bool = True) -> np.ndarray:
        """Steps a monitor would alert on: anomalous points and (if `shifts`, `runs`) the steps
        on which a shift or a run was confirmed."""
        alerts = self.anomalous.copy()
        if shifts:
            for shift in self.shifts:
                alerts[shift.series_row, shift.confirmed] = True
        if runs:
            for run in self.runs:
                alerts[run.series_row, run.confirmed] = True
        return alerts

    def onsets(
        self, *, max_gap: int | None = None, shifts: bool = True, runs: bool = True
    ) -> np.ndarray:
        """Alert at incident onset: alert steps with no alert in the `max_gap` + 1 steps before.

        Alert steps with at most `max_gap` quiet steps between them are one incident, raised
        once on its first step: the time merging of `anomaly.incidents` (same default,
        `steps.incident_gap`: one step for daily and hourly data, an hour at finer steps).
        shifts, runs: count shift and run confirmations as alert steps.
        """
        if max_gap is None:
            max_gap = incident_gap(self.frequency)
        alerts = self.alerts(shifts=shifts, runs=runs)
        running = np.cumsum(alerts, axis=1)
        running = np.concatenate([np.zeros((len(alerts), 1), dtype=int), running], axis=1)
        steps = np.arange(alerts.shape[1])
        recent = running[:, steps] - running[:, np.maximum(steps - max_gap - 1, 0)]
        return alerts & (recent == 0)


@dataclass(frozen=True)
class _Scored:
    """Per-step results of one block of series (what the shift loop needs, too)."""

    expected: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    score: np.ndarray
    studentised: np.ndarray
    score_df: np.ndarray
    reference_z: np.ndarray
    reference_residual: np.ndarray
    reference_autocorrelation: np.ndarray
    ready: np.ndarray
    early: np.ndarray


def sampling_variance(
    values: np.ndarray,
    numerator: np.ndarray,
    denominator: np.ndarray,
    kinds: np.ndarray,
    expected: np.ndarray,
    *,
    width: int,
    settings: DetectorSettings,
) -> tuple[np.ndarray, np.ndarray]:
    """Each step's sampling variance from its volume, and whether the volume is enough.

    ratio: p(1 − p)/n with p the pooled rate of the `width` steps before (falling back to the
    expected value) and n the step's denominator; enough when n·p and n·(1 − p) ≥ min_volume.
    count: λ = max(expected, 0); enough when λ ≥ min_volume. price: (price_cv × expected)² / n
    with n the step's denominator (clicks); enough when n ≥ min_volume.
    amount with units (`Panel`: denominator = units, numerator = Σ unit² where known): a day's
    spend or revenue is a sum over a Poisson number of clicks or orders, whose variance is
    E[units] × E[unit²] (compound Poisson). With ū = Σ amount / Σ units of the `width` steps
    before, E[units] = expected / ū and E[unit²] = Σ unit² / Σ units of those steps (revenue:
    from the order values) or (1 + price_cv²) ū² when unit amounts are unknown (spend: one
    click's price); enough when E[units] ≥ min_volume. Amounts without units, and ratio or
    price steps whose denominator is unknown: variance 0 (history scale alone), always enough.
    """
    variance = np.zeros(expected.shape)
    enough = np.ones(expected.shape, dtype=bool)
    volume = denominator
    known = np.isfinite(volume)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (kinds == "ratio")[:, None] & known
        if ratio.any():
            rate = _pooled_rate(numerator, denominator, width)
            rate = np.where(np.isfinite(rate), rate, np.clip(expected, 0.0, 1.0))
            variance = np.where(ratio, rate * (1.0 - rate) / volume, variance)
            events = np.minimum(rate, 1.0 - rate) * volume
            enough &= ~ratio | (events >= settings.min_volume)
        count = np.broadcast_to((kinds == "count")[:, None], expected.shape)
        if count.any():
            mean_count = np.maximum(expected, 0.0)
            variance = np.where(count, mean_count, variance)
            enough &= ~count | (mean_count >= settings.min_volume)
        price = (kinds == "price")[:, None] & known
        if price.any():
            variance = np.where(price, (settings.price_cv * expected) ** 2 / volume, variance)
            enough &= ~price | (volume >= settings.min_volume)
        amount = (kinds == "amount")[:, None] & known
        if amount.any():
            unit = _pooled_rate(values, denominator, width)
            squares = _pooled_rate(numerator, denominator, width)
            second = np.where(np.isfinite(squares), squares, (1.0 + settings.price_cv**2) * unit**2)
            units = np.maximum(expected, 0.0) / unit
            usable = amount & np.isfinite(units) & np.isfinite(second)
            variance = np.where(usable, units * second, variance)
            enough &= ~usable | (units >= settings.min_volume)
    return variance, enough


def _pooled_rate(numerator: np.ndarray, denominator: np.ndarray, width: int) -> np.ndarray:
    """Σ numerator / Σ denominator over the `width` steps before each step (both present)."""
    both = np.isfinite(numerator) & np.isfinite(denominator)
    sums = []
    for part in (numerator, denominator):
        running = np.cumsum(np.where(both, part, 0.0), axis=1)
        running = np.concatenate([np.zeros((part.shape[0], 1)), running], axis=1)
        steps = np.arange(part.shape[1])
        sums.append(running[:, steps] - running[:, np.maximum(steps - width, 0)])
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(sums[1] > 0, sums[0] / sums[1], np.nan)


def _total_sd(
    scale: np.ndarray,
    n_residuals: np.ndarray,
    variance: np.ndarray,
    typical_variance: np.ndarray,
    expected: np.ndarray,
    settings: DetectorSettings,
) -> tuple[np.ndarray, np.ndarray]:
    """sd = sqrt(τ² + v_t), τ² = max(0, scale² − typical v), never below min_relative_scale × |E|;
    and its degrees of freedom, 0.3675 n_residuals × ((τ² + v_t) / scale²)² (Satterthwaite)."""
    over_dispersion = np.maximum(scale**2 - typical_variance, 0.0)
    total = over_dispersion + variance
    with np.errstate(divide="ignore", invalid="ignore"):
        df = np.where(scale > 0, MAD_EFFICIENCY * n_residuals * (total / scale**2) ** 2, np.inf)
    sd = np.maximum(np.sqrt(total), settings.min_relative_scale * np.abs(expected))
    return sd, df


def _early_sd(
    base, variance: np.ndarray, typical: np.ndarray, sd: np.ndarray, df: np.ndarray, settings
) -> tuple[np.ndarray, np.ndarray]:
    """Cold-start steps with a volume model: only the over-dispersion is estimated.

    τ² = max(scale² − typical v, (early_relative_scale × expected)²) from the early MAD (df =
    0.37 n) and the step's sampling variance v known from its volume, so Satterthwaite's df
    for τ² + v is 0.37 n × ((τ² + v) / τ²)²: a new keyword with 200 clicks a day gets a band
    set mostly by Poisson noise, not by the t-quantile of 5 values.
    """
    early = base.early & (variance > 0)
    if not early.any():
        return sd, df
    prior = (settings.early_relative_scale * base.expected) ** 2
    over = np.fmax(base.scale**2 - typical, prior)
    total = over + variance
    with np.errstate(divide="ignore", invalid="ignore"):
        early_df = np.where(
            over > 0, MAD_EFFICIENCY * base.n_residuals * (total / over) ** 2, np.inf
        )
    return np.where(early, np.sqrt(total), sd), np.where(early, early_df, df)


def _tail_scores(
    studentised: np.ndarray,
    df: np.ndarray,
    tail_df: np.ndarray,
    threshold: float,
    settings: DetectorSettings,
    settled: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scores, the band's half-width in sd units and the df used, with the series' own tail.

    Where a generalised Pareto tail is fitted on the series' past residuals (`anomaly.tails`,
    sub-daily data from 2,000 residuals on), a step's two-sided tail probability is the larger
    of the t model's (Satterthwaite df) and the fitted tail's, and the band reaches the larger
    of their quantiles at the step threshold. Before that (`tail_shape`) the t tail read from
    the residuals' 95th percentile (`anomaly.baseline`) stands in; without `tail_shape`,
    neither.
    """
    if not settings.tail_shape:
        return student_to_z(studentised, df), special.stdtrit(df, special.ndtr(threshold)), df
    magnitude = np.abs(studentised)
    prior_df = np.fmin(df, tail_df)
    if np.isfinite(magnitude).sum(axis=1).max(initial=0) < TAIL_MIN_RESIDUALS:  # daily data
        critical = special.stdtrit(prior_df, special.ndtr(threshold))
        return student_to_z(studentised, prior_df), critical, prior_df
    step_tail = 2.0 * special.ndtr(-threshold)
    tail, (u, shape, scale, share) = own_tail(
        magnitude,
        2.0 * special.stdtr(df, -magnitude),
        2.0 * special.stdtr(prior_df, -magnitude),
        step_tail,
        settled,
    )
    fitted = np.isfinite(shape)
    df = np.where(fitted, df, prior_df)
    with np.errstate(divide="ignore"):
        z = np.where(tail > 0, -special.ndtri(tail / 2.0), magnitude)
    score = np.where(np.isfinite(studentised), np.sign(studentised) * z, np.nan)
    critical = special.stdtrit(df, special.ndtr(threshold))
    own = u + gpd_quantile(step_tail, shape, scale, share)
    critical = np.where(fitted & (step_tail < share), np.fmax(critical, own), critical)
    return score, critical, df


def _score_block(
    values: np.ndarray,
    numerator: np.ndarray,
    denominator: np.ndarray,
    kinds: np.ndarray,
    frequency: str,
    settings: DetectorSettings,
) -> _Scored:
    """Baseline, volume model and scores of one block of series."""
    base = robust_baseline(values, frequency, settings)
    width = window_steps(settings.scale_cycles, frequency, settings)
    variance, enough = sampling_variance(
        values, numerator, denominator, kinds, base.expected, width=width, settings=settings
    )
    typical = np.zeros(values.shape)
    modelled = np.flatnonzero(np.any(variance > 0, axis=1))
    if modelled.size:
        past = np.where(enough[modelled], variance[modelled], np.nan)
        typical[modelled] = np.nan_to_num(trailing_median(past, width, min_count=1))
    n = base.n_residuals
    sd, df = _total_sd(base.scale, n, variance, typical, base.expected, settings)
    sd, df = _early_sd(base, variance, typical, sd, df, settings)
    reference_sd, reference_df = _total_sd(
        base.reference_scale, n, variance, typical, base.reference, settings
    )
    ready = np.isfinite(base.expected) & np.isfinite(base.scale)
    scorable = ready & enough & (sd > 0)
    threshold = settings.step_threshold(frequency)
    with np.errstate(divide="ignore", invalid="ignore"):
        studentised = np.where(scorable, (values - base.expected) / sd, np.nan)
    score, critical, df = _tail_scores(
        studentised, df, base.tail_df, threshold, settings, base.complete
    )
    band = np.where(scorable, critical * sd, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        reference_residual = values - base.reference
        reference_z = np.where(  # no CUSUM on early steps or before the weekly term is known
            scorable & (reference_sd > 0) & base.complete,
            student_to_z(reference_residual / reference_sd, reference_df),
            np.nan,
        )
    return _Scored(
        expected=base.expected,
        lower=base.expected - band,
        upper=base.expected + band,
        score=score,
        studentised=studentised,
        score_df=df,
        reference_z=reference_z,
        reference_residual=reference_residual,
        reference_autocorrelation=base.reference_autocorrelation,
        ready=ready,
        early=base.early & ready,
    )


def _score_rows(
    values: np.ndarray,
    numerator: np.ndarray,
    denominator: np.ndarray,
    kinds: np.ndarray,
    frequency: str,
    settings: DetectorSettings,
) -> _Scored:
    """`_score_block` over blocks of rows (BLOCK_ELEMENTS), written into whole-panel arrays."""
    width = window_steps(settings.scale_cycles, frequency, settings)
    size = max(1, BLOCK_ELEMENTS // max(values.shape[1] * width, 1))
    out: dict[str, np.ndarray] = {}
    for first in range(0, len(values), size):
        rows = slice(first, first + size)
        block = _score_block(
            values[rows], numerator[rows], denominator[rows], kinds[rows], frequency, settings
        )
        for f in fields(_Scored):
            part = getattr(block, f.name)
            if f.name not in out:
                out[f.name] = np.empty(values.shape, dtype=part.dtype)
            out[f.name][rows] = part
    if not out:  # no series: empty arrays of the right shape
        empty = np.empty(values.shape)
        flags = ("ready", "early")
        out = {f.name: empty.astype(bool if f.name in flags else float) for f in fields(_Scored)}
    return _Scored(**out)


def _follow_shifts(
    values: np.ndarray,
    numerator: np.ndarray,
    denominator: np.ndarray,
    kinds: np.ndarray,
    frequency: str,
    settings: DetectorSettings,
    scored: _Scored,
) -> tuple[tuple[Shift, ...], _Scored]:
    """Confirm shifts series by series in time order; reset each shifted series' baseline.

    Updates the arrays of `scored` in place for the steps after each confirmation.
    """
    n_series, n_steps = values.shape
    steps = np.arange(n_steps)
    work = values.copy()
    arrays = {f.name: getattr(scored, f.name) for f in fields(_Scored)}
    begin = np.zeros(n_series, dtype=int)
    active = np.arange(n_series)
    shifts: list[Shift] = []
    while active.size:
        alarm = first_cusum_alarm(
            whiten(arrays["reference_z"][active], arrays["reference_autocorrelation"][active]),
            begin[active],
            k=settings.cusum_k,
            h=settings.step_cusum_h(frequency),
            clip=settings.step_cusum_clip(frequency),
        )
        hit = alarm.confirmed >= 0
        rows, start, confirmed = active[hit], alarm.start[hit], alarm.confirmed[hit]
        if rows.size == 0:
            break
        sizes = shift_sizes(arrays["reference_residual"][rows], start, confirmed)
        shifts += [
            Shift(int(row), int(s), "up" if d > 0 else "down", float(size), int(c))
            for row, s, d, size, c in zip(
                rows, start, alarm.direction[hit], sizes, confirmed, strict=True
            )
        ]
        work[rows] += np.where(steps < start[:, None], sizes[:, None], 0.0)
        again = _score_rows(
            work[rows],
            numerator[rows],
            denominator[rows],
            kinds[rows],
            frequency,
            settings,
        )
        after = steps > confirmed[:, None]
        for name, array in arrays.items():
            if name not in ("ready", "early"):
                array[rows] = np.where(after, getattr(again, name), array[rows])
        begin[rows] = confirmed + 1
        active = rows
    ordered = tuple(sorted(shifts, key=lambda s: (s.confirmed, s.series_row)))
    return ordered, _Scored(**arrays)


def _finite(array: np.ndarray) -> np.ndarray:
    """Float copy with ±inf as NaN (a missing step, never a zero)."""
    array = np.asarray(array, dtype=float)
    return np.where(np.isfinite(array), array, np.nan)


def _check(panel: Panel) -> np.ndarray:
    try:
        step_minutes(panel.frequency)
    except ParamsError as error:
        raise AnalysisError(f"panel {error}") from None
    kinds = panel.keys["kind"].to_numpy(dtype=object)
    unknown = sorted({str(k) for k in kinds if k not in KINDS})
    if unknown:
        raise AnalysisError(
            f"panel keys column 'kind' holds {unknown}; accepted kinds are {list(KINDS)}"
        )
    return kinds


def detect(panel: Panel, settings: DetectorSettings = DEFAULT_SETTINGS) -> Detection:
    """Score every step of every series of `panel` against its own past (module docstring)."""
    kinds = _check(panel)
    values, numerator, denominator = (
        _finite(panel.values),
        _finite(panel.numerator),
        _finite(panel.denominator),
    )
    scored = _score_rows(values, numerator, denominator, kinds, panel.frequency, settings)
    n_steps = values.shape[1]
    has_history = scored.ready.any(axis=1)
    first_ready = scored.ready.argmax(axis=1) if n_steps else np.zeros(len(values), dtype=int)
    warm_up = np.where(has_history, first_ready, n_steps)
    shifts, scored = _follow_shifts(
        values, numerator, denominator, kinds, panel.frequency, settings, scored
    )
    before = np.arange(n_steps) < warm_up[:, None]
    scored = replace(
        scored,
        expected=np.where(before, np.nan, scored.expected),
        lower=np.where(before, np.nan, scored.lower),
        upper=np.where(before, np.nan, scored.upper),
    )
    score = np.where(before, np.nan, scored.score)
    studentised = np.where(before, np.nan, scored.studentised)
    return Detection(
        timestamps=np.asarray(panel.timestamps),
        expected=scored.expected,
        lower=scored.lower,
        upper=scored.upper,
        score=score,
        anomalous=np.abs(np.nan_to_num(score)) > settings.step_threshold(panel.frequency),
        shifts=shifts,
        runs=find_runs(studentised, scored.score_df, panel.frequency, settings),
        warm_up=warm_up,
        too_short=np.flatnonzero(~has_history),
        settings=settings,
        early=scored.early & ~before,
        frequency=panel.frequency,
    )
