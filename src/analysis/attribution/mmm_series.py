"""The marketing-mix model's time line: daily or weekly rows of spend and revenue, as daily values.

Teams export what their platforms give: one row a day, or one a week (Robyn's and Meridian's
usual grain). The step is read from the dates: every gap a whole number of weeks is weekly data,
otherwise the rows must be mostly one day apart (daily data with some days missing); anything
else (monthly rows, one row every three days) is refused with the dates it saw. When spend and
revenue come at different steps the coarser one is used and the finer summed into it.

A weekly row's date is the first day of its week. Values on the time line are per day: a week's
revenue and spend are divided by 7, so the fitted curves, the current daily spend and marginal
ROI read the same at either step (ROI, a ratio, is unchanged by the division).

A day or week without a revenue row is a gap: left out of the fit, never read as zero revenue
(an export that lost a day would otherwise be a day on which nothing sold). A step without a
spend row for a channel is zero spend for that channel: a paused channel sends no rows. Controls
(date, name, value rows: an organic channel's daily touches) are put on the same steps as spend.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.errors import InputError

DAY, WEEK = 1, 7
STEP_DAYS = {"day": DAY, "week": WEEK}
STEP_NAMES = {days: name for name, days in STEP_DAYS.items()}


@dataclass(frozen=True)
class StepSeries:
    """Spend and revenue on the model's time line, one entry a step, values per day."""

    dates: pd.DatetimeIndex  # first day of each step
    step: int  # days a step: 1 or 7
    revenue: np.ndarray  # revenue a day over the step; NaN where the step has no revenue row
    spend: pd.DataFrame  # steps × channels, spend a day over the step (no row = no spend)
    controls: pd.DataFrame  # steps × control names, value a day over the step (no row = 0)

    @property
    def observed(self) -> np.ndarray:
        """Steps with a revenue row (the rows the model is fitted on)."""
        return ~np.isnan(self.revenue)

    @property
    def gaps(self) -> int:
        """Steps inside the time line without a revenue row."""
        return int(np.isnan(self.revenue).sum())

    @property
    def days(self) -> int:
        """Days the time line covers."""
        return len(self.dates) * self.step


def infer_step(dates: pd.DatetimeIndex, what: str) -> int | None:
    """1 (daily rows, some days may be missing) or 7 (weekly rows) from the dates; None with
    fewer than two distinct dates. Other spacings raise an `InputError` naming `what`."""
    days = np.unique(dates.normalize().to_numpy(dtype="datetime64[D]").astype(np.int64))
    if len(days) < 2:
        return None
    gaps = np.diff(days)
    if np.all(gaps % WEEK == 0):
        return WEEK
    if np.median(gaps) == 1:
        return DAY
    raise InputError(
        f"{what}: rows are neither daily nor weekly (median gap {np.median(gaps):g} days, "
        f"gaps from {gaps.min()} to {gaps.max()} days between {len(days)} dates); the "
        "marketing-mix model takes one row a day (days may be missing) or one a week"
    )


def step_series(
    spend: pd.DataFrame,
    revenue: pd.Series,
    step: int | None = None,
    controls: pd.DataFrame | None = None,
) -> StepSeries:
    """Spend rows (date, channel, spend), revenue (indexed by date) and optional control rows
    (date, name, value) on one time line.

    `step` (1 or 7 days) overrides the step read from the dates. The time line runs from the
    step of the first revenue row to the step of the last."""
    revenue = revenue.sort_index()
    revenue_dates = pd.DatetimeIndex(pd.to_datetime(revenue.index)).normalize()
    spend_dates = pd.DatetimeIndex(pd.to_datetime(spend["date"])).normalize()
    revenue_step = infer_step(revenue_dates, "revenue")
    spend_step = infer_step(spend_dates, "spend")
    if step is None:
        step = max(revenue_step or DAY, spend_step or DAY)
    if step not in (DAY, WEEK):
        raise InputError(f"step: {step!r} days; accepted: 1 (daily) or 7 (weekly)")
    anchor = revenue_dates[0] if revenue_step == step or spend.empty else spend_dates.min()
    bucket = _buckets(revenue_dates, anchor, step)
    first, last = int(bucket.min()), int(bucket.max())
    dates = pd.DatetimeIndex([anchor + pd.Timedelta(days=step * b) for b in range(first, last + 1)])
    values = pd.Series(revenue.to_numpy(float)).groupby(bucket - first)
    # a row per step at most: its total a day; daily rows in weekly steps: the mean of the days
    summed = revenue_step == WEEK or step == DAY
    per_day = values.sum() / step if summed else values.mean()
    y = np.full(len(dates), np.nan)
    y[per_day.index.to_numpy()] = per_day.to_numpy()
    line = (anchor, first, dates, step)
    if controls is None:
        controls = pd.DataFrame({"date": [], "name": [], "value": []})
    return StepSeries(
        dates,
        step,
        y,
        _per_step(spend, "channel", "spend", line),
        _per_step(controls, "name", "value", line),
    )


def _per_step(rows: pd.DataFrame, names: str, values: str, line: tuple) -> pd.DataFrame:
    """Steps × names of `rows`' values summed per step, a day (a step without a row: 0)."""
    anchor, first, dates, step = line
    bucket = _buckets(pd.DatetimeIndex(pd.to_datetime(rows["date"])), anchor, step) - first
    inside = (bucket >= 0) & (bucket < len(dates))
    table = (
        rows.loc[inside]
        .assign(step=bucket[inside])
        .pivot_table(index="step", columns=names, values=values, aggfunc="sum")
        .reindex(range(len(dates)))
        .fillna(0.0)
        / step
    )
    table.index = dates
    table.columns.name = None
    return table


def _buckets(dates: pd.DatetimeIndex, anchor: pd.Timestamp, step: int) -> np.ndarray:
    """Step number of each date, counted from the step that starts at `anchor`."""
    return np.floor_divide((dates - anchor).days.to_numpy(), step)
