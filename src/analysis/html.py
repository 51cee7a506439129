"""Turn an executed notebook into a self-contained HTML report for stakeholders.

Runs nbconvert in-process (a subprocess costs another ~1.3 s a report). Code cells' inputs
and prompts are hidden; stderr streams (warnings meant for analysts) are dropped from the
HTML but kept in the executed notebook for audit; no script or style is fetched from the
network and no script runs, so the file reads offline and executes nothing.
"""

from __future__ import annotations

import logging
import re
import threading
from html import escape
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

from analysis.fonts import PAGE_FONT_STACK, with_page_font
from analysis.i18n import HTML_LANG, text

log = logging.getLogger(__name__)

_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script\s*>|<script\b[^>]*/?>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[a-zA-Z][^>]*>")
_EVENT_HANDLER = re.compile(r"""\s+on[a-z]+\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""", re.IGNORECASE)
_JAVASCRIPT_URL = re.compile(r"""["']\s*javascript:[^"']*["']""", re.IGNORECASE)
_EXTERNAL_LINK = re.compile(r"<link\b[^>]*\bhref=\"https?://[^\"]*\"[^>]*>", re.IGNORECASE)


def notebook_to_html(
    path: Path, title: str, lang: str = "en", nav: str = "", footer: str = ""
) -> str:
    """HTML of the executed notebook at `path`: outputs and narrative only, offline.

    Markdown cells tagged `lang-xx` are the narrative in language xx: only those of `lang`
    (and untagged ones) are kept. `nav` (our markup) goes at the top of the page, `footer`
    (ours too) at its foot.
    """
    if _warming is not None:
        _warming.join()  # the first conversion's set-up, begun while the notebook ran
    return _notebook_html(nbformat.read(path, as_version=4), title, lang, nav, footer)


def _notebook_html(
    notebook: nbformat.NotebookNode, title: str, lang: str, nav: str, footer: str
) -> str:
    notebook.cells = [cell for cell in notebook.cells if _in_language(cell, lang)]
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if not _is_stderr(o)]
    notebook.cells = without_empty_sections(notebook.cells)
    exporter = HTMLExporter(
        template_name="lab",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        mathjax_url="",
        require_js_url="",
    )
    body, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": title}})
    body = _BODY_OPEN.sub(lambda m: m.group(0) + nav, body, count=1)
    body = _BODY_CLOSE.sub(lambda m: footer + m.group(0), body, count=1)
    body = with_contents(body, text("page.contents", lang))
    body = _HEAD_END.sub(lambda m: f"<style>{PAGE_CSS}</style>\n" + m.group(0), body, count=1)
    page = strip_scripts(_HTML_TAG.sub(f'<html lang="{HTML_LANG[lang]}">', body, count=1))
    return with_page_font(page)


_warming: threading.Thread | None = None
_ONE_PIXEL_PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJ"
    "AAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def warm_up() -> None:
    """Begin this process's first conversion in the background, once: it imports nbconvert's
    exporter, compiles its templates and the notebook schema and loads the font subsetter
    (about 3 s on a loaded 2-core machine, a tenth of that for later pages), so a runner that
    calls this while its kernel runs the notebook then converts at the later pages' speed."""
    global _warming
    if _warming is None:
        _warming = threading.Thread(target=_convert_sample, name="warm-html", daemon=True)
        _warming.start()


def _convert_sample() -> None:
    shown = nbformat.v4.new_output(
        "display_data", data={"text/html": "<p>报告</p>", "image/png": _ONE_PIXEL_PNG}
    )
    sample = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("## 报告"),
            nbformat.v4.new_code_cell("", outputs=[shown]),
        ]
    )
    try:
        _notebook_html(sample, "warm-up", "en", "", "")
    except Exception:  # best effort: the report's own conversion then does the set-up
        log.debug("warming up the HTML conversion failed", exc_info=True)


PAGE_CSS = f"""
:root {{ --jp-content-font-family: {PAGE_FONT_STACK}; --jp-ui-font-family: {PAGE_FONT_STACK}; }}
body {{ font-family: {PAGE_FONT_STACK}; }}
.jp-RenderedHTMLCommon table.report-table {{ max-width: 100%; }}
.jp-RenderedHTMLCommon .report-table td, .jp-RenderedHTMLCommon .report-table th {{
  text-align: left; vertical-align: top; }}
.jp-RenderedHTMLCommon .report-table td.num, .jp-RenderedHTMLCommon .report-table th.num {{
  text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }}
.jp-OutputArea-output {{ overflow-x: auto; }}
.callout {{ border-left: 5px solid #1f5fa8; background: #eef4fb; padding: 10px 16px;
  margin: 8px 0 12px; border-radius: 4px; font-size: 1.05em; }}
.callout ul {{ margin: 0; padding-left: 1.2em; }}
.callout p, .callout li {{ margin: 2px 0; font-weight: 600; color: #14233a; }}
nav.toc {{ border: 1px solid #d8dee6; border-radius: 4px; padding: 8px 16px; margin: 8px 0 16px;
  background: #fafbfc; }}
nav.toc b {{ display: block; margin-bottom: 4px; }}
nav.toc ol {{ margin: 0; padding-left: 1.4em; columns: 2 18em; }}
"""
"""Our style on top of nbconvert's: the page font stack (the embedded Chinese font first),
text columns left and number columns right, the headline callout, the table of contents."""
_HEAD_END = re.compile(r"</head\s*>", re.IGNORECASE)


_BODY_OPEN = re.compile(r"<body\b[^>]*>", re.IGNORECASE)
_BODY_CLOSE = re.compile(r"</body\s*>", re.IGNORECASE)
_HTML_TAG = re.compile(r"<html\b[^>]*>", re.IGNORECASE)


_HEADING = re.compile(r'<h2 id="([^"]+)">(.*?)<a class="anchor-link"[^>]*>[^<]*</a>\s*</h2>', re.S)
_HEADLINE_END = re.compile(r'<div class="callout headline"[^>]*>.*?</div>', re.S)


def with_contents(body: str, label: str) -> str:
    """`body` with a table of contents of its h2 sections, after the headline callout (or at
    the top of the page when there is none). Headings are nbconvert's, with their ids."""
    sections = [
        (anchor, title)
        for anchor, title in _HEADING.findall(body)
        if _TAG_ANY.sub("", title).strip()
    ]
    if len(sections) < 2:
        return body
    items = "".join(f'<li><a href="#{anchor}">{title}</a></li>' for anchor, title in sections)
    toc = f'<nav class="toc"><b>{escape(label)}</b><ol>{items}</ol></nav>'
    headline = _HEADLINE_END.search(body)
    if headline:
        return body[: headline.end()] + toc + body[headline.end() :]
    return _BODY_OPEN.sub(lambda m: m.group(0) + toc, body, count=1)


_TAG_ANY = re.compile(r"<[^>]+>")


_SECTION_HEADING = re.compile(r"^## ", re.MULTILINE)


def without_empty_sections(cells: list) -> list:
    """Drop a `## ` section whose code showed nothing (the A/B portfolio with one test): a
    heading over an empty space reads as something missing."""
    kept: list = []
    section: list = []

    def close() -> None:
        code = [c for c in section[1:] if c.cell_type == "code"]
        others = [c for c in section[1:] if c.cell_type != "code"]
        empty = code and not others and not any(c.outputs for c in code)
        kept.extend([] if empty else section)

    for cell in cells:
        heading = cell.cell_type == "markdown" and _SECTION_HEADING.search(cell.source)
        if heading:
            if section:
                close()
            section = [cell]
        elif section:
            section.append(cell)
        else:
            kept.append(cell)
    if section:
        close()
    return kept


def _in_language(cell: dict, lang: str) -> bool:
    tags = [t for t in cell.get("metadata", {}).get("tags", []) if t.startswith("lang-")]
    return not tags or f"lang-{lang}" in tags


def strip_scripts(html: str) -> str:
    """Make the page inert: no <script>, no event-handler attribute, no javascript: URL.

    Text from the data is escaped before it reaches the page, so this is the second line of
    defence; it repeats until nothing changes, so nested tags cannot reassemble.
    """
    previous = None
    while previous != html:
        previous = html
        html = _SCRIPT.sub("", html)
        html = _EXTERNAL_LINK.sub("", html)
        html = _TAG.sub(_inert_tag, html)
    return html


def _inert_tag(match: re.Match) -> str:
    """One tag without event handlers or javascript: URLs (text between tags is untouched)."""
    return _JAVASCRIPT_URL.sub('"#"', _EVENT_HANDLER.sub("", match.group(0)))


def _is_stderr(output: dict) -> bool:
    return output.get("output_type") == "stream" and output.get("name") == "stderr"
