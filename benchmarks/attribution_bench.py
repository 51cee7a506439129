"""Attribution benchmark: our models on 1M generated journeys vs the ChannelAttribution package.

    python benchmarks/attribution_bench.py

Journeys are generated here (seeded) and aggregated to distinct paths, kept columnar
(channel codes + lengths, `PathSet.from_codes`). Two data sets: the team's 7 channels
(heuristics, Markov order 1) and 10 channels (Markov orders 3 and 4, where the state space
is large). Ours run twice: in this process for per-step wall time (`time.perf_counter`) and
a tracemalloc peak per step (second pass; it sees numpy's allocations, not scipy/C malloc),
and in a subprocess per model that loads the paths from .npz like theirs loads its CSV, for
the process's peak RSS. Theirs (ChannelAttribution, C++; never a project dependency) run
in a separate venv at benchmarks/out/ca-venv, one subprocess per call: wall time, the
call's own time, and peak RSS read by the subprocess from /proc/self/status (VmHWM). Not
`os.wait4`'s ru_maxrss: on Linux a child spawned by vfork + exec inherits the parent's
high-water RSS (~0.5 GB here, from generating the journeys), which swamps the child's own.
Ratios are theirs / ours, measured in the same run. Baseline of our own: the large-chain
Markov solve by one exact sparse LU solve per channel (the method before forward steps),
timed in the same run on the same chain.
"""

from __future__ import annotations

import json
import os
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

JOURNEYS = int(os.environ.get("ATTRIBUTION_JOURNEYS", "1000000"))  # journeys generated
SEED = 20261031
MAX_LENGTH = 10
LENGTH_SHARE = (0.30, 0.22, 0.15, 0.10, 0.07, 0.05, 0.04, 0.03, 0.02, 0.02)  # 1 … 10 touches
# Channel mix at the first touch and at the last touch (CHANNELS order); touches between
# mix the two by relative position: discovery channels early, owned channels late.
FIRST_TOUCH_MIX = (0.30, 0.25, 0.20, 0.08, 0.04, 0.03, 0.10)
LAST_TOUCH_MIX = (0.15, 0.08, 0.10, 0.22, 0.25, 0.12, 0.08)
KEY_BASE = 11  # path key: Σ (code + 1) · base^position; room for up to 10 channels
# Three more channels for the 10-channel set (orders 3–4), with their first / last-touch shares
EXTRA_CHANNELS = ("短信", "线下活动", "B站")
EXTRA_FIRST_TOUCH_MIX = (0.04, 0.03, 0.08)
EXTRA_LAST_TOUCH_MIX = (0.06, 0.05, 0.04)
HIGH_ORDERS = (3, 4)

CA_SCRIPT = """
import json, sys, time
import pandas as pd
import ChannelAttribution as ca
def peak_rss_mb():  # this process's own high-water mark (VmHWM), in MB
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024
source, model, order, out = sys.argv[1:]
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
        var_null="total_null", order=int(order), verbose=False, flg_pro=False
    )
finished = time.perf_counter()
with open(out, "w") as sink:
    json.dump({"load_seconds": loaded - started, "model_seconds": finished - loaded,
               "loaded_peak_mb": loaded_peak_mb, "peak_mb": peak_rss_mb(),
               "result": result.to_dict("list")}, sink)
"""


def channel_set(n_channels: int) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """Channel names and first / last-touch mixes: the team's 7, or 10 with EXTRA_CHANNELS."""
    names = CHANNELS + EXTRA_CHANNELS[: n_channels - len(CHANNELS)]
    first = np.array(FIRST_TOUCH_MIX + EXTRA_FIRST_TOUCH_MIX)[: len(names)]
    last = np.array(LAST_TOUCH_MIX + EXTRA_LAST_TOUCH_MIX)[: len(names)]
    return names, first / first.sum(), last / last.sum()


OURS_SCRIPT = """
import json, sys, time
import numpy as np
from analysis.attribution import markov, rules
from analysis.attribution.pathset import PathSet
def peak_rss_mb():  # this process's own high-water mark (VmHWM), in MB
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024
source, model, out = sys.argv[1:]
started = time.perf_counter()
with np.load(source) as stored:
    channels = tuple(str(name) for name in stored["channels"])
    paths = {name: stored[name] for name in stored.files if name != "channels"}
loaded = time.perf_counter()
loaded_peak_mb = peak_rss_mb()
built = PathSet.from_codes(
    channels, paths["touch_codes"], paths["lengths"], conversions=paths["conversions"],
    revenue=paths["revenue"], nulls=paths["nulls"]
)
if model == "heuristic":
    for rule in (rules.first_touch, rules.last_touch, rules.linear):
        rule(built)
else:
    if model.endswith("exact"):
        markov.MAX_FORWARD_STEPS = 0  # the method before: one exact sparse solve per chain
    markov.markov(built, order=int(model.split("_")[1]))
finished = time.perf_counter()
with open(out, "w") as sink:
    json.dump({"load_seconds": loaded - started, "model_seconds": finished - loaded,
               "loaded_peak_mb": loaded_peak_mb, "peak_mb": peak_rss_mb()}, sink)
"""
"""Our side of the separate-process comparison: load the .npz, build the path set, run one
model (heuristic, markov_1, markov_3, markov_4, markov_4_exact); importing only the models."""


def generate_journeys(
    n: int = JOURNEYS, seed: int = SEED, n_channels: int = len(CHANNELS)
) -> pd.DataFrame:
    """`n` journeys: path key (see KEY_BASE), converted (0/1), revenue; seeded."""
    _, first_mix, last_mix = channel_set(n_channels)
    rng = np.random.default_rng(seed)
    lengths = rng.choice(np.arange(1, MAX_LENGTH + 1), size=n, p=LENGTH_SHARE)
    first_cdf = np.cumsum(first_mix)
    last_cdf = np.cumsum(last_mix)
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


def distinct_paths(journeys: pd.DataFrame) -> dict[str, np.ndarray]:
    """Journeys grouped by path (pandas groupby), columnar: touch codes, lengths, counts."""
    grouped = journeys.groupby("key", sort=False).agg(
        conversions=("converted", "sum"), revenue=("revenue", "sum"), journeys=("converted", "size")
    )
    digits = (grouped.index.to_numpy()[:, None] // KEY_BASE ** np.arange(MAX_LENGTH)) % KEY_BASE
    touched = digits > 0  # a path's touches are its first `length` digits, in time order
    return {
        "touch_codes": (digits[touched] - 1).astype(np.int32),
        "lengths": touched.sum(axis=1),
        "conversions": grouped["conversions"].to_numpy(float),
        "revenue": grouped["revenue"].to_numpy(float),
        "nulls": (grouped["journeys"] - grouped["conversions"]).to_numpy(float),
    }


def path_set(paths: dict[str, np.ndarray], channels: tuple[str, ...]) -> PathSet:
    """Our columnar path set of `distinct_paths`."""
    return PathSet.from_codes(
        channels,
        paths["touch_codes"],
        paths["lengths"],
        conversions=paths["conversions"],
        revenue=paths["revenue"],
        nulls=paths["nulls"],
    )


def as_lists(paths: dict[str, np.ndarray], channels: tuple[str, ...]) -> list[list[str]]:
    """The same paths as lists of channel names (the input before the columnar path set)."""
    names = np.array(channels, dtype=object)[paths["touch_codes"]].tolist()
    ends = np.cumsum(paths["lengths"]).tolist()
    return [names[start:end] for start, end in zip([0, *ends[:-1]], ends, strict=True)]


def our_steps(
    paths: dict[str, np.ndarray], channels: tuple[str, ...]
) -> list[tuple[str, Callable[[dict], object]]]:
    """Our pipeline in order; each step reads earlier results from `done` by name."""
    lists = as_lists(paths, channels)
    return [
        ("PathSet.from_records (lists)", lambda _done: _from_lists(lists, paths, channels)),
        ("PathSet.from_codes (arrays)", lambda _done: path_set(paths, channels)),
        ("first_touch", lambda done: rules.first_touch(done["PathSet.from_codes (arrays)"])),
        ("last_touch", lambda done: rules.last_touch(done["PathSet.from_codes (arrays)"])),
        ("linear", lambda done: rules.linear(done["PathSet.from_codes (arrays)"])),
        ("position_based", lambda done: rules.position_based(done["PathSet.from_codes (arrays)"])),
        ("markov order 1", lambda done: markov.markov(done["PathSet.from_codes (arrays)"])),
        ("shapley", lambda done: shapley.shapley(done["PathSet.from_codes (arrays)"])),
    ]


def _from_lists(
    lists: list[list[str]], paths: dict[str, np.ndarray], channels: tuple[str, ...]
) -> PathSet:
    return PathSet.from_records(
        lists,
        conversions=paths["conversions"],
        revenue=paths["revenue"],
        nulls=paths["nulls"],
        channels=channels,
    )


def run_ours(
    paths: dict[str, np.ndarray], channels: tuple[str, ...], *, trace: bool
) -> tuple[dict[str, float], dict[str, object]]:
    """Per step: seconds (trace=False) or tracemalloc peak MB (trace=True); and the results."""
    measured: dict[str, float] = {}
    done: dict[str, object] = {}
    for name, step in our_steps(paths, channels):
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


def write_inputs(
    paths: dict[str, np.ndarray], channels: tuple[str, ...], name: str
) -> tuple[Path, Path]:
    """The distinct paths for both sides: ours as .npz (columnar), theirs as CSV in
    ChannelAttribution's layout ("a > b > c" and three totals)."""
    npz = OUT / f"attribution-{name}.npz"
    np.savez(npz, channels=np.array(channels), **paths)
    csv = OUT / f"attribution-{name}.csv"
    pd.DataFrame(
        {
            "path": [" > ".join(names) for names in as_lists(paths, channels)],
            "total_conversions": paths["conversions"],
            "total_conversion_value": paths["revenue"],
            "total_null": paths["nulls"],
        }
    ).to_csv(csv, index=False)
    return npz, csv


def run_subprocess(command: list[str], out: Path, label: str) -> dict:
    """Run one measured call (it writes its JSON to `out`); add its wall time."""
    log = out.with_suffix(".log")
    started = time.perf_counter()
    with log.open("w") as sink:
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=sink)
        _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        error = log.read_text(errors="replace").strip().splitlines() or [f"status {status}"]
        raise RuntimeError(f"{label} failed ({log}): {error[-1]}")
    measured = json.loads(out.read_text())
    return {**measured, "wall_seconds": wall, "wait4_peak_mb": usage.ru_maxrss / 1024}


def run_theirs(python: Path, csv: Path, model: str, order: int = 1) -> dict:
    """One ChannelAttribution call in a subprocess: its timings, result, wall and peak RSS."""
    out = OUT / f"attribution-ca-{csv.stem}-{model}-{order}.json"
    command = [str(python), "-c", CA_SCRIPT, str(csv), model, str(order), str(out)]
    return run_subprocess(command, out, f"ChannelAttribution {model} order {order}")


def run_ours_process(npz: Path, model: str) -> dict:
    """One of our calls in a subprocess (OURS_SCRIPT), measured like theirs."""
    out = OUT / f"attribution-ours-{npz.stem}-{model}.json"
    command = [sys.executable, "-c", OURS_SCRIPT, str(npz), model, str(out)]
    return run_subprocess(command, out, f"ours {model}")


def _prepare(
    n_channels: int,
) -> tuple[tuple[str, ...], pd.DataFrame, dict[str, np.ndarray], float, float]:
    channels = channel_set(n_channels)[0]
    started = time.perf_counter()
    journeys = generate_journeys(n_channels=n_channels)
    generate_seconds = time.perf_counter() - started
    started = time.perf_counter()
    paths = distinct_paths(journeys)
    return channels, journeys, paths, generate_seconds, time.perf_counter() - started


def attribution_benchmarks() -> list[str]:
    """Our models on 1M generated journeys vs ChannelAttribution: heuristics and Markov order 1
    on 7 channels, Markov orders 3 and 4 on 10."""
    OUT.mkdir(parents=True, exist_ok=True)
    channels, journeys, paths, generate_seconds, aggregate_seconds = _prepare(len(CHANNELS))
    seconds, results = run_ours(paths, channels, trace=False)
    peaks, _ = run_ours(paths, channels, trace=True)

    n_converted = int(journeys["converted"].sum())
    n_paths = len(paths["lengths"])
    lines = [
        f"{len(journeys):,} journeys ({n_converted / len(journeys):.1%} converting, seed {SEED})"
        f" → {n_paths:,} distinct paths ({len(paths['touch_codes']):,} touches) over "
        f"{len(channels)} channels",
        f"  generate journeys {generate_seconds:.2f} s; aggregate to distinct paths (pandas "
        f"groupby + decode) {aggregate_seconds:.2f} s",
        "",
        f"{'ours (in process)':<40} {'seconds':>8} {'peak MB':>8}   (tracemalloc peak per step)",
    ]
    lines += [f"  {name:<38} {seconds[name]:8.3f} {peaks[name]:8.1f}" for name in seconds]
    heuristics = sum(seconds[name] for name in ("first_touch", "last_touch", "linear"))
    build = seconds["PathSet.from_codes (arrays)"]
    lists = seconds["PathSet.from_records (lists)"]
    lines.append(f"  columnar build {lists / build:.1f}× faster than from Python lists")
    del journeys, results

    python, reason = channel_attribution_python()
    npz, csv = write_inputs(paths, channels, "7-channels")
    ours = {model: run_ours_process(npz, model) for model in ("heuristic", "markov_1")}
    if python is None:
        return [*lines, "", f"ChannelAttribution comparison could not run: {reason}"]
    try:
        theirs = {"heuristic": run_theirs(python, csv, "heuristic")}
        theirs["markov_1"] = run_theirs(python, csv, "markov", 1)
    except RuntimeError as error:
        return [*lines, "", f"ChannelAttribution comparison could not run: {error}"]
    lines += [
        "",
        *_process_table(ours, theirs, {"heuristic": "heuristics", "markov_1": "Markov order 1"}),
    ]
    lines += [
        "",
        f"ratio theirs / ours, heuristics (first + last + linear, in process): "
        f"{theirs['heuristic']['model_seconds'] / heuristics:.1f}× "
        f"({theirs['heuristic']['model_seconds'] / (heuristics + build):.1f}× counting our "
        "PathSet build)",
        "",
        "Markov conversions per channel: ours (exact) vs theirs (simulated, package defaults "
        "nsim_start=1e5, conv_par=0.05, seed=0, ncore=1)",
    ]
    lines += _markov_differences(
        markov.markov(path_set(paths, channels)).credit, theirs["markov_1"]["result"]
    )
    lines += ["", *high_order_benchmarks(python)]
    return lines


def high_order_benchmarks(python: Path) -> list[str]:
    """Markov orders 3 and 4 on 10 channels: ours (forward steps, and the exact per-channel
    sparse solve at order 4 as our baseline) vs ChannelAttribution, separate processes."""
    channels, journeys, paths, _, _ = _prepare(10)
    n_journeys = len(journeys)
    del journeys
    npz, csv = write_inputs(paths, channels, "10-channels")
    models = [f"markov_{order}" for order in HIGH_ORDERS]
    ours = {model: run_ours_process(npz, model) for model in [*models, "markov_4_exact"]}
    theirs = {f"markov_{order}": run_theirs(python, csv, "markov", order) for order in HIGH_ORDERS}
    built = path_set(paths, channels)
    states = {order: markov.markov(built, order=order).n_states for order in HIGH_ORDERS}
    labels = {
        f"markov_{order}": f"Markov order {order} ({states[order]:,} states)"
        for order in HIGH_ORDERS
    }
    exact, forward = ours["markov_4_exact"], ours["markov_4"]
    return [
        f"{n_journeys:,} journeys over {len(channels)} channels → {len(paths['lengths']):,} "
        "distinct paths",
        *_process_table(ours, theirs, labels),
        f"  ours, order 4 by one exact sparse solve per channel (before): "
        f"{exact['model_seconds']:.2f} s, peak {exact['peak_mb']:.0f} MB → forward steps "
        f"{exact['model_seconds'] / forward['model_seconds']:.1f}× faster",
    ]


def _process_table(ours: dict, theirs: dict, labels: dict[str, str]) -> list[str]:
    """Per model: call seconds and peak RSS of each side's process, and the ratios."""
    lines = [
        f"{'separate processes (load + build + model)':<44} {'call s':>7} {'peak MB':>8} "
        f"{'after load':>10}   ratio theirs / ours: time, memory",
    ]
    for model, label in labels.items():
        mine, their = ours[model], theirs[model]
        time_ratio = their["model_seconds"] / mine["model_seconds"]
        lines += [
            f"  {label + ', ours':<42} {mine['model_seconds']:7.2f} {mine['peak_mb']:8.0f} "
            f"{mine['loaded_peak_mb']:10.0f}   {time_ratio:.1f}×, "
            f"{their['peak_mb'] / mine['peak_mb']:.2f}×",
            f"  {label + ', ChannelAttribution':<42} {their['model_seconds']:7.2f} "
            f"{their['peak_mb']:8.0f} {their['loaded_peak_mb']:10.0f}",
        ]
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
