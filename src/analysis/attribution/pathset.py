"""Customer journeys as distinct channel paths with conversion, revenue and null counts.

Every attribution model (`rules`, `markov`, `shapley`) reads a `PathSet`. Journeys are
aggregated to distinct paths first, so the models loop (at most) over distinct paths,
never over journeys; the flat touch arrays behind the models are built once per path set.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from analysis.errors import AnalysisError

_COUNT_NAMES = ("conversions", "revenue", "nulls")


@dataclass(frozen=True, eq=False)
class PathSet:
    """Distinct customer journeys (channel codes in time order) with their counts.

    `channels[i]` is the channel of code `i`. For each path: `conversions` (journeys on it
    that converted), `revenue` (their revenue) and `nulls` (journeys that did not convert).
    Build one with `PathSet.from_records`, which merges duplicate paths.
    """

    channels: tuple[str, ...]
    paths: tuple[tuple[int, ...], ...]
    conversions: np.ndarray
    revenue: np.ndarray
    nulls: np.ndarray

    def __post_init__(self) -> None:
        _check_channels(tuple(self.channels), argument="PathSet.channels")
        object.__setattr__(self, "channels", tuple(str(channel) for channel in self.channels))
        object.__setattr__(self, "paths", tuple(tuple(path) for path in self.paths))
        for name in _COUNT_NAMES:
            values = _count_array(getattr(self, name), f"PathSet.{name}", len(self.paths))
            object.__setattr__(self, name, values)
        _check_revenue_needs_conversions(self.conversions, self.revenue, "PathSet")
        self._check_codes()

    @classmethod
    def from_records(
        cls,
        paths: Sequence[Sequence[str]],
        *,
        conversions: Sequence[float] | np.ndarray,
        revenue: Sequence[float] | np.ndarray | None = None,
        nulls: Sequence[float] | np.ndarray | None = None,
        channels: Sequence[str] | None = None,
    ) -> PathSet:
        """Merge journeys (channel names in time order) into distinct paths, summing counts.

        `revenue` and `nulls` default to zeros. `channels` fixes the channel order (and may
        list channels no path touches, which then get 0 credit); by default channels are
        ordered as first seen.
        """
        n_records = len(paths)
        conversion_counts = _count_array(conversions, "conversions", n_records)
        revenue_amounts = _count_array(
            np.zeros(n_records) if revenue is None else revenue, "revenue", n_records
        )
        null_counts = _count_array(
            np.zeros(n_records) if nulls is None else nulls, "nulls", n_records
        )
        _check_revenue_needs_conversions(conversion_counts, revenue_amounts, "records")
        distinct, inverse = _distinct_paths(paths)
        channel_names = _channel_order(distinct, inverse, channels)
        code_of = {channel: code for code, channel in enumerate(channel_names)}
        return cls(
            channels=channel_names,
            paths=tuple(tuple(code_of[channel] for channel in path) for path in distinct),
            conversions=_sum_by(inverse, conversion_counts, len(distinct)),
            revenue=_sum_by(inverse, revenue_amounts, len(distinct)),
            nulls=_sum_by(inverse, null_counts, len(distinct)),
        )

    def collapsed(self) -> PathSet:
        """Repeated consecutive touches of one channel become one (A > A > B → A > B), merged."""
        codes = self.touch_codes
        keep = np.ones(len(codes), dtype=bool)
        keep[1:] = codes[1:] != codes[:-1]
        keep[self.path_starts] = True
        kept_codes = codes[keep].tolist()
        kept_lengths = np.bincount(self.touch_path[keep], minlength=len(self.paths))
        ends = np.cumsum(kept_lengths)
        starts = ends - kept_lengths
        collapsed_paths = [
            tuple(kept_codes[start:end]) for start, end in zip(starts, ends, strict=True)
        ]
        distinct, inverse = _distinct_paths(collapsed_paths)
        return PathSet(
            channels=self.channels,
            paths=tuple(distinct),
            conversions=_sum_by(inverse, self.conversions, len(distinct)),
            revenue=_sum_by(inverse, self.revenue, len(distinct)),
            nulls=_sum_by(inverse, self.nulls, len(distinct)),
        )

    @property
    def total_conversions(self) -> float:
        """Conversions over all paths."""
        return float(self.conversions.sum())

    @property
    def total_revenue(self) -> float:
        """Revenue over all paths."""
        return float(self.revenue.sum())

    @property
    def total_journeys(self) -> float:
        """Journeys over all paths: conversions plus nulls."""
        return float(self.conversions.sum() + self.nulls.sum())

    @cached_property
    def lengths(self) -> np.ndarray:
        """Touches per path."""
        return _read_only(np.fromiter(map(len, self.paths), dtype=np.int64, count=len(self.paths)))

    @cached_property
    def touch_codes(self) -> np.ndarray:
        """Channel code of every touch, paths concatenated in order (see `path_starts`)."""
        flat = itertools.chain.from_iterable(self.paths)
        return _read_only(np.fromiter(flat, dtype=np.int64, count=int(self.lengths.sum())))

    @cached_property
    def touch_path(self) -> np.ndarray:
        """Index of the path each touch in `touch_codes` belongs to."""
        return _read_only(np.repeat(np.arange(len(self.paths)), self.lengths))

    @cached_property
    def path_starts(self) -> np.ndarray:
        """Position in `touch_codes` of each path's first touch."""
        return _read_only(np.cumsum(self.lengths) - self.lengths)

    @cached_property
    def path_ends(self) -> np.ndarray:
        """Position in `touch_codes` of each path's last touch."""
        return _read_only(np.cumsum(self.lengths) - 1)

    def _check_codes(self) -> None:
        empty = np.flatnonzero(self.lengths == 0)
        if len(empty):
            raise AnalysisError(f"PathSet.paths[{empty[0]}] = (), every path needs a touch")
        codes = self.touch_codes
        bad = np.flatnonzero((codes < 0) | (codes >= len(self.channels)))
        if len(bad):
            position = int(self.touch_path[bad[0]])
            raise AnalysisError(
                f"PathSet.paths[{position}] = {self.paths[position]!r} holds channel code "
                f"{int(codes[bad[0]])}; codes must be 0 to {len(self.channels) - 1} "
                f"(one per entry of channels = {self.channels!r})"
            )


def _distinct_paths(paths: Sequence[Sequence]) -> tuple[list[tuple], np.ndarray]:
    """Distinct paths in first-seen order, and the distinct index of every record."""
    index: dict[tuple, int] = {}
    inverse = np.empty(len(paths), dtype=np.int64)
    for position, path in enumerate(paths):
        if isinstance(path, str):
            raise AnalysisError(
                f"paths[{position}] = {path!r} is a string; give each path as a sequence "
                f"of channel names, e.g. {path.split('>')!r}"
            )
        key = tuple(path)
        if not key:
            raise AnalysisError(f"paths[{position}] = {path!r} is empty; every path needs a touch")
        inverse[position] = index.setdefault(key, len(index))
    return list(index), inverse


def _channel_order(
    distinct: list[tuple], inverse: np.ndarray, channels: Sequence[str] | None
) -> tuple[str, ...]:
    """`channels` as given (checking every touched channel is listed), else first-seen order."""
    seen = tuple(dict.fromkeys(itertools.chain.from_iterable(distinct)))
    if channels is None:
        _check_channels(seen, argument="paths")
        return seen
    listed = tuple(channels)
    _check_channels(listed, argument="channels")
    unknown = set(seen) - set(listed)
    if unknown:
        path_index = next(i for i, path in enumerate(distinct) if unknown.intersection(path))
        position = int(np.argmax(inverse == path_index))
        channel = next(c for c in distinct[path_index] if c in unknown)
        raise AnalysisError(
            f"paths[{position}] = {list(distinct[path_index])!r} touches channel {channel!r}, "
            f"which is not in channels = {list(listed)!r}; list every touched channel"
        )
    return listed


def _check_channels(channels: tuple, *, argument: str) -> None:
    for position, channel in enumerate(channels):
        if not isinstance(channel, str):
            raise AnalysisError(
                f"{argument} holds channel {channel!r} (position {position}) of type "
                f"{type(channel).__name__}; channel names must be strings"
            )
    if len(set(channels)) != len(channels):
        repeated = sorted({c for c in channels if channels.count(c) > 1})
        raise AnalysisError(f"{argument} lists {repeated!r} more than once; list each once")


def _count_array(values: Sequence[float] | np.ndarray, name: str, expected: int) -> np.ndarray:
    """A read-only float array of `expected` finite, non-negative values, or AnalysisError."""
    try:
        array = np.array(values, dtype=float)
    except (TypeError, ValueError) as error:
        raise AnalysisError(f"{name} must be numbers, one per path; got {values!r}") from error
    if array.ndim != 1 or len(array) != expected:
        raise AnalysisError(
            f"{name} has shape {array.shape}, need one value per path ({expected} paths)"
        )
    bad = np.flatnonzero(~(np.isfinite(array) & (array >= 0)))
    if len(bad):
        position = int(bad[0])
        raise AnalysisError(
            f"{name}[{position}] = {float(array[position])!r}, must be a finite number ≥ 0"
        )
    return _read_only(array)


def _check_revenue_needs_conversions(
    conversions: np.ndarray, revenue: np.ndarray, where: str
) -> None:
    bad = np.flatnonzero((revenue > 0) & (conversions == 0))
    if len(bad):
        position = int(bad[0])
        raise AnalysisError(
            f"{where}: revenue[{position}] = {float(revenue[position])!r} but "
            f"conversions[{position}] = 0; revenue can only come with conversions"
        )


def _sum_by(inverse: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    return np.bincount(inverse, weights=values, minlength=n_groups).astype(float)


def _read_only(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array
