"""The data-health report's results record and its headline sentence."""

from __future__ import annotations

from dataclasses import dataclass

from analysis.health.kpis import KpiChange
from analysis.health.profile import TableProfile


@dataclass(frozen=True)
class DataHealth:
    """Results of the data-health report, as published to `<name>.json`."""

    headline: str
    period: str
    tables: list[TableProfile]
    kpis: list[KpiChange]
    contract_warnings: list[str]
    erased_customers: int


def _signed_percent(change: float | None) -> str:
    return "n/a" if change is None else f"{change:+.1%}"


def headline_sentence(period: str, kpis: list[KpiChange], warnings: list[str]) -> str:
    """One sentence: the month's revenue and its change, spend, and the data's condition."""
    by_name = {k.kpi: k for k in kpis}
    revenue, orders, spend = by_name["revenue"], by_name["orders"], by_name["spend"]
    condition = (
        "all contract checks passed"
        if not warnings
        else f"{len(warnings)} data-contract warning(s) to read first"
    )
    return (
        f"{period}: revenue ¥{revenue.this_month or 0:,.0f} "
        f"({_signed_percent(revenue.change)} on last month) from {orders.this_month or 0:,.0f} "
        f"orders; spend ¥{spend.this_month or 0:,.0f}; {condition}."
    )


def summarise(
    period: str,
    tables: list[TableProfile],
    kpis: list[KpiChange],
    warnings: list[str],
    erased_customers: int,
) -> DataHealth:
    """Assemble the results record with its headline."""
    return DataHealth(
        headline=headline_sentence(period, kpis, warnings),
        period=period,
        tables=tables,
        kpis=kpis,
        contract_warnings=warnings,
        erased_customers=erased_customers,
    )
