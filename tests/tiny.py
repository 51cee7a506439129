"""A tiny, valid, hand-made warehouse: every contract table with a few rows, for rule tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

TINY_EMAIL = "wang.fang88@example.cn"
TINY_PHONE = "13800138000"


def tiny_tables() -> dict[str, pd.DataFrame]:
    """Each contract table as a small DataFrame that meets every rule."""
    ts = pd.to_datetime
    return {
        "orders": pd.DataFrame(
            {
                "order_id": ["O1", "O2", "O3", "O4"],
                "customer_id": ["C1", "C1", "C2", "C3"],
                "order_ts": ts(
                    ["2026-10-01 10:00", "2026-10-05 11:00", "2026-10-07 12:00", "2026-09-20 09:30"]
                ),
                "revenue": [120.0, 80.5, 300.0, 55.0],
                "channel": ["百度SEM", "小红书", None, "抖音"],
            }
        ),
        "customers": pd.DataFrame(
            {
                "customer_id": ["C1", "C2", "C3"],
                "first_seen": ts(["2026-01-01", "2026-09-01", "2026-09-15"]),
                "city": ["上海", None, "杭州"],
                "email": [TINY_EMAIL, None, "li.lei@163.com"],
                "phone": [TINY_PHONE, "13912345678", None],
            }
        ),
        "touchpoints": pd.DataFrame(
            {
                "user_id": ["C1", "C1", "C2", "V9"],
                "ts": ts(
                    ["2026-09-30 09:00", "2026-10-05 10:00", "2026-10-06 08:00", "2026-10-06 09:00"]
                ),
                "channel": ["小红书", "百度SEM", "抖音", "知乎"],
                "campaign": ["KOC种草", "品牌词", None, "Zhihu_问答"],
            }
        ),
        "spend": pd.DataFrame(
            {
                "date": pd.to_datetime(["2026-10-01", "2026-10-01", "2026-10-02"]).date,
                "channel": ["百度SEM", "抖音", "百度SEM"],
                "campaign": ["品牌词", "Douyin_直播", "品牌词"],
                "keyword": ["护肤套装", None, "护肤套装"],
                "spend": [100.0, 50.0, 90.0],
                "impressions": [1000, 2000, 900],
                "clicks": [30, 40, 20],
            }
        ),
        "experiment_arms": pd.DataFrame(
            {
                "experiment_id": ["E1", "E1"],
                "variant": ["A", "B"],
                "label": ["如何做到…", "3个技巧…"],
                "is_control": [True, False],
                "planned_share": [0.5, 0.5],
                "units": pd.array([None, None], dtype="Int64"),
                "clicks": pd.array([None, None], dtype="Int64"),
            }
        ),
        "experiment_units": pd.DataFrame(
            {
                "experiment_id": ["E1", "E1", "E1"],
                "unit_id": ["C1", "C2", "C3"],
                "variant": ["A", "B", "B"],
                "exposed_at": ts(["2026-10-02", "2026-10-02", "2026-10-03"]),
                "clicked": [1, 0, 1],
                "converted": [0, 0, 1],
                "revenue": [0.0, 0.0, 99.0],
                "pre_revenue": [10.0, None, 5.0],
            }
        ),
        "metrics": pd.DataFrame(
            {
                "ts": ts(["2026-10-01", "2026-10-02"]),
                "series": ["抖音完播率", "抖音完播率"],
                "value": [0.31, 0.33],
            }
        ),
        "erasures": pd.DataFrame(
            {
                "customer_id": ["C3"],
                "requested_at": ts(["2026-10-10"]),
            }
        ),
        "page_views": pd.DataFrame(
            {
                "user_id": ["C1", "C1", None, "C3"],
                "session_id": ["S1", "S1", "S2", "S3"],
                "ts": ts(
                    ["2026-10-05 10:00", "2026-10-05 10:01", "2026-10-06 08:00", "2026-10-06 09:00"]
                ),
                "page_type": ["home", "product", "home", "home"],
                "channel": ["百度SEM", "百度SEM", None, "抖音"],
            }
        ),
        "content": pd.DataFrame(
            {
                "content_id": ["CT1"],
                "channel": ["抖音"],
                "published_at": ts(["2026-10-01 10:00"]),
                "title": ["【护肤误区】第1期"],
                "format": ["short_video"],
            }
        ),
        "content_daily": pd.DataFrame(
            {
                "content_id": ["CT1", "CT1"],
                "date": pd.to_datetime(["2026-10-01", "2026-10-02"]).date,
                "reads": [100, 40],
                "completions": [20, 9],
                "likes": [5, 1],
                "shares": [1, 0],
                "comments": [2, 0],
                "followers_gained": [1, 0],
            }
        ),
        "comments": pd.DataFrame(
            {
                "content_id": ["CT1", None],
                "channel": ["抖音", "小红书"],
                "ts": ts(["2026-10-01 12:00", "2026-10-03 09:00"]),
                "text": ["好用", f"差评，电话 {TINY_PHONE}"],
                "user_id": ["C2", None],
            }
        ),
        "channel_spend": pd.DataFrame(
            {
                "date": pd.to_datetime(["2026-10-01", "2026-10-01", "2026-10-02"]).date,
                "channel": ["抖音", "百度SEM", "抖音"],
                "spend": [500.0, 800.0, 450.0],
            }
        ),
        "daily_revenue": pd.DataFrame(
            {
                "date": pd.to_datetime(["2026-10-01", "2026-10-02"]).date,
                "revenue": [5200.0, 4800.0],
            }
        ),
        "lift_tests": pd.DataFrame(
            {
                "channel": ["抖音"],
                "start": pd.to_datetime(["2026-09-01"]).date,
                "end": pd.to_datetime(["2026-09-28"]).date,
                "incremental_revenue": [1200.0],
                "std_error": [150.0],
            }
        ),
        "known_drivers": pd.DataFrame(
            {
                "date": pd.to_datetime(["2026-10-01", "2026-10-02"]).date,
                "driver": ["大促", "大促"],
                "value": [1.0, 0.0],
            }
        ),
    }


def write_tiny(folder: Path, tables: dict[str, pd.DataFrame] | None = None) -> Path:
    """Write the tables (default: the valid tiny set) as Parquet files into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in (tables or tiny_tables()).items():
        frame.to_parquet(folder / f"{name}.parquet", index=False)
    return folder
