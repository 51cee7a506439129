"""Turn the engine's per-step sums into a `Panel`: one row per series, on a regular grid.

Treatment of imperfect input (documented here, stated in the report):
- a step on which a source table has no rows at all is a data gap: every series built from
  that table is NaN there (never zero), and the gap is listed;
- a step on which the table has rows but a series has none is zero for counts and amounts
  (no spend, no visits that day), from the series' first row on; before it the series did
  not exist yet (a keyword launched mid-month) and is missing, so it is scored as new (cold
  start), not as a fall from zero; a ratio with a zero denominator is NaN;
- spend rows are dated, so at sub-daily steps the spend metrics are left out;
- price series (CPC, CPM) of a series that never spent are left out (a free channel's CPC
  is always 0, nothing to watch);
- the `metrics` table: several rows in one step are averaged (the query counts them) and a
  missing step is a gap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.anomaly.panel import KEY_COLUMNS, Frequency, Panel
from analysis.anomaly.queries import KEY_COLUMNS as SOURCE_KEYS
from analysis.anomaly.steps import step_delta

LEVEL_ORDER = ("total", "channel", "campaign", "keyword", "series")
METRIC_LABELS = {
    "spend": "spend",
    "impressions": "impressions",
    "clicks": "clicks",
    "ctr": "CTR",
    "cpc": "CPC",
    "cpm": "CPM",
    "visits": "visits",
    "orders": "orders",
    "revenue": "revenue",
    "conversion_rate": "conversion rate",
}
# metric → (kind, numerator part, denominator part, numerator scale); parts are source sums
DEFINITIONS = {
    "spend": ("amount", "spend", None, 1.0),
    "impressions": ("count", "impressions", None, 1.0),
    "clicks": ("count", "clicks", None, 1.0),
    "ctr": ("ratio", "clicks", "impressions", 1.0),
    "cpc": ("price", "spend", "clicks", 1.0),
    "cpm": ("price", "spend", "impressions", 1000.0),
    "visits": ("count", "visits", None, 1.0),
    "orders": ("count", "orders", None, 1.0),
    "revenue": ("amount", "revenue", None, 1.0),
    "conversion_rate": ("ratio", "orders", "visits", 1.0),
}

UNITS = {"spend": ("clicks", None), "revenue": ("orders", "revenue_squares")}
"""amount → (its unit count, Σ unit amount² where the source has it): a day's spend is a sum
over clicks, its revenue a sum over orders; the detector's volume model for amounts."""


@dataclass(frozen=True)
class SeriesBuild:
    """The panel plus what the building noticed: data gaps and averaged duplicate rows."""

    panel: Panel
    gaps: dict[str, list[str]]  # source table → steps (ISO) with no rows at all
    averaged_rows: int  # metrics rows averaged because they shared a step


def step_grid(first: pd.Timestamp, last: pd.Timestamp, frequency: Frequency) -> pd.DatetimeIndex:
    """Every step from the start of `first` to the end of `last`."""
    step = step_delta(frequency)
    end = pd.Timestamp(last) + pd.Timedelta(days=1) - step
    return pd.date_range(pd.Timestamp(first), end, freq=step)


def build_panel(  # noqa: C901  # one branch per optional source table, each a few lines
    sources: dict[str, pd.DataFrame],
    grid: pd.DatetimeIndex,
    *,
    metrics: list[str],
    frequency: Frequency,
    metric_rows: pd.DataFrame | None = None,
) -> SeriesBuild:
    """A Panel of the chosen metrics from the per-step sums of `anomaly.queries`.

    sources: {"spend": ..., "visits": ..., "orders": ...} frames (ts, level, channel, campaign,
    keyword, sums); absent tables are simply absent. metric_rows: `metric_steps` output.
    """
    parts, gaps = _parts_on_grid(sources, grid)
    keys, values, numerators, denominators = [], [], [], []
    for (level, channel, campaign, keyword), table in parts.items():
        for metric in metrics:
            definition = DEFINITIONS.get(metric)
            if definition is None:
                continue
            kind, top, bottom, scale = definition
            if top not in table or (bottom is not None and bottom not in table):
                continue
            if kind == "price" and not np.nansum(table[top]) > 0:
                continue
            numerator = table[top] * scale
            denominator = table[bottom] if bottom else np.full(len(grid), np.nan)
            with np.errstate(divide="ignore", invalid="ignore"):
                value = numerator / denominator if bottom else numerator
            value = np.where(np.isfinite(value), value, np.nan)
            keys.append(_key(level, channel, campaign, keyword, metric, kind))
            values.append(value)
            if kind == "amount":
                numerator, denominator = _unit_parts(table, metric, len(grid))
            elif bottom is None:
                numerator = np.full(len(grid), np.nan)  # a count: its value is its volume
            numerators.append(numerator)
            denominators.append(denominator)
    averaged = 0
    if metric_rows is not None and "series" in metrics and len(metric_rows):
        averaged = int((metric_rows["rows"] - 1).clip(lower=0).sum())
        for name, rows in metric_rows.groupby("series", sort=True):
            on_grid = rows.set_index("ts")["value"].reindex(grid).to_numpy(float)
            keys.append(_key("series", None, None, None, "series", "amount", label=str(name)))
            values.append(on_grid)
            numerators.append(np.full(len(grid), np.nan))
            denominators.append(np.full(len(grid), np.nan))
    frame = _with_parents(pd.DataFrame(keys, columns=[*KEY_COLUMNS, "order"]))
    order = frame["order"].to_numpy()
    frame = frame.drop(columns="order")
    shape = (len(frame), len(grid))

    def stacked(rows: list[np.ndarray]) -> np.ndarray:
        return np.vstack(rows)[order] if rows else np.empty(shape)

    panel = Panel(
        keys=frame.reset_index(drop=True),
        timestamps=grid.to_numpy(dtype="datetime64[ns]"),
        values=stacked(values),
        numerator=stacked(numerators),
        denominator=stacked(denominators),
        frequency=frequency,
    )
    return SeriesBuild(panel, gaps, averaged)


def _unit_parts(table: dict[str, np.ndarray], metric: str, steps: int) -> tuple:
    """(Σ unit², units) of an amount on the grid, NaN where the source lacks them."""
    missing = np.full(steps, np.nan)
    if metric not in UNITS:
        return missing, missing
    units, squares = UNITS[metric]
    return (missing if squares is None else table.get(squares, missing)), table.get(units, missing)


def _parts_on_grid(
    sources: dict[str, pd.DataFrame], grid: pd.DatetimeIndex
) -> tuple[dict[tuple, dict[str, np.ndarray]], dict[str, list[str]]]:
    """Per series key, each additive part on the grid (zero-filled, NaN on data gaps)."""
    parts: dict[tuple, dict[str, np.ndarray]] = {}
    gaps: dict[str, list[str]] = {}
    for source, frame in sources.items():
        sums = [c for c in frame.columns if c not in ("ts", "level", *SOURCE_KEYS)]
        present = grid.isin(pd.DatetimeIndex(frame["ts"].unique()))
        gaps[source] = [ts.isoformat() for ts in grid[~present]]
        keyed = frame.assign(**{k: frame[k].astype(object) for k in SOURCE_KEYS})
        keyed = keyed.where(keyed.notna(), None)
        for key, rows in keyed.groupby(["level", *SOURCE_KEYS], dropna=False, sort=False):
            on_grid = rows.set_index("ts")[sums].astype(float).reindex(grid).fillna(0.0)
            on_grid[~present] = np.nan
            on_grid[grid < rows["ts"].min()] = np.nan  # not started yet: missing, not zero
            slot = parts.setdefault(tuple(None if pd.isna(k) else k for k in key), {})
            slot.update({name: on_grid[name].to_numpy() for name in sums})
    return parts, gaps


def _key(level, channel, campaign, keyword, metric, kind, label: str | None = None) -> tuple:
    where = " / ".join(str(part) for part in (channel, campaign, keyword) if part is not None)
    where = where or "All channels"
    name = label or f"{where} · {METRIC_LABELS.get(metric, metric)}"
    return (name, level, metric, kind, channel, campaign, keyword, -1, 0)


def _with_parents(frame: pd.DataFrame) -> pd.DataFrame:
    """Sort series by metric and level and point each at its parent one level up."""
    frame["rank"] = frame["level"].map(LEVEL_ORDER.index)
    frame = frame.sort_values(
        ["metric", "rank", "channel", "campaign", "keyword", "name"], na_position="first"
    )
    frame["order"] = frame.index
    frame = frame.reset_index(drop=True)
    for column in ("channel", "campaign", "keyword"):
        cleaned = [None if pd.isna(v) else str(v) for v in frame[column]]
        frame[column] = pd.Series(cleaned, index=frame.index, dtype=object)
    rows = list(frame.itertuples())
    position = {
        (r.level, r.metric, r.channel, r.campaign, r.keyword): i for i, r in enumerate(rows)
    }
    parents = []
    for row in rows:
        up = {
            "channel": ("total", row.metric, None, None, None),
            "campaign": ("channel", row.metric, row.channel, None, None),
            "keyword": ("campaign", row.metric, row.channel, row.campaign, None),
        }.get(row.level)
        parents.append(position.get(up, -1) if up else -1)
    frame["parent"] = parents
    return frame.drop(columns="rank")
