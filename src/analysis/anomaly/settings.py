"""The detector's settings: one frozen record, each default with the reason it was chosen.

The defaults were set from first principles and checked on synthetic data (weekly-seasonal
Gaussian, Poisson and binomial series with planted spikes and shifts; AR(1) and t-distributed
noise). No default was tuned on the NAB files that `anomaly.nab_eval` scores, though a
first NAB run did prompt design changes: see that module's docstring.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from scipy.stats import norm

from analysis.anomaly.steps import incident_gap, steps_per_day
from analysis.errors import ParamsError
from analysis.weeks import DAYS_PER_MONTH


@dataclass(frozen=True, kw_only=True)
class DetectorSettings:
    """Thresholds and windows of `anomaly.detect.detect`.

    threshold: a daily point is anomalous when |score| > threshold. 3.5 robust standard
      deviations: the outlier cut of Iglewicz & Hoaglin (1993) for modified z-scores; ≈ 1
      false alarm in 2,150 days of a Gaussian series (two-sided 4.7e-4), i.e. a budget of
      0.014 false point alarms per series-month (`false_alarms_per_month`). Both the
      threshold and cusum_h are per day: data at a shorter step (hourly, 5-minute, …) uses
      `step_threshold` / `step_cusum_h`, which give a noise-only series the same expected
      false alarms and false shifts per day (and so per month) whatever its step.
    history_weeks: weekly lags in the seasonal median: the same weekday (daily data) or the
      same hour of the week ±1 hour (hourly data) over the last 8 weeks.
    history_days: hourly data only: daily lags in the hour-of-day median (the last 7 days).
    min_lags: a seasonal median is used once this many of its values are present. 3 is the
      fewest whose median survives one anomalous value. Daily data is scored after 3 weeks
      (+ 2 weeks of residuals for the scale: from day 35); hourly data after 3 days for the
      hour-of-day median and one week for the weekly term (3 values: the hour ±1), + 2 days
      of residuals (from about day 12).
    level_cycles: the robust level is the median seasonal residual of the last 2 cycles (14
      days / 48 hours): it follows drift; one cycle would add twice the noise to the
      expected value of a stable series (on synthetic weekly series it missed 8σ spikes 1.9%
      of the time against 1.1%), and abrupt shifts are left to the CUSUM.
    scale_cycles: the robust scale (MAD of past residuals) reads the last 8 cycles of the
      shortest season: 56 days for daily data, 192 hours for hourly data.
    min_residual_cycles: residuals (2 cycles: 14 days / 48 hours) needed before the seasonal
      model's MAD is trusted; until then, and where the seasonal median is missing, a step is
      scored by the early model (`early_values`; `Detection.early`).
    max_window_steps: no trailing window (level, scale, pooled rates) is longer than 512
      steps. At hourly and daily steps this never binds (192 and 56); at 5-minute steps the
      8-day scale window (2,304 steps) becomes 512 (1.8 days): a MAD of 512 residuals has a
      relative standard error of about 7% (efficiency 0.37), so a longer window adds little
      precision and costs memory in proportion.
    tail_quantile: the MAD scale assumes Gaussian tails; real residuals (server metrics,
      prices, counts of bursts) have heavier ones, and a threshold set by a Gaussian tail
      then spends its false-alarm budget many times over. Where the 95th percentile of past
      |residual − median| exceeds a Gaussian's (1.96 scales), the scale is widened by that
      ratio (from 20 residuals on). On Gaussian noise it is ≈ 1 and changes little; on
      Student t3 noise it widens the scale ≈ 1.4×. 0.95 rather than a higher quantile so
      that 56 daily residuals still read it from the bulk (the 53rd of 56), not the maximum.
    tail_shape: with 100+ residuals (sub-daily data) also read the tail's shape as Student-t
      degrees of freedom (`anomaly.baseline`) and score with them; from 2,000 residuals on,
      fit a generalised Pareto tail on the series' own past non-alarm residuals and take the
      heavier of it and the t model (`anomaly.tails`, SPOT-style peaks over threshold). On
      synthetic 5-minute noise (30 days, 40 series, alarms an hour apart merged) false
      alarms per series-month are 17.6 (t3) without either, 4.1 (t3) and 2.6 (t5) with the
      t degrees of freedom alone, 2.2 and 1.8 with the fitted tail (ξ at its lower bound),
      Gaussian unchanged (0.026); the default follows that budget check (since the fit
      reads full-model steps only, `benchmarks/anomaly_bench.py tails 40`: t3 2.3, t5 2.1).
      (Measured after the choice, not used for it: on NAB it raises realTweets, 25.2 → 35.4,
      and lowers realAWSCloudwatch, 47.2 → 23.0, and artificialWithAnomaly, 50.3 → −11.2;
      see README.)
    early_values: cold start. From the step after its `early_values`-th value (the 4th
      value with 3; sub-daily data: after a day of values, at most 512), a series whose
      seasonal model is not ready yet is scored against the median of its last
      `level_cycles` cycles (at least early_values values), with the MAD of those values
      as its scale and the t-distribution of a MAD of that many values
      (df = 0.37 n): with 3 values the band is about 30× as wide as with 56, which is the
      honest width. 3 is the fewest values whose median survives one outlier. These steps
      are marked early (`Detection.early`) and the report says so.
    early_relative_scale: an early scale is never below 5% of the early median: three equal
      values do not mean the series never moves. 5% is a robust prior for the day-to-day
      spread of a marketing metric (an assumption, stated); the volume model (Poisson,
      binomial) still adds its own sampling variance on top.
    min_volume: a ratio, count or price step is scored only when its volume supports the
      normal approximation: expected events n·p ≥ 5 and n·(1 − p) ≥ 5 (ratio), expected count
      ≥ 5 (count), clicks ≥ 5 (price). The textbook rule np ≥ 5 (e.g. Agresti & Franklin,
      "Statistics", §7.2).
    price_cv: coefficient of variation of the price of one click. CPC (spend / clicks): the
      day's sampling variance is (price_cv × expected)² / clicks; spend (a sum over clicks):
      expected clicks × (1 + price_cv²) × CPC², the compound Poisson variance used for amounts
      whose unit values are unknown (revenue uses its order values instead). 1.0 is the
      exponential-like spread of per-click prices in second-price auctions (an assumption).
    min_relative_scale: the band is never narrower than ±threshold × 1% of the expected value,
      so a series flat to the cent does not alarm on a 0.1% move.
    cusum_k, cusum_h: two-sided CUSUM on the standardised, AR(1)-whitened residuals against the
      seasonal median (Page 1954; Montgomery, "Introduction to Statistical Quality Control",
      §9.1): k = δ/2 for a target shift of δ = 2 standard deviations; h = 5 gives an
      in-control ARL of ≈ 5·10⁴ steps by Siegmund's approximation. Measured on synthetic
      weekly Gaussian series: ≈ 3 false shifts per 100 series-years (the estimated scale
      makes it worse than the formula); shifts of 2 / 3 / 4 noise SDs confirmed within four
      weeks in 59% / 87% / 97% of series, after a median 6 / 3 / 2 days.
    cusum_clip: residuals enter the CUSUM winsorised at ±3 (Lucas & Crosier 1982, robust
      CUSUM), so one spike adds at most 3 − k = 2 to the sum: a shift needs at least
      three consecutive extreme steps, and a lone spike stays a point anomaly. The run scan
      winsorises its residuals at the t-quantile of the same ±3 for the same reason.
    run_longest, run_threshold: daily data: a run alarm is raised when the studentised
      residuals of the last w days, for some w from 2 to run_longest, sum to beyond
      run_threshold (the sum AR(1)-adjusted and Student-t calibrated, `anomaly.runs`). It
      catches a few days that are off together, each under the point threshold and over
      before the CUSUM confirms. run_longest = 4: from 5 days on the CUSUM (k = 1, h = 5)
      confirms a run of 2σ a day (5 × (2 − 1) ≥ h), while a 3-day run needs 2.7σ and a 4-day
      one 2.25σ, and more where whitening for ρ > 0 shrinks every step after the first.
      run_threshold turns the issue's false-incident budget into a rate: ≤ 2 false incidents
      per 100 series-months is 6.6e-4 per series-day; points at 3.5 spend 4.7e-4 and shifts
      ≈ 0.8e-4 (3 per 100 series-years), which leaves 1.1e-4 for runs. 4.0 is the lowest
      tenth at which synthetic weekly Gaussian, Poisson and AR(1) (ρ = 0.2, 0.4) series, run
      through `detect`, stay within it: new run alarms per scored series-day 2.2e-5, 1.2e-5,
      5.3e-5, 6.7e-5 (at 3.9, AR(1) ρ = 0.4 reaches 1.1e-4; Student t4 noise gives 1.2e-4,
      where its points alone give 7.9e-3). Planted 3- and 4-day runs of 3 noise SDs on the
      Gaussian series are found by the day after they end 1.3× and 1.5× as often as by points
      alone (`python benchmarks/anomaly_bench.py runs 10000` prints these rates).
    """

    threshold: float = 3.5
    history_weeks: int = 8
    history_days: int = 7
    min_lags: int = 3
    level_cycles: int = 2
    scale_cycles: int = 8
    min_residual_cycles: int = 2
    max_window_steps: int = 512
    early_values: int = 3
    tail_quantile: float = 0.95
    tail_shape: bool = True
    early_relative_scale: float = 0.05
    min_volume: float = 5.0
    price_cv: float = 1.0
    min_relative_scale: float = 0.01
    cusum_k: float = 1.0
    cusum_h: float = 5.0
    cusum_clip: float = 3.0
    run_longest: int = 4
    run_threshold: float = 4.0

    def __post_init__(self) -> None:  # noqa: C901  # a flat list of field checks, one loop each
        positive: tuple[str, ...] = (
            "threshold",
            "price_cv",
            "cusum_h",
            "cusum_k",
            "history_weeks",
            "run_threshold",
        )
        positive += ("history_days", "level_cycles")
        positive += ("min_lags", "scale_cycles", "min_residual_cycles", "max_window_steps")
        positive += ("early_values",)
        for name in positive:
            if not getattr(self, name) > 0:
                raise ParamsError(f"DetectorSettings.{name} = {getattr(self, name)!r}; must be > 0")
        if not 0 < self.tail_quantile < 1:
            raise ParamsError(
                f"DetectorSettings.tail_quantile = {self.tail_quantile!r}; must be in (0, 1)"
            )
        for name in ("min_volume", "min_relative_scale", "early_relative_scale"):
            if not getattr(self, name) >= 0:
                raise ParamsError(f"DetectorSettings.{name} = {getattr(self, name)!r}; must be ≥ 0")
        integers: tuple[str, ...] = (
            "history_weeks",
            "history_days",
            "min_lags",
            "scale_cycles",
            "level_cycles",
        )
        integers += ("min_residual_cycles", "run_longest", "max_window_steps", "early_values")
        for name in integers:
            if not isinstance(getattr(self, name), int):
                raise ParamsError(
                    f"DetectorSettings.{name} = {getattr(self, name)!r}; must be an integer"
                )
        if self.min_lags > min(self.history_weeks, self.history_days):
            raise ParamsError(
                f"DetectorSettings.min_lags = {self.min_lags}; must be ≤ history_weeks "
                f"({self.history_weeks}) and history_days ({self.history_days})"
            )
        if self.min_residual_cycles > self.scale_cycles:
            raise ParamsError(
                f"DetectorSettings.min_residual_cycles = {self.min_residual_cycles}; must be ≤ "
                f"scale_cycles ({self.scale_cycles})"
            )
        if not self.run_longest >= 2:
            raise ParamsError(
                f"DetectorSettings.run_longest = {self.run_longest!r}; must be ≥ 2 (one step is "
                "the point threshold's job)"
            )
        if self.cusum_clip <= self.cusum_k:
            raise ParamsError(
                f"DetectorSettings.cusum_clip = {self.cusum_clip}; must be > cusum_k "
                f"({self.cusum_k}) or no residual could ever move the CUSUM"
            )

    def step_threshold(self, frequency: str) -> float:
        """|score| cut per step: `threshold` for daily data; for shorter steps raised so that a
        Gaussian series raises as many false alarms per day (two-sided tail ÷ steps per day:
        4.27 for hourly, 4.90 for 5-minute data)."""
        tail = norm.sf(self.threshold) / steps_per_day(frequency)
        return float(norm.isf(tail))

    def step_cusum_h(self, frequency: str) -> float:
        """CUSUM h per step: `cusum_h` for daily data; for shorter steps h + ln(steps a day) /
        (2k), which keeps the in-control run length in days (Siegmund: ARL ∝ exp(2k(h + 1.166)))."""
        return self.cusum_h + math.log(steps_per_day(frequency)) / (2.0 * self.cusum_k)

    def step_cusum_clip(self, frequency: str) -> float:
        """Winsorising bound per step: `cusum_clip` for daily and hourly data; at finer steps
        lowered to k + h / (steps in `steps.incident_gap`), so a burst shorter than an hour
        cannot confirm a shift (12 extreme 5-minute steps are needed, as 3 days or 4 hours).

        The same rule as the alert merging: an excursion under an hour is one burst, a point
        incident, not a new level. With the daily bound (3) a 20-minute burst of 4 steps
        confirmed a shift at 5-minute steps, and its end the opposite one (NAB
        realAWSCloudwatch: 459 shifts in 17 files of two weeks, most in ± pairs a few steps
        apart; synthetic 5-minute t3 noise: 0.37 false shifts per series-month).
        """
        per_step = self.step_cusum_h(frequency) / incident_gap(frequency)
        return float(min(self.cusum_clip, self.cusum_k + per_step))

    def false_alarms_per_month(self) -> float:
        """Expected false point alarms per series-month of Gaussian noise at `threshold`
        (two-sided tail per day × 30.44 days): the budget the threshold states."""
        return float(2.0 * norm.sf(self.threshold) * DAYS_PER_MONTH)

    def as_dict(self) -> dict[str, float | int]:
        """The settings as a plain dict (for results JSON and report footnotes)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}
