"""The detector's settings: one frozen record, each default with the reason it was chosen.

The defaults were set from first principles and checked on synthetic data (weekly-seasonal
Gaussian, Poisson and binomial series with planted spikes and shifts). They were NOT tuned on
the NAB files that `anomaly.nab_eval` scores: that score is an out-of-sample check.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from analysis.errors import ParamsError


@dataclass(frozen=True, kw_only=True)
class DetectorSettings:
    """Thresholds and windows of `anomaly.detect.detect`.

    threshold: a point is anomalous when |score| > threshold. 3.5 robust standard deviations:
      the outlier cut of Iglewicz & Hoaglin (1993) for modified z-scores; ≈ 1 false alarm in
      2,000 steps of a Gaussian series (two-sided 4.7e-4).
    history_weeks: weekly lags in the seasonal median: the same weekday (daily data) or the
      same hour of the week (hourly data) over the last 8 weeks.
    history_days: hourly data only: daily lags in the hour-of-day median (the last 7 days).
    min_lags: a seasonal median is used once this many of its lags are present. 3 is the
      fewest whose median survives one anomalous lag. Daily data cannot be scored before 3
      weeks of history; hourly data uses its weekly term only once 3 weeks exist.
    scale_cycles: the robust scale (MAD of past residuals) reads the last 8 cycles of the
      shortest season: 56 days for daily data, 192 hours for hourly data.
    min_residual_cycles: residuals (2 cycles: 14 days / 48 hours) needed before a MAD is
      trusted; until then, and where the seasonal median is missing, a step has no score
      (`Detection.warm_up`).
    min_volume: a ratio, count or price step is scored only when its volume supports the
      normal approximation: expected events n·p ≥ 5 and n·(1 − p) ≥ 5 (ratio), expected count
      ≥ 5 (count), clicks ≥ 5 (price). The textbook rule np ≥ 5 (e.g. Agresti & Franklin,
      "Statistics", §7.2).
    price_cv: price series (CPC = spend / clicks): coefficient of variation of the price of one
      click; the day's sampling variance is (price_cv × expected)² / clicks. 1.0 is the
      exponential-like spread of per-click prices in second-price auctions (an assumption).
    min_relative_scale: the band is never narrower than ±threshold × 1% of the expected value,
      so a series flat to the cent does not alarm on a 0.1% move.
    cusum_k, cusum_h: two-sided CUSUM on the standardised residuals against the seasonal
      median (Page 1954; Montgomery, "Introduction to Statistical Quality Control", §9.1):
      k = δ/2 for a target shift of δ = 2 standard deviations; h = 5 gives an in-control ARL
      of ≈ 5·10⁴ steps (Siegmund's approximation) and detects a 2σ shift in ≈ 6 steps.
    cusum_clip: residuals enter the CUSUM winsorised at ±3 (Lucas & Crosier 1982, robust
      CUSUM), so one spike adds at most 3 − k = 2 to the sum: a shift needs at least
      three consecutive extreme steps, and a lone spike stays a point anomaly.
    """

    threshold: float = 3.5
    history_weeks: int = 8
    history_days: int = 7
    min_lags: int = 3
    scale_cycles: int = 8
    min_residual_cycles: int = 2
    min_volume: float = 5.0
    price_cv: float = 1.0
    min_relative_scale: float = 0.01
    cusum_k: float = 1.0
    cusum_h: float = 5.0
    cusum_clip: float = 3.0

    def __post_init__(self) -> None:
        positive = ("threshold", "price_cv", "cusum_h", "history_weeks", "history_days")
        positive += ("min_lags", "scale_cycles", "min_residual_cycles")
        for name in positive:
            if not getattr(self, name) > 0:
                raise ParamsError(f"DetectorSettings.{name} = {getattr(self, name)!r}; must be > 0")
        for name in ("min_volume", "min_relative_scale", "cusum_k"):
            if not getattr(self, name) >= 0:
                raise ParamsError(f"DetectorSettings.{name} = {getattr(self, name)!r}; must be ≥ 0")
        integers = ("history_weeks", "history_days", "min_lags", "scale_cycles")
        integers += ("min_residual_cycles",)
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
        if self.cusum_clip <= self.cusum_k:
            raise ParamsError(
                f"DetectorSettings.cusum_clip = {self.cusum_clip}; must be > cusum_k "
                f"({self.cusum_k}) or no residual could ever move the CUSUM"
            )

    def as_dict(self) -> dict[str, float | int]:
        """The settings as a plain dict (for results JSON and report footnotes)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}
