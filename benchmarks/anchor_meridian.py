"""Google Meridian on one exported world; runs inside the anchor's own venv, never the project's.

    <anchor-venv>/bin/python benchmarks/anchor_meridian.py WORLD.csv OUT.json [SEED]

Called by `benchmarks/mmm_anchor.py`, which writes WORLD.csv (date, revenue, one `spend_<i>`
column per channel, optional `event` column: the share of the day inside a known event) and
reads OUT.json. Meridian 2.1 (pip install google-meridian) with its defaults: national model,
revenue KPI, paid media given as spend (execution = spend), ROI prior LogNormal(0.2, 0.9),
Hill saturation and geometric adstock with their default priors and max lag. Two stated
departures, both about the data, not the priors:
- weekly data: the daily series are summed into whole weeks (Meridian is built and documented
  for weekly data; the last incomplete week is dropped);
- the baseline gets one knot a quarter (13 weeks), as our model's trend does (Meridian's
  national default is a single knot: a constant baseline), and the known event as a control.
Sampling: 2 chains × 500 kept draws after 500 adaptation and 500 burn-in steps (Meridian's
examples use more chains; two is what this 2-core machine runs in bounded time). Written out:
posterior mean ROI per channel (incremental revenue / spend) with its 90% interval, the largest
R-hat, and the wall and CPU time (all threads) of building the model plus sampling.
"""

from __future__ import annotations

import json
import resource
import sys
import time

import numpy as np
import pandas as pd

SAMPLING = {"n_chains": 2, "n_adapt": 500, "n_burnin": 500, "n_keep": 500}
KNOT_WEEKS = 13


def weekly(daily: pd.DataFrame) -> pd.DataFrame:
    """Sum whole weeks from the first day; drop the last incomplete week."""
    daily = daily.sort_values("date").reset_index(drop=True)
    week = np.arange(len(daily)) // 7
    whole = week < len(daily) // 7
    frame = daily[whole].assign(week=week[whole])
    summed = frame.drop(columns="date").groupby("week").sum()
    summed["time"] = frame.groupby("week")["date"].first().dt.strftime("%Y-%m-%d")
    return summed.reset_index(drop=True)


def main() -> None:
    from meridian.analysis import analyzer
    from meridian.data import data_frame_input_data_builder as builder
    from meridian.model import model, spec

    source, out = sys.argv[1], sys.argv[2]
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 7
    daily = pd.read_csv(source, parse_dates=["date"])
    spend_cols = [c for c in daily.columns if c.startswith("spend_")]
    controls = [c for c in daily.columns if c == "event"]
    data = weekly(daily)
    channels = [c[len("spend_") :] for c in spend_cols]
    started, cpu = time.perf_counter(), time.process_time()
    inputs = (
        builder.DataFrameInputDataBuilder(kpi_type="revenue")
        .with_kpi(data.rename(columns={"revenue": "kpi"}))
        .with_media(data, spend_cols, spend_cols, channels)
    )
    if controls and data["event"].std() > 0:
        inputs = inputs.with_controls(data, controls)
    n_times = len(data)
    knots = sorted({*range(0, n_times, KNOT_WEEKS), n_times - 1})
    mmm = model.Meridian(input_data=inputs.build(), model_spec=spec.ModelSpec(knots=knots))
    mmm.sample_posterior(**SAMPLING, seed=seed)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    analysis = analyzer.Analyzer(mmm)
    roi = np.asarray(analysis.roi())  # (chains, draws, channels)
    draws = roi.reshape(-1, roi.shape[-1])
    rhat = analysis.get_rhat()
    worst = max(float(np.nanmax(np.asarray(v))) for v in rhat.values())
    result = {
        "library": "google-meridian",
        "weeks": n_times,
        "seconds": seconds,
        "cpu_seconds": cpu,  # all threads of this process
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "max_rhat": worst,
        "sampling": SAMPLING,
        "knots": len(knots),
        "roi": {name: float(draws[:, j].mean()) for j, name in enumerate(channels)},
        "roi_interval": {
            name: [float(v) for v in np.quantile(draws[:, j], [0.05, 0.95])]
            for j, name in enumerate(channels)
        },
    }
    with open(out, "w") as handle:
        json.dump(result, handle, indent=1)


if __name__ == "__main__":
    main()
