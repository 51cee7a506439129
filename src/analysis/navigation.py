"""Links between reports: each report to its month's index, to the same report of the previous
month, and to the index of all months."""

from __future__ import annotations

import os
from html import escape
from pathlib import Path
from typing import Any

from analysis.i18n import HTML_LANG, LANGUAGES, month, number, text
from analysis.params import previous_month
from analysis.paths import month_dir

# the font is the page's (html.PAGE_CSS: the embedded Chinese font first)
NAV_STYLE = "font-size:0.9em;padding:8px 16px;border-bottom:1px solid #ddd;background:#f7f7f7"


def report_nav(out_dir: Path, period: str, name: str, lang: str) -> str:
    """The navigation bar at the top of report `name` written to `out_dir` (reports/<period>).

    The previous month's link is given only when that report exists; otherwise it says so.
    """
    previous = previous_month(period)
    links = [
        f'<a href="index.html">{escape(text("nav.index", lang, period=month(period, lang)))}</a>'
    ]
    earlier = out_dir.parent / previous / f"{name}.html"
    words = text("nav.previous", lang, period=month(previous, lang))
    if earlier.is_file():
        links.append(f'<a href="../{escape(previous)}/{escape(name)}.html">{escape(words)}</a>')
    else:
        missing = escape(text("nav.missing", lang, label=words))
        links.append(f'<span style="color:#666">{missing}</span>')
    links.append(f'<a href="../index.html">{escape(text("nav.all_months", lang))}</a>')
    links += language_links(out_dir, period, name, lang)
    return f'<nav class="report-nav" style="{NAV_STYLE}">{" · ".join(links)}</nav>'


def run_footer(run_id: str, fingerprint: dict[str, dict[str, Any]], lang: str) -> str:
    """The line at the foot of a report: the batch's run id and the data it read (rows and
    latest time per table), so a printed page can be matched to its run and its data."""
    tables = [
        text(
            "page.run_table",
            lang,
            table=name,
            rows=number(int(seen.get("rows") or 0), lang),
            last=str(seen.get("max_time") or "-")[:16],
        )
        for name, seen in sorted(fingerprint.items())
    ]
    words = text("page.run", lang, run_id=run_id, tables="; ".join(tables))
    return f'<footer class="report-run" style="{FOOTER_STYLE}">{escape(words)}</footer>'


FOOTER_STYLE = (
    "font-size:0.8em;color:#555;padding:8px 16px;border-top:1px solid #ddd;margin-top:24px"
)


def language_links(out_dir: Path, period: str, name: str, lang: str) -> list[str]:
    """Links to this page (a report, or "index") in the other languages where it was written
    (reports/<period>/ in English, reports/<lang>/<period>/ otherwise); none for a custom
    output folder."""
    if out_dir.resolve() != month_dir(period, lang).resolve():
        return []
    links = []
    for other in (code for code in LANGUAGES if code != lang):
        page = month_dir(period, other) / f"{name}.html"
        if page.is_file():
            href = Path(os.path.relpath(page, out_dir.resolve())).as_posix()
            label = escape(text("nav.language", other))
            links.append(f'<a href="{escape(href)}" hreflang="{HTML_LANG[other]}">{label}</a>')
    return links
