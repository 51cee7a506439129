"""Daily spend, impressions and clicks per campaign (and 百度SEM keyword) from the media plan.

Clicks are the channel's real touch counts; each channel's spend per day is the planted media
plan's (`analysis.demo.media`), spread over its lines by clicks × CPC. From `STEADY_FROM` on
the plan's total for that window is spread by clicks × CPC over days too, so CPC stays steady
where the anomaly detector looks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from analysis.demo.anomalies import CPC_SPIKE, LAUNCH_SHARE, LAUNCH_SPIKE
from analysis.demo.arrow import money, pick, with_nulls
from analysis.demo.catalog import CAMPAIGN_CHANNEL, CAMPAIGNS
from analysis.demo.media import STEADY_FROM
from analysis.demo.world import CHANNEL_CTR, DAY, DAYS, EPOCH_OFFSET, day_index
from analysis.schema import CHANNELS

CTR_BOUNDS = (0.01, 0.05)
LINE_CPC_SIGMA, DAILY_CPC_SIGMA = 0.3, 0.04
LINE_CTR_SIGMA, DAILY_CTR_SIGMA = 0.15, 0.08


@dataclass(frozen=True)
class SpendLines:
    """One row per day for each line (campaign, or campaign × keyword for 百度SEM)."""

    campaign: np.ndarray  # global campaign index per line
    keyword: list[str | None]
    clicks: np.ndarray  # (lines, DAYS)


def split_clicks(rng: np.random.Generator, daily: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Split each day's clicks by share: floors plus randomised largest remainders.

    Unlike a multinomial draw this never leaves a big keyword with no clicks on a busy day.
    """
    exact = daily[:, None] * (shares / shares.sum())
    split = np.floor(exact).astype(np.int64)
    leftover = daily - split.sum(axis=1)
    priority = (exact - split) + 0.5 * rng.random(exact.shape)
    rank = np.argsort(np.argsort(-priority, axis=1), axis=1)
    return split + (rank < leftover[:, None])


def split_lines(rng: np.random.Generator, clicks: np.ndarray) -> SpendLines:
    """Turn touches per (day, campaign) into clicks per line, splitting SEM clicks by keyword."""
    campaign: list[int] = []
    keyword: list[str | None] = []
    rows: list[np.ndarray] = []
    launch = None
    for index, spec in enumerate(CAMPAIGNS):
        daily = clicks[:, index]
        if not spec.keywords:
            campaign.append(index)
            keyword.append(None)
            rows.append(daily)
            continue
        split = split_clicks(rng, daily, np.array([share for _, share in spec.keywords]))
        if spec.name == LAUNCH_SPIKE.campaign:
            split, launched = _launch(split)
            launch = (index, launched)
        for k, (word, _) in enumerate(spec.keywords):
            campaign.append(index)
            keyword.append(word)
            rows.append(split[:, k])
    if launch is not None:  # last, so that every other line keeps its random draws
        campaign.append(launch[0])
        keyword.append(LAUNCH_SPIKE.keyword)
        rows.append(launch[1])
    return SpendLines(np.array(campaign), keyword, np.stack(rows).astype(np.int64))


def _draw(rng: np.random.Generator, lines: SpendLines, sigma: float, days: int) -> np.ndarray:
    """Lognormal(0, sigma) noise of shape (lines, days): the launched keyword's row (the last)
    from its own fixed stream, so adding it leaves every other line's draws as they were."""
    launched = lines.keyword[-1] == LAUNCH_SPIKE.keyword
    base = rng.lognormal(0.0, sigma, size=(len(lines.campaign) - launched, days))
    if not launched:
        return base
    own = np.random.default_rng([20261015, days]).lognormal(0.0, sigma, size=(1, days))
    return np.concatenate([base, own])


def _launch(split: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The planted new keyword's clicks, taken from its campaign's other keywords: none before
    its launch, LAUNCH_SHARE of the campaign after, × (1 + magnitude) on the spike day."""
    day = np.arange(split.shape[0])
    assert LAUNCH_SPIKE.launched is not None  # the launch spike has a launch day
    share = np.where(day >= day_index(LAUNCH_SPIKE.launched), LAUNCH_SHARE, 0.0)
    spike = (day >= day_index(LAUNCH_SPIKE.start)) & (day <= day_index(LAUNCH_SPIKE.end))
    share = np.where(spike, share * (1.0 + LAUNCH_SPIKE.magnitude), share)
    taken = np.floor(split * share[:, None]).astype(np.int64)
    return split - taken, taken.sum(axis=1)


def price_lines(rng: np.random.Generator, lines: SpendLines, planned: np.ndarray) -> np.ndarray:
    """Spend per line and day: the plan's (channel, day) spend split by clicks × noisy CPC.

    A channel-day without clicks splits by CPC alone; from STEADY_FROM on the window's planned
    total per channel is split over lines and days at once. The planted spike is included.
    """
    cpc = _draw(rng, lines, LINE_CPC_SIGMA, 1)
    cpc = cpc * _draw(rng, lines, DAILY_CPC_SIGMA, DAYS) * _spike(lines)
    raw = lines.clicks * cpc
    channel = CAMPAIGN_CHANNEL[lines.campaign]
    per_day = np.zeros((len(CHANNELS), DAYS))
    np.add.at(per_day, channel, raw)
    weight = np.where(per_day[channel] > 0, raw, cpc)
    per_day = np.zeros((len(CHANNELS), DAYS))
    np.add.at(per_day, channel, weight)
    spend = planned[channel] * weight / np.where(per_day > 0, per_day, 1.0)[channel]
    steady = day_index(STEADY_FROM)
    window = np.bincount(channel, raw[:, steady:].sum(axis=1), minlength=len(CHANNELS))
    total = planned[:, steady:].sum(axis=1)
    scale = np.divide(total, window, out=np.zeros_like(total), where=window > 0)
    spend[:, steady:] = np.where(
        (window > 0)[channel][:, None], raw[:, steady:] * scale[channel][:, None], spend[:, steady:]
    )
    return np.round(spend, 2)


def _spike(lines: SpendLines) -> np.ndarray:
    """1.45 on the planted keyword's spike days, else 1."""
    multiplier = np.ones((len(lines.campaign), DAYS))
    names = [CAMPAIGNS[c].name for c in lines.campaign]
    for line, (name, word) in enumerate(zip(names, lines.keyword, strict=True)):
        if (name, word) == (CPC_SPIKE.campaign, CPC_SPIKE.keyword):
            start, end = day_index(CPC_SPIKE.start), day_index(CPC_SPIKE.end)
            multiplier[line, start : end + 1] = 1.0 + CPC_SPIKE.magnitude
    return multiplier


def _after_launch(lines: SpendLines, line: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Rows to write: every line's days, except the launched keyword's days before its launch
    (a keyword that did not exist has no rows, not rows of zeros)."""
    is_new = np.array([k == LAUNCH_SPIKE.keyword for k in lines.keyword])
    assert LAUNCH_SPIKE.launched is not None  # the launch spike has a launch day
    return ~(is_new[line] & (day < day_index(LAUNCH_SPIKE.launched)))


def impressions_for(rng: np.random.Generator, lines: SpendLines) -> np.ndarray:
    """Impressions from clicks and a noisy channel CTR (so 0 <= clicks <= impressions)."""
    ctr = CHANNEL_CTR[CAMPAIGN_CHANNEL[lines.campaign]][:, None]
    ctr = ctr * _draw(rng, lines, LINE_CTR_SIGMA, 1)
    ctr = np.clip(ctr * _draw(rng, lines, DAILY_CTR_SIGMA, DAYS), *CTR_BOUNDS)
    return np.maximum(lines.clicks, np.round(lines.clicks / ctr).astype(np.int64))


def build_spend(
    rng: np.random.Generator, clicks: np.ndarray, planned: np.ndarray
) -> tuple[pa.Table, np.ndarray]:
    """The spend table (date-major) and the spend per (channel, day) it holds.

    `planned` is the media plan's spend per (channel of CHANNELS, day)."""
    lines = split_lines(rng, clicks)
    spend = price_lines(rng, lines, planned)
    impressions = impressions_for(rng, lines)
    n = len(lines.campaign)
    line = np.tile(np.arange(n), DAYS)
    day = np.repeat(np.arange(DAYS), n)
    kept = _after_launch(lines, line, day)
    line, day = line[kept], day[kept]
    keyword = pick([k or "" for k in lines.keyword], line)
    no_keyword = np.array([k is None for k in lines.keyword])[line]
    epoch_days = EPOCH_OFFSET // DAY + day
    table = pa.table(
        {
            "date": pa.array(epoch_days.astype(np.int32)).cast(pa.date32()),
            "channel": pick(list(CHANNELS), CAMPAIGN_CHANNEL[lines.campaign][line]),
            "campaign": pick([c.name for c in CAMPAIGNS], lines.campaign[line]),
            "keyword": with_nulls(keyword, no_keyword),
            "spend": money(spend.T.ravel()[kept]),
            "impressions": pa.array(impressions.T.ravel()[kept], type=pa.int64()),
            "clicks": pa.array(lines.clicks.T.ravel()[kept], type=pa.int64()),
        }
    )
    channel = CAMPAIGN_CHANNEL[lines.campaign]
    by_day = np.zeros((len(CHANNELS), DAYS))
    np.add.at(by_day, channel, spend)
    return table, by_day
