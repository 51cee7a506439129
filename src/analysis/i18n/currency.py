"""The report's currency: an ISO 4217 code (CNY by default) gives its symbol and unit words.

A report sets it once (`use_currency(params.currency)`, done by `reporting.open_report`);
`money()` and every catalogue sentence with a `{currency}` placeholder then follow it, so
a UK shop's report reads £ and pounds, a US one $ and dollars.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Currency:
    """How one currency is written: symbol before amounts (en), unit words per language."""

    code: str
    symbol: str
    word_en: str
    word_zh: str

    def word(self, lang: str) -> str:
        """The unit word in `lang`: yuan / 元, pounds / 英镑."""
        return self.word_zh if lang == "zh" else self.word_en


CURRENCIES: dict[str, Currency] = {
    c.code: c
    for c in (
        Currency("CNY", "¥", "yuan", "元"),
        Currency("USD", "$", "dollars", "美元"),
        Currency("GBP", "£", "pounds", "英镑"),
        Currency("EUR", "€", "euros", "欧元"),
        Currency("JPY", "JP¥", "yen", "日元"),
        Currency("HKD", "HK$", "HK dollars", "港元"),
        Currency("TWD", "NT$", "NT dollars", "新台币"),
        Currency("SGD", "S$", "SG dollars", "新加坡元"),
        Currency("AUD", "A$", "AU dollars", "澳元"),
        Currency("CAD", "C$", "CA dollars", "加元"),
        Currency("KRW", "₩", "won", "韩元"),
        Currency("INR", "₹", "rupees", "印度卢比"),
    )
}
DEFAULT_CURRENCY = "CNY"
_active = [DEFAULT_CURRENCY]


def check_currency(code: str) -> str:
    """`code` if it is a known ISO 4217 code (any case), upper-cased; else a ValueError."""
    upper = str(code).upper()
    if upper not in CURRENCIES:
        accepted = ", ".join(CURRENCIES)
        raise ValueError(f"{code!r} is not a known currency code; accepted: {accepted}")
    return upper


def use_currency(code: str) -> None:
    """Make `code` the currency every amount and unit word of this report is written in."""
    _active[0] = check_currency(code)


def active_currency() -> Currency:
    """The currency the current report is written in (CNY unless a report set another)."""
    return CURRENCIES[_active[0]]


def currency_word(lang: str, code: str | None = None) -> str:
    """The unit word of `code` (default: the report's currency) in `lang`."""
    return (CURRENCIES[check_currency(code)] if code else active_currency()).word(lang)
