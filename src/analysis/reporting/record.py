"""Typed, versioned results records: one writer and one reader for every report.

A report's results are a frozen dataclass, typed down to its leaves, with a class attribute
`RECORD_VERSION` (raise it when a field changes meaning, is renamed or removed). The writer
(`reporting.results.to_jsonable`) turns it into JSON; `read_results` rebuilds the dataclass
from that JSON, checking the record's version and every value against its field's type, so a
later report (the monthly summary, the index, the weekly report) reads attributes, never raw
keys with quiet defaults. NaN is never a number in JSON: a float that can be missing is typed
`float | None`, and None is how it arrives. A plain `float` field holds a computed number that
may be undefined (a relative lift over a zero control, a bound of such an interval): the writer
turns its NaN or infinity into null, and the reader gives null back as NaN, the "not a number"
the field held. Dates and times travel as ISO strings and come back as `date` / `datetime`.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import types
import typing
from datetime import date, datetime
from typing import Any, Literal, TypeVar, Union, get_args, get_origin, get_type_hints

from analysis.errors import ReportError

T = TypeVar("T")
VERSION_KEY = "record_version"


def record_version(cls: type) -> int:
    """The version a results class publishes (1 for a class that names none)."""
    return int(getattr(cls, "RECORD_VERSION", 1))


def read_results(cls: type[T], payload: Any, *, source: str = "results") -> T:
    """`payload` (a results JSON object) as an instance of the dataclass `cls`.

    Raises `ReportError` naming `source`, the field's path and what was expected when the
    version differs from the class's, a field is missing or unknown, or a value has the
    wrong type.
    """
    if not isinstance(payload, dict):
        raise ReportError(f"{source}: expected a results record (an object), got {payload!r:.80}")
    version = payload.get(VERSION_KEY, 1)
    if version != record_version(cls):
        raise ReportError(
            f"{source}: a {cls.__name__} record of version {version!r}; this package reads "
            f"version {record_version(cls)}. Run the report again to rewrite it."
        )
    fields = {k: v for k, v in payload.items() if k != VERSION_KEY}
    return typing.cast(T, _build(cls, fields, source))


def _build(tp: Any, value: Any, where: str) -> Any:
    if tp is Any or tp is object:
        return value
    origin = get_origin(tp)
    if origin is Union or isinstance(tp, types.UnionType):
        return _union(get_args(tp), value, where)
    if origin is Literal:
        if value not in get_args(tp):
            _wrong(where, f"one of {list(get_args(tp))}", value)
        return value
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _dataclass(tp, value, where)
    if origin in (list, tuple, dict) or tp in (list, tuple, dict):
        return _container(tp, origin or tp, value, where)
    return _leaf(tp, value, where)


def _union(options: tuple, value: Any, where: str) -> Any:
    if value is None:
        if type(None) in options:
            return None
        _wrong(where, "a value (not null)", value)
    for option in (o for o in options if o is not type(None)):
        try:
            return _build(option, value, where)
        except ReportError:
            continue
    _wrong(where, " or ".join(_name(o) for o in options), value)


def _dataclass(cls: type, value: Any, where: str) -> Any:
    if not isinstance(value, dict):
        _wrong(where, f"an object ({cls.__name__})", value)
    hints = _hints(cls)
    known = {f.name: f for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(value) - set(known))
    if unknown:
        raise ReportError(f"{where}: unknown field(s) {unknown} for {cls.__name__}")
    values = {}
    for name, spec in known.items():
        if name not in value:
            if spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING:
                raise ReportError(f"{where}: {cls.__name__} needs the field {name!r}")
            continue
        values[name] = _build(hints[name], value[name], f"{where}.{name}")
    return cls(**values)


def _container(tp: Any, origin: type, value: Any, where: str) -> Any:
    args = get_args(tp)
    if origin is dict:
        if not isinstance(value, dict):
            _wrong(where, "an object", value)
        item = args[1] if len(args) == 2 else Any
        return {str(k): _build(item, v, f"{where}[{k!r}]") for k, v in value.items()}
    if not isinstance(value, list):
        _wrong(where, "a list", value)
    if origin is list:
        item = args[0] if args else Any
        return [_build(item, v, f"{where}[{i}]") for i, v in enumerate(value)]
    if len(args) == 2 and args[1] is Ellipsis:
        return tuple(_build(args[0], v, f"{where}[{i}]") for i, v in enumerate(value))
    if args and len(args) != len(value):
        _wrong(where, f"{len(args)} values", value)
    items = args or (Any,) * len(value)
    return tuple(
        _build(t, v, f"{where}[{i}]") for i, (t, v) in enumerate(zip(items, value, strict=True))
    )


def _leaf(tp: Any, value: Any, where: str) -> Any:
    if tp is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if tp is float and value is None:  # NaN or an infinity, written as null
        return math.nan
    if tp in (date, datetime) and isinstance(value, str):
        return _iso(tp, value, where)
    if tp is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if tp in (str, bool) and isinstance(value, tp):
        return value
    if tp is type(None) and value is None:
        return None
    _wrong(where, _name(tp), value)


def _iso(tp: type[date], value: str, where: str) -> date:
    try:
        return tp.fromisoformat(value)
    except ValueError:
        _wrong(where, f"an ISO {tp.__name__}", value)


def _wrong(where: str, expected: str, value: Any) -> typing.NoReturn:
    raise ReportError(f"{where}: expected {expected}, got {value!r:.80}")


def _name(tp: Any) -> str:
    return getattr(tp, "__name__", str(tp))


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls)
