"""Marketing-mix model benchmark: fit time, ROI error and rank agreement on planted worlds.

    python benchmarks/mmm_bench.py

Worlds (all planted here, so the true ROI is known):
- demo: the demo's media plan at scale 1 (6 paid channels, 365 days; `analysis.demo.media`)
  on a trend + weekday baseline with the demo's measured daily noise (sd 15,400 yuan);
- wide: 20 channels × 3 years of daily data, random flights / bursts / pauses per channel,
  half-saturation 0.5–3 × mean spend, decay 0–0.7, ROI 0.5–5, noise 3% of revenue.
Reported: wall time of one fit (`time.perf_counter`), mean absolute percentage error of ROI,
Spearman rank agreement, and the error of one constant guess (the mean true ROI for every
channel: error alone flatters a model that shrinks everything to its prior).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from analysis.attribution.mmm import MmmSettings, adstock, fit_mmm
from analysis.demo.media import PAID, media_plan
from analysis.demo.world import PLANTED_ROI

SEED = 20261031


def _frame(days: pd.DatetimeIndex, names: list[str], spend: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": np.tile(days, len(names)),
            "channel": np.repeat(names, len(days)),
            "spend": spend.ravel(),
        }
    )


def demo_world() -> tuple[pd.DataFrame, pd.Series, dict[str, float]]:
    plan = media_plan(7)
    rng = np.random.default_rng(SEED)
    days = pd.date_range("2025-11-01", periods=plan.spend.shape[1], freq="D")
    base = 310_000 + 60.0 * np.arange(len(days)) + 8_000 * (days.day_of_week >= 5)
    revenue = base + plan.added.sum(axis=0) + rng.normal(0, 15_400, len(days))
    truth = {name: float(PLANTED_ROI[name]) for name in PAID}
    return _frame(days, list(PAID), plan.spend), pd.Series(revenue, days), truth


def wide_world(channels: int = 20, years: int = 3) -> tuple[pd.DataFrame, pd.Series, dict]:
    rng = np.random.default_rng(SEED)
    n = 365 * years
    days = pd.date_range("2023-11-01", periods=n, freq="D")
    names = [f"channel_{i + 1:02d}" for i in range(channels)]
    spend = np.empty((channels, n))
    added = np.zeros(n)
    truth = {}
    for i, name in enumerate(names):
        level = 2_000 * rng.lognormal(0, 0.6) * np.exp(rng.normal(0, 0.25, n))
        period = rng.integers(14, 60)
        on = (np.arange(n) + rng.integers(period)) % period < period * rng.uniform(0.4, 0.8)
        level = level * np.where(on, 1.4, 0.4)
        if rng.random() < 0.3:
            start = rng.integers(0, n - 40)
            level[start : start + 35] = 0.0
        spend[i] = level
        decay, half = rng.uniform(0, 0.7), rng.uniform(0.5, 3.0) * level.mean()
        stock = adstock(level, decay)
        shape = stock / (stock + half)
        roi = rng.uniform(0.5, 5.0)
        beta = roi * level.sum() / shape.sum()
        added += beta * shape
        truth[name] = roi
    base = 0.6 * added.mean() * 4 + 5_000 * np.sin(2 * np.pi * np.arange(n) / 365)
    revenue = base + added
    revenue = revenue + rng.normal(0, 0.03 * revenue.mean(), n)
    return _frame(days, names, spend), pd.Series(revenue, days), truth


def measure(name: str, world) -> None:
    spend, revenue, truth = world()
    start = time.perf_counter()
    fit = fit_mmm(spend, revenue, settings=MmmSettings(seed=SEED))
    seconds = time.perf_counter() - start
    estimated = {c.channel: c.roi for c in fit.channels if c.roi is not None}
    names = [n for n in truth if n in estimated]
    true = np.array([truth[n] for n in names])
    guess = np.array([estimated[n] for n in names])
    mape = float(np.mean(np.abs(guess - true) / true))
    constant = float(np.mean(np.abs(true.mean() - true) / true))
    rho = float(spearmanr(guess, true)[0])
    print(
        f"{name:<34} {seconds:7.2f} s   ROI MAPE {mape:6.1%}   Spearman {rho:5.2f}   "
        f"constant-guess MAPE {constant:6.1%}   channels {len(names)}, days {fit.days}"
    )


def main() -> None:
    print("marketing-mix model (analysis.attribution.mmm), one fit each")
    measure("demo plan, scale 1 (6 × 365 days)", demo_world)
    measure("20 channels × 3 years daily", wide_world)


if __name__ == "__main__":
    main()
