"""Show findings, tables and figures in a report with every data value escaped as text.

Titles, campaign names and other text from the data can hold HTML or Markdown; nothing from
the data is ever rendered as markup or executed, only shown.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Mapping
from html import escape

import pandas as pd
from IPython.display import HTML, display
from matplotlib.figure import Figure

from analysis.i18n import text
from analysis.reporting.labels import shorten_texts


def finding(template: str, **values: object) -> None:
    """A finding sentence: `template` is ours (may hold <b>), `values` are escaped data."""
    safe = {key: escape(str(value)) for key, value in values.items()}
    display_html(f'<p class="finding">{template.format(**safe)}</p>')


def show_table(
    frame: pd.DataFrame,
    *,
    caption: str | None = None,
    formats: Mapping[str, str] | None = None,
    index: bool = False,
) -> None:
    """An HTML table with every cell escaped; `formats` maps column → format spec (',.0f')."""
    shown = frame.copy()
    for column, spec in (formats or {}).items():
        if column in shown:
            shown[column] = shown[column].map(lambda v, s=spec: _format(v, s))
    numeric = [_is_number_column(frame[c], shown[c]) for c in frame.columns]
    table = shown.to_html(index=index, escape=True, na_rep="–", border=0, classes="report-table")
    levels = frame.index.nlevels if index else 0
    head = f"<p class='caption'><b>{escape(caption)}</b></p>" if caption else ""
    display_html(head + align_columns(table, numeric, levels))


# A cell that reads as a number: 1,234 · −3.5% · +1.0 pp [+0.55, +1.45] · ¥9,159 · 12 元 · < 0.001
_NUMBER_CELL = re.compile(
    r"^(<\s*)?[+\-\u2212]?[¥$€£]?\s?\d[\d,]*(\.\d+)?\s?(%|pp|元|英镑|x|×)?"
    r"(\s*[\[(（][^\]）)]*[\])）])?$"
)
_MISSING_CELL = {"", "–", "-", "n/a", "None", "nan"}
_CELL_OPEN = re.compile(r"<(td|th)\b([^>]*)>")


def _is_number_column(raw: pd.Series, shown: pd.Series) -> bool:
    """True when every cell of the column reads as a number (shown right-aligned)."""
    if pd.api.types.is_bool_dtype(raw):
        return False
    if pd.api.types.is_numeric_dtype(raw):
        return True
    cells = [str(v).strip() for v in shown if str(v).strip() not in _MISSING_CELL]
    return bool(cells) and all(_NUMBER_CELL.match(cell) for cell in cells)


def align_columns(table: str, numeric: list[bool], index_levels: int = 0) -> str:
    """Mark the cells of number columns `class="num"` (right-aligned by the page's style);
    text columns stay left-aligned. `numeric` has one flag per data column."""
    rows = table.split("<tr")
    for number, row in enumerate(rows[1:], start=1):
        position = iter(range(-index_levels, 10**6))

        def mark(match: re.Match, position=position) -> str:
            column = next(position)
            if 0 <= column < len(numeric) and numeric[column]:
                return f'<{match.group(1)} class="num"{match.group(2)}>'
            return match.group(0)

        rows[number] = _CELL_OPEN.sub(mark, row)
    return "<tr".join(rows)


def show_headline(headline: str | None) -> None:
    """The report's answer at the top, in a callout: one line per sentence (per decision)."""
    if not headline:
        return
    sentences = [part for part in _SENTENCE_END.split(headline.strip()) if part.strip()]
    if len(sentences) > 1:
        items = "".join(f"<li>{escape(sentence)}</li>" for sentence in sentences)
        body = f"<ul>{items}</ul>"
    else:
        body = f"<p>{escape(headline)}</p>"
    display_html(f'<div class="callout headline" role="note">{body}</div>')


# After a full stop (a space follows in English; none in Chinese) and before the next sentence
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)|(?<=[。！？])")


WARNING_STYLE = "border-left:4px solid #d62728;padding:4px 12px;background:#fff3f3"


def show_warning(template: str, **values: object) -> None:
    """A red-bordered warning box; `template` is ours, `values` are escaped data."""
    safe = {key: escape(str(value)) for key, value in values.items()}
    display_html(f"<div style='{WARNING_STYLE}'>{template.format(**safe)}</div>")


def show_contract_warnings(warnings: list[str], *, lang: str) -> None:
    """A visible box listing data-contract warnings (strict: false), or a note that none.

    The heading and the note are in `lang`; the warnings are shown as given (the runner and
    `open_report` word them in the report's language).
    """
    if not warnings:
        none = text("health.contract.none", lang)
        display_html(f"<p>{escape(none)}</p>")
        return
    items = "".join(f"<li>{escape(w)}</li>" for w in warnings)
    heading = text("health.contract.heading", lang, count=len(warnings))
    display_html(f"<div style='{WARNING_STYLE}'><b>{escape(heading)}</b><ul>{items}</ul></div>")


def show_figure(figure: Figure, *, alt: str) -> None:
    """Embed a figure as a PNG with alt text (the figure's message), then close it."""
    shorten_texts(figure)  # a 10,000-character campaign name must not set the image's size
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    figure.clf()
    import matplotlib.pyplot as plt

    plt.close(figure)
    display_html(
        f'<img src="data:image/png;base64,{encoded}" alt="{escape(alt)}" style="max-width:100%">'
    )


def display_html(markup: str) -> None:
    """Show markup we built (data values inside it already escaped)."""
    display(HTML(markup))


def _format(value: object, spec: str) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    try:
        return format(value, spec)
    except (TypeError, ValueError):
        return str(value)


def show_title(title: str | None) -> None:
    """The run's own title (the `title` parameter) as a heading; nothing when not given."""
    if title:
        display_html(f"<h1>{escape(title)}</h1>")
