"""What the per-report language tests share: the text a reader sees, and English left in it."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from pathlib import Path

ASCII_WORDS = re.compile(r"[A-Za-z][A-Za-z'’]*(?:[\s,;:/()&“”\"'-]+[A-Za-z][A-Za-z'’]*){3,}")
"""A run of four or more ASCII words, separated by spaces or punctuation only."""


def visible_text(page: str) -> str:
    """What a reader sees on an HTML page: text outside tags, plus the figures' alt text."""
    page = re.sub(r"<(style|script|head)\b.*?</\1>", " ", page, flags=re.S | re.I)
    page = re.sub(r"<img\b[^>]*\balt=\"([^\"]*)\"[^>]*>", r" \1 ", page)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def english_runs(shown: str, data_values: Iterable[str], names: Iterable[str] = ()) -> list[str]:
    """Runs of 4+ ASCII words left once data values (longest first) and then the allowed
    proper names are taken out as whole words."""
    for value in [*sorted(data_values, key=len, reverse=True), *names]:
        shown = re.sub(rf"(?<![A-Za-z_]){re.escape(value)}(?![A-Za-z_])", " ", shown)
    return ASCII_WORDS.findall(shown)


def report_page(folder: Path, name: str) -> str:
    """The visible text of report `name` written to `folder` by the runner."""
    return visible_text((folder / f"{name}.html").read_text(encoding="utf-8"))


def report_results(folder: Path, name: str) -> dict:
    """The results of report `name` from its run record in `folder`."""
    return json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))["results"]
