"""Customer journeys as distinct channel paths with conversion, revenue and null counts.

Every attribution model (`rules`, `markov`, `shapley`) reads a `PathSet`. Journeys are
aggregated to distinct paths first, so the models loop (at most) over distinct paths,
never over journeys. A path set is columnar: the channel codes of every touch in one
integer array (paths concatenated) and the touches per path in another, so a million
paths cost a few bytes a touch, not a Python tuple each; duplicates are merged with numpy
(paths of one length at a time, as integer keys or rows).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from analysis.errors import AnalysisError

_COUNT_NAMES = ("conversions", "revenue", "nulls")
CODE_DTYPE = np.int32  # channel codes of touches
_KEY_LIMIT = 2**62  # a path of one length is one int64 key while base ** length stays below


@dataclass(frozen=True, eq=False)
class PathSet:
    """Distinct customer journeys (channel codes in time order) with their counts.

    `channels[i]` is the channel of code `i`. `touch_codes` holds the codes of every touch,
    paths one after another, and `lengths` the touches of each path. For each path:
    `conversions` (journeys on it that converted), `revenue` (their revenue) and `nulls`
    (journeys that did not convert). Build one with `PathSet.from_records` (channel names)
    or `PathSet.from_codes` (arrays), which merge duplicate paths.
    """

    channels: tuple[str, ...]
    touch_codes: np.ndarray
    lengths: np.ndarray
    conversions: np.ndarray
    revenue: np.ndarray
    nulls: np.ndarray

    def __post_init__(self) -> None:
        _check_channels(tuple(self.channels), argument="PathSet.channels")
        object.__setattr__(self, "channels", tuple(str(channel) for channel in self.channels))
        codes, lengths = _check_layout(
            self.touch_codes, self.lengths, len(self.channels), "PathSet"
        )
        object.__setattr__(self, "touch_codes", _read_only(codes))
        object.__setattr__(self, "lengths", _read_only(lengths))
        for name in _COUNT_NAMES:
            values = _count_array(getattr(self, name), f"PathSet.{name}", len(lengths))
            object.__setattr__(self, name, values)
        _check_revenue_needs_conversions(self.conversions, self.revenue, "PathSet")

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
        lengths = _record_lengths(paths)
        touches = list(itertools.chain.from_iterable(paths))
        channel_names = _channel_order(paths, touches, channels)
        code_of = {channel: code for code, channel in enumerate(channel_names)}
        codes = np.fromiter(map(code_of.__getitem__, touches), dtype=CODE_DTYPE, count=len(touches))
        return cls._merged(
            channel_names, codes, lengths, conversions, revenue, nulls, where="records"
        )

    @classmethod
    def from_codes(
        cls,
        channels: Sequence[str],
        touch_codes: Sequence[int] | np.ndarray,
        lengths: Sequence[int] | np.ndarray,
        *,
        conversions: Sequence[float] | np.ndarray,
        revenue: Sequence[float] | np.ndarray | None = None,
        nulls: Sequence[float] | np.ndarray | None = None,
    ) -> PathSet:
        """Merge columnar journeys into distinct paths, summing counts.

        Journey j is `touch_codes[sum(lengths[:j]) : sum(lengths[:j + 1])]`, codes indexing
        `channels`; counts as in `from_records`.
        """
        listed = tuple(channels)
        _check_channels(listed, argument="channels")
        codes, path_lengths = _check_layout(touch_codes, lengths, len(listed), "journeys")
        return cls._merged(listed, codes, path_lengths, conversions, revenue, nulls, "journeys")

    @classmethod
    def _merged(
        cls,
        channels: tuple[str, ...],
        codes: np.ndarray,
        lengths: np.ndarray,
        conversions: Sequence[float] | np.ndarray,
        revenue: Sequence[float] | np.ndarray | None,
        nulls: Sequence[float] | np.ndarray | None,
        where: str,
    ) -> PathSet:
        n_records = len(lengths)
        conversion_counts = _count_array(conversions, "conversions", n_records)
        revenue_amounts = _count_array(
            np.zeros(n_records) if revenue is None else revenue, "revenue", n_records
        )
        null_counts = _count_array(
            np.zeros(n_records) if nulls is None else nulls, "nulls", n_records
        )
        _check_revenue_needs_conversions(conversion_counts, revenue_amounts, where)
        distinct_codes, distinct_lengths, inverse = _distinct_paths(
            codes, lengths, max(len(channels), 1)
        )
        n_distinct = len(distinct_lengths)
        return cls(
            channels=channels,
            touch_codes=distinct_codes,
            lengths=distinct_lengths,
            conversions=_sum_by(inverse, conversion_counts, n_distinct),
            revenue=_sum_by(inverse, revenue_amounts, n_distinct),
            nulls=_sum_by(inverse, null_counts, n_distinct),
        )

    def collapsed(self) -> PathSet:
        """Repeated consecutive touches of one channel become one (A > A > B → A > B), merged."""
        codes = self.touch_codes
        keep = np.ones(len(codes), dtype=bool)
        keep[1:] = codes[1:] != codes[:-1]
        keep[self.path_starts] = True
        kept_lengths = np.bincount(self.touch_path[keep], minlength=len(self.lengths))
        distinct_codes, distinct_lengths, inverse = _distinct_paths(
            codes[keep], kept_lengths, max(len(self.channels), 1)
        )
        n_distinct = len(distinct_lengths)
        return PathSet(
            channels=self.channels,
            touch_codes=distinct_codes,
            lengths=distinct_lengths,
            conversions=_sum_by(inverse, self.conversions, n_distinct),
            revenue=_sum_by(inverse, self.revenue, n_distinct),
            nulls=_sum_by(inverse, self.nulls, n_distinct),
        )

    @property
    def n_paths(self) -> int:
        """Distinct paths."""
        return len(self.lengths)

    @cached_property
    def paths(self) -> tuple[tuple[int, ...], ...]:
        """Each path's channel codes as a tuple (for reading and tests; the models use the
        arrays)."""
        codes = self.touch_codes.tolist()
        ends = np.cumsum(self.lengths).tolist()
        return tuple(
            tuple(codes[start:end]) for start, end in zip([0, *ends[:-1]], ends, strict=True)
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
    def touch_path(self) -> np.ndarray:
        """Index of the path each touch in `touch_codes` belongs to."""
        return _read_only(np.repeat(np.arange(len(self.lengths)), self.lengths))

    @cached_property
    def path_starts(self) -> np.ndarray:
        """Position in `touch_codes` of each path's first touch."""
        return _read_only(np.cumsum(self.lengths) - self.lengths)

    @cached_property
    def path_ends(self) -> np.ndarray:
        """Position in `touch_codes` of each path's last touch."""
        return _read_only(np.cumsum(self.lengths) - 1)


def _check_layout(
    touch_codes: Sequence[int] | np.ndarray,
    lengths: Sequence[int] | np.ndarray,
    n_channels: int,
    where: str,
) -> tuple[np.ndarray, np.ndarray]:
    """Codes (CODE_DTYPE) and lengths (int64) checked: every path has a touch, the lengths
    cover the codes, every code indexes a channel."""
    codes = _integer_array(touch_codes, f"{where}: touch_codes")
    path_lengths = _integer_array(lengths, f"{where}: lengths").astype(np.int64, copy=False)
    empty = np.flatnonzero(path_lengths <= 0)
    if len(empty):
        raise AnalysisError(
            f"{where}: lengths[{empty[0]}] = {int(path_lengths[empty[0]])}, every path needs "
            f"a touch (length ≥ 1)"
        )
    if int(path_lengths.sum()) != len(codes):
        raise AnalysisError(
            f"{where}: lengths sum to {int(path_lengths.sum())} touches but touch_codes holds "
            f"{len(codes)}; they must agree"
        )
    bad = np.flatnonzero((codes < 0) | (codes >= n_channels))
    if len(bad):
        path = int(np.searchsorted(np.cumsum(path_lengths), bad[0], side="right"))
        start = int(path_lengths[:path].sum())
        shown = tuple(codes[start : start + int(path_lengths[path])].tolist())
        raise AnalysisError(
            f"{where}: path {path} = {shown!r} holds channel code {int(codes[bad[0]])}; codes "
            f"must be 0 to {n_channels - 1} (one per channel listed)"
        )
    return codes.astype(CODE_DTYPE, copy=False), path_lengths


def _integer_array(values: Sequence[int] | np.ndarray, name: str) -> np.ndarray:
    array = np.asarray(values)
    if array.size == 0:
        return np.zeros(0, dtype=np.int64)
    if array.ndim != 1 or not np.issubdtype(array.dtype, np.integer):
        raise AnalysisError(
            f"{name} must be a one-dimensional array of integers; got dtype {array.dtype}, "
            f"shape {array.shape}"
        )
    return array


def _record_lengths(paths: Sequence[Sequence[str]]) -> np.ndarray:
    """Touches per record, refusing strings (a path is a sequence of names) and empty paths."""
    lengths = np.empty(len(paths), dtype=np.int64)
    for position, path in enumerate(paths):
        if isinstance(path, str):
            raise AnalysisError(
                f"paths[{position}] = {path!r} is a string; give each path as a sequence "
                f"of channel names, e.g. {path.split('>')!r}"
            )
        lengths[position] = len(path)
        if not lengths[position]:
            raise AnalysisError(f"paths[{position}] = {path!r} is empty; every path needs a touch")
    return lengths


def _distinct_paths(
    codes: np.ndarray, lengths: np.ndarray, base: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct paths in first-seen order (their codes and lengths), and the distinct index
    of every record. Paths of one length are a matrix: one int64 key a row while
    base ** length fits, else rows compared whole (`np.unique(axis=0)`)."""
    group = np.empty(len(lengths), dtype=np.int64)
    starts = np.cumsum(lengths) - lengths
    n_groups = 0
    for length in np.unique(lengths).tolist():
        records = np.flatnonzero(lengths == length)
        rows = codes[starts[records, None] + np.arange(length)]
        if base**length < _KEY_LIMIT:
            keys = rows.astype(np.int64) @ (base ** np.arange(length, dtype=np.int64))
            _, inverse = np.unique(keys, return_inverse=True)
        else:
            _, inverse = np.unique(rows, axis=0, return_inverse=True)
        inverse = inverse.ravel()
        group[records] = inverse + n_groups
        n_groups += int(inverse.max()) + 1
    _, first_record = np.unique(group, return_index=True)  # per group id, its first record
    seen_order = np.argsort(first_record, kind="stable")
    rank = np.empty(n_groups, dtype=np.int64)
    rank[seen_order] = np.arange(n_groups)
    representatives = first_record[seen_order]
    distinct_lengths = lengths[representatives]
    offsets = np.cumsum(distinct_lengths) - distinct_lengths
    gather = np.repeat(starts[representatives] - offsets, distinct_lengths)
    gather += np.arange(int(distinct_lengths.sum()))
    return codes[gather], distinct_lengths, rank[group]


def _channel_order(
    paths: Sequence[Sequence[str]], touches: list, channels: Sequence[str] | None
) -> tuple[str, ...]:
    """`channels` as given (checking every touched channel is listed), else first-seen order."""
    seen = tuple(dict.fromkeys(touches))
    if channels is None:
        _check_channels(seen, argument="paths")
        return seen
    listed = tuple(channels)
    _check_channels(listed, argument="channels")
    unknown = set(seen) - set(listed)
    if unknown:
        position = next(i for i, path in enumerate(paths) if unknown.intersection(path))
        channel = next(c for c in paths[position] if c in unknown)
        raise AnalysisError(
            f"paths[{position}] = {list(paths[position])!r} touches channel {channel!r}, "
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
