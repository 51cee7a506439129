"""The detector on NAB's realAdExchange files (hourly CPC / CPM), scored by `anomaly.nab`.

Each file becomes a one-series hourly `Panel` (kind "price", no volume known): rows are
placed on the hourly grid by the hour their timestamp falls in; hours with no row are NaN
gaps; the one hour holding two rows (exchange-2, 2011-08-24 12:00) takes their mean.
`detect` runs with the shipped `DetectorSettings()` and its anomalous points become NAB
detections by "alert at incident onset": anomalous steps with at most one quiet step between
them are one incident, raised once on its first step (the time merging of
`anomaly.incidents`, default `max_gap` = 1). Shift confirmations are not detections here
(`include_shifts=True` adds them), nor are short runs (`anomaly.runs`: daily data only). A
detection lands on the first file row of its hour.
Published comparisons (NAB v1, standard profile, realAdExchange): Numenta HTM 76.9, windowed
Gaussian 56.9, Twitter ADVec 49.6 (shared/reference/nab_scoring.md).

How far the defaults are from these files. No numeric default was chosen by its score here:
`threshold` stayed at 3.5 (its sensitivity is printed by benchmarks/anomaly_bench.py). But
the design was not blind to them: the first run (3.5 per hourly step, CUSUM on raw
residuals, shift confirmations counted) scored −122 with hundreds of false shifts, which
led to three changes justified and checked on synthetic AR(1) and heavy-tailed series —
AR(1) whitening of the CUSUM, thresholds calibrated per day rather than per step for hourly
data, and only anomalous points as detections (as the evaluation brief specified). Later
changes made for synthetic-data reasons (a 2-cycle level window; Hinkley's change point and
a later-half shift size) moved the score from 57.6 to 62.3. Read the score with that in mind.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.anomaly.detect import DEFAULT_SETTINGS, detect
from analysis.anomaly.nab import (
    NAB_DIR,
    FileScore,
    ProfileName,
    load_series,
    load_windows,
    normalised_score,
    score_file,
)
from analysis.anomaly.panel import KEY_COLUMNS, Panel
from analysis.anomaly.settings import DetectorSettings
from analysis.errors import AnalysisError

CATEGORY = "realAdExchange"
PUBLISHED = {"Numenta HTM": 76.9, "windowed Gaussian": 56.9, "Twitter ADVec": 49.6}


@dataclass(frozen=True)
class FileResult:
    """One NAB file: its rows, detections (onsets), alert steps and NAB score."""

    file: str
    rows: int
    detections: int
    alert_steps: int
    shifts: int
    score: FileScore


@dataclass(frozen=True)
class NabEvaluation:
    """Normalised NAB score over the category's files, with per-file details."""

    score: float
    profile: str
    files: tuple[FileResult, ...]
    settings: DetectorSettings


def hourly_panel(frame: pd.DataFrame, name: str) -> tuple[Panel, np.ndarray]:
    """A one-series hourly price panel of a NAB frame, and each row's step on the grid."""
    hours = pd.DatetimeIndex(frame["timestamp"]).floor("h")
    grid = pd.date_range(hours[0], hours[-1], freq="h")
    step = np.asarray((hours - grid[0]) // pd.Timedelta(hours=1), dtype=int)
    sums = np.bincount(step, weights=frame["value"].to_numpy(float), minlength=len(grid))
    counts = np.bincount(step, minlength=len(grid))
    with np.errstate(invalid="ignore", divide="ignore"):
        values = np.where(counts > 0, sums / counts, np.nan)[None, :]
    keys = pd.DataFrame([{c: None for c in KEY_COLUMNS}])
    metric = "cpc" if "_cpc_" in name else "cpm"
    keys = keys.assign(name=name, level="series", metric=metric, kind="price", parent=-1)
    missing = np.full_like(values, np.nan)
    panel = Panel(keys, grid.to_numpy(), values, missing, missing.copy(), frequency="h")
    return panel, step


def file_detections(
    frame: pd.DataFrame,
    name: str,
    settings: DetectorSettings = DEFAULT_SETTINGS,
    *,
    include_shifts: bool = False,
) -> tuple[np.ndarray, int, int]:
    """Per-row NAB detections (alert at incident onset), alert steps and shifts of one file."""
    panel, step = hourly_panel(frame, name)
    detection = detect(panel, settings)
    onsets = detection.onsets(shifts=include_shifts, runs=False)[0]
    first_row_of_step = np.r_[True, step[1:] != step[:-1]]
    flags = onsets[step] & first_row_of_step
    alert_steps = int(detection.alerts(shifts=include_shifts, runs=False)[0].sum())
    return flags, alert_steps, len(detection.shifts)


def evaluate(
    *,
    nab_dir: Path = NAB_DIR,
    profile: ProfileName = "standard",
    settings: DetectorSettings = DEFAULT_SETTINGS,
    include_shifts: bool = False,
) -> NabEvaluation:
    """Score the detector on every realAdExchange file in `nab_dir` (data/external/nab)."""
    windows = load_windows(Path(nab_dir) / "labels" / "combined_windows.json")
    paths = sorted((Path(nab_dir) / "data" / CATEGORY).glob("*.csv"))
    if not paths:
        raise AnalysisError(
            f"no NAB files in {Path(nab_dir) / 'data' / CATEGORY}; expected the vendored "
            "realAdExchange CSVs (see data/external/PROVENANCE.md)"
        )
    results = []
    for path in paths:
        key = f"{CATEGORY}/{path.name}"
        if key not in windows:
            raise AnalysisError(f"NAB windows file has no entry {key!r} for {path}")
        frame = load_series(path)
        flags, alert_steps, shifts = file_detections(
            frame, path.stem, settings, include_shifts=include_shifts
        )
        scored = score_file(frame["timestamp"], flags, windows[key], profile=profile)
        results.append(
            FileResult(path.name, len(frame), int(flags.sum()), alert_steps, shifts, scored)
        )
    total = normalised_score([r.score for r in results], profile=profile)
    return NabEvaluation(total, profile, tuple(results), settings)
