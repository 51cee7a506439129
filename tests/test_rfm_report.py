"""The RFM report end to end: erasures honoured, export without personal data, CDNOW by params."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from analysis import rfm
from analysis.params import RfmParams, load_report_params
from analysis.warehouse import open_warehouse

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def demo_run(demo_dir: Path):
    params = RfmParams(period="2026-10", data={"path": demo_dir})
    return rfm.run(open_warehouse(params.data), params)


def test_erased_customers_are_in_no_count_and_not_in_the_export(demo_dir, demo_run) -> None:
    report, tables = demo_run
    erased = set(pd.read_parquet(demo_dir / "erasures.parquet")["customer_id"])
    export = rfm.report.export_frame(tables)
    assert erased and not erased & set(export["customer_id"])
    assert sum(c.customers for c in report.classes) == report.n_customers == len(export)


def test_export_holds_ids_and_labels_only(demo_run) -> None:
    export = rfm.report.export_frame(demo_run[1])
    assert list(export.columns) == [
        "customer_id",
        "class",
        "rf_segment",
        "cluster",
        "clv",
        "p_alive",
    ]
    assert export["clv"].ge(0).all() and export["p_alive"].between(0, 1).all()


def test_results_name_every_model_parameter_and_the_migration(demo_run) -> None:
    report, _ = demo_run
    model = report.clv_model
    assert all(math.isfinite(v) for v in (model.r, model.alpha, model.a, model.b, model.p))
    assert math.isfinite(model.q) and math.isfinite(model.v) and model.log_likelihood < 0
    assert report.clusters.k >= 2 and len(report.clusters.profiles) == report.clusters.k
    by_cluster = sum(p.clv_total for p in report.clusters.profiles)
    assert by_cluster == pytest.approx(sum(c.clv_total for c in report.classes))
    assert sum(sum(row.values()) for row in report.migration.values()) >= report.n_customers


@pytest.mark.slow
def test_cdnow_master_runs_end_to_end_through_its_params_file() -> None:
    params = load_report_params(ROOT / "params" / "rfm" / "cdnow.yaml")
    report, tables = rfm.run(open_warehouse(params.data), params)
    assert report.zero_value_orders == 80
    assert report.clv_model.customers_with_only_zero_value_repeats == 1
    assert report.n_customers == len(tables.customers) > 5000
    assert 0 < report.clv_model.r < 1 and report.clv_model.q > 1


def test_results_json_holds_no_nan_and_states_the_fit(demo_run) -> None:
    import json

    from analysis.reporting.results import to_jsonable

    report, _ = demo_run
    json.dumps(to_jsonable(report), allow_nan=False)  # raises on NaN or infinity
    model = report.clv_model
    assert model.bgnbd_converged and model.gamma_gamma_converged
    assert model.boundary == [] and model.clv_not_computed == 0
    assert all(c.clv_total is not None for c in report.classes if c.customers)


def test_results_record_reads_back_as_the_same_typed_object(demo_run) -> None:
    from dataclasses import fields

    from analysis.params import ClassRules
    from analysis.reporting.record import read_results
    from analysis.reporting.results import to_jsonable

    report, _ = demo_run
    payload = to_jsonable(report)
    back = read_results(rfm.RfmReport, payload)
    assert back == report
    assert to_jsonable(back) == payload
    assert isinstance(back.clusters.profiles[0], rfm.clusters.ClusterProfile)
    assert isinstance(back.rules.churn_after_days, int) and back.rules.churn_after_days == 90
    # the record states every class rule the params file sets, under the same names
    assert [f.name for f in fields(rfm.report.ClassThresholds)] == list(ClassRules.model_fields)


def test_as_of_defaults_to_the_last_order_day_in_the_period(demo_dir, demo_run) -> None:
    from datetime import date

    from analysis.rfm import queries
    from analysis.rfm.report import report_day

    orders = pd.read_parquet(demo_dir / "orders.parquet")
    erased = set(pd.read_parquet(demo_dir / "erasures.parquet")["customer_id"])
    days = orders.loc[~orders["customer_id"].isin(erased), "order_ts"].dt.normalize()

    def last_day(first: str, last: str) -> str:
        return days[(days >= first) & (days <= last)].max().date().isoformat()

    report, _ = demo_run
    assert report.as_of_source == "last_order_day"
    assert report.as_of == last_day("2026-10-01", "2026-10-31")
    warehouse = open_warehouse(RfmParams(period="2026-10", data={"path": demo_dir}).data)
    early = queries.last_order_day(warehouse, date(2026, 10, 1), date(2026, 10, 9))
    assert early.isoformat() == last_day("2026-10-01", "2026-10-09")
    fixed = RfmParams(period="2026-10", data={"path": demo_dir}, as_of="2026-10-20")
    assert report_day(warehouse, fixed) == (date(2026, 10, 20), "params")
    empty = RfmParams(period="2030-01", data={"path": demo_dir})
    assert report_day(warehouse, empty) == (date(2030, 1, 31), "period_end")
