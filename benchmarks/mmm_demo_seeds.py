"""The issue-14 acceptance on demo warehouses: the report's marketing-mix fit against truth.json.

    python benchmarks/mmm_demo_seeds.py data/demo [/tmp/demo8 ...]

Each folder is a demo warehouse (`python -m analysis demo --out DIR --seed S --scale 1`). The fit
is the attribution report's (params/attribution/demo.yaml: 365 days to 2026-10-31, the 双11
run-up as an event, the warehouse's lift tests). Per channel: planted and fitted ROI, the 90%
interval, planted and fitted status, planted and chosen decay and half-saturation. Then, as
diagnostics (nothing here changes the report): the same fit without lift tests, and with each
channel's curve fixed at its planted decay and half-saturation (the grid's choice taken away),
so a miss can be put down to the curve search, or to the prior and the data.
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from analysis.attribution import mmm, queries, report
from analysis.demo.world import roi_status
from analysis.params import load_report_params
from analysis.warehouse import open_warehouse

ROOT = Path(__file__).resolve().parents[1]
PARAMS = ROOT / "params" / "attribution" / "demo.yaml"


def table(fit: mmm.MmmFit, truth: dict, label: str) -> None:
    names = [n for n in truth if fit.channel(n) is not None and fit.channel(n).roi is not None]
    status = inside = 0
    print(f"  {label}")
    for name in names:
        c, t = fit.channel(name), truth[name]
        low, high = c.roi_interval
        ok_status = roi_status(c.roi) == t["status"]
        ok_inside = low <= t["true_roi"] <= high
        status += ok_status
        inside += ok_inside
        curve = t["response"]["curve"]
        print(
            f"    {name:<6} planted {t['true_roi']:4.1f} {t['status']:<11} fitted {c.roi:5.2f} "
            f"[{low:5.2f}, {high:5.2f}] {roi_status(c.roi):<11}"
            f"{'' if ok_status else ' status≠'}{'' if ok_inside else ' outside'}  "
            f"decay {curve['decay']:.1f}→{c.decay:.1f}  "
            f"K {curve['half_saturation']:,.0f}→{c.half_saturation:,.0f}"
        )
    rho = spearmanr([fit.channel(n).roi for n in names], [truth[n]["true_roi"] for n in names])[0]
    print(
        f"    status {status}/{len(names)}, inside 90% {inside}/{len(names)}, Spearman {rho:.2f}, "
        f"R² {fit.r_squared:.3f}, noise inflation {fit.noise_inflation:.2f}"
    )


def series(warehouse, params) -> tuple:
    """The report's inputs: daily spend, daily revenue, lift tests, settings, controls (the
    organic channels' daily touches, as report._mmm takes them)."""
    last = report.month_bounds(params.period)[1]
    first = last - timedelta(days=params.mmm.history_days - 1)
    settings = report.mmm_settings(params)
    spend = queries.daily_spend(warehouse, first, last)
    revenue = queries.daily_revenue(warehouse, first, last)
    paid = set(spend.loc[spend["spend"] > 0, "channel"])
    controls = queries.organic_touches(warehouse, first, last, paid)
    return spend, revenue, queries.lift_tests(warehouse), settings, controls


def budget_on_planted_curves(warehouse, params, truth: dict) -> tuple[float, float]:
    """Revenue the planted curves (steady state, a month) give the report's proposed budget
    and the current mix at the same channel money (report.current_plan's rule)."""
    results, _ = report.run(warehouse, params)
    lines = [line for line in results.budget if line.status != "test"]
    now = sum(line.current for line in lines)
    placed = sum(line.proposed for line in lines)
    days = 31.0

    def planted(monthly: dict[str, float]) -> float:
        total = 0.0
        for name, money in monthly.items():
            if name not in truth:
                continue
            curve = truth[name]["response"]["curve"]
            daily = money / days
            total += days * curve["beta"] * daily / (daily + curve["half_saturation"])
        return total

    proposed = {line.channel: line.proposed for line in lines}
    current = {line.channel: line.current * placed / now for line in lines}
    return planted(proposed), planted(current)


def at_planted_curves(spend, revenue, lifts, settings, controls, truth: dict) -> dict[str, tuple]:
    """ROI and its interval with each channel's curve fixed at its planted decay and
    half-saturation (the grid search taken away); same prior, noise and lift tests."""
    dates = pd.DatetimeIndex(pd.to_datetime(revenue.sort_index().index))
    y = revenue.sort_index().to_numpy(float)
    table = spend.assign(date=pd.to_datetime(spend["date"])).pivot_table(
        index="date", columns="channel", values="spend", aggfunc="sum"
    )
    table = table.reindex(dates).fillna(0.0)
    names = [n for n in truth if n in table.columns]
    s = {n: table[n].to_numpy(float) for n in names}
    columns = []
    for n in names:
        curve = truth[n]["response"]["curve"]
        stock = mmm.adstock(s[n], curve["decay"])
        columns.append(stock / (stock + curve["half_saturation"]))
    h = np.column_stack(columns)
    steps = mmm.step_series(spend, revenue, 1, controls)
    base = mmm.with_controls(
        mmm._baseline(dates, settings.events), steps.controls, 1, steps.observed
    )[0]
    rows = mmm._lift_rows(lifts, dates, 1, names)
    design = mmm._Design(base, y, s, names, rows, settings)
    sigma2 = float(np.var(design.solve(h, 1.0)[3]))
    residual = design.solve(h, sigma2, full=True)[3]
    rho = min(max(float(np.corrcoef(residual[:-1], residual[1:])[0, 1]), 0.0), 0.95)
    mean, cov, _, _ = design.solve(h, sigma2 * (1 + rho) / (1 - rho), full=True)
    k = base.shape[1]
    draws = np.random.default_rng(settings.seed).multivariate_normal(
        mean[k:], cov[k:, k:], size=settings.draws
    )
    out = {}
    for j, n in enumerate(names):
        per = h[:, j].sum() / s[n].sum()
        out[n] = (mean[k + j] * per, *np.quantile(draws[:, j] * per, [0.05, 0.95]))
    return out


def main() -> None:
    params = load_report_params(PARAMS)
    for folder in sys.argv[1:] or ["data/demo"]:
        path = Path(folder)
        truth_all = json.loads((path / "truth.json").read_text())
        truth = {n: c for n, c in truth_all["channels"].items() if c.get("true_roi")}
        source = params.data.model_copy(update={"path": path})
        warehouse = open_warehouse(source)
        print(f"{folder} (seed {truth_all['seed']}, scale {truth_all['scale']})")
        spend, revenue, lifts, settings, controls = series(warehouse, params)
        current = report.month_bounds(params.period)
        days = (current[1] - current[0]).days + 1
        fit = mmm.fit_mmm(
            spend, revenue, lift_tests=lifts, current_days=days, settings=settings,
            controls=controls,
        )  # fmt: skip
        table(fit, truth, f"as the report fits it (lift tests used; controls {fit.controls})")
        fit = mmm.fit_mmm(spend, revenue, current_days=days, settings=settings, controls=controls)
        table(fit, truth, "without lift tests")
        fit = mmm.fit_mmm(spend, revenue, lift_tests=lifts, current_days=days, settings=settings)
        table(fit, truth, "without the organic channels' touches as controls (mmm.controls: none)")
        proposal, mix = budget_on_planted_curves(warehouse, params, truth)
        print(
            f"  planted-curve revenue of a month: proposed budget {proposal:,.0f}, current mix "
            f"{mix:,.0f} ({'≥' if proposal >= mix else '<'})"
        )
        print("  curves fixed at the planted decay and half-saturation (lift tests used)")
        fixed = at_planted_curves(spend, revenue, lifts, settings, controls, truth)
        for name, (roi, low, high) in fixed.items():
            t = truth[name]
            flags = ("" if roi_status(roi) == t["status"] else " status≠") + (
                "" if low <= t["true_roi"] <= high else " outside"
            )
            print(
                f"    {name:<6} planted {t['true_roi']:4.1f} fitted {roi:5.2f} "
                f"[{low:5.2f}, {high:5.2f}] {roi_status(roi):<11}{flags}"
            )


if __name__ == "__main__":
    main()
