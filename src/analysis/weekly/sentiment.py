"""Comment sentiment: SnowNLP's naive-Bayes classifier, whose model ships inside the package.

SnowNLP (`snownlp` on PyPI, MIT licence) scores a text with a naive-Bayes model trained on
Chinese product reviews; `sentiments` is the probability that the text is positive. Nothing
is downloaded at run time. A comment counts as negative below `negative_below` (0.4) and as
positive above `positive_above` (0.6), neutral between.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from analysis.errors import AnalysisError

METHOD = "snownlp"


@lru_cache(maxsize=100_000)
def positive_probability(text: str) -> float:
    """SnowNLP's probability that `text` is positive (0.5 for text with no words)."""
    try:
        from snownlp import SnowNLP
    except ImportError as exc:  # a dependency of the package: only a broken install lacks it
        raise AnalysisError(
            "comment sentiment needs snownlp (a dependency of this package); run make setup"
        ) from exc
    if not text or not text.strip():
        return 0.5
    return float(SnowNLP(text).sentiments)


@dataclass(frozen=True)
class WeekSentiment:
    """One week's comments: how many, mean positive probability, shares negative/positive."""

    week: str
    comments: int
    mean_score: float | None
    negative_share: float | None
    positive_share: float | None


def weekly_sentiment(
    texts: pd.DataFrame,
    weeks: Iterable[str],
    *,
    negative_below: float,
    positive_above: float,
) -> list[WeekSentiment]:
    """Per week (index in `texts["week"]` ↔ position in `weeks`): the comments' sentiment."""
    scores = texts.assign(score=[positive_probability(t) for t in texts["text"]])
    result = []
    for index, week in enumerate(weeks):
        rows = scores[scores["week"] == index]
        total = int(rows["count"].sum())
        if not total:
            result.append(WeekSentiment(week, 0, None, None, None))
            continue
        weight = rows["count"] / total
        result.append(
            WeekSentiment(
                week=week,
                comments=total,
                mean_score=float((rows["score"] * weight).sum()),
                negative_share=float(weight[rows["score"] < negative_below].sum()),
                positive_share=float(weight[rows["score"] > positive_above].sum()),
            )
        )
    return result
