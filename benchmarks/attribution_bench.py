"""Attribution benchmark: our models on 1M generated journeys vs the ChannelAttribution package.

    python benchmarks/attribution_bench.py

Ours run in this process: wall time by `time.perf_counter`, peak memory as the peak of
`tracemalloc` during each step, measured in a second pass (tracemalloc slows Python code,
so it is off while timing; it sees numpy's allocations but not scipy/C malloc). Theirs
(ChannelAttribution, C++; never a project dependency) run in a separate venv at
benchmarks/out/ca-venv, one subprocess per call: wall time of the subprocess, the call's own
time, and peak RSS read by the subprocess from /proc/self/status (VmHWM). Not `os.wait4`'s
ru_maxrss: on Linux a child spawned by vfork + exec inherits the parent's high-water RSS
(~0.5 GB here, from generating the journeys), which swamps the child's own. Ratios are
theirs / ours, measured in the same run.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.attribution import markov, rules, shapley
from analysis.attribution.pathset import PathSet
from analysis.schema import CHANNELS

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
CA_VENV = OUT / "ca-venv"
CA_PYTHON = CA_VENV / "bin" / "python"
CA_PACKAGES = ("channelattribution", "pandas", "matplotlib")  # its import needs matplotlib
INSTALL_TIMEOUT_SECONDS = 1800

JOURNEYS = 1_000_000
SEED = 20261031
MAX_LENGTH = 10
LENGTH_SHARE = (0.30, 0.22, 0.15, 0.10, 0.07, 0.05, 0.04, 0.03, 0.02, 0.02)  # 1 … 10 touches
# Channel mix at the first touch and at the last touch (CHANNELS order); touches between
# mix the two by relative position: discovery channels early, owned channels late.
FIRST_TOUCH_MIX = (0.30, 0.25, 0.20, 0.08, 0.04, 0.03, 0.10)
LAST_TOUCH_MIX = (0.15, 0.08, 0.10, 0.22, 0.25, 0.12, 0.08)
KEY_BASE = len(CHANNELS) + 1  # path key: Σ (code + 1) · base^position

CA_SCRIPT = """
import json, sys, time
import pandas as pd
import ChannelAttribution as ca
def peak_rss_mb():  # this process's own high-water mark (VmHWM), in MB
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024
source, model, out = sys.argv[1:]
started = time.perf_counter()
data = pd.read_csv(source)
loaded = time.perf_counter()
loaded_peak_mb = peak_rss_mb()
if model == "heuristic":
    result = ca.heuristic_models(
        data, "path", "total_conversions", var_value="total_conversion_value", flg_pro=False
    )
else:
    result = ca.markov_model(
        data, "path", "total_conversions", var_value="total_conversion_value",
        var_null="total_null", order=1, verbose=False, flg_pro=False
    )
finished = time.perf_counter()
with open(out, "w") as sink:
    json.dump({"load_seconds": loaded - started, "model_seconds": finished - loaded,
               "loaded_peak_mb": loaded_peak_mb, "peak_mb": peak_rss_mb(),
               "result": result.to_dict("list")}, sink)
"""


def generate_journeys(n: int = JOURNEYS, seed: int = SEED) -> pd.DataFrame:
    """`n` journeys: path key (see KEY_BASE), converted (0/1), revenue; seeded."""
    rng = np.random.default_rng(seed)
    lengths = rng.choice(np.arange(1, MAX_LENGTH + 1), size=n, p=LENGTH_SHARE)
    first_cdf = np.cumsum(FIRST_TOUCH_MIX)
    last_cdf = np.cumsum(LAST_TOUCH_MIX)
    keys = np.zeros(n, dtype=np.int64)
    last_code = np.zeros(n, dtype=np.int64)
    touched_wechat = np.zeros(n, dtype=bool)
    for position in range(MAX_LENGTH):
        live = lengths > position
        share_late = position / np.maximum(lengths[live] - 1, 1)
        cdf = np.outer(1 - share_late, first_cdf) + np.outer(share_late, last_cdf)
        codes = (rng.random(live.sum())[:, None] > cdf[:, :-1]).sum(axis=1)
        keys[live] += (codes + 1) * KEY_BASE**position
        last_code[live] = codes
        touched_wechat[live] |= codes == CHANNELS.index("微信公众号")
    owned_last = np.isin(last_code, [CHANNELS.index("企业微信社群"), CHANNELS.index("邮件")])
    conversion_probability = np.clip(
        0.28 + 0.05 * (lengths - 1) + 0.12 * owned_last + 0.06 * touched_wechat, 0, 0.95
    )
    converted = rng.random(n) < conversion_probability
    revenue = np.where(converted, rng.gamma(2.0, 150.0, n), 0.0)
    return pd.DataFrame({"key": keys, "converted": converted.astype(np.int64), "revenue": revenue})


def distinct_paths(journeys: pd.DataFrame) -> pd.DataFrame:
    """Journeys grouped by path: channel names, conversions, revenue, nulls (pandas groupby)."""
    grouped = journeys.groupby("key", sort=False).agg(
        conversions=("converted", "sum"), revenue=("revenue", "sum"), journeys=("converted", "size")
    )
    digits = (grouped.index.to_numpy()[:, None] // KEY_BASE ** np.arange(MAX_LENGTH)) % KEY_BASE
    names = [tuple(CHANNELS[digit - 1] for digit in row if digit) for row in digits.tolist()]
    return pd.DataFrame(
        {
            "channels": names,
            "conversions": grouped["conversions"].to_numpy(),
            "revenue": grouped["revenue"].to_numpy(),
            "nulls": (grouped["journeys"] - grouped["conversions"]).to_numpy(),
        }
    )


def our_steps(paths: pd.DataFrame) -> list[tuple[str, Callable[[dict], object]]]:
    """Our pipeline in order; each step reads earlier results from `done` by name."""
    return [
        (
            "PathSet.from_records",
            lambda done: PathSet.from_records(
                paths["channels"].tolist(),
                conversions=paths["conversions"].to_numpy(),
                revenue=paths["revenue"].to_numpy(),
                nulls=paths["nulls"].to_numpy(),
                channels=CHANNELS,
            ),
        ),
        ("first_touch", lambda done: rules.first_touch(done["PathSet.from_records"])),
        ("last_touch", lambda done: rules.last_touch(done["PathSet.from_records"])),
        ("linear", lambda done: rules.linear(done["PathSet.from_records"])),
        ("position_based", lambda done: rules.position_based(done["PathSet.from_records"])),
        ("markov order 1", lambda done: markov.markov(done["PathSet.from_records"], order=1)),
        ("shapley", lambda done: shapley.shapley(done["PathSet.from_records"])),
    ]


def run_ours(paths: pd.DataFrame, *, trace: bool) -> tuple[dict[str, float], dict[str, object]]:
    """Per step: seconds (trace=False) or tracemalloc peak MB (trace=True); and the results."""
    measured: dict[str, float] = {}
    done: dict[str, object] = {}
    for name, step in our_steps(paths):
        if trace:
            tracemalloc.start()
        started = time.perf_counter()
        done[name] = step(done)
        seconds = time.perf_counter() - started
        if trace:
            measured[name] = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
        else:
            measured[name] = seconds
    return measured, done


def channel_attribution_python() -> tuple[Path | None, str]:
    """The ca-venv's python with ChannelAttribution importable (installing it if needed)."""
    try:
        if not CA_PYTHON.exists():
            subprocess.run(
                [sys.executable, "-m", "venv", str(CA_VENV)], check=True, capture_output=True
            )
        if _imports_channel_attribution():
            return CA_PYTHON, ""
        install = subprocess.run(
            [str(CA_PYTHON), "-m", "pip", "install", *CA_PACKAGES],
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT_SECONDS,
        )
    except (OSError, subprocess.SubprocessError) as error:
        return None, f"could not create {CA_VENV} or run pip there: {error}"
    if install.returncode != 0:
        lines = (install.stderr or install.stdout).strip().splitlines() or ["(no output)"]
        return None, f"`pip install {' '.join(CA_PACKAGES)}` failed: {lines[-1]}"
    if not _imports_channel_attribution():
        return None, f"ChannelAttribution installed in {CA_VENV} but does not import"
    return CA_PYTHON, ""


def _imports_channel_attribution() -> bool:
    check = subprocess.run(
        [str(CA_PYTHON), "-c", "import ChannelAttribution"], capture_output=True, check=False
    )
    return check.returncode == 0


def write_ca_csv(paths: pd.DataFrame) -> Path:
    """The distinct paths in ChannelAttribution's layout ("a > b > c" and three totals)."""
    csv = OUT / "attribution-paths.csv"
    pd.DataFrame(
        {
            "path": [" > ".join(channels) for channels in paths["channels"]],
            "total_conversions": paths["conversions"],
            "total_conversion_value": paths["revenue"],
            "total_null": paths["nulls"],
        }
    ).to_csv(csv, index=False)
    return csv


def run_theirs(python: Path, csv: Path, model: str) -> dict:
    """One ChannelAttribution call in a subprocess: its timings, result, wall and peak RSS."""
    out = OUT / f"attribution-ca-{model}.json"
    log = OUT / f"attribution-ca-{model}.log"
    started = time.perf_counter()
    with log.open("w") as sink:
        process = subprocess.Popen(
            [str(python), "-c", CA_SCRIPT, str(csv), model, str(out)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )
        _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        error = log.read_text(errors="replace").strip().splitlines() or [f"status {status}"]
        raise RuntimeError(f"ChannelAttribution {model} failed ({log}): {error[-1]}")
    measured = json.loads(out.read_text())
    return {**measured, "wall_seconds": wall, "wait4_peak_mb": usage.ru_maxrss / 1024}


def attribution_benchmarks() -> list[str]:
    """Our models on 1M generated journeys vs ChannelAttribution heuristics and Markov order 1."""
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    journeys = generate_journeys()
    generate_seconds = time.perf_counter() - started
    started = time.perf_counter()
    paths = distinct_paths(journeys)
    aggregate_seconds = time.perf_counter() - started
    seconds, results = run_ours(paths, trace=False)
    peaks, _ = run_ours(paths, trace=True)

    n_converted = int(journeys["converted"].sum())
    lines = [
        f"{len(journeys):,} journeys ({n_converted / len(journeys):.1%} converting, seed {SEED})"
        f" → {len(paths):,} distinct paths over {len(CHANNELS)} channels",
        f"  generate journeys {generate_seconds:.2f} s; aggregate to distinct paths (pandas "
        f"groupby + decode) {aggregate_seconds:.2f} s",
        "",
        f"{'ours (in process)':<40} {'seconds':>8} {'peak MB':>8}   (tracemalloc peak per step)",
    ]
    lines += [f"  {name:<38} {seconds[name]:8.3f} {peaks[name]:8.1f}" for name in seconds]
    heuristics = sum(seconds[name] for name in ("first_touch", "last_touch", "linear"))
    build = seconds["PathSet.from_records"]
    lines.append(
        f"  process peak RSS so far (ru_maxrss, includes generation): "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )

    python, reason = channel_attribution_python()
    if python is None:
        return [*lines, "", f"ChannelAttribution comparison could not run: {reason}"]
    csv = write_ca_csv(paths)
    try:
        heuristic = run_theirs(python, csv, "heuristic")
        markov_theirs = run_theirs(python, csv, "markov")
    except RuntimeError as error:
        return [*lines, "", f"ChannelAttribution comparison could not run: {error}"]
    ours_markov = seconds["markov order 1"]
    lines += [
        "",
        f"{'ChannelAttribution (subprocess)':<40} {'call s':>8} {'wall s':>8} {'peak MB':>8}"
        f" {'after CSV':>9}   (wall, peak RSS: whole process incl. import + CSV read)",
        *[
            f"  {name:<38} {run['model_seconds']:8.3f} {run['wall_seconds']:8.2f} "
            f"{run['peak_mb']:8.0f} {run['loaded_peak_mb']:9.0f}"
            for name, run in (
                ("heuristic_models", heuristic),
                ("markov_model order 1 (simulated)", markov_theirs),
            )
        ],
        f"  CSV read inside each: {heuristic['load_seconds']:.2f} s, "
        f"{markov_theirs['load_seconds']:.2f} s; wait4 ru_maxrss {heuristic['wait4_peak_mb']:.0f}"
        f" / {markov_theirs['wait4_peak_mb']:.0f} MB (includes this process's RSS, see docstring)",
        "",
        f"ratio theirs / ours, heuristics (first + last + linear): "
        f"{heuristic['model_seconds'] / heuristics:.1f}× "
        f"({heuristic['model_seconds'] / (heuristics + build):.1f}× counting our PathSet build)",
        f"ratio theirs / ours, Markov order 1: {markov_theirs['model_seconds'] / ours_markov:.1f}× "
        f"({markov_theirs['model_seconds'] / (ours_markov + build):.1f}× counting our "
        f"PathSet build)",
        "",
        "Markov conversions per channel: ours (exact) vs theirs (simulated, package defaults "
        "nsim_start=1e5, conv_par=0.05, seed=0, ncore=1)",
    ]
    lines += _markov_differences(results["markov order 1"].credit, markov_theirs["result"])
    return lines


def _markov_differences(ours, theirs: dict) -> list[str]:
    theirs_by_channel = dict(zip(theirs["channel_name"], theirs["total_conversions"], strict=True))
    lines = [f"  {'channel':<12} {'ours':>12} {'theirs':>12} {'|diff|':>10} {'diff %':>7}"]
    total_difference = 0.0
    for channel, conversions in zip(ours.channels, ours.conversions, strict=True):
        their_conversions = float(theirs_by_channel.get(channel, 0.0))
        difference = abs(their_conversions - conversions)
        total_difference += difference
        lines.append(
            f"  {channel:<12} {conversions:12.1f} {their_conversions:12.1f} {difference:10.1f} "
            f"{difference / conversions:7.2%}"
        )
    lines.append(
        f"  sum of |diff| {total_difference:.1f} of {ours.conversions.sum():,.0f} conversions "
        f"({total_difference / ours.conversions.sum():.2%})"
    )
    return lines


def main() -> None:
    print("\n".join(attribution_benchmarks()))


if __name__ == "__main__":
    main()
