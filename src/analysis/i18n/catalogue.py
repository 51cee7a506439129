"""The catalogues: key → sentence template, one JSON file per language in this package."""

from __future__ import annotations

import json
import string
from functools import cache
from importlib import resources
from typing import Literal

from analysis.errors import ParamsError, ReportError

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
    raw = resources.files("analysis.i18n").joinpath(f"{lang}.json").read_text(encoding="utf-8")
    return json.loads(raw)


def placeholders(template: str) -> set[str]:
    """The `{names}` a template fills."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def text(key: str, lang: str, **values: object) -> str:
    """The sentence `key` in `lang` with its placeholders filled from `values`."""
    entries = catalogue(lang)
    if key not in entries:
        raise ReportError(f"i18n: key {key!r} is missing from the {lang} catalogue ({lang}.json)")
    template = entries[key]
    missing = placeholders(template) - values.keys()
    if missing:
        raise ReportError(f"i18n: key {key!r} ({lang}) needs values for {sorted(missing)}")
    return template.format(**values)
