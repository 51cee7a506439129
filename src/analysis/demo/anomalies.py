"""The four anomalies planted in the demo data, as data the generators and the truth share."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from analysis.demo.catalog import busiest_keyword


@dataclass(frozen=True)
class PlantedAnomaly:
    """A deliberate deviation: where it is, which metric moves, when and by how much."""

    table: str
    channel: str
    campaign: str | None
    keyword: str | None
    metric: str
    start: dt.date
    end: dt.date
    magnitude: float  # relative change, e.g. +0.45 or -0.25
    launched: dt.date | None = None  # a series that starts that day (a new keyword)

    def as_truth(self) -> dict:
        """The planted anomaly as a truth.json record (dates as ISO text)."""
        record = asdict(self)
        record["start"], record["end"] = self.start.isoformat(), self.end.isoformat()
        record["launched"] = self.launched.isoformat() if self.launched else None
        return record


_SPIKE_CAMPAIGN, _SPIKE_KEYWORD = busiest_keyword()

CPC_SPIKE = PlantedAnomaly(
    "spend",
    "百度SEM",
    _SPIKE_CAMPAIGN,
    _SPIKE_KEYWORD,
    "cpc",
    dt.date(2026, 10, 14),
    dt.date(2026, 10, 15),
    0.45,
)
TRAFFIC_DROP = PlantedAnomaly(
    "touchpoints",
    "抖音",
    None,
    None,
    "touches",
    dt.date(2026, 10, 19),
    dt.date(2026, 10, 25),
    -0.35,
)
CONVERSION_DIP = PlantedAnomaly(
    "orders",
    "微信公众号",
    None,
    None,
    "conversion_rate",
    dt.date(2026, 10, 6),
    dt.date(2026, 10, 8),
    -0.40,
)
LAUNCH_SPIKE = PlantedAnomaly(
    "spend",
    "百度SEM",
    _SPIKE_CAMPAIGN,
    "新品首发",
    "clicks",
    dt.date(2026, 10, 20),
    dt.date(2026, 10, 20),
    2.0,
    launched=dt.date(2026, 10, 15),
)
"""A keyword launched on 10-15 (no rows before) with 5% of its campaign's clicks, tripled on
10-20, its 6th day: what a detector that waits weeks for history cannot see."""
LAUNCH_SHARE = 0.05
PLANTED: tuple[PlantedAnomaly, ...] = (CPC_SPIKE, TRAFFIC_DROP, CONVERSION_DIP, LAUNCH_SPIKE)
