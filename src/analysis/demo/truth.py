"""The answer key: the truths planted in the demo warehouse, as a JSON-ready dict."""

from __future__ import annotations

import numpy as np

from analysis.demo.anomalies import PLANTED
from analysis.demo.plan import Plan
from analysis.demo.tally import Tally
from analysis.demo.world import (
    ASSISTING_CHANNEL,
    PERIOD_END,
    PERIOD_START,
    PLANTED_ROI,
    ROI_THRESHOLDS,
    TYPE_NAMES,
    roi_status,
)
from analysis.demo.writer import TRUTH_CUSTOMERS
from analysis.schema import CHANNELS, TABLES


def channel_truth(
    tally: Tally, spend_total: np.ndarray, response: dict[str, dict]
) -> dict[str, dict]:
    """Per channel: true removal-effect conversions and revenue, rank, spend, ROI and status.

    `true_revenue` is the journeys' removal effect (what path models aim at); `true_roi` and
    `status` are the revenue the channel's spend adds / spend (`response`: the media plan's
    adstock + saturation curve, its marginal ROI at the last month's spend)."""
    rank = np.empty(len(CHANNELS), dtype=np.int64)
    rank[np.argsort(-tally.true_revenue, kind="stable")] = np.arange(1, len(CHANNELS) + 1)
    channels = {}
    for i, name in enumerate(CHANNELS):
        paid = PLANTED_ROI[name] is not None and spend_total[i] > 0
        roi = response[name]["incremental_roi"] if paid else None
        channels[name] = {
            "true_conversions": round(float(tally.true_conversions[i]), 2),
            "true_revenue": round(float(tally.true_revenue[i]), 2),
            "rank": int(rank[i]),
            "spend_total": round(float(spend_total[i]), 2),
            "true_roi": roi,
            "status": roi_status(roi),
            "last_touch_orders": int(tally.last_touch_orders[i]),
        } | ({"response": response[name]} if paid else {})
    return channels


def assemble_truth(
    plan: Plan,
    tally: Tally,
    rows: dict[str, int],
    spend_total: np.ndarray,
    experiments: list[dict],
    erased: list[str],
    response: dict[str, dict],
) -> dict:
    """Everything a test needs to check that an analysis recovered what was planted."""
    touches = rows.get("touchpoints", 0)
    return {
        "seed": plan.seed,
        "scale": plan.scale,
        "period": {"start": PERIOD_START.isoformat(), "end": PERIOD_END.isoformat()},
        "tables": {name: rows.get(name, 0) for name in TABLES},
        "channels": channel_truth(tally, spend_total, response),
        "assisting_channel": ASSISTING_CHANNEL,
        "roi_thresholds": ROI_THRESHOLDS,
        "null_path_touch_share": round(tally.null_path_touches / touches, 4) if touches else 0.0,
        "experiments": experiments,
        "anomalies": [a.as_truth() for a in PLANTED],
        "behaviour_types": {
            name: int(n) for name, n in zip(TYPE_NAMES, tally.behaviour_counts, strict=True)
        },
        "customer_types_file": f"{TRUTH_CUSTOMERS}.parquet",
        "erasures": erased,
    }
