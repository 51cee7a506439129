"""What the reader sees for the report's codes: class, R×F segment and cluster names.

The codes (`churned`, `at risk`, `recent, frequent, high-spend`) stay English in the
results JSON and the CRM export; a label is the code in the report's language, from the
catalogue (`i18n/<lang>/rfm.json`).
"""

from __future__ import annotations

from analysis.i18n import text
from analysis.rfm.classes import NOT_BUYING


def class_label(code: str, lang: str) -> str:
    """高价值客户 / 高价值 high value for `high_value`; the no-purchase row of the migration too."""
    return text("rfm.class.not_buying" if code == NOT_BUYING else f"rfm.class.{code}", lang)


def segment_label(code: str, lang: str) -> str:
    """The ten-segment name in `lang` ("can't lose" → key `rfm.segment.cant_lose`)."""
    slug = code.replace("'", "").replace(" ", "_")
    return text(f"rfm.segment.{slug}", lang)


def cluster_label(code: str, lang: str) -> str:
    """A cluster's name (`recent, frequent, high-spend`, see clusters.cluster_name) in `lang`."""
    slugs = (part.replace("-", "_") for part in code.split(", "))
    recency, frequency, spend = (text(f"rfm.cluster.{slug}", lang) for slug in slugs)
    return text("rfm.cluster.name", lang, recency=recency, frequency=frequency, spend=spend)
