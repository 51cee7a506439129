"""Small sample exports, shaped like the ones teams bring, for the recipes in params/examples/.

Each is written by this module (seeded, byte-reproducible) in the layout and encoding of
its kind of export, never in the contract's: the params recipes do all the mapping.

- `ad_platform_cn/`: a Chinese ad platform's daily keyword report, Chinese headers, GB18030;
- `shop_lines/`: a UK shop's invoice lines (one row per line, cancellations as negative
  lines), cp1252, US dates, pounds;
- `ab_platform/`: an A/B platform's per-user export (version, TRUE/FALSE and true/false flags);
- `ga4_events/`: a web-analytics event log (GA4-style: session starts and purchases);
- `crm/`: a CRM member list with names, phones, e-mails and WeChat IDs, its orders and
  an erasure request.

`python -m analysis examples` writes them to data/examples/.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

EXAMPLES_DIR = Path("data/examples")
SEED = 17


def write_examples(out: Path = EXAMPLES_DIR, seed: int = SEED) -> list[Path]:
    """Write every sample export under `out`; returns the files written."""
    rng = np.random.default_rng(seed)
    written = []
    for writer in (_ad_platform_cn, _shop_lines, _ab_platform, _ga4_events, _crm):
        written += writer(out, rng)
    return written


def _write(path: Path, header: list[str], rows: Iterable[list], encoding: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as handle:
        out = csv.writer(handle, lineterminator="\n")
        out.writerow(header)
        out.writerows(rows)
    return path


def _ad_platform_cn(out: Path, rng: np.random.Generator) -> list[Path]:
    """Daily rows per plan and keyword, 2026-06-01 … 2026-10-31, dates as 2026/10/01."""
    plans = [
        ("品牌词", "护肤套装", 0.045),
        ("品牌词", "官方旗舰店", 0.06),
        ("竞品词", "平价面霜", 0.02),
    ]
    rows = []
    day = datetime(2026, 6, 1)
    while day <= datetime(2026, 10, 31):
        for plan, keyword, ctr in plans:
            impressions = int(rng.poisson(4000))
            clicks = int(rng.binomial(impressions, ctr))
            cpc = 2.4 if day < datetime(2026, 10, 20) or plan != "竞品词" else 4.1  # a jump
            cost = round(clicks * cpc * float(rng.uniform(0.9, 1.1)), 2)
            rows.append([day.strftime("%Y/%m/%d"), plan, keyword, impressions, clicks, cost])
        day += timedelta(days=1)
    header = ["日期", "推广计划", "关键词", "展现量", "点击量", "消费(元)"]
    return [_write(out / "ad_platform_cn" / "推广日报.csv", header, rows, "gb18030")]


def _shop_lines(out: Path, rng: np.random.Generator) -> list[Path]:
    """Invoice lines 2011-01 … 2011-11: several lines per invoice, a few cancellations."""
    products = [
        ("85123A", "WHITE HANGING HEART T-LIGHT HOLDER", 2.55),
        ("71053", "WHITE METAL LANTERN", 3.39),
        ("84406B", "CREAM CUPID HEARTS COAT HANGER", 2.75),
        ("22752", "SET 7 BABUSHKA NESTING BOXES", 7.65),
        ("21730", "GLASS STAR FROSTED T-LIGHT HOLDER", 4.25),
        ("22633", "HAND WARMER UNION JACK", 1.85),
        ("84879", "ASSORTED COLOUR BIRD ORNAMENT", 1.69),
        ("22960", "JAM MAKING SET WITH JARS £", 4.25),
        ("21754", "HOME BUILDING BLOCK WORD", 5.95),
        ("22748", "POPPY'S PLAYHOUSE KITCHEN", 2.10),
    ]
    rows: list[list[Any]] = []
    invoice = 536365
    start = datetime(2011, 1, 4, 8, 0)
    for customer in range(12346, 12346 + 160):
        visits = 1 + int(rng.poisson(2.5 if customer % 3 else 6))
        for _ in range(visits):
            when = start + timedelta(minutes=int(rng.integers(0, 330 * 24 * 60)))
            lines: list[list[Any]] = []
            for _ in range(1 + int(rng.poisson(2))):
                code, name, price = products[int(rng.integers(len(products)))]
                quantity = int(rng.integers(1, 13))
                lines.append([str(invoice), code, name, quantity, _us(when), f"{price:.2f}"])
            rows += [[*line, str(customer), "United Kingdom"] for line in lines]
            if rng.random() < 0.08:  # the customer cancels the first line: a "C" invoice
                code, name, quantity, price = lines[0][1], lines[0][2], lines[0][3], lines[0][5]
                cancel = when + timedelta(hours=3)
                rows.append(
                    [f"C{invoice}", code, name, -quantity, _us(cancel), price, str(customer), ""]
                )
            invoice += 1
    rows.sort(key=lambda r: (datetime.strptime(r[4], "%m/%d/%Y %H:%M"), r[0]))
    rows.append(["581587", "POST", "POSTAGE", 1, "11/30/2011 12:50", "18.00", "", "France"])
    header = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice"]
    header += ["CustomerID", "Country"]
    return [_write(out / "shop_lines" / "Online Retail.csv", header, rows, "cp1252")]


def _us(moment: datetime) -> str:
    """12/1/2010 8:26: month/day/year, no leading zeros, as US spreadsheets write it."""
    return f"{moment.month}/{moment.day}/{moment.year} {moment.hour}:{moment.minute:02d}"


def _ab_platform(out: Path, rng: np.random.Generator) -> list[Path]:
    """One row per player: the gate version, rounds played and two retention flags."""
    rows = []
    for user in range(1, 2001):
        version = "gate_30" if rng.random() < 0.5 else "gate_40"
        day_1 = rng.random() < (0.45 if version == "gate_30" else 0.44)
        day_7 = day_1 and rng.random() < (0.42 if version == "gate_30" else 0.38)
        rounds = int(rng.poisson(30 if day_7 else 12))
        rows.append(
            [116 + user * 37, version, rounds, "TRUE" if day_1 else "FALSE", str(day_7).lower()]
        )
    header = ["userid", "version", "sum_gamerounds", "retention_1", "retention_7"]
    return [_write(out / "ab_platform" / "cookie_cats.csv", header, rows, "utf-8")]


def _ga4_events(out: Path, rng: np.random.Generator) -> list[Path]:
    """session_start and purchase events of 300 visitors, 2026-08 … 2026-10."""
    sources = [("google", "cpc"), ("google", "organic"), ("newsletter", "email")]
    sources += [("instagram", "social"), ("(direct)", "(none)")]
    rows = []
    for visitor in range(300):
        user = f"{1_000_000_000 + visitor * 7919}.{1_690_000_000 + visitor}"
        moment = datetime(2026, 8, 1) + timedelta(minutes=int(rng.integers(0, 90 * 24 * 60)))
        for _ in range(1 + int(rng.poisson(1.5))):
            source, medium = sources[int(rng.integers(len(sources)))]
            stamp = moment.strftime("%Y-%m-%d %H:%M:%S")
            rows.append([moment.strftime("%Y%m%d"), stamp, "session_start", user, source, medium])
            rows[-1] += ["autumn_sale" if medium == "cpc" else "(not set)", ""]
            if rng.random() < 0.25:
                moment += timedelta(minutes=int(rng.integers(2, 40)))
                stamp = moment.strftime("%Y-%m-%d %H:%M:%S")
                value = f"{float(rng.gamma(2.0, 30.0)):.2f}"
                rows.append([moment.strftime("%Y%m%d"), stamp, "purchase", user, source, medium])
                rows[-1] += ["(not set)", value]
            moment += timedelta(hours=int(rng.integers(6, 24 * 12)))
            if moment >= datetime(2026, 11, 1):
                break
    rows.sort(key=lambda r: (r[1], r[3], r[2]))
    header = ["event_date", "event_time", "event_name", "user_pseudo_id", "source", "medium"]
    header += ["campaign", "purchase_revenue"]
    return [_write(out / "ga4_events" / "events.csv", header, rows, "utf-8")]


def _crm(out: Path, rng: np.random.Generator) -> list[Path]:
    """A member list with personal columns, the members' orders and one erasure request."""
    surnames, given = "王李张刘陈杨黄赵", "芳伟娜敏静磊洋艳"
    cities = ["上海", "杭州", "北京", "成都", ""]
    members, orders = [], []
    order_no = 20260000
    for index in range(180):
        member = f"M{index:05d}"
        joined = datetime(2025, 1, 1) + timedelta(days=int(rng.integers(0, 600)))
        name = surnames[index % 8] + given[(index // 8) % 8]
        phone = f"139{index:08d}"
        members.append(
            [
                member,
                name,
                phone,
                f"member{index}@example.cn",
                f"wx_{index:06d}",
                cities[index % 5],
                joined.strftime("%Y-%m-%d"),
            ]
        )
        moment = joined
        while True:
            moment += timedelta(days=int(rng.exponential(45 if index % 4 else 15)) + 1)
            if moment > datetime(2026, 10, 31, 20):
                break
            amount = f"{float(rng.gamma(2.0, 150.0)):.2f}"
            channel = ["小红书", "抖音", "企业微信社群", ""][int(rng.integers(4))]
            orders.append(
                [str(order_no), member, moment.strftime("%Y-%m-%d %H:%M"), amount, channel]
            )
            order_no += 1
    member_header = ["会员ID", "姓名", "手机", "邮箱", "微信号", "城市", "注册日期"]
    return [
        _write(out / "crm" / "会员.csv", member_header, members, "utf-8-sig"),
        _write(
            out / "crm" / "订单.csv",
            ["订单号", "会员ID", "下单时间", "实付金额", "渠道"],
            orders,
            "utf-8-sig",
        ),
        _write(
            out / "crm" / "删除请求.csv",
            ["会员ID", "申请时间"],
            [["M00007", "2026-10-02 09:00"]],
            "utf-8-sig",
        ),
    ]
