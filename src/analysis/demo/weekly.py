"""The weekly data report's demo tables: page views, content, its daily figures and comments.

Planted truths (returned for truth.json):
- funnel: on 抖音 in ISO week 2026-W43 the review → cart step converts at 22% instead of 40%;
- content: the 抖音 short-video series 「护肤误区」 completes at about 18% (target ≥ 30%);
- reputation: a burst of comments naming the brand with 投诉/差评 on 2026-10-20 … 10-23;
- privacy: comments carrying phone numbers, e-mails, WeChat IDs and names, and one `<script>`.
Everything is vectorised and sized by the plan's scale (with floors that keep the planted
effects detectable at the test suite's scale 0.05).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

from analysis.demo.arrow import digit_strings, pick, timestamps, with_nulls
from analysis.demo.customers import customer_ids
from analysis.demo.plan import Plan
from analysis.demo.world import DAY, PERIOD_END, day_index
from analysis.demo.writer import WarehouseWriter

WEEKLY_STREAM = 20  # a spawn key no other demo stream uses
FIRST_DAY = dt.date(2026, 8, 31)  # Monday of ISO week 2026-W36
BRAND = "澜肌"
FUNNEL = ("home", "list", "product", "review", "cart", "checkout", "paid")
CONTINUE = np.array([0.60, 0.55, 0.45, 0.40, 0.60, 0.70])  # chance of going on to the next page
SESSION_CHANNELS = ("百度SEM", "抖音", "小红书", "微信公众号", "企业微信社群", "邮件", "知乎", None)
SESSION_MIX = np.array([0.18, 0.22, 0.15, 0.10, 0.08, 0.04, 0.05, 0.18])
SESSIONS_AT_SCALE_1, MIN_SESSIONS = 6000, 2000  # per day
LOGGED_IN = 0.4

DROP_CHANNEL, DROP_STEP = "抖音", "review"  # the step whose onward conversion falls
DROP_WEEK = "2026-W43"
DROP_FROM, DROP_TO = dt.date(2026, 10, 19), dt.date(2026, 10, 25)
DROP_RATE = 0.22
SERIES = "护肤误区"
SERIES_COMPLETION = 0.18
BURST_FROM, BURST_TO = dt.date(2026, 10, 20), dt.date(2026, 10, 23)
BURST_AT_SCALE_1, MIN_BURST = 120, 30


def _rng(plan: Plan, part: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(plan.seed, spawn_key=(WEEKLY_STREAM, part)))


def _days() -> int:
    return (PERIOD_END - FIRST_DAY).days + 1


# ---------------------------------------------------------------- page views


def page_views(plan: Plan, erased: list[str]) -> pa.Table:
    """Sessions walking the funnel page by page; the planted drop on 抖音 in DROP_WEEK."""
    rng = _rng(plan, 0)
    per_day = plan.scaled(SESSIONS_AT_SCALE_1, MIN_SESSIONS)
    count = per_day * _days()
    start = rng.integers(0, DAY, size=count) + np.repeat(np.arange(_days()), per_day) * DAY
    channel = rng.choice(len(SESSION_CHANNELS), size=count, p=SESSION_MIX)
    day = start // DAY
    dropped = (
        (channel == SESSION_CHANNELS.index(DROP_CHANNEL))
        & (day >= (DROP_FROM - FIRST_DAY).days)
        & (day <= (DROP_TO - FIRST_DAY).days)
    )
    go_on = np.broadcast_to(CONTINUE, (count, len(CONTINUE))).copy()
    go_on[dropped, FUNNEL.index(DROP_STEP)] = DROP_RATE
    walked = np.cumprod(rng.random((count, len(CONTINUE))) < go_on, axis=1)
    depth = 1 + walked.sum(axis=1)  # pages seen, from home on
    session = np.repeat(np.arange(count), depth)
    step = np.arange(len(session)) - np.repeat(np.cumsum(depth) - depth, depth)
    seconds = start[session] + step * 40 + rng.integers(0, 30, size=len(session))
    offset = (FIRST_DAY - dt.date(2025, 11, 1)).days * DAY  # seconds from PERIOD_START
    users = _session_users(rng, plan, count, erased)
    return pa.table(
        {
            "user_id": users.take(pa.array(session)),
            "session_id": digit_strings(session + 1, 8, "S"),
            "ts": timestamps(seconds + offset),
            "page_type": pick(list(FUNNEL), step),
            "channel": with_nulls(
                pick([c or "" for c in SESSION_CHANNELS], channel[session]),
                channel[session] == len(SESSION_CHANNELS) - 1,
            ),
        }
    )


def _session_users(rng: np.random.Generator, plan: Plan, count: int, erased: list[str]) -> pa.Array:
    """A customer id for logged-in sessions (erased customers among them), null otherwise."""
    numbers = rng.integers(0, plan.customers, size=count)
    ids = customer_ids(numbers, plan.customer_id_width).to_pylist()
    for i, erased_id in enumerate(erased):  # each erased customer browses, so erasure bites
        ids[i * 7] = erased_id
    logged_in = rng.random(count) < LOGGED_IN
    logged_in[[i * 7 for i in range(len(erased))]] = True
    return with_nulls(pa.array(ids, type=pa.string()), ~logged_in)


# ---------------------------------------------------------------- content

CONTENT_PLAN = (  # channel, format, title stem, count, completion rate, mean first-day reads
    ("抖音", "short_video", SERIES, 4, SERIES_COMPLETION, 4000),
    ("抖音", "short_video", "成分党实测", 6, 0.38, 3500),
    ("抖音", "live", "周五直播间", 4, 0.33, 2500),
    ("小红书", "note", "敏感肌护肤笔记", 8, 0.55, 1500),
    ("微信公众号", "article", "本周护肤指南", 8, 0.42, 2000),
    ("知乎", "article", "精华液怎么选", 5, 0.47, 800),
)
HALF_LIFE_DAYS = 3.0


def content_tables(plan: Plan) -> tuple[pa.Table, pa.Table, list[str]]:
    """The content list, its daily figures and the planted series' content ids."""
    rng = _rng(plan, 1)
    rows, daily, series_ids = [], [], []
    number = 0
    for channel, kind, stem, count, completion, reads in CONTENT_PLAN:
        for episode in range(count):
            number += 1
            content_id = f"CT{number:04d}"
            published = int(rng.integers(0, _days() - 7))
            title = f"【{stem}】第{episode + 1}期" if stem == SERIES else f"{stem}｜{episode + 1}"
            rows.append((content_id, channel, published, title, kind))
            if stem == SERIES:
                series_ids.append(content_id)
            daily.append(_daily(rng, plan, content_id, published, completion, reads))
    offset = day_index(FIRST_DAY)
    content = pa.table(
        {
            "content_id": [r[0] for r in rows],
            "channel": [r[1] for r in rows],
            "published_at": timestamps(np.array([(offset + r[2]) * DAY + 36_000 for r in rows])),
            "title": [r[3] for r in rows],
            "format": [r[4] for r in rows],
        }
    )
    return content, pa.concat_tables(daily), series_ids


def _daily(
    rng: np.random.Generator,
    plan: Plan,
    content_id: str,
    published: int,
    completion: float,
    reads: float,
) -> pa.Table:
    days = np.arange(published, _days())
    level = max(reads * plan.scale, 300.0) * 0.5 ** ((days - published) / HALF_LIFE_DAYS) + 20
    read = rng.poisson(level)
    done = rng.binomial(read, completion)
    return pa.table(
        {
            "content_id": [content_id] * len(days),
            "date": pa.array([FIRST_DAY + dt.timedelta(days=int(d)) for d in days], pa.date32()),
            "reads": read,
            "completions": done,
            "likes": rng.binomial(read, 0.04),
            "shares": rng.binomial(read, 0.01),
            "comments": rng.binomial(read, 0.005),
            "followers_gained": rng.binomial(read, 0.002),
        }
    )


# ---------------------------------------------------------------- comments

POSITIVE = (
    "这款精华真的很好用，皮肤水润了很多，推荐！",
    "用了两周，效果非常满意，会回购的",
    "包装精美，质地清爽不油腻，喜欢",
    "客服态度很好，物流也快，好评",
    "性价比很高，敏感肌用着也没问题",
    "视频讲得很清楚，学到了，谢谢分享",
)
NEGATIVE = (
    "用了以后脸上过敏起痘，太失望了",
    "质量很差，味道刺鼻，不推荐",
    "物流太慢了，等了十天才到，体验很糟糕",
    "和宣传的完全不一样，感觉被骗了",
    "价格贵效果差，不会再买了",
)
NEUTRAL = (
    "请问这个适合油皮吗？",
    "什么时候有活动？",
    "收藏了，回头再看",
)
COMPLAINTS = (
    "{brand}的客服根本不处理，我要投诉！",
    "{brand}精华用了过敏，给差评",
    "已经向平台投诉{brand}，退款一直不到账",
    "{brand}假货？包装和之前不一样，差评",
    "{brand}虚假宣传，投诉无门",
)
COMMENTS_AT_SCALE_1, MIN_COMMENTS = 60, 30  # per day
BASE_COMPLAINTS_PER_WEEK = 1.0
COMMENT_CHANNELS = ("抖音", "小红书", "微信公众号", "知乎")


def planted_personal(plan: Plan) -> list[dict[str, str]]:
    """Comments carrying personal data, each with the value that must never be shown."""
    rng = _rng(plan, 3)
    phone = f"139{int(rng.integers(10_000_000, 99_999_999)):08d}"
    return [
        {"kind": "phone", "value": phone, "text": f"有问题请打我电话{phone}，尽快回复"},
        {
            "kind": "phone",
            "value": "138-2233-4455",
            "text": "我的手机 138-2233-4455，收到货是坏的",
        },
        {
            "kind": "email",
            "value": "lin.wei88@example.com",
            "text": "发票请发到 lin.wei88@example.com 谢谢",
        },
        {
            "kind": "wechat",
            "value": "lanji_fan2026",
            "text": "想代购的加我微信号：lanji_fan2026",
        },
        {"kind": "wechat", "value": "mei-li_77", "text": "团购加vx mei-li_77 拉你进群"},
        {"kind": "name", "value": "张伟", "text": "我叫张伟，上周买的面霜还没发货"},
        {"kind": "name", "value": "李秀英", "text": "联系人：李秀英，地址写错了能改吗"},
        {"kind": "script", "value": "<script>", "text": "<script>alert('x')</script>好用"},
    ]


def comments(plan: Plan, content: pa.Table, erased: list[str]) -> tuple[pa.Table, dict]:
    """Everyday comments, the complaint burst and the planted personal data; and their truth."""
    rng = _rng(plan, 2)
    per_day = plan.scaled(COMMENTS_AT_SCALE_1, MIN_COMMENTS)
    count = per_day * _days()
    seconds = rng.integers(0, DAY, size=count) + np.repeat(np.arange(_days()), per_day) * DAY
    mood = rng.choice(3, size=count, p=[0.55, 0.25, 0.20])
    pools = (POSITIVE, NEGATIVE, NEUTRAL)
    texts = [pools[m][int(rng.integers(len(pools[m])))] for m in mood]
    labels = [("positive", "negative", "neutral")[m] for m in mood]
    complaint_days = rng.poisson(BASE_COMPLAINTS_PER_WEEK / 7, size=_days())
    base_seconds = [
        int(d) * DAY + int(rng.integers(DAY))
        for d, n in enumerate(complaint_days)
        for _ in range(n)
    ]
    burst_size = plan.scaled(BURST_AT_SCALE_1, MIN_BURST)
    burst_start = (BURST_FROM - FIRST_DAY).days * DAY
    burst_span = ((BURST_TO - BURST_FROM).days + 1) * DAY
    burst_seconds = (burst_start + rng.integers(0, burst_span, size=burst_size)).tolist()
    complaint_seconds = base_seconds + burst_seconds
    complaint_texts = [
        COMPLAINTS[int(rng.integers(len(COMPLAINTS)))].format(brand=BRAND)
        for _ in complaint_seconds
    ]
    personal = planted_personal(plan)
    week_start = (DROP_FROM - FIRST_DAY).days * DAY  # planted in the report week, 2026-W43
    personal_seconds = [int(rng.integers(week_start, week_start + 7 * DAY)) for _ in personal]
    all_seconds = np.array(seconds.tolist() + complaint_seconds + personal_seconds)
    all_texts = texts + complaint_texts + [p["text"] for p in personal]
    order = np.argsort(all_seconds, kind="stable")
    channel = rng.choice(len(COMMENT_CHANNELS), size=len(all_texts))
    content_ids = np.array(content["content_id"].to_pylist())
    content_channel = np.array(content["channel"].to_pylist())
    chosen = [_content_of(rng, content_ids, content_channel, COMMENT_CHANNELS[c]) for c in channel]
    users = customer_ids(
        rng.integers(0, plan.customers, size=len(all_texts)), plan.customer_id_width
    )
    users = users.to_pylist()
    for i, erased_id in enumerate(erased):
        users[order[i * 11]] = erased_id  # erased customers' comments must vanish
    offset = day_index(FIRST_DAY) * DAY
    table = pa.table(
        {
            "content_id": pa.array([chosen[i] for i in order], pa.string()),
            "channel": [COMMENT_CHANNELS[channel[i]] for i in order],
            "ts": timestamps(all_seconds[order] + offset),
            "text": [all_texts[i] for i in order],
            "user_id": pa.array([users[i] for i in order], pa.string()),
        }
    )
    burst_days = [
        (FIRST_DAY + dt.timedelta(days=int(s) // DAY)).isoformat()
        for s in (min(burst_seconds), max(burst_seconds))
    ]
    truth = {
        "brand": BRAND,
        "complaint_burst": {
            "week": DROP_WEEK,
            "from": BURST_FROM.isoformat(),
            "to": BURST_TO.isoformat(),
            "comments": burst_size,
            "first_last_day": burst_days,
        },
        "personal": [{"kind": p["kind"], "value": p["value"]} for p in personal],
        "personal_week": DROP_WEEK,
        "sentiment_labels": {t: label for t, label in zip(texts, labels, strict=True)},
    }
    return table, truth


def _content_of(
    rng: np.random.Generator, ids: np.ndarray, channels: np.ndarray, channel: str
) -> str | None:
    mine = ids[channels == channel]
    return str(mine[int(rng.integers(len(mine)))]) if len(mine) and rng.random() < 0.9 else None


# ---------------------------------------------------------------- all of it


def write_weekly_tables(plan: Plan, writer: WarehouseWriter, erased: list[str]) -> dict:
    """Write page_views, content, content_daily and comments; return their planted truths."""
    writer.append("page_views", page_views(plan, erased))
    content, daily, series_ids = content_tables(plan)
    writer.append("content", content)
    writer.append("content_daily", daily)
    table, comment_truth = comments(plan, content, erased)
    writer.append("comments", table)
    return {
        "first_day": FIRST_DAY.isoformat(),
        "funnel_steps": list(FUNNEL),
        "funnel_drop": {
            "channel": DROP_CHANNEL,
            "step": DROP_STEP,
            "next_step": FUNNEL[FUNNEL.index(DROP_STEP) + 1],
            "week": DROP_WEEK,
            "rate_before": float(CONTINUE[FUNNEL.index(DROP_STEP)]),
            "rate_in_week": DROP_RATE,
        },
        "low_completion_series": {
            "title_stem": SERIES,
            "channel": "抖音",
            "content_ids": series_ids,
            "completion_rate": SERIES_COMPLETION,
        },
        **comment_truth,
    }
