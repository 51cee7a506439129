"""Property: hostile values in a contract table end in a named error or in numbers equal to a
direct computation on the cleaned data (erasures honoured, bidi controls removed).

Hostile: NaN, ±inf, huge and negative amounts, empty and whitespace ids, control characters,
bidi overrides, very long text, ids that differ from an erasure request only in case or
padding; for CSV, number text such as 'nan', 'Infinity', '1e400', '12,5'.
"""

from __future__ import annotations

import math
import unicodedata
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.contract import MAX_MAGNITUDE, check_contract
from analysis.errors import DataContractError
from analysis.health.queries import daily_orders_by_channel, order_totals
from analysis.params import DataSource
from analysis.warehouse import DIRECTION_CONTROLS, open_warehouse

FIRST, LAST = date(2026, 10, 1), date(2026, 10, 31)
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

HOSTILE_TEXT = st.one_of(
    st.sampled_from(["", " ", "C1", " c1", "C1\u3000", "\u202eC2", "a\u2066b", "x" * 5000]),
    st.text(
        alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"),
        max_size=12,
    ),
)
AMOUNTS = st.one_of(
    st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -0.0, -1.0, 9.0e13, 0.01]),
    st.floats(min_value=0, max_value=1e6, allow_nan=False),
)
MOMENTS = st.one_of(
    st.none(),
    st.datetimes(min_value=pd.Timestamp("2026-09-25"), max_value=pd.Timestamp("2026-11-05")),
)


@st.composite
def orders(draw) -> pd.DataFrame:
    rows = draw(st.integers(min_value=1, max_value=6))
    return pd.DataFrame(
        {
            "order_id": [draw(st.one_of(st.none(), HOSTILE_TEXT)) for _ in range(rows)],
            "customer_id": [draw(st.one_of(st.none(), HOSTILE_TEXT)) for _ in range(rows)],
            "order_ts": [draw(MOMENTS) for _ in range(rows)],
            "revenue": [draw(AMOUNTS) for _ in range(rows)],
            "channel": [draw(st.one_of(st.none(), HOSTILE_TEXT)) for _ in range(rows)],
        }
    )


def _write(folder: Path, frame: pd.DataFrame, erased: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    table = pa.table(
        {
            "order_id": pa.array(frame["order_id"], pa.string()),
            "customer_id": pa.array(frame["customer_id"], pa.string()),
            "order_ts": pa.array(frame["order_ts"], pa.timestamp("us")),
            "revenue": pa.array(frame["revenue"].tolist(), pa.float64()),  # NaN stays NaN
            "channel": pa.array(frame["channel"], pa.string()),
        }
    )
    pq.write_table(table, folder / "orders.parquet")
    requests = pa.table(
        {
            "customer_id": pa.array(erased, pa.string()),
            "requested_at": pa.array(
                [pd.Timestamp("2026-10-10")] * len(erased), pa.timestamp("us")
            ),
        }
    )
    pq.write_table(requests, folder / "erasures.parquet")
    return folder


def _key(value: str) -> str:
    return value.strip(" \t\n\r\x0b\x0c\u00a0\u3000\ufeff").upper()


def _breaks_contract(frame: pd.DataFrame) -> bool:
    revenue = frame["revenue"]
    return bool(
        frame[["order_id", "customer_id", "order_ts"]].isna().any().any()
        or frame["order_id"].duplicated().any()
        or (~revenue.map(math.isfinite)).any()
        or (revenue.abs() > MAX_MAGNITUDE).any()
        or (revenue < 0).any()
    )


def _cleaned(frame: pd.DataFrame, erased: list[str]) -> pd.DataFrame:
    keys = {_key(e) for e in erased} - {""}
    kept = frame[~frame["customer_id"].map(lambda c: isinstance(c, str) and _key(c) in keys)]
    kept = kept.assign(
        channel=kept["channel"].map(
            lambda c: (
                None
                if not isinstance(c, str)
                else c.translate({ord(x): None for x in DIRECTION_CONTROLS})
            )
        )
    )
    inside = (kept["order_ts"] >= pd.Timestamp(FIRST)) & (
        kept["order_ts"] < pd.Timestamp("2026-11-01")
    )
    return kept[inside]


@SETTINGS
@given(frame=orders(), erased=st.lists(HOSTILE_TEXT, max_size=3))
def test_hostile_orders_give_a_named_error_or_exact_numbers(tmp_path_factory, frame, erased):
    folder = _write(tmp_path_factory.mktemp("hostile"), frame, erased)
    warehouse = open_warehouse(DataSource(path=folder))
    keys = {_key(e) for e in erased} - {""}
    in_scope = frame[~frame["customer_id"].map(lambda c: isinstance(c, str) and _key(c) in keys)]
    try:
        check_contract(warehouse, ["orders"], ["erasures"])
    except DataContractError as error:
        assert _breaks_contract(in_scope), str(error)
        assert all(v.table in {"orders", "erasures"} for v in error.violations)
        return
    assert not _breaks_contract(in_scope)
    expected = _cleaned(frame, erased)
    totals = order_totals(warehouse, FIRST, LAST)
    per_buyer = expected.groupby("customer_id").size()
    assert totals["orders"] == len(expected)
    assert totals["buyers"] == len(per_buyer)
    assert totals["repeat_buyers"] == int((per_buyer >= 2).sum())
    assert math.isclose(totals["revenue"], expected["revenue"].sum(), rel_tol=1e-12, abs_tol=1e-6)
    daily = daily_orders_by_channel(warehouse, FIRST, LAST)
    channels = {c for c in expected["channel"] if isinstance(c, str)}
    assert set(daily["channel"]) - {"(none recorded)"} == channels
    for channel in daily["channel"]:
        assert not any(
            unicodedata.category(ch) == "Cf" and ch in DIRECTION_CONTROLS for ch in channel
        )


CSV_NUMBERS = st.sampled_from(
    ["12.5", "0", "nan", "NaN", "inf", "-Infinity", "1e400", "-3", "12,5", "", " 7", "1e13"]
)


@SETTINGS
@given(values=st.lists(CSV_NUMBERS, min_size=1, max_size=5))
def test_hostile_number_text_in_csv_gives_a_named_error_or_exact_sums(tmp_path_factory, values):
    folder = tmp_path_factory.mktemp("csv")
    lines = ["order_id,customer_id,order_ts,revenue,channel"] + [
        f"O{i},C{i},2026-10-0{1 + i % 9} 10:00:00,{_quoted(v)},抖音" for i, v in enumerate(values)
    ]
    (folder / "orders.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    warehouse = open_warehouse(DataSource(path=folder))
    parsed = [_as_number(v) for v in values]
    try:
        check_contract(warehouse, ["orders"])
    except DataContractError as error:
        assert any(p is None or not math.isfinite(p) or p < 0 for p in parsed), str(error)
        return
    assert all(p is not None and math.isfinite(p) and p >= 0 for p in parsed)
    totals = order_totals(warehouse, FIRST, LAST)
    assert math.isclose(totals["revenue"], sum(parsed), rel_tol=1e-12)
    assert totals["orders"] == len(values)


def _quoted(value: str) -> str:
    return f'"{value}"' if "," in value else value


def _as_number(text: str) -> float | None:
    """The value an export meant, or None where it is not a number ('' is missing)."""
    try:
        return float(text) if text.strip() and "," not in text else None
    except ValueError:
        return None


COUNTS = st.one_of(st.none(), st.sampled_from([-1, 0, 5, 2**62]), st.integers(0, 10_000))


@st.composite
def spend_rows(draw) -> pd.DataFrame:
    rows = draw(st.integers(min_value=1, max_value=6))
    days = [draw(st.dates(date(2026, 9, 28), date(2026, 11, 3))) for _ in range(rows)]
    return pd.DataFrame(
        {
            "date": days,
            "channel": [draw(HOSTILE_TEXT) for _ in range(rows)],
            "campaign": [draw(HOSTILE_TEXT) for _ in range(rows)],
            "keyword": [draw(st.one_of(st.none(), HOSTILE_TEXT)) for _ in range(rows)],
            "spend": [draw(AMOUNTS) for _ in range(rows)],
            "impressions": pd.Series([draw(COUNTS) for _ in range(rows)], dtype=object),
            "clicks": pd.Series([draw(COUNTS) for _ in range(rows)], dtype=object),
        }
    )


def _spend_breaks_contract(frame: pd.DataFrame) -> bool:
    spend = frame["spend"]
    shown, clicked = frame["impressions"].astype(float), frame["clicks"].astype(float)
    return bool(
        frame[["impressions", "clicks"]].isna().any().any()
        or (~spend.map(math.isfinite)).any()
        or (spend.abs() > MAX_MAGNITUDE).any()
        or (spend < 0).any()
        or (clicked < 0).any()
        or (clicked > shown).any()
    )


@SETTINGS
@given(frame=spend_rows())
def test_hostile_spend_gives_a_named_error_or_exact_totals(tmp_path_factory, frame):
    from analysis.health.queries import spend_totals

    folder = tmp_path_factory.mktemp("spend")
    table = pa.table(
        {
            "date": pa.array(frame["date"], pa.date32()),
            "channel": pa.array(frame["channel"], pa.string()),
            "campaign": pa.array(frame["campaign"], pa.string()),
            "keyword": pa.array(frame["keyword"], pa.string()),
            "spend": pa.array(frame["spend"].tolist(), pa.float64()),
            "impressions": pa.array(frame["impressions"].tolist(), pa.int64()),
            "clicks": pa.array(frame["clicks"].tolist(), pa.int64()),
        }
    )
    pq.write_table(table, folder / "spend.parquet")
    warehouse = open_warehouse(DataSource(path=folder))
    try:
        check_contract(warehouse, ["spend"])
    except DataContractError as error:
        assert _spend_breaks_contract(frame), str(error)
        return
    assert not _spend_breaks_contract(frame)
    month = frame[(frame["date"] >= FIRST) & (frame["date"] <= LAST)]
    totals = spend_totals(warehouse, FIRST, LAST)
    assert math.isclose(totals["spend"], month["spend"].sum(), rel_tol=1e-12, abs_tol=1e-6)
    assert totals["impressions"] == month["impressions"].sum()
    assert totals["clicks"] == month["clicks"].sum()


@st.composite
def units(draw) -> pd.DataFrame:
    rows = draw(st.integers(min_value=1, max_value=6))
    return pd.DataFrame(
        {
            "experiment_id": ["E1"] * rows,
            "unit_id": [f"U{i}" for i in range(rows)],
            "variant": [draw(st.sampled_from(["A", "B"])) for _ in range(rows)],
            "exposed_at": [pd.Timestamp("2026-10-02")] * rows,
            "clicked": [draw(st.sampled_from([0, 1, 2, -1])) for _ in range(rows)],
            "converted": [draw(st.sampled_from([0, 1])) for _ in range(rows)],
            "revenue": [draw(AMOUNTS) for _ in range(rows)],
            "pre_revenue": pd.Series(
                [draw(st.one_of(st.none(), AMOUNTS)) for _ in range(rows)], dtype=object
            ),
        }
    )


@SETTINGS
@given(frame=units())
def test_hostile_experiment_units_give_a_named_error_or_exact_sums(tmp_path_factory, frame):
    from analysis.abtest import queries

    folder = tmp_path_factory.mktemp("units")
    arms = pd.DataFrame(
        {
            "experiment_id": ["E1", "E1"],
            "variant": ["A", "B"],
            "label": ["a", "b"],
            "is_control": [True, False],
            "planned_share": [0.5, 0.5],
        }
    )
    arms.to_parquet(folder / "experiment_arms.parquet", index=False)
    columns = {c: frame[c].tolist() for c in frame.columns}
    table = pa.table(
        {
            **{
                c: pa.array(columns[c], pa.string())
                for c in ("experiment_id", "unit_id", "variant")
            },
            "exposed_at": pa.array(frame["exposed_at"], pa.timestamp("us")),
            "clicked": pa.array(columns["clicked"], pa.int64()),
            "converted": pa.array(columns["converted"], pa.int64()),
            "revenue": pa.array(columns["revenue"], pa.float64()),
            "pre_revenue": pa.array(columns["pre_revenue"], pa.float64()),
        }
    )
    pq.write_table(table, folder / "experiment_units.parquet")
    warehouse = open_warehouse(DataSource(path=folder))
    amounts = pd.concat([frame["revenue"], frame["pre_revenue"].dropna().astype(float)])
    broken = bool(
        (~amounts.map(math.isfinite)).any()
        or (amounts.abs() > MAX_MAGNITUDE).any()
        or (frame["revenue"] < 0).any()
        or (~frame["clicked"].isin([0, 1])).any()
    )
    try:
        check_contract(warehouse, ["experiment_arms", "experiment_units"])
    except DataContractError as error:
        assert broken, str(error)
        return
    assert not broken
    stats = queries.unit_statistics(warehouse, FIRST, LAST, None, []).set_index("variant")
    for variant, rows in frame.groupby("variant"):
        assert stats.loc[variant, "units"] == len(rows)
        assert stats.loc[variant, "clicks"] == rows["clicked"].sum()
        assert math.isclose(
            stats.loc[variant, "revenue"], rows["revenue"].sum(), rel_tol=1e-9, abs_tol=1e-6
        )


def test_erasure_key_trims_the_same_padding_on_duckdb_as_python() -> None:
    """RE2's \\s has no vertical tab (Java's has): the key names its characters."""
    import ibis

    from analysis.warehouse import erasure_key

    ids = [" c1\x0b", "\u00a0C1\u3000", "\ufeffc1\t", "c 1"]
    table = ibis.memtable({"customer_id": ids})
    keys = ibis.duckdb.connect().execute(table.mutate(key=erasure_key(table.customer_id)))
    assert list(keys["key"]) == [_key(i) for i in ids] == ["C1", "C1", "C1", "C 1"]


STEPS = ("home", "cart", "paid")
PAGE_TYPES = st.one_of(
    st.sampled_from([*STEPS, "\u202ecart", "pa\u2066id", " home", "HOME"]), HOSTILE_TEXT
)


@st.composite
def page_views(draw) -> pd.DataFrame:
    rows = draw(st.integers(min_value=1, max_value=8))
    start = pd.Timestamp("2026-10-12")  # a Monday; two weeks and a day either side drawn
    moments = st.datetimes(
        min_value=(start - pd.Timedelta(days=1)).to_pydatetime(),
        max_value=(start + pd.Timedelta(days=15)).to_pydatetime(),
    )
    return pd.DataFrame(
        {
            "user_id": [draw(st.one_of(st.none(), HOSTILE_TEXT)) for _ in range(rows)],
            "session_id": [
                draw(st.sampled_from(["S1", "S2", "s1", " S1", "\u202eS3"])) for _ in range(rows)
            ],
            "ts": [draw(moments) for _ in range(rows)],
            "page_type": [draw(PAGE_TYPES) for _ in range(rows)],
            "channel": [draw(st.one_of(st.none(), HOSTILE_TEXT)) for _ in range(rows)],
        }
    )


@SETTINGS
@given(frame=page_views())
def test_hostile_page_views_give_the_weekly_counts_of_the_cleaned_data(tmp_path_factory, frame):
    """Sessions, page views and funnel reach per week equal a direct count on the data as
    analyses read it: bidi controls removed from page types (shown text), ids as written."""
    from analysis.weekly.queries import session_counts

    folder = tmp_path_factory.mktemp("views")
    table = pa.table(
        {
            "user_id": pa.array(frame["user_id"], pa.string()),
            "session_id": pa.array(frame["session_id"], pa.string()),
            "ts": pa.array(frame["ts"], pa.timestamp("us")),
            "page_type": pa.array(frame["page_type"], pa.string()),
            "channel": pa.array(frame["channel"], pa.string()),
        }
    )
    pq.write_table(table, folder / "page_views.parquet")
    warehouse = open_warehouse(DataSource(path=folder))
    check_contract(warehouse, ["page_views"])  # no value here breaks the contract
    monday = date(2026, 10, 12)
    counted = session_counts(warehouse, monday, 2, STEPS)

    strip = {ord(x): None for x in DIRECTION_CONTROLS}
    views = frame.assign(page_type=frame["page_type"].map(lambda t: t.translate(strip)))
    views = views[
        (views["ts"] >= pd.Timestamp(monday))
        & (views["ts"] < pd.Timestamp(monday) + pd.Timedelta(days=14))
    ]
    sessions = views.groupby("session_id").agg(started=("ts", "min"), pages=("ts", "size"))
    for step in STEPS:
        reached = views.groupby("session_id")["page_type"].agg(lambda t, s=step: (t == s).any())
        sessions[f"reached_{step}"] = reached.astype(int)
    sessions["week"] = ((sessions["started"] - pd.Timestamp(monday)).dt.days // 7).astype(int)
    expected = sessions.groupby("week").agg(
        sessions=("pages", "size"),
        page_views=("pages", "sum"),
        **{f"reached_{s}": (f"reached_{s}", "sum") for s in STEPS},
    )
    got = counted.groupby("week")[
        ["sessions", "page_views", *[f"reached_{s}" for s in STEPS]]
    ].sum()
    assert got.to_dict("index") == expected.to_dict("index")
