"""Numbers, money, shares and dates written the way each language's readers expect."""

from __future__ import annotations

import math
from datetime import date, datetime

from typing_extensions import TypeIs  # typing.TypeIs from Python 3.13; pydantic requires it

from analysis.i18n.currency import CURRENCIES, active_currency, check_currency


def _missing(value: float | None) -> TypeIs[None]:
    """None, NaN, ±inf, or a missing marker that is no number at all (pandas NA, NaT).

    Typed as a check for None so that the checker reads a value that is not missing as a float.
    """
    try:
        return value is None or not math.isfinite(value)
    except TypeError:
        return True


def number(
    value: float | None,
    lang: str,  # noqa: ARG001  # unused, but every formatter takes the reader's language
    digits: int = 0,
) -> str:
    """1,234,568 in both languages (Chinese readers use the same grouping); '–' if missing."""
    return "–" if _missing(value) else f"{value:,.{digits}f}".replace("-", "\u2212")


def money(value: float | None, lang: str, digits: int = 0, currency: str | None = None) -> str:
    """¥1,234,568 (en) or 1,234,568 元 (zh); £… / … 英镑 for GBP (default: the report's
    currency, see `analysis.i18n.currency`)."""
    if _missing(value):
        return "–"
    unit = CURRENCIES[check_currency(currency)] if currency else active_currency()
    shown = f"{abs(value):,.{digits}f}"
    sign = "−" if value < 0 else ""
    return f"{sign}{shown} {unit.word_zh}" if lang == "zh" else f"{sign}{unit.symbol}{shown}"


def percent(
    value: float | None,
    lang: str,  # noqa: ARG001  # unused, but every formatter takes the reader's language
    digits: int = 1,
) -> str:
    """A share as 12.3% (both languages)."""
    return "–" if _missing(value) else f"{100 * value:.{digits}f}%".replace("-", "\u2212")


def signed_percent(
    value: float | None,
    lang: str,  # noqa: ARG001  # unused, but every formatter takes the reader's language
    digits: int = 1,
) -> str:
    """A change as +12.3% / −4.0%."""
    if _missing(value):
        return "–"
    shown = f"{100 * abs(value):.{digits}f}%"
    return f"+{shown}" if value >= 0 else f"−{shown}"


def day(value: date | datetime | str | None, lang: str) -> str:
    """2026-10-14 (en) or 2026年10月14日 (zh)."""
    if value is None:
        return "–"
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return f"{value.year}年{value.month}月{value.day}日" if lang == "zh" else value.isoformat()[:10]


def month(period: str, lang: str) -> str:
    """A report month "2026-10" as 2026-10 (en) or 2026年10月 (zh)."""
    year, number = period[:4], period[5:7]
    return f"{year}年{int(number)}月" if lang == "zh" and number.isdigit() else period


MINUS = "\u2212"
"""The one minus sign every page prints (U+2212), never the hyphen."""


def plain(value: float | None, significant: int = 3, signed_: bool = False) -> str:
    """A number without scientific notation: `significant` digits, thousands grouped.

    1.527e+05 → 152,700 (whole numbers from 1,000 up); 3.449e-05 → 0.0000345; with
    `signed_` the sign is always shown (+ or −).
    """
    if _missing(value):
        return "–"
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    decimals = max(0, significant - 1 - magnitude)
    shown = f"{abs(value):,.{decimals}f}"
    sign = MINUS if value < 0 else ("+" if signed_ else "")
    return sign + shown


def points(value: float | None, digits: int = 1) -> str:
    """A difference of two rates in percentage points: 0.01001 → +1.0 pp."""
    if _missing(value):
        return "–"
    shown = f"{100 * abs(value):.{digits}f}"
    return f"{'+' if value >= 0 else MINUS}{shown} pp"


def points_interval(low: float | None, high: float | None, digits: int = 2) -> str:
    """A confidence interval of a rate difference, in points: [+0.55, +1.45]."""
    if _missing(low) or _missing(high):
        return "–"
    ends = [f"{'+' if v >= 0 else MINUS}{100 * abs(v):.{digits}f}" for v in (low, high)]
    return f"[{ends[0]}, {ends[1]}]"


def p_stated(value: float | None) -> str:
    """A p-value inside a sentence: "p = 0.042", or "p < 0.001" below that."""
    shown = p_value(value)
    return f"p {shown}" if shown.startswith("<") else f"p = {shown}"


def p_value(value: float | None) -> str:
    """A p-value: 0.042, or < 0.001 below that (the only place a tiny number is bounded)."""
    if _missing(value):
        return "–"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"
