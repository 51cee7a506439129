"""Ground truth nobody here wrote: the marketing-mix model on pysimmmulator worlds.

    python benchmarks/pysimmmulator_bench.py

pysimmmulator (PyPI, a port of Meta's siMMMulator; never a project dependency) runs in its
own venv at benchmarks/out/psm-venv, one subprocess per world, and writes the daily data and
its true channel ROI. Its ROI is profit per yuan, (revenue − spend) / spend; ours is revenue
/ spend, so the truth compared is its ROI + 1. Channels whose true ROI it leaves undefined
(NaN: no conversions) are skipped. Five worlds of different shapes (channels, noise,
carry-over, saturation, length) are built by `world_config`; their saturation is
pysimmmulator's s-curve (Hill with shape α), not ours (α = 1), so the model is misspecified
on purpose. Reported per world: ROI mean absolute percentage error, Spearman rank
agreement, and a constant guess's error (the mean true ROI for every channel).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from analysis.attribution.mmm import MmmSettings, fit_mmm

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / "benchmarks" / "out" / "psm-venv"
PYTHON = VENV / "bin" / "python"
SEED = 20261031

GENERATE = """
import json, sys
from pysimmmulator import Simulate
config, out, seed = json.load(open(sys.argv[1])), sys.argv[2], int(sys.argv[3])
result = Simulate(random_seed=seed).run_with_config(config)
result.df.reset_index().to_csv(out + ".csv", index=False)
json.dump({k: float(v) for k, v in result.channel_roi.items()}, open(out + ".json", "w"))
"""

# name: (channels, years, baseline noise sd, adstock lambda range, s-curve alpha range)
WORLDS = {
    "3 channels, 1 year, low noise": (3, 1, 90, (0.05, 0.2), (1.0, 2.0)),
    "4 channels, 5 years (its example's scale)": (4, 5, 90, (0.08, 0.2), (1.0, 4.0)),
    "6 channels, 2 years, noisy": (6, 2, 2000, (0.05, 0.3), (1.0, 3.0)),
    "5 channels, 3 years, long carry-over": (5, 3, 300, (0.5, 0.7), (1.0, 2.0)),
    "8 channels, 2 years, steep s-curves": (8, 2, 300, (0.05, 0.3), (3.0, 5.0)),
}


def world_config(channels: int, years: int, noise: int, decay, alpha, rng) -> dict:
    names = [f"ch{i + 1}" for i in range(channels)]
    share = 1.0 / channels
    return {
        "basic_params": {
            "years": years,
            "channels_impressions": names,
            "channels_clicks": [],
            "frequency_of_campaigns": 1,
            "start_date": "2022/1/1",
            "true_cvr": {n: float(rng.uniform(0.001, 0.007)) for n in names},
            "revenue_per_conv": 14,
        },
        "baseline_params": {
            "base_p": 100000,
            "trend_p": 100000,
            "temp_var": 8,
            "temp_coef_mean": 20,
            "temp_coef_sd": 3,
            "error_std": noise,
        },
        "ad_spend_params": {
            "campaign_spend_mean": 329000,
            "campaign_spend_std": 100000,
            "max_min_proportion_on_each_channel": {
                n: {"min": share * 0.5, "max": share * 1.5} for n in names[:-1]
            },
        },
        "media_params": {
            "true_cpm": {n: float(rng.uniform(3, 12)) for n in names},
            "true_cpc": {},
            "noisy_cpm_cpc": {n: {"loc": 0.0, "scale": 0.5} for n in names},
        },
        "cvr_params": {"noisy_cvr": {n: {"loc": 0.0, "scale": 0.002} for n in names}},
        "adstock_params": {
            "adstock": {
                n: {"type": "geometric", "params": {"lambda": float(rng.uniform(*decay))}}
                for n in names
            },
            "saturation": {
                n: {
                    "type": "scurve",
                    "params": {
                        "alpha": float(rng.uniform(*alpha)),
                        "gamma": float(rng.uniform(0.2, 0.5)),
                    },
                }
                for n in names
            },
        },
        "output_params": {"aggregation_level": "daily"},
    }


def ensure_venv() -> None:
    if PYTHON.exists():
        return
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(PYTHON), "-m", "pip", "install", "-q", "pysimmmulator"], check=True)


def run_world(name: str, spec: tuple, folder: Path, seed: int) -> str:
    rng = np.random.default_rng(seed)
    config = world_config(*spec, rng)
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "generate.py").write_text(GENERATE)
    out = folder / "world"
    subprocess.run(
        [
            str(PYTHON),
            str(folder / "generate.py"),
            str(folder / "config.json"),
            str(out),
            str(seed),
        ],
        check=True,
        capture_output=True,
    )
    data = pd.read_csv(f"{out}.csv", parse_dates=["date"])
    truth = json.loads(Path(f"{out}.json").read_text())
    names = [c[: -len("_spend")] for c in data.columns if c.endswith("_spend")]
    spend = pd.concat(
        [
            pd.DataFrame({"date": data["date"], "channel": n, "spend": data[f"{n}_spend"]})
            for n in names
        ]
    )
    revenue = pd.Series(data["total_revenue"].to_numpy(float), data["date"])
    fit = fit_mmm(spend, revenue, settings=MmmSettings(seed=seed))
    rows = [
        (truth[n] + 1.0, fit.channel(n).roi)
        for n in names
        if np.isfinite(truth.get(n, np.nan)) and fit.channel(n).roi is not None
    ]
    true = np.array([t for t, _ in rows])
    guess = np.array([g for _, g in rows])
    mape = float(np.mean(np.abs(guess - true) / np.abs(true)))
    constant = float(np.mean(np.abs(true.mean() - true) / np.abs(true)))
    rho = float(spearmanr(guess, true)[0]) if len(rows) > 2 else float("nan")
    return (
        f"{name:<44} MAPE {mape:7.1%}  Spearman {rho:5.2f}  constant guess {constant:7.1%}  "
        f"channels {len(rows)}/{len(names)}, days {fit.days}"
    )


def save_world(folder: Path) -> None:
    """Write the first world (3 channels, 1 year) to data/external/pysimmmulator/ for the test:
    daily spend per channel, total revenue, the true ROI (its ROI + 1) and the config."""
    name, spec = next(iter(WORLDS.items()))
    rng = np.random.default_rng(SEED)
    config = world_config(*spec, rng)
    (folder / "config.json").write_text(json.dumps(config, indent=1))
    (folder / "generate.py").write_text(GENERATE)
    out = folder / "raw"
    subprocess.run(
        [
            str(PYTHON),
            str(folder / "generate.py"),
            str(folder / "config.json"),
            str(out),
            str(SEED),
        ],
        check=True,
        capture_output=True,
    )
    data = pd.read_csv(f"{out}.csv")
    columns = ["date", *[c for c in data.columns if c.endswith("_spend")], "total_revenue"]
    data[columns].round(2).to_csv(folder / "world.csv", index=False)
    truth = {k: v + 1.0 for k, v in json.loads(Path(f"{out}.json").read_text()).items()}
    (folder / "truth.json").write_text(json.dumps({"world": name, "seed": SEED, "roi": truth}))
    Path(f"{out}.csv").unlink()
    Path(f"{out}.json").unlink()
    (folder / "generate.py").unlink()


def main() -> None:
    ensure_venv()
    if "--save" in sys.argv:
        folder = ROOT / "data" / "external" / "pysimmmulator"
        folder.mkdir(parents=True, exist_ok=True)
        save_world(folder)
        return
    print("marketing-mix model on pysimmmulator worlds (truth = its ROI + 1)")
    with tempfile.TemporaryDirectory() as tmp:
        for offset, (name, spec) in enumerate(WORLDS.items()):
            folder = Path(tmp) / str(offset)
            folder.mkdir()
            print(run_world(name, spec, folder, SEED + offset))


if __name__ == "__main__":
    main()
