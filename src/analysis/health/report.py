"""The data-health report: its results record and the headline sentence."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from analysis.health.kpis import KpiChange
from analysis.health.profile import TableProfile
from analysis.i18n import MINUS, money, text


@dataclass(frozen=True)
class DataHealth:
    """Results of the data-health report, as published to `<name>.json`.

    `headline` is written in `lang`; the tables, KPIs and warnings are data. Typed down to
    its leaves and read back by `reporting.record.read_results`; raise `RECORD_VERSION` when
    a field is renamed, removed or changes meaning.
    """

    RECORD_VERSION: ClassVar[int] = 1
    headline: str
    lang: str
    period: str
    tables: list[TableProfile]
    kpis: list[KpiChange]
    contract_warnings: list[str]
    erased_customers: int


def _signed_percent(change: float | None, lang: str) -> str:
    return text("health.value.na", lang) if change is None else f"{change:+.1%}".replace("-", MINUS)


def headline_sentence(period: str, kpis: list[KpiChange], warnings: list[str], lang: str) -> str:
    """One sentence: the month's revenue and its change, spend, and the data's condition."""
    by_name = {k.kpi: k for k in kpis}
    revenue, orders, spend = by_name["revenue"], by_name["orders"], by_name["spend"]
    condition = (
        text("health.headline.clean", lang)
        if not warnings
        else text("health.headline.warnings", lang, count=len(warnings))
    )
    return text(
        "health.headline.sentence",
        lang,
        period=period,
        revenue=money(revenue.this_month or 0, lang),
        change=_signed_percent(revenue.change, lang),
        orders=f"{orders.this_month or 0:,.0f}",
        spend=money(spend.this_month or 0, lang),
        condition=condition,
    )


def summarise(
    period: str,
    tables: list[TableProfile],
    kpis: list[KpiChange],
    warnings: list[str],
    erased_customers: int,
    *,
    lang: str,
) -> DataHealth:
    """Assemble the results record with its headline in `lang`."""
    return DataHealth(
        headline=headline_sentence(period, kpis, warnings, lang),
        lang=lang,
        period=period,
        tables=tables,
        kpis=kpis,
        contract_warnings=warnings,
        erased_customers=erased_customers,
    )
