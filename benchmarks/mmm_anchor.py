"""Our marketing-mix model beside an anchor library (Google Meridian) on the same data.

    python benchmarks/mmm_anchor.py            # ours, and Meridian when its venv exists
    python benchmarks/mmm_anchor.py --ours     # ours only (no anchor venv needed)
    python benchmarks/mmm_anchor.py --demo DIR [--demo DIR …]   # only these demo warehouses

The anchor never enters the project's lock: it lives in its own venv, found at
$MMM_ANCHOR_PYTHON, else benchmarks/out/anchor-venv/bin/python. Create it with

    python3.11 -m venv benchmarks/out/anchor-venv
    benchmarks/out/anchor-venv/bin/pip install google-meridian pysimmmulator

(measured with google-meridian 2.1.0, pysimmmulator 0.6.2). Without it the script says so and
runs our side alone. Each world is exported to CSV (date, revenue, spend_<channel>, event) and
fitted by `benchmarks/anchor_meridian.py` in that venv, one subprocess per world.

Worlds, each with a known true ROI (incremental revenue / spend):
- the five pysimmmulator worlds of `pysimmmulator_bench.WORLDS` (truth = its ROI + 1), generated
  in the anchor venv (or benchmarks/out/psm-venv);
- the demo warehouse (data/demo: seed 7, scale 1): the report's 365 days of daily spend per
  paid channel and daily revenue up to 2026-10-31, the 双11 run-up as the known event, truth
  from its truth.json; no lift test for either model (Meridian is given none);
- 20 channels × 3 years of daily data (`mmm_bench.wide_world`).
Both models use their default priors; neither was tuned on these worlds. Reported per world
and model: ROI mean absolute percentage error, Spearman rank agreement with the truth, how
many true ROIs lie in the 90% interval, and fit wall and CPU seconds (CPU time is less
sensitive to other load on a shared machine; ours: `fit_mmm` on daily data;
Meridian: model build + sampling on weekly sums). A constant guess (the mean true ROI for
every channel) is printed beside: error alone flatters a model that shrinks to its prior.
Results are written to benchmarks/out/mmm_anchor.json (mmm_anchor_demos.json with --demo).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

sys.path.insert(0, str(Path(__file__).resolve().parent))

import mmm_bench
import pysimmmulator_bench

from analysis.attribution import queries
from analysis.attribution.mmm import MmmSettings, fit_mmm
from analysis.params import DataSource
from analysis.warehouse import open_warehouse

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
ANCHOR = Path(os.environ.get("MMM_ANCHOR_PYTHON", OUT / "anchor-venv" / "bin" / "python"))
DEMO = ROOT / "data" / "demo"
DEMO_LAST = date(2026, 10, 31)
DEMO_EVENTS = ((date(2025, 11, 1), date(2025, 11, 11)),)  # params/attribution/demo.yaml
SEED = 20261031

World = tuple[pd.DataFrame, pd.Series, dict[str, float], tuple[tuple[date, date], ...]]


def demo_world(folder: Path = DEMO) -> World:
    """A demo warehouse's paid channels: the daily series the attribution report fits."""
    warehouse = open_warehouse(DataSource(path=folder))
    first = DEMO_LAST - timedelta(days=364)
    revenue = queries.daily_revenue(warehouse, first, DEMO_LAST)
    spend = queries.daily_spend(warehouse, first, DEMO_LAST)
    channels = json.loads((folder / "truth.json").read_text())["channels"]
    truth = {n: float(c["true_roi"]) for n, c in channels.items() if c.get("true_roi")}
    spend = spend[spend["channel"].isin(truth)]
    return spend, revenue, truth, DEMO_EVENTS


def wide_world() -> World:
    spend, revenue, truth = mmm_bench.wide_world()
    return spend, revenue, truth, ()


def pysimmmulator_world(spec: tuple, seed: int, python: Path, folder: Path) -> World:
    """One pysimmmulator world, generated in its own venv; truth is its ROI + 1."""
    config = pysimmmulator_bench.world_config(*spec, np.random.default_rng(seed))
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "generate.py").write_text(pysimmmulator_bench.GENERATE)
    out = folder / "world"
    command = [str(python), str(folder / "generate.py"), str(folder / "config.json"), str(out)]
    subprocess.run([*command, str(seed)], check=True, capture_output=True)
    data = pd.read_csv(f"{out}.csv", parse_dates=["date"])
    raw = json.loads(Path(f"{out}.json").read_text())
    names = [c[: -len("_spend")] for c in data.columns if c.endswith("_spend")]
    spend = pd.concat(
        pd.DataFrame({"date": data["date"], "channel": n, "spend": data[f"{n}_spend"]})
        for n in names
    )
    revenue = pd.Series(data["total_revenue"].to_numpy(float), data["date"])
    truth = {n: raw[n] + 1.0 for n in names if np.isfinite(raw.get(n, np.nan))}
    return spend, revenue, truth, ()


def export(world: World, path: Path) -> list[str]:
    """Write the world as the anchor reads it; return the channel names in column order."""
    spend, revenue, _, events = world
    table = spend.assign(date=pd.to_datetime(spend["date"])).pivot_table(
        index="date", columns="channel", values="spend", aggfunc="sum"
    )
    dates = pd.DatetimeIndex(pd.to_datetime(revenue.index))
    table = table.reindex(dates).fillna(0.0)
    names = [str(n) for n in table.columns]
    frame = pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "revenue": revenue.to_numpy()})
    for i, name in enumerate(names):
        frame[f"spend_c{i:02d}"] = table[name].to_numpy()
    if events:
        inside = np.zeros(len(dates))
        for start, end in events:
            inside += (dates >= pd.Timestamp(start)) & (dates <= pd.Timestamp(end))
        frame["event"] = inside
    frame.to_csv(path, index=False)
    return names


def scores(estimate: dict, interval: dict, truth: dict[str, float]) -> dict:
    names = [n for n in truth if estimate.get(n) is not None]
    true = np.array([truth[n] for n in names])
    guess = np.array([estimate[n] for n in names])
    inside = sum(interval[n][0] <= truth[n] <= interval[n][1] for n in names)
    return {
        "mape": float(np.mean(np.abs(guess - true) / np.abs(true))),
        "spearman": float(spearmanr(guess, true)[0]) if len(names) > 2 else float("nan"),
        "covered": f"{inside}/{len(names)}",
        "constant_mape": float(np.mean(np.abs(true.mean() - true) / np.abs(true))),
        "channels": len(names),
    }


def ours(world: World) -> dict:
    spend, revenue, truth, events = world
    started, cpu = time.perf_counter(), time.process_time()
    fit = fit_mmm(spend, revenue, settings=MmmSettings(seed=SEED, events=events))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    estimate = {c.channel: c.roi for c in fit.channels}
    interval = {c.channel: c.roi_interval for c in fit.channels if c.roi is not None}
    return {"seconds": seconds, "cpu_seconds": cpu, **scores(estimate, interval, truth)}


def meridian(world: World, folder: Path) -> dict:
    names = export(world, folder / "world.csv")
    script = ROOT / "benchmarks" / "anchor_meridian.py"
    command = [str(ANCHOR), str(script), str(folder / "world.csv"), str(folder / "fit.json")]
    env = os.environ | {"TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "ignore"}
    done = subprocess.run([*command, str(SEED)], capture_output=True, text=True, env=env)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr else "failed"}
    fit = json.loads((folder / "fit.json").read_text())
    columns = [f"c{i:02d}" for i in range(len(names))]
    estimate = {n: fit["roi"][c] for n, c in zip(names, columns, strict=True)}
    interval = {n: fit["roi_interval"][c] for n, c in zip(names, columns, strict=True)}
    extra = {"max_rhat": fit["max_rhat"], "weeks": fit["weeks"]}
    timing = {"seconds": fit["seconds"], "cpu_seconds": fit["cpu_seconds"]}
    return {**timing, **scores(estimate, interval, world[2]), **extra}


def line(world: str, model: str, result: dict) -> str:
    if "error" in result:
        return f"{world:<52} {model:<9} refused: {result['error'][:90]}"
    rhat = f"  R-hat ≤ {result['max_rhat']:.2f}" if "max_rhat" in result else ""
    return (
        f"{world:<52} {model:<9} {result['seconds']:6.1f} s (CPU {result['cpu_seconds']:6.1f} s)  "
        f"MAPE {result['mape']:7.1%}  "
        f"Spearman {result['spearman']:5.2f}  in 90% {result['covered']:>5}  "
        f"constant guess {result['constant_mape']:6.1%}{rhat}"
    )


def generator_python() -> Path:
    if ANCHOR.exists():
        return ANCHOR
    pysimmmulator_bench.ensure_venv()
    return pysimmmulator_bench.PYTHON


def chosen_worlds(tmp: Path) -> list[tuple[str, Callable[[], World]]]:
    """The demo warehouses given with --demo, else the demo, the wide world and pysimmmulator's."""
    args = sys.argv[1:]
    demos = [Path(args[i + 1]) for i, arg in enumerate(args) if arg == "--demo"]
    if demos:
        return [(_demo_name(d), lambda d=d: demo_world(d)) for d in demos]
    worlds = [
        ("demo warehouse, seed 7, scale 1", demo_world),
        ("20 channels × 3 years daily", wide_world),
    ]
    for offset, (name, spec) in enumerate(pysimmmulator_bench.WORLDS.items()):
        folder = tmp / f"psm{offset}"
        folder.mkdir()
        worlds.append(
            (
                f"pysimmmulator: {name}",
                lambda s=spec, o=offset, f=folder: pysimmmulator_world(
                    s, SEED + o, generator_python(), f
                ),
            )
        )
    return worlds


def _demo_name(folder: Path) -> str:
    truth = json.loads((folder / "truth.json").read_text())
    return f"demo warehouse, seed {truth['seed']}, scale {truth['scale']:g}"


def main() -> None:
    with_anchor = "--ours" not in sys.argv and ANCHOR.exists()
    print("marketing-mix model beside Google Meridian on the same data (truth known)")
    if "--ours" not in sys.argv and not with_anchor:
        print(
            f"  anchor venv not found at {ANCHOR}: Meridian skipped. To run it:\n"
            "    python3.11 -m venv benchmarks/out/anchor-venv && "
            "benchmarks/out/anchor-venv/bin/pip install google-meridian pysimmmulator\n"
            "  (or set MMM_ANCHOR_PYTHON to a python that has both)"
        )
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        worlds = chosen_worlds(Path(tmp))
        for index, (name, build) in enumerate(worlds):
            world = build()
            results[name] = {"ours": ours(world)}
            print(line(name, "ours", results[name]["ours"]), flush=True)
            if with_anchor:
                folder = Path(tmp) / f"anchor{index}"
                folder.mkdir()
                results[name]["meridian"] = meridian(world, folder)
                print(line(name, "Meridian", results[name]["meridian"]), flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    out = OUT / ("mmm_anchor_demos.json" if "--demo" in sys.argv else "mmm_anchor.json")
    out.write_text(json.dumps(results, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
