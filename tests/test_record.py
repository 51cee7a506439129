"""Typed, versioned results records: what one report writes, the next reads back as the same
typed object, and a record of another version or shape is refused with a named error."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import ClassVar, Literal

import pytest

from analysis.errors import ReportError
from analysis.reporting.record import VERSION_KEY, read_results
from analysis.reporting.results import publish, to_jsonable


@dataclass(frozen=True)
class Arm:
    variant: str
    units: int
    lift: float | None = None
    ci: tuple[float, float] | None = None


@dataclass(frozen=True)
class Results:
    RECORD_VERSION: ClassVar[int] = 3
    headline: str
    status: Literal["ok", "watch"]
    arms: list[Arm]
    by_channel: dict[str, float]
    notes: list[str] = field(default_factory=list)


RESULTS = Results(
    "Arm B leads",
    "watch",
    [Arm("A", 10), Arm("B", 12, math.nan, (0.5, 1.5))],
    {"抖音": 1.5, "知乎": 2},
)


def test_a_published_record_reads_back_as_the_same_typed_object(tmp_path) -> None:
    path = tmp_path / "results.json"
    publish(RESULTS, str(path))
    payload = json.loads(path.read_text(encoding="utf-8"))
    assert payload[VERSION_KEY] == 3
    back = read_results(Results, payload)
    assert back.arms[1].lift is None  # NaN was written as null and reads back as missing
    assert back.arms[1].ci == (0.5, 1.5) and back.by_channel["知乎"] == 2.0
    assert back == Results(
        RESULTS.headline,
        "watch",
        [Arm("A", 10), Arm("B", 12, None, (0.5, 1.5))],
        {"抖音": 1.5, "知乎": 2.0},
    )
    assert to_jsonable(back) | {VERSION_KEY: 3} == payload


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({VERSION_KEY: 2}, r"version 2; this package reads version 3"),
        ({"status": "expand"}, r"results\.status: expected one of \['ok', 'watch'\]"),
        ({"arms": [{"variant": "A", "units": "10"}]}, r"results\.arms\[0\]\.units: expected int"),
        ({"arms": [{"variant": "A"}]}, r"results\.arms\[0\]: Arm needs the field 'units'"),
        ({"by_channel": {"抖音": True}}, r"by_channel\['抖音'\]: expected float"),
        ({"surprise": 1}, r"unknown field\(s\) \['surprise'\]"),
        ({"headline": None}, r"results\.headline: expected str"),
    ],
)
def test_a_record_of_another_version_or_shape_is_refused_by_name(change, message) -> None:
    payload = to_jsonable(RESULTS) | {VERSION_KEY: 3} | change
    with pytest.raises(ReportError, match=message):
        read_results(Results, payload)


@dataclass(frozen=True)
class Window:
    week: date
    at: datetime
    lift: float  # a computed number that may be undefined (NaN)
    ci: tuple[float, float]
    share: float | None = None


def test_a_plain_float_reads_null_back_as_nan_and_an_optional_one_as_none() -> None:
    written = Window(date(2026, 10, 5), datetime(2026, 10, 5, 9, 30), math.nan, (math.inf, 1.0))
    payload = to_jsonable(written)
    assert payload["lift"] is None and payload["ci"] == [None, 1.0] and payload["share"] is None
    back = read_results(Window, payload)
    assert math.isnan(back.lift) and math.isnan(back.ci[0]) and back.ci[1] == 1.0
    assert back.share is None
    assert to_jsonable(back) == payload


def test_dates_travel_as_iso_strings_and_come_back_as_dates() -> None:
    written = Window(date(2026, 10, 5), datetime(2026, 10, 5, 9, 30), 0.5, (0.1, 0.9), 0.25)
    payload = to_jsonable(written)
    assert payload["week"] == "2026-10-05" and payload["at"] == "2026-10-05T09:30:00"
    back = read_results(Window, payload)
    assert back == written and type(back.week) is date and type(back.at) is datetime


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"week": "5 Oct 2026"}, r"results\.week: expected an ISO date, got '5 Oct 2026'"),
        ({"week": "2026-10-05T09:30:00"}, r"results\.week: expected an ISO date"),
        ({"at": 20261005}, r"results\.at: expected datetime"),
        ({"lift": "n/a"}, r"results\.lift: expected float"),
    ],
)
def test_a_bad_date_or_number_is_refused_by_name(change, message) -> None:
    payload = to_jsonable(Window(date(2026, 10, 5), datetime(2026, 10, 5), 0.5, (0.1, 0.9)))
    with pytest.raises(ReportError, match=message):
        read_results(Window, payload | change)
