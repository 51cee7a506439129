"""Show findings, tables and figures in a report with every data value escaped as text.

Titles, campaign names and other text from the data can hold HTML or Markdown; nothing from
the data is ever rendered as markup or executed, only shown.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping
from html import escape

import pandas as pd
from IPython.display import HTML, display
from matplotlib.figure import Figure

from analysis.i18n import text


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
    table = shown.to_html(index=index, escape=True, na_rep="–", border=0, classes="report-table")
    head = f"<p class='caption'><b>{escape(caption)}</b></p>" if caption else ""
    display_html(head + table)


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
