"""Display frames, captions and finding sentences of the data-health report, in its language.

Every word a reader sees comes from the catalogue (`i18n/<lang>/health.json`); table,
column and channel names are data and go in as values.
"""

from __future__ import annotations

import pandas as pd

from analysis.engine import NO_CHANNEL
from analysis.health.kpis import KpiChange
from analysis.health.profile import TableProfile
from analysis.i18n import MINUS, day, number, percent, text


def _na(lang: str) -> str:
    return text("health.value.na", lang)


def _shown(value: float | None, unit: str, lang: str) -> str:
    if value is None:
        return _na(lang)
    if unit == "share":
        return f"{value:.2%}"
    if unit == "yuan" and abs(value) < 1000:
        return f"{value:,.2f}"
    return f"{value:,.0f}"


def _change(change: float | None, lang: str) -> str:
    return _na(lang) if change is None else f"{change:+.1%}".replace("-", MINUS)


def kpi_label(kpi: str, lang: str) -> str:
    """The KPI's name with its unit or definition, as in the KPI table."""
    return text(f"health.kpi.{kpi}", lang)


def kpi_frame(kpis: list[KpiChange], *, lang: str) -> pd.DataFrame:
    """The KPI table as shown: label, this month, last month, change."""
    return pd.DataFrame(
        {
            text("health.column.kpi", lang): [kpi_label(k.kpi, lang) for k in kpis],
            text("health.column.this_month", lang): [
                _shown(k.this_month, k.unit, lang) for k in kpis
            ],
            text("health.column.last_month", lang): [
                _shown(k.last_month, k.unit, lang) for k in kpis
            ],
            text("health.column.change", lang): [_change(k.change, lang) for k in kpis],
        }
    )


def kpi_caption(period: str, *, lang: str) -> str:
    """The KPI table's caption."""
    return text("health.kpi.caption", lang, period=period)


def _move(kpi: KpiChange, lang: str) -> str:
    key = "health.moves.rose" if (kpi.change or 0) > 0 else "health.moves.fell"
    name = text(f"health.kpi_name.{kpi.kpi}", lang)
    return text(key, lang, kpi=name, change=f"{abs(kpi.change or 0):.1%}")


def biggest_moves(kpis: list[KpiChange], count: int = 2, *, lang: str) -> str:
    """A sentence naming the KPIs that moved most on last month."""
    moved = sorted((k for k in kpis if k.change is not None), key=lambda k: -abs(k.change or 0.0))
    if not moved:
        return text("health.moves.none", lang)
    parts = [_move(k, lang) for k in moved[:count]]
    moves = text("health.moves.separator", lang).join(parts)
    return text("health.moves.sentence", lang, moves=moves)


def _nulls(profile: TableProfile, lang: str) -> str:
    listed = ", ".join(f"{c}: {n:,}" for c, n in profile.nulls.items() if n)
    return listed or text("health.profile.no_nulls", lang)


def _coverage_day(time: str | None, lang: str) -> str:
    """The day of a coverage bound in `lang`; '–' when the table has none."""
    if not time or not time[:4].isdigit():
        return (time or "–")[:10]
    return day(time, lang)


def profile_frame(profiles: list[TableProfile], *, lang: str) -> pd.DataFrame:
    """One row per table: rows, coverage, columns with nulls, duplicated keys."""
    return pd.DataFrame(
        {
            text("health.column.table", lang): [p.table for p in profiles],
            text("health.column.rows", lang): [f"{p.rows:,}" for p in profiles],
            text("health.column.from", lang): [_coverage_day(p.first_time, lang) for p in profiles],
            text("health.column.to", lang): [_coverage_day(p.last_time, lang) for p in profiles],
            text("health.column.nulls", lang): [_nulls(p, lang) for p in profiles],
            text("health.column.duplicated_keys", lang): [
                "–" if p.duplicate_keys is None else f"{p.duplicate_keys:,}" for p in profiles
            ],
        }
    )


def profile_caption(*, lang: str) -> str:
    """The table-profile table's caption."""
    return text("health.profile.caption", lang)


def coverage_sentence(
    profiles: list[TableProfile], erased_customers: int, *, lang: str, unmatched: int = 0
) -> str:
    """A sentence on how much data there is and how many customers were erased (and how many
    erasure requests match no customer in the data)."""
    rows = sum(p.rows for p in profiles)
    duplicated = [p.table for p in profiles if p.duplicate_keys]
    duplicates = (
        text(
            "health.coverage.duplicates",
            lang,
            tables=text("health.names.separator", lang).join(duplicated),
        )
        if duplicated
        else text("health.coverage.no_duplicates", lang)
    )
    sentence = text(
        "health.coverage.sentence",
        lang,
        tables=len(profiles),
        rows=f"{rows:,}",
        erased=f"{erased_customers:,}",
        duplicates=duplicates,
    )
    if unmatched:
        sentence += text("health.coverage.unmatched", lang, count=f"{unmatched:,}")
    return sentence


def channel_word(channel: str | None, lang: str) -> str:
    """A channel as the reader sees it: orders without one read "(no channel recorded)"."""
    return text("health.channel.none", lang) if channel in (None, NO_CHANNEL) else str(channel)


def channel_leader(daily: pd.DataFrame, value: str) -> tuple[str | None, float]:
    """The channel with the largest total of `value` over the days and its share of the total
    (None, 0.0 when nothing was recorded)."""
    totals = daily.groupby("channel")[value].sum().sort_values(ascending=False)
    if totals.empty or totals.sum() == 0:
        return None, 0.0
    return str(totals.index[0]), float(totals.iloc[0] / totals.sum())


FIGURE_VALUES = ("orders", "revenue", "spend")
"""The daily series the report draws; each has a title, axis label and alt text per language."""


def leader_title(daily: pd.DataFrame, value: str, *, lang: str) -> str:
    """A figure title that states its message: which channel leads `value` and by how much."""
    leader, share = channel_leader(daily, value)
    if leader is None:
        return text(f"health.figure.empty.{value}", lang)
    leader = channel_word(leader, lang)
    return text(f"health.figure.title.{value}", lang, leader=leader, share=percent(share, lang, 0))


def axis_label(value: str, *, lang: str) -> str:
    """The y-axis label of the daily `value` figure, with its unit."""
    return text(f"health.axis.{value}", lang)


def figure_alt(value: str, *, lang: str) -> str:
    """The alt text of the daily `value` figure."""
    return text(f"health.figure.alt.{value}", lang)


def daily_sentence(daily_orders: pd.DataFrame, daily_spend: pd.DataFrame, *, lang: str) -> str:
    """A sentence on where orders and spend concentrate and the busiest day."""
    if daily_orders.empty:
        return text("health.daily.no_orders", lang)
    by_day = daily_orders.groupby("date")["orders"].sum()
    orders_leader, orders_share = channel_leader(daily_orders, "orders")
    spend_leader, spend_share = channel_leader(daily_spend, "spend")
    values = {
        "orders_leader": channel_word(orders_leader, lang),
        "orders_share": percent(orders_share, lang, 0),
        "busiest_day": day(by_day.idxmax(), lang),
        "busiest_orders": number(by_day.max(), lang),
    }
    if spend_leader is None:
        return text("health.daily.no_spend", lang, **values)
    return text(
        "health.daily.sentence",
        lang,
        spend_leader=channel_word(spend_leader, lang),
        spend_share=percent(spend_share, lang, 0),
        **values,
    )
