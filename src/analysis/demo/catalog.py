"""The campaigns (and 百度SEM keywords) each channel buys its traffic through."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.schema import CHANNELS


@dataclass(frozen=True)
class Campaign:
    """One campaign: its channel, name, share of the channel's traffic and keyword split."""

    channel: str
    name: str
    weight: float
    keywords: tuple[tuple[str, float], ...] = ()  # (keyword, share of the campaign's clicks)


CAMPAIGNS: tuple[Campaign, ...] = (
    Campaign(
        "百度SEM",
        "双11预热_SEM",
        0.45,
        (
            ("护肤套装", 0.40),
            ("精华液 推荐", 0.20),
            ("双11 护肤", 0.12),
            ("面霜 优惠", 0.11),
            ("补水面膜", 0.09),
            ("防晒霜 清爽", 0.08),
        ),
    ),
    Campaign(
        "百度SEM",
        "品牌词_Brand",
        0.35,
        (("brand词", 0.36), ("brand官网", 0.26), ("brand旗舰店", 0.22), ("brand 精华", 0.16)),
    ),
    Campaign(
        "百度SEM",
        "竞品词-Q4",
        0.20,
        (
            ("精华液 对比", 0.20),
            ("抗老精华", 0.20),
            ("美白精华 排行", 0.15),
            ("敏感肌 护肤", 0.15),
            ("平价护肤", 0.15),
            ("护肤品 推荐", 0.10),
            ("油皮 水乳", 0.05),
        ),
    ),
    Campaign("抖音", "Douyin_直播_Oct", 0.40),
    Campaign("抖音", "达人种草_KOL", 0.35),
    Campaign("抖音", "信息流_Feed", 0.25),
    Campaign("小红书", "KOC种草-Q4", 0.50),
    Campaign("小红书", "笔记投放_Notes", 0.30),
    Campaign("小红书", "搜索_XHS", 0.20),
    Campaign("微信公众号", "推文_Newsletter", 0.60),
    Campaign("微信公众号", "WeChat_福利推送", 0.40),
    Campaign("企业微信社群", "社群_VIP群", 0.50),
    Campaign("企业微信社群", "WeCom_新品试用", 0.20),
    Campaign("企业微信社群", "私域_复购", 0.30),
    Campaign("邮件", "EDM_月度精选", 0.50),
    Campaign("邮件", "EDM_生日礼", 0.20),
    Campaign("邮件", "Email_双11", 0.30),
    Campaign("知乎", "知乎_好物推荐", 0.60),
    Campaign("知乎", "Zhihu_问答-Q4", 0.40),
)
CAMPAIGN_NAMES = tuple(c.name for c in CAMPAIGNS)
CAMPAIGN_CHANNEL = np.array([CHANNELS.index(c.channel) for c in CAMPAIGNS])
N_CAMPAIGNS = len(CAMPAIGNS)


def _campaign_tables() -> tuple[np.ndarray, np.ndarray]:
    """Per channel: cumulative campaign weights (padded with 1.0) and global campaign indices."""
    width = max(int(np.sum(ch == CAMPAIGN_CHANNEL)) for ch in range(len(CHANNELS)))
    cum = np.ones((len(CHANNELS), width))
    index = np.zeros((len(CHANNELS), width), dtype=np.int64)
    for ch in range(len(CHANNELS)):
        members = np.flatnonzero(ch == CAMPAIGN_CHANNEL)
        weights = np.array([CAMPAIGNS[i].weight for i in members])
        cum[ch, : len(members)] = np.cumsum(weights / weights.sum())
        cum[ch, len(members) - 1] = 1.0
        index[ch, : len(members)] = members
        index[ch, len(members) :] = members[-1]
    return cum, index


CAMPAIGN_CUM, CAMPAIGN_INDEX = _campaign_tables()


def busiest_keyword() -> tuple[str, str]:
    """The (campaign, keyword) expected to get the most clicks: where the CPC spike is planted."""
    return max(
        ((c.name, kw) for c in CAMPAIGNS for kw, _ in c.keywords),
        key=lambda pair: _keyword_volume(*pair),
    )


def _keyword_volume(campaign: str, keyword: str) -> float:
    c = CAMPAIGNS[CAMPAIGN_NAMES.index(campaign)]
    return c.weight * dict(c.keywords)[keyword]
