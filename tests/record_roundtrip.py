"""Round-trip a report's results record: publish it, read it back typed, publish it again."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from analysis.reporting.record import read_results
from analysis.reporting.results import publish


def assert_round_trips(results: Any) -> dict[str, Any]:
    """The published payload of `results`, after checking that `read_results` rebuilds the same
    typed object from it and that it publishes the same JSON.

    JSON has one null for NaN, infinities and None: the reader gives a `float | None` field's
    null back as None and a plain `float` field's as NaN, so a NaN (or infinity) read back as
    None or NaN counts as the same value; any other difference in type or value does not.
    """
    payload = publish(results, None)
    back = read_results(type(results), payload)
    assert publish(back, None) == payload
    difference = first_difference(results, back)
    assert difference is None, f"read back differs at {difference}"
    return payload


def first_difference(before: Any, after: Any, where: str = "results") -> str | None:
    """Where two records first differ in type or value, or None; a number that JSON writes as
    null (NaN, ±infinity) equals NaN or None."""
    if dataclasses.is_dataclass(before) and not isinstance(before, type):
        if type(before) is not type(after):
            return f"{where}: {type(before).__name__} → {type(after).__name__}"
        names = [f.name for f in dataclasses.fields(before)]
        pairs = [(getattr(before, n), getattr(after, n), f"{where}.{n}") for n in names]
    elif isinstance(before, list | tuple):
        if type(before) is not type(after) or len(before) != len(after):
            return f"{where}: {before!r:.60} → {after!r:.60}"
        pairs = [
            (b, a, f"{where}[{i}]") for i, (b, a) in enumerate(zip(before, after, strict=True))
        ]
    elif isinstance(before, dict):
        if not isinstance(after, dict) or list(before) != list(after):
            return f"{where}: keys {list(before)!r:.60} → {after!r:.60}"
        pairs = [(before[k], after[k], f"{where}[{k!r}]") for k in before]
    else:
        return None if _same_leaf(before, after) else f"{where}: {before!r:.60} → {after!r:.60}"
    return next((d for b, a, w in pairs if (d := first_difference(b, a, w))), None)


def _same_leaf(before: Any, after: Any) -> bool:
    if isinstance(before, float) and not math.isfinite(before):
        return after is None or (isinstance(after, float) and math.isnan(after))
    return bool(before == after)
