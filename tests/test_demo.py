"""Tests of the demo warehouse generator: determinism, the contract, and the planted truths."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from scipy.stats import chisquare

import analysis.demo.generator as generator
from analysis.demo import generate
from analysis.errors import DataSourceError, ParamsError
from analysis.schema import TABLES

SCALE = 0.05
KIND_TYPES = {
    "string": pa.string(),
    "timestamp": pa.timestamp("us"),
    "date": pa.date32(),
    "float": pa.float64(),
    "int": pa.int64(),
    "bool": pa.bool_(),
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "warehouse"
    generate(out, seed=7, scale=SCALE)
    return out


@pytest.fixture(scope="module")
def truth(warehouse: Path) -> dict:
    return json.loads((warehouse / "truth.json").read_text(encoding="utf-8"))


def table(warehouse: Path, name: str) -> pa.Table:
    return pq.read_table(warehouse / f"{name}.parquet")


def frame(warehouse: Path, name: str) -> pd.DataFrame:
    return table(warehouse, name).to_pandas()


def test_same_seed_and_scale_give_identical_tables(
    warehouse: Path, truth: dict, tmp_path: Path
) -> None:
    again = tmp_path / "again"
    returned = generate(again, seed=7, scale=SCALE)
    for name in (*TABLES, "truth_customers"):
        assert table(again, name).equals(table(warehouse, name)), name
    assert returned == truth
    assert json.loads((again / "truth.json").read_text(encoding="utf-8")) == truth


def test_a_different_seed_gives_different_orders(warehouse: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    generate(other, seed=8, scale=SCALE)
    assert not table(other, "orders").equals(table(warehouse, "orders"))


def test_every_table_has_the_contract_columns_and_types(warehouse: Path) -> None:
    for name, spec in TABLES.items():
        schema = pq.read_schema(warehouse / f"{name}.parquet")
        assert tuple(schema.names) == spec.column_names, name
        for column in spec.columns:
            assert schema.field(column.name).type == KIND_TYPES[column.kind], (name, column.name)


def test_non_nullable_columns_have_no_nulls(warehouse: Path) -> None:
    for name, spec in TABLES.items():
        data = table(warehouse, name)
        for column in spec.columns:
            if not column.nullable:
                assert data.column(column.name).null_count == 0, (name, column.name)


def test_keys_are_unique(warehouse: Path) -> None:
    assert frame(warehouse, "orders")["order_id"].is_unique
    assert frame(warehouse, "customers")["customer_id"].is_unique
    units = frame(warehouse, "experiment_units")
    assert not units.duplicated(["experiment_id", "unit_id"]).any()
    metrics = frame(warehouse, "metrics")
    assert not metrics.duplicated(["series", "ts"]).any()


def test_revenue_is_positive_and_times_are_in_the_period(warehouse: Path, truth: dict) -> None:
    orders = frame(warehouse, "orders")
    assert (orders["revenue"] > 0).all()
    assert (frame(warehouse, "experiment_units")["revenue"] >= 0).all()
    start = pd.Timestamp(truth["period"]["start"])
    end = pd.Timestamp(truth["period"]["end"]) + pd.Timedelta(days=1)
    touches = frame(warehouse, "touchpoints")
    for times in (orders["order_ts"], touches["ts"]):
        assert times.min() >= start and times.max() < end


def test_every_order_belongs_to_a_customer_first_seen_before_it(warehouse: Path) -> None:
    customers = frame(warehouse, "customers").set_index("customer_id")
    first_order = frame(warehouse, "orders").groupby("customer_id")["order_ts"].min()
    assert set(first_order.index) <= set(customers.index)
    assert (customers.loc[first_order.index, "first_seen"] <= first_order).all()
    # members whose journeys never converted stay without orders, but most customers buy
    assert 0.7 < len(first_order) / len(customers) < 0.95


def test_clicks_never_exceed_impressions(warehouse: Path) -> None:
    spend = frame(warehouse, "spend")
    assert (spend["clicks"] >= 0).all()
    assert (spend["clicks"] <= spend["impressions"]).all()
    assert (spend.loc[spend["channel"] == "企业微信社群", "spend"] == 0.0).all()
    sem = spend["channel"] == "百度SEM"
    assert spend.loc[sem, "keyword"].notna().all() and spend.loc[~sem, "keyword"].isna().all()


def test_planned_shares_sum_to_one(warehouse: Path) -> None:
    shares = frame(warehouse, "experiment_arms").groupby("experiment_id")["planned_share"].sum()
    assert shares.apply(lambda s: math.isclose(s, 1.0, abs_tol=1e-9)).all()


def test_every_unit_variant_exists_in_arms(warehouse: Path) -> None:
    arms = frame(warehouse, "experiment_arms")
    units = frame(warehouse, "experiment_units")
    known = set(zip(arms["experiment_id"], arms["variant"], strict=True))
    assert set(zip(units["experiment_id"], units["variant"], strict=True)) <= known
    assert units["pre_revenue"].notna().all()
    assert (units["converted"] <= units["clicked"]).all()


def test_cpc_spike_is_visible_on_its_keyword(warehouse: Path, truth: dict) -> None:
    spike = next(a for a in truth["anomalies"] if a["metric"] == "cpc")
    spend = frame(warehouse, "spend")
    rows = spend[(spend["campaign"] == spike["campaign"]) & (spend["keyword"] == spike["keyword"])]
    daily = rows.set_index("date").sort_index()
    daily = daily[daily["clicks"] > 0]
    cpc = daily["spend"] / daily["clicks"]
    dates = pd.to_datetime(pd.Series(cpc.index)).dt.date
    cpc.index = dates
    start = pd.Timestamp(spike["start"]).date()
    trailing = cpc[(cpc.index < start) & (cpc.index >= start - pd.Timedelta(days=7))]
    for day in pd.date_range(spike["start"], spike["end"]).date:
        assert cpc[day] >= 1.3 * trailing.mean(), day


def test_douyin_traffic_drops_for_a_week(warehouse: Path, truth: dict) -> None:
    drop = next(a for a in truth["anomalies"] if a["table"] == "touchpoints")
    touches = frame(warehouse, "touchpoints")
    day = touches.loc[touches["channel"] == drop["channel"], "ts"].dt.normalize()
    start, end = pd.Timestamp(drop["start"]), pd.Timestamp(drop["end"])
    during = day.between(start, end).sum()
    before = day.between(start - pd.Timedelta(days=7), end - pd.Timedelta(days=7)).sum()
    assert during <= 0.85 * before


def test_creative_test_has_a_sample_ratio_mismatch(warehouse: Path, truth: dict) -> None:
    units = frame(warehouse, "experiment_units")
    arms = frame(warehouse, "experiment_arms").set_index(["experiment_id", "variant"])
    creative = units[units["experiment_id"] == "creative_2026_10"]
    counts = creative["variant"].value_counts().sort_index()
    planned = arms.loc["creative_2026_10", "planned_share"].sort_index()
    assert chisquare(counts.to_numpy(), planned.to_numpy() * len(creative)).pvalue < 0.001
    record = next(e for e in truth["experiments"] if e["experiment_id"] == "creative_2026_10")
    assert record["srm"] is True and record["below_half_industry"] == ["C"]


def test_title_test_variant_b_has_the_higher_ctr(warehouse: Path) -> None:
    units = frame(warehouse, "experiment_units")
    ctr = units[units["experiment_id"] == "title_2026_10"].groupby("variant")["clicked"].mean()
    assert ctr["B"] > ctr["A"]


def test_last_touch_undervalues_xiaohongshu(warehouse: Path, truth: dict) -> None:
    orders = frame(warehouse, "orders").dropna(subset=["channel"])
    last_touch_share = (orders["channel"] == truth["assisting_channel"]).mean()
    true_revenue = {name: c["true_revenue"] for name, c in truth["channels"].items()}
    true_share = true_revenue[truth["assisting_channel"]] / sum(true_revenue.values())
    assert last_touch_share < 0.5 * true_share
    assert truth["channels"][truth["assisting_channel"]]["rank"] == 1


def test_planted_roi_and_status(truth: dict) -> None:
    channels = truth["channels"]
    assert channels["小红书"]["true_roi"] == pytest.approx(4.0, abs=0.01)
    assert channels["小红书"]["status"] == "expand"
    assert channels["知乎"]["status"] == "inefficient"
    assert channels["企业微信社群"]["true_roi"] is None
    assert channels["企业微信社群"]["status"] == "n/a"


def test_contact_details_look_personal_and_are_unique(warehouse: Path) -> None:
    customers = frame(warehouse, "customers")
    phones, emails = customers["phone"].dropna(), customers["email"].dropna()
    assert phones.str.fullmatch(r"1[35789]\d{9}").all()
    assert emails.str.fullmatch(r"[a-z]+\d+@(163\.com|qq\.com|example\.cn)").all()
    assert phones.is_unique and emails.is_unique
    assert 0.05 < customers["phone"].isna().mean() < 0.15


def test_erased_customers_bought_and_one_was_in_a_test(warehouse: Path, truth: dict) -> None:
    erased = set(frame(warehouse, "erasures")["customer_id"])
    assert erased == set(truth["erasures"]) and len(erased) >= 3
    assert erased <= set(frame(warehouse, "orders")["customer_id"])
    assert erased & set(frame(warehouse, "experiment_units")["unit_id"])


def test_behaviour_types_are_recorded_and_distinct(warehouse: Path, truth: dict) -> None:
    types = frame(warehouse, "truth_customers")
    assert truth["customer_types_file"] == "truth_customers.parquet"
    assert types["behaviour_type"].value_counts().to_dict() == truth["behaviour_types"]
    orders = frame(warehouse, "orders").merge(types, on="customer_id")
    per_customer = orders.groupby("behaviour_type")["order_id"].count() / types.value_counts(
        "behaviour_type"
    )
    assert per_customer["champion"] > per_customer["loyal"] > per_customer["occasional"]
    last = orders[orders["behaviour_type"] == "lapsed"].groupby("customer_id")["order_ts"].max()
    assert (last < pd.Timestamp(truth["period"]["end"]) - pd.Timedelta(days=120)).all()


def test_truth_records_table_sizes(warehouse: Path, truth: dict) -> None:
    for name in TABLES:
        assert truth["tables"][name] == table(warehouse, name).num_rows, name
    assert re.fullmatch(r"C\d{7}", truth["erasures"][0])


@pytest.mark.parametrize("scale", [0, -1.0, float("nan"), float("inf"), "1"])
def test_a_bad_scale_is_a_params_error(tmp_path: Path, scale: object) -> None:
    with pytest.raises(ParamsError):
        generate(tmp_path / "bad", scale=scale)  # type: ignore[arg-type]
    assert not (tmp_path / "bad").exists()


def test_a_crash_leaves_no_half_warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(generator, "build_metrics", broken)
    with pytest.raises(RuntimeError):
        generate(tmp_path / "wh", scale=0.004)
    assert list(tmp_path.iterdir()) == []


def test_refuses_to_overwrite_a_foreign_directory(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(DataSourceError):
        generate(tmp_path, scale=0.004)
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_visitor_unit_ids_stay_unique_beyond_a_million() -> None:
    """At scale 72 an experiment enrols 10^6+ visitors; 6-digit ids wrapped into duplicates."""
    from types import SimpleNamespace

    import numpy as np

    from analysis.demo.experiments import enrol

    plan = SimpleNamespace(customers=10, customer_id_width=7)
    ids, _ = enrol(np.random.default_rng(1), plan, 3, 1_000_020)
    assert len(ids) == 1_000_020
    assert len(set(ids.to_pylist())) == 1_000_020


def test_digit_strings_refuse_to_wrap() -> None:
    import numpy as np

    from analysis.demo.arrow import digit_strings

    assert digit_strings(np.array([999_999]), 6, "U").to_pylist() == ["U999999"]
    with pytest.raises(ValueError, match="more than 6 digits"):
        digit_strings(np.array([1_000_001]), 6, "U")
