"""Text shown to report readers in Simplified Chinese or English: one catalogue per language.

`text(key, lang, **values)` looks a sentence up in the language's catalogue
(`i18n/en/*.json`, `i18n/zh/*.json`: the same keys in both; a test fails when one lacks a
key) and fills its `{placeholders}`. Numbers and dates are formatted per language by
`money`, `percent`, `number` and `day`. Data values (channel names, titles) are never
translated: they are passed in as values.
"""

from __future__ import annotations

from analysis.i18n.catalogue import HTML_LANG, LANGUAGES, Lang, catalogue, check_lang, text
from analysis.i18n.formats import (
    MINUS,
    day,
    money,
    month,
    number,
    p_stated,
    p_value,
    percent,
    plain,
    points,
    points_interval,
    signed_percent,
)

__all__ = [
    "HTML_LANG",
    "LANGUAGES",
    "MINUS",
    "Lang",
    "catalogue",
    "check_lang",
    "day",
    "money",
    "month",
    "number",
    "p_stated",
    "p_value",
    "percent",
    "plain",
    "points",
    "points_interval",
    "signed_percent",
    "text",
]
