"""Metrics by name: any unit-level 0/1 or numeric column, or a ratio of two, with its label."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ttest_ind
from statsmodels.stats import proportion
from tiny import write_tiny

from analysis import abtest
from analysis.abtest.display import arms_frame
from analysis.errors import ParamsError
from analysis.params import AbTestParams, DataSource
from analysis.warehouse import open_warehouse

METRICS = {
    "retention_1": {"kind": "proportion", "column": "retention_1", "label": "Day-1 retention"},
    "rounds": {
        "kind": "mean",
        "column": "sum_gamerounds",
        "label": "Game rounds",
        "unit": "per user",
    },
    "rounds_per_session": {
        "kind": "ratio",
        "column": "sum_gamerounds",
        "denominator": "sessions",
        "label": "Rounds per session",
    },
}


@pytest.fixture(scope="module")
def game(tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    """A retention test: B planted +3 points of day-1 retention and more rounds."""
    rng = np.random.default_rng(11)
    frames = []
    for variant, retention, rounds in (("A", 0.44, 50.0), ("B", 0.47, 54.0)):
        n = 6_000
        frames.append(
            pd.DataFrame(
                {
                    "experiment_id": "cookie",
                    "unit_id": [f"{variant}{i}" for i in range(n)],
                    "variant": variant,
                    "exposed_at": pd.Timestamp("2026-10-02")
                    + pd.to_timedelta(rng.integers(0, 10 * 86_400, n), unit="s"),
                    "clicked": 0,
                    "converted": 0,
                    "revenue": 0.0,
                    "pre_revenue": None,
                    "retention_1": (rng.random(n) < retention).astype(int),
                    "sum_gamerounds": rng.gamma(1.2, rounds / 1.2, n).round(),
                    "sessions": rng.integers(1, 6, n),
                }
            )
        )
    units = pd.concat(frames, ignore_index=True)
    arms = pd.DataFrame(
        {
            "experiment_id": "cookie",
            "variant": ["A", "B"],
            "label": ["gate 30", "gate 40"],
            "is_control": [True, False],
            "planned_share": [0.5, 0.5],
            "units": pd.array([None, None], "Int64"),
            "clicks": pd.array([None, None], "Int64"),
        }
    )
    folder = write_tiny(
        tmp_path_factory.mktemp("game"), {"experiment_units": units, "experiment_arms": arms}
    )
    return folder, units


def run(folder: Path, **extra):
    params = AbTestParams(
        period="2026-10",
        data=DataSource(path=folder),
        metrics=METRICS,
        experiments=[
            {
                "id": "cookie",
                "primary_metric": "retention_1",
                "secondary_metrics": ["rounds", "rounds_per_session"],
            }
        ],
        **extra,
    )
    return abtest.run(open_warehouse(params.data), params)[0].experiments[0]


def test_named_metrics_match_independent_tests_and_carry_their_labels(game):
    folder, units = game
    result = run(folder)
    by_name = {m.metric: m for m in result.metrics}
    a, b = (units[units["variant"] == v] for v in ("A", "B"))

    retention = by_name["retention_1"]
    _, expected = proportion.test_proportions_2indep(
        b["retention_1"].sum(), len(b), a["retention_1"].sum(), len(a), method="wald"
    )
    assert retention.arms[1].p_value == pytest.approx(expected, rel=1e-9)
    assert retention.kind == "proportion" and retention.label == "Day-1 retention"

    rounds = by_name["rounds"]
    welch = ttest_ind(b["sum_gamerounds"], a["sum_gamerounds"], equal_var=False)
    assert rounds.arms[1].p_value == pytest.approx(welch.pvalue, rel=1e-9)
    assert "Game rounds (per user)" in arms_frame(rounds, "zh").columns

    ratio = by_name["rounds_per_session"]
    observed = b["sum_gamerounds"].sum() / b["sessions"].sum()
    observed -= a["sum_gamerounds"].sum() / a["sessions"].sum()
    assert ratio.arms[1].lift_abs == pytest.approx(observed, rel=1e-12)
    assert result.method.startswith("unpooled Wald")


def test_a_metric_on_a_missing_column_names_the_column(game, tmp_path):
    folder, units = game
    with pytest.raises(ParamsError, match="no column 'sum_gamerounds'"):
        run(
            write_tiny(
                tmp_path,
                {
                    "experiment_units": units.drop(columns=["sum_gamerounds"]),
                    "experiment_arms": pd.read_parquet(folder / "experiment_arms.parquet"),
                },
            )
        )


def test_an_unknown_metric_name_is_rejected_before_the_run():
    with pytest.raises(ValueError, match="metric 'rounds' of experiment x is neither a preset"):
        AbTestParams(
            period="2026-10",
            data={"path": str(Path(__file__).resolve().parents[1] / "data" / "external")},
            experiments=[{"id": "x", "primary_metric": "rounds"}],
        )


def test_one_huge_unit_is_reported_with_the_p_value_without_it(game, tmp_path):
    """One player with 49,854 rounds in B: the report tests again without each arm's top unit
    (as scipy's Welch test on the rest) and says how much of the total those units hold."""
    folder, units = game
    planted = units.copy()
    planted.loc[planted.index[-1], "sum_gamerounds"] = 49_854.0
    arms = pd.read_parquet(folder / "experiment_arms.parquet")
    folder = write_tiny(tmp_path, {"experiment_units": planted, "experiment_arms": arms})
    rounds = next(m for m in run(folder, outlier_top_units=1).metrics if m.metric == "rounds")
    rest = planted.sort_values("sum_gamerounds").groupby("variant").head(-1)
    a, b = (rest[rest["variant"] == v]["sum_gamerounds"] for v in ("A", "B"))
    influence = rounds.outliers
    assert influence.top_units == 1
    expected = ttest_ind(b, a, equal_var=False).pvalue
    assert influence.arms[0].p_value_without == pytest.approx(expected, rel=1e-9)
    top = planted.groupby("variant")["sum_gamerounds"].max().sum()
    assert influence.top_share == pytest.approx(top / planted["sum_gamerounds"].sum())
    with_outlier = rounds.arms[1].p_value
    assert with_outlier > 0.05 > influence.arms[0].p_value_without  # it flips the verdict


def test_winsorized_estimate_equals_numpy_capping_and_scipy_welch(game):
    folder, units = game
    rounds = next(m for m in run(folder, winsorize_quantile=0.99).metrics if m.metric == "rounds")
    capped = rounds.outliers.winsorized
    cap = np.quantile(units["sum_gamerounds"], 0.99)  # linear, as DuckDB quantile_cont
    assert capped.cap == pytest.approx(cap, rel=1e-12)
    values = units["sum_gamerounds"].clip(upper=cap)
    a, b = (values[units["variant"] == v] for v in ("A", "B"))
    expected = ttest_ind(b, a, equal_var=False).pvalue
    assert capped.arms[0].p_value == pytest.approx(expected, rel=1e-9)
    assert capped.quantile == 0.99
