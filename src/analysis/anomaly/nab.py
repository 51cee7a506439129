"""Score a detector's flags the way the Numenta Anomaly Benchmark (NAB v1) does.

Source: shared/reference/nab_scoring.md, checked against numenta/NAB's `nab/sweeper.py`
(Lavin & Ahmad, ICMLA 2015). NAB works on rows, not clock time: a window is the rows of a
file from the first row whose timestamp lies in [start, end] to the last such row, in the
file's row order, and its width W is a row count, so score each file on its own rows (the
vendored CSVs skip a few hours), not on a regular grid. A file whose timestamps are not
ascending (a row out of order) is scored in row order too, as NAB's scorer does: nothing is
sorted.

Each counted window scores its earliest detection, A_TP × σ(y) / σ(−1) with
y = −(R − i + 1) / W, or −A_FN when it has none; every detection outside the windows
scores −A_FP before the first window has ended, else A_FP × σ((i − R_prev) / (W_prev − 1)).
σ(y) = 2 / (1 + e^(5y)) − 1, and −1 for y > 3.

Probation: detections in the first min(floor(0.15 n), 750) rows are ignored. A window
counts (can be a true positive or a false negative) when at least one of its rows lies
after probation; a window wholly inside probation is dropped, as NAB's code does. It
still serves as "the most recent finished window" for later false positives.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from analysis.errors import AnalysisError, InputError
from analysis.paths import PROJECT_ROOT

NAB_DIR = PROJECT_ROOT / "data" / "external" / "nab"
WINDOWS_PATH = NAB_DIR / "labels" / "combined_windows.json"
PROBATION_FRACTION = 0.15
PROBATION_MAX_ROWS = 750  # NAB: probation fraction × 5000

ProfileName = Literal["standard", "reward_low_FP_rate", "reward_low_FN_rate"]
Window = tuple[pd.Timestamp, pd.Timestamp]


@dataclass(frozen=True)
class Profile:
    """NAB's application profile: weights of a true positive, false positive, missed window."""

    a_tp: float
    a_fp: float
    a_fn: float


PROFILES: dict[str, Profile] = {
    "standard": Profile(a_tp=1.0, a_fp=0.11, a_fn=1.0),
    "reward_low_FP_rate": Profile(a_tp=1.0, a_fp=0.22, a_fn=1.0),
    "reward_low_FN_rate": Profile(a_tp=1.0, a_fp=0.11, a_fn=2.0),
}


@dataclass(frozen=True)
class FileScore:
    """One file's NAB score under one profile.

    raw: Σ window scores + Σ false-positive scores. true_positives / false_negatives count
    windows (detected / missed); false_positives counts flagged rows outside every window
    after probation; n_windows: windows that count (not wholly inside probation).
    """

    raw: float
    true_positives: int
    false_positives: int
    false_negatives: int
    n_windows: int
    profile: str = "standard"


def scaled_sigmoid(y: float | np.ndarray) -> float | np.ndarray:
    """NAB's σ(y) = 2 / (1 + e^(5y)) − 1, and −1 where y > 3."""
    y = np.asarray(y, dtype=float)
    value = np.where(y > 3.0, -1.0, 2.0 / (1.0 + np.exp(5.0 * np.minimum(y, 3.0))) - 1.0)
    return float(value) if value.ndim == 0 else value


def probation_rows(n_rows: int) -> int:
    """Rows at the start of a file whose detections NAB ignores: min(floor(0.15 n), 750)."""
    return int(min(math.floor(PROBATION_FRACTION * n_rows), PROBATION_MAX_ROWS))


def load_windows(path: str | Path = WINDOWS_PATH) -> dict[str, list[Window]]:
    """NAB's `combined_windows.json`: {"<category>/<file>.csv": [(start, end), ...]}."""
    path = Path(path)
    if not path.is_file():
        raise AnalysisError(f"NAB windows file {path} does not exist; expected a JSON file")
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {
        name: [(pd.Timestamp(start), pd.Timestamp(end)) for start, end in pairs]
        for name, pairs in raw.items()
    }


def load_series(path: str | Path) -> pd.DataFrame:
    """One NAB data file as a frame with columns `timestamp` (datetime64) and `value`."""
    path = Path(path)
    if not path.is_file():
        raise AnalysisError(f"NAB data file {path} does not exist; expected a timestamp,value CSV")
    return pd.read_csv(path, parse_dates=["timestamp"])


def _profile(profile: str) -> Profile:
    if profile not in PROFILES:
        raise InputError(f"profile {profile!r} is not a NAB profile; use one of {list(PROFILES)}")
    return PROFILES[profile]


def _window_rows(timestamps: pd.DatetimeIndex, windows: Sequence[Window]) -> np.ndarray:
    """(n_windows, 2) first and last row of each window, in row order: the first and the last
    row whose timestamp lies in [start, end] (rows need not be ascending)."""
    stamps = timestamps.to_numpy()
    bounds: list[tuple[int, int]] = []
    for start, end in windows:
        inside = np.flatnonzero(
            (stamps >= pd.Timestamp(start).to_datetime64())
            & (stamps <= pd.Timestamp(end).to_datetime64())
        )
        if inside.size == 0:
            raise AnalysisError(
                f"NAB window [{start}, {end}] holds no row of the file "
                f"({timestamps.min()} to {timestamps.max()}); windows must cover at least one row"
            )
        first, last = int(inside[0]), int(inside[-1])
        if bounds and first <= bounds[-1][1]:
            raise AnalysisError(
                f"NAB window [{start}, {end}] overlaps or precedes the window before it; "
                "windows must be sorted and disjoint"
            )
        bounds.append((first, last))
    return np.array(bounds, dtype=int).reshape(-1, 2)


def _false_positive_scores(flagged: np.ndarray, bounds: np.ndarray, a_fp: float) -> np.ndarray:
    """Score of each flagged row outside the windows, from the most recent finished window."""
    if len(bounds) == 0:
        return np.full(len(flagged), -a_fp)
    last_rows = bounds[:, 1]
    prev = np.searchsorted(last_rows, flagged, side="left") - 1  # last window with R < i
    widths = bounds[:, 1] - bounds[:, 0] + 1
    scores = np.full(len(flagged), -a_fp)
    after = prev >= 0
    # W_prev − 1 is 0 for a one-row window (NAB divides by zero there): treat it as 1 row.
    y = (flagged[after] - last_rows[prev[after]]) / np.maximum(widths[prev[after]] - 1, 1)
    scores[after] = a_fp * scaled_sigmoid(y)
    return scores


def score_file(
    timestamps: Sequence | np.ndarray,
    detections: np.ndarray,
    windows: Sequence[Window],
    *,
    profile: ProfileName = "standard",
) -> FileScore:
    """NAB v1 score of one file's boolean detections (one per row) against its windows."""
    weights = _profile(profile)
    stamps = pd.DatetimeIndex(pd.to_datetime(np.asarray(timestamps)))
    flags = np.asarray(detections, dtype=bool)
    if flags.shape != (len(stamps),):
        raise AnalysisError(
            f"detections has shape {flags.shape}, expected ({len(stamps)},): one flag per row"
        )
    bounds = _window_rows(stamps, windows)
    probation = probation_rows(len(stamps))
    flags = flags & (np.arange(len(stamps)) >= probation)

    in_window = np.zeros(len(stamps), dtype=bool)
    raw, true_positives, false_negatives, n_windows = 0.0, 0, 0, 0
    max_tp = float(scaled_sigmoid(-1.0))
    for first, last in bounds:
        in_window[first : last + 1] = True
        if last < probation:
            continue  # wholly inside probation: NAB does not count the window
        n_windows += 1
        hits = np.flatnonzero(flags[first : last + 1])
        if len(hits) == 0:
            raw -= weights.a_fn
            false_negatives += 1
            continue
        earliest = first + int(hits[0])
        y = -(last - earliest + 1) / (last - first + 1)
        raw += weights.a_tp * float(scaled_sigmoid(y)) / max_tp
        true_positives += 1

    outside = np.flatnonzero(flags & ~in_window)
    raw += float(_false_positive_scores(outside, bounds, weights.a_fp).sum())
    return FileScore(
        raw=float(raw),
        true_positives=true_positives,
        false_positives=len(outside),
        false_negatives=false_negatives,
        n_windows=n_windows,
        profile=profile,
    )


def normalised_score(files: Sequence[FileScore], *, profile: ProfileName = "standard") -> float:
    """NAB's normalised score over files: 100 × (S − S_null) / (S_perfect − S_null).

    S = Σ raw; S_perfect = A_TP × windows; S_null = −A_FN × windows (windows summed over files).
    """
    weights = _profile(profile)
    wrong = sorted({f.profile for f in files if f.profile != profile})
    if wrong:
        raise InputError(f"file scores were computed with profile(s) {wrong}, not {profile!r}")
    n_windows = sum(f.n_windows for f in files)
    if n_windows == 0:
        raise AnalysisError("no counted NAB windows in the files: the score is undefined")
    total = sum(f.raw for f in files)
    perfect, null = weights.a_tp * n_windows, -weights.a_fn * n_windows
    return 100.0 * (total - null) / (perfect - null)
