"""Links between reports: each report to its month's index, to the same report of the previous
month, and to the index of all months."""

from __future__ import annotations

from html import escape
from pathlib import Path

from analysis.i18n import month, text
from analysis.params import previous_month

NAV_STYLE = (
    "font-family:'Noto Sans CJK SC','PingFang SC','Microsoft YaHei',system-ui,sans-serif;"
    "font-size:0.9em;padding:8px 16px;border-bottom:1px solid #ddd;background:#f7f7f7"
)


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
        links.append(f'<span style="color:#888">{missing}</span>')
    links.append(f'<a href="../index.html">{escape(text("nav.all_months", lang))}</a>')
    return f'<nav class="report-nav" style="{NAV_STYLE}">{" · ".join(links)}</nav>'
