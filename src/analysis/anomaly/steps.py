"""The sampling step of a series: any regular step from one minute to one day.

A step is written as pandas writes a frequency: "D" (a day), "h" or "<n>h" (hours), "<n>min"
(minutes). It must divide a day evenly, so every step has a place in the daily (and weekly)
cycle that the baseline's seasonal medians read (`anomaly.baseline`). `infer_step` reads it
from timestamps: the most common gap between consecutive distinct timestamps, rounded to a
whole minute; gaps longer than a step are missing steps (never zeros), shorter ones are rows
that share a step and are averaged, and both are counted for the report.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from analysis.errors import ParamsError

MINUTES_PER_DAY = 1440
_PATTERN = re.compile(r"^(\d*)(min|h|D)$")
ACCEPTED = "'D', 'h', '<n>h' or '<n>min' dividing a day (e.g. 'D', 'h', '30min', '5min', '1min')"


def step_minutes(frequency: str) -> int:
    """Minutes in one step of `frequency` ("5min" → 5, "h" → 60, "D" → 1440)."""
    match = _PATTERN.match(str(frequency))
    if not match:
        raise ParamsError(f"frequency = {frequency!r} is not a step; use {ACCEPTED}")
    count = int(match.group(1) or 1)
    minutes = count * {"min": 1, "h": 60, "D": MINUTES_PER_DAY}[match.group(2)]
    if minutes < 1 or minutes > MINUTES_PER_DAY or MINUTES_PER_DAY % minutes:
        raise ParamsError(
            f"frequency = {frequency!r} ({minutes} minutes) does not divide a day; use {ACCEPTED}"
        )
    return minutes


def canonical(frequency: str) -> str:
    """The step in its one spelling: "D", "h", "<n>h" or "<n>min"."""
    minutes = step_minutes(frequency)
    if minutes == MINUTES_PER_DAY:
        return "D"
    if minutes % 60 == 0:
        return "h" if minutes == 60 else f"{minutes // 60}h"
    return f"{minutes}min"


def steps_per_day(frequency: str) -> int:
    """Steps in a day: 1 for daily data, 24 for hourly, 288 for 5-minute data."""
    return MINUTES_PER_DAY // step_minutes(frequency)


def is_daily(frequency: str) -> bool:
    """True when the step is one day."""
    return step_minutes(frequency) == MINUTES_PER_DAY


INCIDENT_GAP_MINUTES = 60
"""Alarms of one series separated by less than an hour of in-band steps are one excursion."""


def incident_gap(frequency: str) -> int:
    """Quiet steps that still join two alarms into one incident: one step for hourly and daily
    data, an hour's worth at finer steps (12 at 5 minutes).

    The merging is a duration, not a count of steps, for the reason the thresholds are per day
    (`DetectorSettings.step_threshold`): a team gets one alert per excursion whatever the step
    of the data. One hour is the merging hourly data always had (one quiet step), kept for
    finer steps, where one quiet 5-minute step inside a burst would otherwise open a new alert.
    """
    return max(1, INCIDENT_GAP_MINUTES // step_minutes(frequency))


def step_delta(frequency: str) -> pd.Timedelta:
    """One step as a time span."""
    return pd.Timedelta(minutes=step_minutes(frequency))


def infer_step(timestamps: object) -> str:
    """The step of a series from its timestamps: the most common positive gap, in whole
    minutes, snapped to the nearest step that divides a day (a 1-day gap: "D")."""
    stamps = np.unique(pd.DatetimeIndex(pd.to_datetime(np.asarray(timestamps))).as_unit("ns").asi8)
    if len(stamps) < 2:
        raise ParamsError(
            "frequency = 'auto' needs at least two distinct timestamps to read the step from; "
            f"got {len(stamps)}; set frequency (e.g. 'D', 'h', '5min')"
        )
    gaps = np.round(np.diff(stamps) / 60e9).astype(int)
    values, counts = np.unique(gaps[gaps > 0], return_counts=True)
    if len(values) == 0:
        raise ParamsError("frequency = 'auto': the timestamps are less than a minute apart")
    common = int(values[np.argmax(counts)])
    divisors = [m for m in range(1, MINUTES_PER_DAY + 1) if MINUTES_PER_DAY % m == 0]
    return canonical(f"{min(divisors, key=lambda m: (abs(m - common), m))}min")
