"""The export recipes in params/examples/: their sample files, `check`, privacy and engines."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.check import load_any
from analysis.cli import main
from analysis.demo.examples import write_examples
from analysis.paths import PROJECT_ROOT
from analysis.schema import TABLES
from analysis.warehouse import TEXT_SUFFIX, open_warehouse

EXAMPLES = sorted((PROJECT_ROOT / "params" / "examples").glob("*.yaml"))
NAMES = [path.stem for path in EXAMPLES]


@pytest.fixture(autouse=True)
def _at_project_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(PROJECT_ROOT)  # the examples' paths are relative, as for `make report`


def test_there_is_a_recipe_for_each_kind_of_export() -> None:
    assert NAMES == [
        "ab_platform",
        "ad_platform_cn",
        "aggregates",
        "aggregates_weekly_wide",
        "crm",
        "ga4_events",
        "shop_lines",
    ]


def test_sample_files_are_the_ones_the_project_writes(tmp_path: Path) -> None:
    for written in write_examples(tmp_path):
        committed = PROJECT_ROOT / "data" / "examples" / written.relative_to(tmp_path)
        assert committed.read_bytes() == written.read_bytes(), committed


def test_sample_files_are_in_their_exports_encodings() -> None:
    folder = PROJECT_ROOT / "data" / "examples"
    assert "推广计划".encode("gb18030") in (folder / "ad_platform_cn" / "推广日报.csv").read_bytes()
    assert "£".encode("cp1252") in (folder / "shop_lines" / "Online Retail.csv").read_bytes()


@pytest.mark.parametrize("name", NAMES)
def test_every_example_checks_clean(name: str, capsys: pytest.CaptureFixture) -> None:
    assert main(["check", f"params/examples/{name}.yaml"]) == 0
    shown = capsys.readouterr().out
    assert f"{name}: can run" in shown
    assert "PROBLEM" not in shown


def test_crm_example_never_shows_personal_values_or_erased_members(
    capsys: pytest.CaptureFixture,
) -> None:
    assert main(["check", "params/examples/crm.yaml"]) == 0
    shown = capsys.readouterr().out
    members = pd.read_csv(PROJECT_ROOT / "data/examples/crm/会员.csv", dtype=str)
    for column in ("姓名", "手机", "邮箱", "微信号"):
        assert not any(value in shown for value in members[column].head(20)), column
    (report,) = load_any(Path("params/examples/crm.yaml"))
    warehouse = open_warehouse(report.data)
    customers = warehouse.table("customers").to_pandas()
    assert list(customers.columns) == ["customer_id", "first_seen", "city"]
    for name in ("customers", "orders"):
        assert "M00007" not in set(warehouse.table(name).to_pandas()["customer_id"]), name


def test_check_fails_and_names_the_users_columns_when_a_column_is_missing(
    capsys: pytest.CaptureFixture,
) -> None:
    code = main(
        ["check", "params/examples/ab_platform.yaml", "--set", "data.recipes.experiment_units={}"]
    )
    assert code == 1
    shown = capsys.readouterr().out
    assert "ab_platform: cannot run" in shown
    assert "column experiment_id" in shown and "retention_1" in shown
    assert TEXT_SUFFIX not in shown


def _mapped(report, engine: str) -> dict[str, pd.DataFrame]:
    source = report.data.model_copy(update={"engine": engine})
    warehouse = open_warehouse(source)
    frames = {}
    for name in (*report.tables_needed, *report.tables_optional):
        if warehouse.has_table(name):
            spec = TABLES[name]
            order = [c for c in (*spec.key, spec.time_column, *spec.public_columns) if c]
            frame = warehouse.table(name).order_by(list(dict.fromkeys(order))).to_pandas()
            frames[name] = frame.astype(str)
    return frames


@pytest.mark.spark
@pytest.mark.parametrize(
    "name", ["ab_platform", "ga4_events", "shop_lines", "aggregates_weekly_wide"]
)
def test_mapped_tables_are_identical_on_duckdb_and_pyspark(name: str, spark) -> None:
    """Between them these use every recipe step: constants, flag words, filters, concat,
    case, multiply, a date format, lines into orders, derived arms, wide columns into rows."""
    (report,) = load_any(Path(f"params/examples/{name}.yaml"))
    duck, sparked = _mapped(report, "duckdb"), _mapped(report, "pyspark")
    assert duck.keys() == sparked.keys()
    for table in duck:
        pd.testing.assert_frame_equal(duck[table], sparked[table], check_dtype=False)


def test_the_weekly_wide_sample_is_the_daily_example_summed_into_weeks() -> None:
    """The wide file's spend columns, read through recipes.wide, are the daily example's spend
    summed per week and channel; its revenue is the daily revenue's weekly sums."""
    (weekly,) = load_any(Path("params/examples/aggregates_weekly_wide.yaml"))
    (daily,) = load_any(Path("params/examples/aggregates.yaml"))
    wide = open_warehouse(weekly.data)
    long = open_warehouse(daily.data)
    first = pd.Timestamp("2025-11-01")

    def by_week(frame: pd.DataFrame, value: str, keys: list[str]) -> pd.Series:
        week = first + pd.to_timedelta(
            (pd.to_datetime(frame["date"]) - first).dt.days // 7 * 7, "D"
        )
        summed = frame.assign(date=week).groupby(["date", *keys])[value].sum()
        return summed[summed.index.get_level_values("date") < first + pd.Timedelta(weeks=52)]

    spend = wide.table("channel_spend").to_pandas()
    assert len(spend) == 52 * 6 and set(spend["channel"]) == {
        "小红书", "微信公众号", "抖音", "百度SEM", "知乎", "邮件"
    }  # fmt: skip
    expected = by_week(long.table("channel_spend").to_pandas(), "spend", ["channel"])
    got = spend.assign(date=pd.to_datetime(spend["date"])).set_index(["date", "channel"])["spend"]
    got = got.sort_index()  # a week a channel sent no row (a pause) is 0 in the wide file
    pd.testing.assert_series_equal(
        got, expected.reindex(got.index, fill_value=0.0), check_names=False, atol=0.01
    )
    revenue = wide.table("daily_revenue").to_pandas()
    expected_revenue = by_week(long.table("daily_revenue").to_pandas(), "revenue", [])
    assert revenue["revenue"].sum() == pytest.approx(expected_revenue.sum(), abs=0.5)


def test_a_missing_wide_column_names_the_recipe_key_and_the_files_columns(
    capsys: pytest.CaptureFixture,
) -> None:
    code = main(
        [
            "check",
            "params/examples/aggregates_weekly_wide.yaml",
            "--set",
            "data.recipes.channel_spend.wide.columns.tv_S=电视",
        ]
    )
    assert code == 1
    shown = capsys.readouterr().out
    assert "data.recipes.channel_spend.wide.columns points at column 'tv_S'" in shown
    assert "its columns are: DATE, revenue, xiaohongshu_S" in shown
