"""The catalogues: key → sentence template, one folder of JSON files per language.

`i18n/<lang>/<part>.json`: `common.json` holds what every report shares (titles, index,
navigation, columns, statuses); each report has its own part (`abtest.json`, `rfm.json`…).
A language's catalogue is the union of its parts; a key defined in two parts is an error.
"""

from __future__ import annotations

import json
import string
from functools import cache
from importlib import resources
from typing import Literal

from analysis.errors import ParamsError, ReportError
from analysis.i18n.currency import currency_word

Lang = Literal["en", "zh"]
LANGUAGES: tuple[str, ...] = ("en", "zh")
HTML_LANG = {"en": "en", "zh": "zh-CN"}
"""The `<html lang>` of a report page per language (zh-CN picks the Simplified glyphs)."""


def check_lang(lang: str) -> str:
    """`lang` if it is a language with a catalogue, else a ParamsError naming the choices."""
    if lang not in LANGUAGES:
        raise ParamsError(f"lang = {lang!r} is not a report language; accepted: en, zh")
    return lang


@cache
def catalogue(lang: str) -> dict[str, str]:
    """Every key of the language's catalogue with its template."""
    check_lang(lang)
    entries: dict[str, str] = {}
    where: dict[str, str] = {}
    folder = resources.files("analysis.i18n").joinpath(lang)
    parts = sorted((p for p in folder.iterdir() if p.name.endswith(".json")), key=lambda p: p.name)
    for part in parts:
        for key, template in json.loads(part.read_text(encoding="utf-8")).items():
            if key in entries:
                raise ReportError(
                    f"i18n: key {key!r} is defined twice in the {lang} catalogue "
                    f"({lang}/{where[key]} and {lang}/{part.name}); keep one"
                )
            entries[key] = template
            where[key] = part.name
    return entries


def placeholders(template: str) -> set[str]:
    """The `{names}` a template fills."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def text(key: str, lang: str, **values: object) -> str:
    """The sentence `key` in `lang` with its placeholders filled from `values`."""
    entries = catalogue(lang)
    if key not in entries:
        raise ReportError(
            f"i18n: key {key!r} is missing from the {lang} catalogue (i18n/{lang}/*.json)"
        )
    template = entries[key]
    if "currency" in placeholders(template) and "currency" not in values:
        values["currency"] = currency_word(lang)  # the report's currency unit: yuan, pounds…
    missing = placeholders(template) - values.keys()
    if missing:
        raise ReportError(f"i18n: key {key!r} ({lang}) needs values for {sorted(missing)}")
    return template.format(**values)
