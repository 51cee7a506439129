"""Turn the detector's point flags into incidents: merged in time, one story across levels, drilled
down to the child series that drive them, ranked by severity.

1. Time: a series' anomalous steps, and the steps of its short runs (`anomaly.runs`), with at
   most `max_gap` quiet steps between them (an hour at sub-hourly steps, `steps.incident_gap`)
   form one "spike" incident. It starts at its onset:
   the first of the unbroken steps before its first flag whose scores lean its way by more
   than `onset_lean` (1, the CUSUM's k: such a step is likelier under a 2σ shift than under
   none), so two low days that led up to a flagged third are part of it. A level shift is one
   "shift" incident from its first step at the new level (the change point is an estimate)
   until the series recovers or ends ("shifted since
   <date>" while it lasts, else "shift <date> to <date>"): it ends before the first
   `recovery_steps` consecutive steps (a season: 7 days, one day of sub-daily steps) that
   are all nearer the level before the shift than the level after it, or at the series'
   last value; it absorbs that series' flags over its span.
2. Values over an incident's steps, per step: counts and amounts are means per step (actual
   = mean value, expected = mean expected, over the steps where both are known: a reader
   compares a day with a day, and a temperature is never summed); ratios and prices are
   Σ numerator / Σ denominator, with expected =
   Σ(expected × denominator) / Σ denominator, the ratio the series would have had at the volume
   it had. A spike's expected comes from the detector; a shift's is the level of the
   `4 × season` steps before it (counts: their mean per step; ratios: Σnum / Σden), since a
   detector's expectation may follow the new level.
3. Excess: Σ (actual − expected) over the steps, in the metric's own units for counts and
   amounts, and the excess
   numerator at actual volume, Σ(num − expected × den), for ratios and prices: for CPC the
   money paid above the expected price, for conversion rate the conversions lost.
4. Stories: incidents that overlap in time are one story when they are of the same metric, go
   the same way and lie on series that are ancestor and descendant (via `keys.parent`), or
   when they are of different metrics of the same channel / campaign / keyword (clicks, spend
   and impressions falling together with visits is one outage, not four). The story's lead
   metric is the one a handbook rule fired on, else the first in `LEAD_METRICS` (outcomes
   before traffic before prices before volume), else the most severe. Among the lead
   metric's incidents, from the top series move to the descendant incident whose excess is
   the largest share of the current one's excess, while that share is ≥ `explain_share`;
   where it stops is the headline, the rest of the story is its `chain`.
5. Drivers: the headline's children (rows whose parent is it), by child excess / headline
   excess over the headline's steps; shares of a ratio need not sum to 1 (mix effects).
6. Severity = |deviation_pct| / 100 × ln(1 + volume) × √days, volume = Σ denominator over the
   incident for ratios and prices (impressions, visits, clicks), max(Σ actual, Σ expected) for
   counts and amounts; days = steps × step length. A story's severity is the largest of its
   members', since the story matters as much as its biggest manifestation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal, Protocol

import numpy as np
import pandas as pd

from analysis.anomaly.panel import Panel
from analysis.anomaly.steps import incident_gap, steps_per_day
from analysis.errors import AnalysisError, InputError

IncidentKind = Literal["spike", "shift"]
LEAD_METRICS = (
    "revenue",
    "orders",
    "conversion_rate",
    "visits",
    "cpc",
    "ctr",
    "clicks",
    "spend",
    "cpm",
    "impressions",
)
"""Which metric heads a story that several metrics of one entity tell (module docstring, 4)."""
Direction = Literal["up", "down"]


class DetectionLike(Protocol):
    """What `build_incidents` reads from the detector: (n_series × n_steps) arrays.

    An optional `shifts` attribute holds records with `series_row` and `start` (step index or
    timestamp), or tuples starting with those two; a shift's direction and size are recomputed
    from the data (module docstring, 2), so the detector's own are not read. An optional
    `runs` attribute holds records with `series_row`, `start` and `end` (step indices): those
    steps count as anomalous.
    """

    @property
    def expected(self) -> np.ndarray:
        """Baseline per series and step (read-only, so a frozen `Detection` fits)."""

    @property
    def score(self) -> np.ndarray:
        """Signed score on the standard normal scale per series and step."""

    @property
    def anomalous(self) -> np.ndarray:
        """Whether each series and step is flagged."""


class AlertLike(Protocol):
    """What `build_incidents` reads from a rule alert (`rules.RuleAlert`); `last_ts` optional."""

    @property
    def rule(self) -> str:
        """Name of the rule that fired."""

    @property
    def series_row(self) -> int:
        """Row of the series in the panel."""

    @property
    def ts(self) -> pd.Timestamp:
        """First day of the alert."""


@dataclass(frozen=True)
class Incident:
    """One story: its headline series' numbers, the series it also showed in, its drivers.

    expected / actual: totals over start..end (module docstring, 2); deviation_pct = 100 ×
    (actual / expected − 1); rule: the first handbook rule that fired on a member series inside
    its window; drivers: ({"series", "contribution"}, ...) of the headline's children, largest
    first; chain: the story's other series, top level first; ongoing: a shift still in force
    at the series' last value (False: it recovered or the series ended).
    """

    series: str
    level: str
    metric: str
    start: pd.Timestamp
    end: pd.Timestamp
    peak_ts: pd.Timestamp
    direction: Direction
    expected: float
    actual: float
    deviation_pct: float
    severity: float
    rule: str | None
    drivers: tuple[dict, ...]
    kind: IncidentKind
    chain: tuple[str, ...]
    series_row: int
    ongoing: bool = True

    @property
    def label(self) -> str:
        """ "shifted since 2026-10-19", "spike 2026-10-14 to 2026-10-15"; a shift that ended
        reads like a spike of its days (the report words it `incident.shift_ended`)."""
        if self.kind == "shift" and self.ongoing:
            return f"shifted since {_iso(self.start)}"
        if self.kind == "shift":
            return f"shifted {_iso(self.start)} to {_iso(self.end)}"
        if self.start == self.end:
            return f"spike on {_iso(self.start)}"
        return f"spike {_iso(self.start)} to {_iso(self.end)}"

    def as_record(self) -> dict[str, Any]:
        """JSON-ready dict: timestamps as ISO strings, tuples as lists, plus `label`."""
        record = asdict(self)
        for name in ("start", "end", "peak_ts"):
            record[name] = _iso(record[name])
        record["drivers"] = [dict(d) for d in self.drivers]
        record["chain"] = list(self.chain)
        record["label"] = self.label
        return record


@dataclass(frozen=True)
class _Span:
    """An incident on one series before grouping: steps first..last and its totals."""

    row: int
    first: int
    last: int
    kind: IncidentKind
    peak: int
    expected: float
    actual: float
    excess: float
    severity: float


def _iso(ts: pd.Timestamp) -> str:
    return ts.date().isoformat() if ts == ts.normalize() else ts.isoformat()


def _runs_with_gaps(flags: np.ndarray, max_gap: int) -> list[tuple[int, int]]:
    """(first, last) of runs of True steps, bridging at most `max_gap` False steps."""
    steps = np.flatnonzero(flags)
    if len(steps) == 0:
        return []
    breaks = np.flatnonzero(np.diff(steps) > max_gap + 1)
    firsts = np.concatenate([[steps[0]], steps[breaks + 1]])
    lasts = np.concatenate([steps[breaks], [steps[-1]]])
    return list(zip(firsts.tolist(), lasts.tolist(), strict=True))


def _step_index(panel: Panel, start: object) -> int:
    if isinstance(start, int | np.integer):
        return int(start)
    return int(pd.DatetimeIndex(panel.timestamps).searchsorted(pd.Timestamp(start)))


def _read_shifts(panel: Panel, detection: object) -> list[tuple[int, int]]:
    """(series_row, start step) of each level shift the detection reports."""
    shifts = []
    for shift in getattr(detection, "shifts", None) or ():
        if hasattr(shift, "series_row"):
            row, start = shift.series_row, shift.start
        else:
            row, start = tuple(shift)[:2]
        shifts.append((int(row), _step_index(panel, start)))
    return shifts


def _is_additive(panel: Panel, row: int) -> bool:
    return panel.keys["kind"].iloc[row] in ("count", "amount")


def _expected_path(
    panel: Panel, detection: DetectionLike, row: int, first: int, last: int, kind: IncidentKind
) -> np.ndarray:
    """Per-step expected values over first..last (module docstring, 2)."""
    history = slice(max(0, first - 4 * panel.season), first)
    if kind == "spike" or first == 0:
        return detection.expected[row, first : last + 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        if _is_additive(panel, row):
            level = (
                np.nansum(panel.values[row, history])
                / np.isfinite(panel.values[row, history]).sum()
            )
        else:
            level = np.nansum(panel.numerator[row, history]) / np.nansum(
                panel.denominator[row, history]
            )
    return np.full(last - first + 1, level)


def _totals(
    panel: Panel, row: int, first: int, last: int, expected: np.ndarray
) -> tuple[float, float, float, float]:
    """(expected, actual, excess, volume) of one series over steps first..last: expected and
    actual per step (means, or ratios of sums), excess and volume summed (module docstring)."""
    window = slice(first, last + 1)
    if _is_additive(panel, row):
        actual_steps = panel.values[row, window]
        ok = np.isfinite(actual_steps) & np.isfinite(expected)
        if not ok.any():
            return np.nan, np.nan, np.nan, 0.0
        actual, expect = float(actual_steps[ok].sum()), float(expected[ok].sum())
        steps = int(ok.sum())
        return expect / steps, actual / steps, actual - expect, max(actual, expect)
    num, den = panel.numerator[row, window], panel.denominator[row, window]
    ok = np.isfinite(num) & np.isfinite(den) & np.isfinite(expected) & (den > 0)
    volume = float(den[ok].sum())
    if volume == 0:
        return np.nan, np.nan, np.nan, 0.0
    expected_num = float((expected[ok] * den[ok]).sum())
    actual_num = float(num[ok].sum())
    return expected_num / volume, actual_num / volume, actual_num - expected_num, volume


def _excess(
    panel: Panel, detection: DetectionLike, row: int, first: int, last: int, kind: IncidentKind
) -> float:
    path = _expected_path(panel, detection, row, first, last, kind)
    return _totals(panel, row, first, last, path)[2]


def _deviation_pct(expected: float, actual: float) -> float:
    if not np.isfinite(expected) or expected == 0:
        return float("nan")
    return 100.0 * (actual / expected - 1.0)


def _step_days(panel: Panel) -> float:
    return 1.0 / steps_per_day(panel.frequency)


def _span(
    panel: Panel, detection: DetectionLike, row: int, first: int, last: int, kind: IncidentKind
) -> _Span:
    path = _expected_path(panel, detection, row, first, last, kind)
    expected, actual, excess, volume = _totals(panel, row, first, last, path)
    deviation = _deviation_pct(expected, actual)
    days = (last - first + 1) * _step_days(panel)
    severity = 0.0 if np.isnan(deviation) else abs(deviation) / 100 * np.log1p(volume) * days**0.5
    peak = first
    if kind == "spike":  # the largest flagged score (a run alone: the largest score)
        scores = np.abs(np.nan_to_num(detection.score[row, first : last + 1], nan=-1.0))
        flagged = detection.anomalous[row, first : last + 1].astype(bool)
        peak = first + int(
            np.argmax(np.where(flagged, scores, -np.inf) if flagged.any() else scores)
        )
    return _Span(row, first, last, kind, peak, expected, actual, excess, float(severity))


def recovery_steps(panel: Panel) -> int:
    """Consecutive steps back near the old level that end a shift: a season (a week of days,
    or a day of sub-daily steps)."""
    return 7 if panel.frequency == "D" else steps_per_day(panel.frequency)


def _shift_span(
    panel: Panel, detection: DetectionLike, row: int, start: int, end: int
) -> tuple[int, int]:
    """The first and last step of a shift (module docstring, 1): from the first present step
    nearer the new level than the old (the change point is an estimate), to before the first
    `recovery_steps` consecutive present steps nearer the old level again, and at most to the
    series' last present value."""
    values = panel.values[row, start : end + 1]
    present = np.flatnonzero(np.isfinite(values))
    if present.size == 0:
        return start, start
    end = start + int(present[-1])
    old = _expected_path(panel, detection, row, start, start, "shift")[0]
    after = values[: end - start + 1]
    known = np.isfinite(after)
    if not np.isfinite(old) or known.sum() < 2:
        return start, end
    new = float(np.median(after[known][: max(recovery_steps(panel), 1)]))
    if new == old:
        return start, end
    nearer_new = known & (np.abs(after - new) <= np.abs(after - old))
    back = known & ~nearer_new
    need = recovery_steps(panel)
    run = np.convolve(back.astype(int), np.ones(need, dtype=int), mode="valid")
    recovered = np.flatnonzero(run == need)
    recovered = recovered[recovered > 0]
    if recovered.size:
        end = start + int(recovered[0]) - 1
    first = np.flatnonzero(nearer_new[: end - start + 1])
    return (start + int(first[0]) if first.size else start), end


def _onset(score: np.ndarray, flags: np.ndarray, first: int, lean: float) -> int:
    """The incident's first step: back from `first` over unbroken unflagged steps whose score
    leans the way of score[first] by more than `lean` (module docstring, 1)."""
    direction = np.sign(score[first])
    while first > 0 and not flags[first - 1] and direction * score[first - 1] > lean:
        first -= 1
    return first


def _spans(panel: Panel, detection: DetectionLike, max_gap: int, onset_lean: float) -> list[_Span]:
    flags = np.asarray(detection.anomalous, dtype=bool).copy()
    for run in getattr(detection, "runs", None) or ():
        flags[run.series_row, run.start : run.end + 1] = True
    last_step = panel.values.shape[1] - 1
    spans = []
    shifts = sorted(_read_shifts(panel, detection))
    for i, (row, start) in enumerate(shifts):
        # a shift lasts until the series' next shift, its recovery or its last value
        following = shifts[i + 1] if i + 1 < len(shifts) else None
        end = following[1] - 1 if following and following[0] == row else last_step
        start, end = _shift_span(panel, detection, row, start, end)
        flags[row, start : end + 1] = False  # the shift explains these steps
        spans.append(_span(panel, detection, row, start, end, "shift"))
    for row in range(panel.n_series):  # spikes come before a row's first shift: no overlap
        for first, last in _runs_with_gaps(flags[row], max_gap):
            first = _onset(detection.score[row], flags[row], first, onset_lean)
            spans.append(_span(panel, detection, row, first, last, "spike"))
    return spans


def _ancestors(panel: Panel) -> list[set[int]]:
    parents = panel.keys["parent"].astype(int).to_numpy()
    out = []
    for row in range(panel.n_series):
        seen: set[int] = set()
        parent = parents[row]
        while parent >= 0 and parent not in seen and len(seen) <= panel.n_series:
            seen.add(int(parent))
            parent = parents[parent]
        out.append(seen)
    return out


def _stories(  # noqa: C901  # one grouping pass over spans; its branches are the module's rules
    panel: Panel, spans: list[_Span], ancestors: list[set[int]]
) -> list[list[int]]:
    """Indices of spans grouped into stories (union-find over related, overlapping spans)."""
    group = list(range(len(spans)))

    def root(i: int) -> int:
        while group[i] != i:
            group[i] = group[group[i]]
            i = group[i]
        return i

    metrics = panel.keys["metric"].to_numpy()
    entity = _entities(panel)
    by_row: dict[int, list[int]] = {}
    by_entity: dict[tuple, list[int]] = {}
    for i, span in enumerate(spans):
        by_row.setdefault(span.row, []).append(i)
        by_entity.setdefault(entity[span.row], []).append(i)
    for j, b in enumerate(spans):  # pair each span with the spans on its ancestors' rows
        for row in ancestors[b.row]:
            for i in by_row.get(row, ()):
                a = spans[i]
                same_way = np.sign(a.excess) == np.sign(b.excess)  # a rise and a fall: two stories
                if _overlap(a, b) and same_way and metrics[a.row] == metrics[b.row]:
                    group[root(j)] = root(i)
        for i in by_entity[entity[b.row]]:  # other metrics of the same channel/campaign/keyword
            a = spans[i]
            if metrics[a.row] != metrics[b.row] and _overlap(a, b):
                group[root(j)] = root(i)
    members: dict[int, list[int]] = {}
    for i in range(len(spans)):
        members.setdefault(root(i), []).append(i)
    return list(members.values())


def _overlap(a: _Span, b: _Span) -> bool:
    return a.first <= b.last and b.first <= a.last


def _entities(panel: Panel) -> list[tuple]:
    """Per row, what it measures apart from the metric: (level, channel, campaign, keyword)."""
    columns = ["level", "channel", "campaign", "keyword"]
    frame = panel.keys[columns].astype(object).where(panel.keys[columns].notna(), None)
    return [tuple(row) for row in frame.itertuples(index=False)]


def _lead_metric(panel: Panel, story: list[_Span], alerts: _AlertSteps) -> str:
    """The metric that heads a story (module docstring, 4)."""
    metrics = panel.keys["metric"].to_numpy()
    present = {str(metrics[s.row]) for s in story}
    ruled = {str(metrics[s.row]) for s in story if _rule_for([s], s, alerts)}

    def rank(metric: str) -> tuple:
        order = LEAD_METRICS.index(metric) if metric in LEAD_METRICS else len(LEAD_METRICS)
        worst = max(s.severity for s in story if metrics[s.row] == metric)
        return (metric not in ruled, order, -worst)

    return min(present, key=rank)


def _share(panel: Panel, detection: DetectionLike, child: int, parent: _Span) -> float:
    """The child's excess over the parent span's steps as a share of the parent's excess."""
    if not np.isfinite(parent.excess) or parent.excess == 0:
        return float("nan")
    child_excess = _excess(panel, detection, child, parent.first, parent.last, parent.kind)
    return child_excess / parent.excess


def _headline(
    panel: Panel,
    detection: DetectionLike,
    story: list[_Span],
    ancestors: list[set[int]],
    explain_share: float,
) -> _Span:
    current = min(story, key=lambda s: (len(ancestors[s.row]), -s.severity))
    while True:
        below = [s for s in story if current.row in ancestors[s.row]]
        shares = [_share(panel, detection, s.row, current) for s in below]
        ranked = [(share, s) for share, s in zip(shares, below, strict=True) if np.isfinite(share)]
        if not ranked:
            return current
        share, best = max(ranked, key=lambda pair: pair[0])
        if share < explain_share:
            return current
        current = best


def drill_down(
    panel: Panel,
    detection: DetectionLike,
    row: int,
    first: int,
    last: int,
    *,
    kind: IncidentKind = "spike",
    top: int = 5,
) -> tuple[dict, ...]:
    """Children of series `row` by share of its excess over steps first..last, largest first.

    Share = child excess / parent excess (module docstring, 3): for CPC, child clicks ×
    (child CPC − child expected CPC) over parent clicks × (CPC − expected CPC).
    """
    parent = _span(panel, detection, row, first, last, kind)
    children = np.flatnonzero(panel.keys["parent"].to_numpy() == row)
    names = panel.keys["name"].to_numpy()
    drivers: list[dict[str, Any]] = []
    for child in children:
        share = _share(panel, detection, int(child), parent)
        if np.isfinite(share):
            drivers.append({"series": str(names[child]), "contribution": float(share)})
    drivers.sort(key=lambda d: d["contribution"], reverse=True)
    return tuple(drivers[:top])


_AlertSteps = dict[int, list[tuple[int, int, str]]]


def _alert_steps(panel: Panel, rule_alerts: Sequence[AlertLike]) -> _AlertSteps:
    """Rule alerts by series row as (first step, last step, rule name)."""
    stamps = pd.DatetimeIndex(panel.timestamps)
    by_row: _AlertSteps = {}
    for alert in rule_alerts:
        last_ts = getattr(alert, "last_ts", None)
        first = int(stamps.searchsorted(pd.Timestamp(alert.ts), side="left"))
        last = (
            int(
                stamps.searchsorted(
                    pd.Timestamp(alert.ts if last_ts is None else last_ts), side="right"
                )
            )
            - 1
        )
        by_row.setdefault(int(alert.series_row), []).append((first, last, str(alert.rule)))
    return by_row


def _rule_for(story: list[_Span], headline: _Span, alerts: _AlertSteps) -> str | None:
    """Name of the first rule alert on a story series inside that series' incident window
    (the headline's own alerts first)."""
    matches = [
        (span is not headline, first, rule)
        for span in story
        for first, last, rule in alerts.get(span.row, ())
        if first <= span.last and span.first <= last
    ]
    return min(matches)[2] if matches else None


def _incident(
    panel: Panel,
    detection: DetectionLike,
    story: list[_Span],
    ancestors: list[set[int]],
    *,
    alerts: _AlertSteps,
    explain_share: float,
    top_drivers: int,
) -> Incident:
    lead = _lead_metric(panel, story, alerts)
    led = [s for s in story if panel.keys["metric"].iloc[s.row] == lead]
    head = _headline(panel, detection, led, ancestors, explain_share)
    keys = panel.keys.iloc[head.row]
    stamps = pd.DatetimeIndex(panel.timestamps)
    others = sorted((s for s in story if s is not head), key=lambda s: len(ancestors[s.row]))
    chain = tuple(dict.fromkeys(str(panel.keys["name"].iloc[s.row]) for s in others))
    direction: Literal["up", "down"] = "up" if head.excess > 0 else "down"
    return Incident(
        series=str(keys["name"]),
        level=str(keys["level"]),
        metric=str(keys["metric"]),
        start=stamps[head.first],
        end=stamps[head.last],
        peak_ts=stamps[head.peak],
        direction=direction,
        expected=head.expected,
        actual=head.actual,
        deviation_pct=_deviation_pct(head.expected, head.actual),
        severity=max(s.severity for s in story),
        rule=_rule_for(story, head, alerts),
        drivers=drill_down(
            panel, detection, head.row, head.first, head.last, kind=head.kind, top=top_drivers
        ),
        kind=head.kind,
        chain=chain,
        series_row=head.row,
        ongoing=head.kind != "shift" or head.last >= panel.values.shape[1] - 1,
    )


def _check(
    panel: Panel, detection: DetectionLike, max_gap: int, explain_share: float, onset_lean: float
) -> None:
    shape = panel.values.shape
    for name in ("expected", "score", "anomalous"):
        array: Any = getattr(detection, name, None)
        if array is None or np.shape(array) != shape:
            raise AnalysisError(
                f"detection.{name} has shape {np.shape(array)}, expected {shape} "
                "(series × time steps of the panel)"
            )
    if max_gap < 0:
        raise InputError(f"max_gap = {max_gap}, must be ≥ 0 steps")
    if not 0 < explain_share <= 1:
        raise InputError(f"explain_share = {explain_share}, must be in (0, 1]")
    if not onset_lean >= 0:
        raise InputError(f"onset_lean = {onset_lean}, must be ≥ 0 score SDs (inf: no lead-in)")


def build_incidents(
    panel: Panel,
    detection: DetectionLike,
    *,
    rule_alerts: Sequence[AlertLike] = (),
    max_gap: int | None = None,
    top_drivers: int = 5,
    explain_share: float = 0.5,
    min_deviation: float = 0.0,
    onset_lean: float = 1.0,
) -> list[Incident]:
    """Incidents from the detector's flags and shifts, one per story, most severe first.

    rule_alerts: `rules.RuleAlert`s (anything with rule, series_row, ts and optional last_ts).
    onset_lean: how far (in score SDs) a step before a spike's first flag must lean its way to
    belong to it (module docstring, 1); `inf` starts every spike at its first flag.
    min_deviation: a span whose |actual / expected − 1| is below it is statistically clear but
    immaterial (e.g. a +4% level shift of total impressions) and is not an incident.
    max_gap: quiet steps that still join two flagged steps (default `steps.incident_gap`: one
    step for daily and hourly data, an hour's worth at finer steps).
    Method: module docstring (merging, totals, stories, drivers, severity).
    """
    if max_gap is None:
        max_gap = incident_gap(panel.frequency)
    _check(panel, detection, max_gap, explain_share, onset_lean)
    ancestors = _ancestors(panel)
    spans = [
        span
        for span in _spans(panel, detection, max_gap, onset_lean)
        if not abs(_deviation_pct(span.expected, span.actual)) < 100 * min_deviation  # NaN kept
    ]
    alerts = _alert_steps(panel, rule_alerts)
    incidents = [
        _incident(
            panel,
            detection,
            [spans[i] for i in story],
            ancestors,
            alerts=alerts,
            explain_share=explain_share,
            top_drivers=top_drivers,
        )
        for story in _stories(panel, spans, ancestors)
    ]
    return sorted(incidents, key=lambda inc: inc.severity, reverse=True)


def false_incident_rate(incidents: Sequence[object], n_series: int, n_months: float) -> float:
    """Incidents per 100 series-months: 100 × len(incidents) / (n_series × n_months).

    Pass the incidents that match no known event (or all incidents on a clean panel).
    """
    if n_series <= 0 or n_months <= 0:
        raise InputError(
            f"n_series = {n_series}, n_months = {n_months}: both must be > 0 for a rate"
        )
    return 100.0 * len(incidents) / (n_series * n_months)
