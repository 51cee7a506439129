"""Mapping recipes: the frictions of a first hour with one's own exports, one test each.

Each test gets the friendly outcome where the suite before recipes gave an error, a
made-up column or a silently wrong table (issue 17).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from analysis.abtest import queries as abtest_queries
from analysis.attribution import queries as attribution_queries
from analysis.contract import check_contract
from analysis.errors import DataContractError, ParamsError
from analysis.i18n import money, text
from analysis.i18n.currency import use_currency
from analysis.params import DataSource, validate_report
from analysis.runner import run_report
from analysis.warehouse import open_warehouse

AB_EXPORT = (
    "userid,version,sum_gamerounds,retention_1,retention_7\n"
    "116,gate_30,3,FALSE,false\n"
    "337,gate_30,38,TRUE,true\n"
    "377,gate_40,165,TRUE,false\n"
    "483,gate_40,1,false,FALSE\n"
    "488,gate_40,179,True,TRUE\n"
)
AB_COLUMNS = {
    "unit_id": "userid",
    "variant": "version",
    "clicked": "retention_1",
    "converted": "retention_7",
    "revenue": "sum_gamerounds",
}
EVENTS = (
    "cookie,time,interaction,conversion,value,channel\n"
    "a1,2026-10-01 10:00:00,impression,0,0,Paid Search\n"
    "a1,2026-10-02 11:00:00,impression,0,0,Facebook\n"
    "a1,2026-10-02 11:05:00,conversion,1,80.5,Facebook\n"
    "b2,2026-10-03 09:00:00,impression,0,0,Instagram\n"
    "b2,2026-10-04 12:00:00,conversion,1,20,Instagram\n"
)


def _folder(tmp_path: Path, files: dict[str, str | bytes], encoding: str = "utf-8") -> Path:
    folder = tmp_path / "export"
    folder.mkdir()
    for name, content in files.items():
        data = content if isinstance(content, bytes) else content.encode(encoding)
        (folder / name).write_bytes(data)
    return folder


def _ab_source(folder: Path, **extra) -> DataSource:
    return DataSource(
        path=folder,
        tables={"experiment_units": "ab.csv"},
        columns={"experiment_units": AB_COLUMNS},
        recipes={"experiment_units": {"constants": {"experiment_id": "cookie_cats"}}},
        **extra,
    )


# ------------------------------------------------------------------ the A/B platform export


def test_constant_experiment_id_fills_every_unit(tmp_path: Path) -> None:
    units = open_warehouse(_ab_source(_folder(tmp_path, {"ab.csv": AB_EXPORT}))).table(
        "experiment_units"
    )
    assert set(units.to_pandas()["experiment_id"]) == {"cookie_cats"}


def test_true_false_words_read_as_flags(tmp_path: Path) -> None:
    warehouse = open_warehouse(_ab_source(_folder(tmp_path, {"ab.csv": AB_EXPORT})))
    report = check_contract(warehouse, ["experiment_units"], strict=True)
    assert report.ok
    units = warehouse.table("experiment_units").order_by("unit_id").to_pandas()
    assert units["clicked"].tolist() == [0, 1, 1, 0, 1]  # FALSE, TRUE, TRUE, false, True
    assert units["converted"].tolist() == [0, 1, 0, 0, 1]


def test_units_without_exposure_time_have_no_cumulative_view(tmp_path: Path) -> None:
    warehouse = open_warehouse(_ab_source(_folder(tmp_path, {"ab.csv": AB_EXPORT})))
    first, last = date(2026, 10, 1), date(2026, 10, 31)
    stats = abtest_queries.unit_statistics(warehouse, first, last)
    assert stats["units"].sum() == 5  # every unit counted, none dated
    assert abtest_queries.daily_statistics(warehouse, first, last).empty


def test_arms_derived_from_units_with_equal_shares_and_named_control(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {"ab.csv": AB_EXPORT})
    warehouse = open_warehouse(_ab_source(folder, arms={"control": "gate_40"}))
    assert check_contract(warehouse, ["experiment_arms", "experiment_units"]).ok
    arms = warehouse.table("experiment_arms").order_by("variant").to_pandas()
    assert arms["variant"].tolist() == ["gate_30", "gate_40"]
    assert arms["planned_share"].tolist() == [0.5, 0.5]
    assert arms["is_control"].tolist() == [False, True]


def test_missing_column_lists_the_users_columns_not_internal_ones(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {"ab.csv": AB_EXPORT})
    source = DataSource(
        path=folder, tables={"experiment_units": "ab.csv"}, columns={"experiment_units": AB_COLUMNS}
    )
    report = check_contract(open_warehouse(source), ["experiment_units"], strict=False)
    missing = next(v for v in report.violations if v.code == "missing_column")
    assert missing.column == "experiment_id"
    message = missing.describe()
    assert "ab.csv" in message and "retention_1" in message
    assert "__as_text" not in message and "clicked" not in message.split("has columns")[1]


# ------------------------------------------------------------------ an attribution event log


def _event_source(folder: Path) -> DataSource:
    return DataSource(
        path=folder,
        tables={"touchpoints": "events.csv", "orders": "events.csv"},
        columns={
            "touchpoints": {"user_id": "cookie", "ts": "time", "channel": "channel"},
            "orders": {"customer_id": "cookie", "order_ts": "time", "revenue": "value"},
        },
        recipes={
            "touchpoints": {"filter": [{"column": "interaction", "value": "impression"}]},
            "orders": {
                "filter": [{"column": "conversion", "op": ">", "value": 0}],
                "derive": {"order_id": {"concat": ["cookie", {"text": "-"}, "time"]}},
            },
        },
    )


def test_row_filter_keeps_conversions_out_of_touches(tmp_path: Path) -> None:
    warehouse = open_warehouse(_event_source(_folder(tmp_path, {"events.csv": EVENTS})))
    touches = warehouse.table("touchpoints").to_pandas()
    assert len(touches) == 3  # the two conversion events are not touches
    orders = warehouse.table("orders").order_by("order_id").to_pandas()
    assert orders["order_id"].tolist() == ["a1-2026-10-02 11:05:00", "b2-2026-10-04 12:00:00"]
    assert orders["revenue"].tolist() == [80.5, 20.0]
    assert check_contract(warehouse, ["touchpoints", "orders"]).ok


def test_two_contract_columns_on_one_source_column_is_a_params_error(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {"events.csv": EVENTS})
    values = {
        "report": "attribution",
        "period": "2026-10",
        "data": {
            "path": str(folder),
            "columns": {"orders": {"order_id": "cookie", "customer_id": "cookie"}},
        },
    }
    with pytest.raises(ParamsError) as caught:
        validate_report(values, "events.yaml")
    message = str(caught.value)
    assert "order_id, customer_id all point at your column 'cookie'" in message
    assert "recipes.orders.derive.customer_id: {column: cookie}" in message
    assert "{old_name" not in message


def test_spend_is_optional_for_attribution(tmp_path: Path) -> None:
    values = {"report": "attribution", "period": "2026-10", "data": {"path": str(tmp_path)}}
    params = validate_report(values, "attribution.yaml")
    assert "spend" not in params.tables_needed and "spend" in params.tables_optional
    warehouse = open_warehouse(_event_source(_folder(tmp_path, {"events.csv": EVENTS})))
    spend = attribution_queries.spend_by_channel(warehouse, date(2026, 10, 1), date(2026, 10, 31))
    assert spend.empty and "spend" in spend.columns


def test_a_needed_table_stops_the_run_even_when_not_strict(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {"events.csv": EVENTS})
    values = {
        "report": "attribution",
        "period": "2026-10",
        "data": {"path": str(folder), "tables": {"orders": "events.csv"}, "strict": False},
    }
    params = validate_report(values, "events.yaml")
    with pytest.raises(DataContractError, match=r"(?s)whether strict or not.*touchpoints"):
        run_report(params, tmp_path / "out")  # raised before any kernel starts
    assert not (tmp_path / "out" / "attribution.failed.ipynb").exists()


# ------------------------------------------------------------------ retail invoices in pounds

LINES = (
    "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID\n"
    "536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,12/1/2010 8:26,2.55,17850\n"
    "536365,71053,WHITE METAL LANTERN £,6,12/1/2010 8:26,3.39,17850\n"
    "536366,22633,HAND WARMER UNION JACK,6,12/1/2010 8:28,1.85,17850\n"
    "C536379,85123A,WHITE HANGING HEART T-LIGHT HOLDER,-6,12/1/2010 9:41,2.55,17850\n"
    "536367,84879,ASSORTED COLOUR BIRD ORNAMENT,32,12/1/2010 8:34,1.69,13047\n"
    "536367,84879,ASSORTED COLOUR BIRD ORNAMENT,-2,12/1/2010 8:34,1.69,13047\n"
)


def _lines_source(folder: Path, refunds: str = "drop", fmt: str = "%m/%d/%Y %H:%M") -> DataSource:
    return DataSource(
        path=folder,
        encoding="cp1252",
        tables={"orders": "lines.csv"},
        columns={
            "orders": {
                "order_id": "InvoiceNo",
                "customer_id": "CustomerID",
                "order_ts": "InvoiceDate",
            }
        },
        recipes={
            "orders": {
                "derive": {"revenue": {"multiply": ["Quantity", "UnitPrice"]}},
                "formats": {"order_ts": fmt},
                "lines_to_orders": {"refunds": refunds},
            }
        },
    )


@pytest.mark.parametrize(
    ("refunds", "expected"),
    [
        ("drop", {"536365": 35.64, "536366": 11.1, "536367": 54.08}),
        ("net", {"536365": 35.64, "536366": 11.1, "536367": 50.7}),
    ],
)
def test_invoice_lines_group_into_orders_by_the_refund_rule(
    tmp_path: Path, refunds: str, expected: dict[str, float]
) -> None:
    folder = _folder(tmp_path, {"lines.csv": LINES}, encoding="cp1252")
    warehouse = open_warehouse(_lines_source(folder, refunds))
    assert check_contract(warehouse, ["orders"]).ok  # no duplicate order ids, no negatives
    orders = warehouse.table("orders").to_pandas().set_index("order_id")
    assert orders["revenue"].round(2).to_dict() == expected
    assert orders.loc["536365", "order_ts"] == pd.Timestamp("2010-12-01 08:26")


def test_negative_revenue_advice_names_the_lines_recipe(tiny_dir: Path) -> None:
    tables = pd.read_parquet(tiny_dir / "orders.parquet")
    tables.loc[0, "revenue"] = -5.0
    tables.to_parquet(tiny_dir / "orders.parquet")
    report = check_contract(open_warehouse(DataSource(path=tiny_dir)), ["orders"], strict=False)
    advice = next(v for v in report.violations if v.code == "revenue_nonneg").describe()
    assert "separate table" not in advice
    assert "lines_to_orders" in advice


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_western_encodings_read(tmp_path: Path, encoding: str) -> None:
    folder = _folder(tmp_path, {"lines.csv": LINES}, encoding=encoding)
    source = _lines_source(folder).model_copy(update={"encoding": encoding})
    raw = open_warehouse(source).source_table("orders")
    assert raw.count().to_pyarrow().as_py() == 3


def test_utf16_excel_export_reads(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {"lines.csv": LINES}, encoding="utf-16")
    source = _lines_source(folder).model_copy(update={"encoding": "utf-16"})
    assert open_warehouse(source).table("orders").count().to_pyarrow().as_py() == 3


def test_a_bad_date_is_shown_with_the_format_expected(tmp_path: Path) -> None:
    bad = LINES.replace("12/1/2010 8:28", "13/45/2010 8:28")
    folder = _folder(tmp_path, {"lines.csv": bad}, encoding="cp1252")
    report = check_contract(open_warehouse(_lines_source(folder)), ["orders"], strict=False)
    (violation,) = report.violations
    assert violation.code == "unparseable_format"
    message = violation.describe()
    assert "'13/45/2010 8:28'" in message and "%m/%d/%Y %H:%M" in message
    assert violation.sample_keys == ("536366",)


def test_currency_sets_symbol_and_unit_words() -> None:
    try:
        use_currency("GBP")
        assert money(10111, "en") == "£10,111"
        assert money(10111, "zh") == "10,111 英镑"
        assert text("rfm.column.aov", "en") == "AOV (pounds)"
        assert text("health.kpi.revenue", "zh") == "收入（英镑）"
    finally:
        use_currency("CNY")
    assert money(10111, "en") == "¥10,111"
    assert money(5, "en", currency="USD") == "$5"


def test_unknown_currency_is_a_params_error(tiny_dir: Path) -> None:
    values = {"report": "rfm", "period": "2026-10", "currency": "XYZ", "data": {"path": tiny_dir}}
    with pytest.raises(ParamsError, match=r"key 'currency'.*'XYZ'.*GBP"):
        validate_report(values, "shop.yaml")


def test_value_maps_case_and_date_part_build_arms_labels(tmp_path: Path) -> None:
    arms = (
        "实验,组别,是否对照,流量占比,日期\n"
        "E9,对照组,是,0.5,2026/10/01\n"
        "E9,实验组,否,0.5,2026/10/01\n"
    )
    source = DataSource(
        path=_folder(tmp_path, {"arms.csv": arms}),
        tables={"experiment_arms": "arms.csv"},
        columns={
            "experiment_arms": {
                "experiment_id": "实验",
                "is_control": "是否对照",
                "planned_share": "流量占比",
            }
        },
        recipes={
            "experiment_arms": {
                "derive": {
                    "variant": {"case": {"column": "组别", "when": {"对照组": "A"}, "else": "B"}},
                    "label": {
                        "date_part": {"column": "日期", "part": "month", "format": "%Y/%m/%d"}
                    },
                },
                "values": {"planned_share": {"0.5": 0.25}},
            }
        },
    )
    table = open_warehouse(source).table("experiment_arms").order_by("variant").to_pandas()
    assert table["variant"].tolist() == ["A", "B"]
    assert table["is_control"].tolist() == [True, False]  # 是 / 否
    assert table["planned_share"].tolist() == [0.25, 0.25]
    assert table["label"].tolist() == ["10", "10"]
