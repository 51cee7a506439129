"""Open report HTML in headless Chromium (the system's, driven by Playwright) and record it.

One visit loads a page offline (any request that is not `file:` or `data:` is blocked and
recorded), then records console errors, the state of every image, visible code, the fonts
Chromium drew Chinese text with (DevTools `CSS.getPlatformFontsForNode`) and a full-page
screenshot. The tests in `test_browser.py` judge the records.
"""

from __future__ import annotations

import io
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

VIEWPORT = {"width": 1100, "height": 900}
MAX_SCREENSHOT_BYTES = 1_500_000
LOCAL_SCHEMES = ("file:", "data:")
CJK_FAMILIES = re.compile(r"Noto Sans SC|CJK|Source Han|WenQuanYi|Droid Sans Fallback", re.I)
MIN_CODE_LINE = 16  # shorter source lines could match narrative by chance
LAYOUT_WIDTHS = (1400, 390)  # a desktop screen and a phone held upright, in CSS pixels
MIN_CONTRAST = 4.5  # WCAG 2 AA for body text
# A number in scientific notation (1.5e-05, 2E+3): never on a page, p-values included; not
# the hex tail of a hyphenated id (the run id 20261208T034432Z-81346e29 in every page footer)
SCIENTIFIC = re.compile(r"(?<![\w.])(?<!\w-)[-+\u2212]?\d+(?:\.\d+)?[eE][-+\u2212]?\d+(?![\w.])")

# Elements nbconvert and JupyterLab use for code input; none may be visible in a report.
_VISIBLE_CODE_JS = """() => {
  const selector = '.jp-CodeCell .jp-InputArea, .jp-InputPrompt, .jp-CodeMirrorEditor, '
    + '.jp-Editor, .CodeMirror, .highlight, .input_area, div.input, .jp-InputArea-editor';
  const shown = e => e.getClientRects().length > 0
    && getComputedStyle(e).visibility !== 'hidden' && e.innerText.trim() !== '';
  return Array.from(document.querySelectorAll(selector)).filter(shown)
    .map(e => e.className + ': ' + e.innerText.trim().slice(0, 80));
}"""

_IMAGES_JS = """() => Array.from(document.images).map(i => ({
  src: i.currentSrc.slice(0, 40), alt: i.alt, complete: i.complete,
  width: i.naturalWidth, height: i.naturalHeight}))"""

# Marks up to three rendered elements whose own text holds Han characters, for DevTools.
_MARK_CHINESE_JS = """() => {
  const han = /[\\u4e00-\\u9fff]/;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const texts = [];
  for (let node = walker.nextNode(); node && texts.length < 3; node = walker.nextNode()) {
    const element = node.parentElement;
    if (!han.test(node.textContent) || element.hasAttribute('data-cjk-probe')) continue;
    if (element.getClientRects().length === 0) continue;
    element.setAttribute('data-cjk-probe', String(texts.length));
    texts.push(node.textContent.trim().slice(0, 40));
  }
  return texts;
}"""


# Elements sticking out past the right edge of the viewport, outside any scrolling container
# (a wide table may scroll inside its own box: that is the page's design, not overflow).
_OVERFLOW_JS = """() => {
  const width = window.innerWidth;
  const scrolls = e => ['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(e).overflowX);
  const contained = e => {
    for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
      if (scrolls(a)) return true;
    }
    return false;
  };
  const culprits = [];
  for (const e of document.body.querySelectorAll('*')) {
    if (culprits.length >= 5) break;
    const box = e.getBoundingClientRect();
    if (box.width === 0 || box.right <= width + 1 || contained(e)) continue;
    const parentBox = e.parentElement.getBoundingClientRect();
    if (e.parentElement !== document.body && parentBox.right > width + 1) continue;
    culprits.push(`${e.tagName.toLowerCase()}.${e.className}: right edge ${Math.round(box.right)}`);
  }
  return {width, scroll: document.scrollingElement.scrollWidth, culprits};
}"""

# Cells of text columns (most of whose cells are mostly letters: a name, a sentence) that are
# aligned right or centred. A number column's "n/a" is not a text column.
_MISALIGNED_TEXT_JS = """() => {
  const wordy = text => {
    const letters = (text.match(/\\p{L}/gu) || []).length;
    const digits = (text.match(/\\p{N}/gu) || []).length;
    return letters >= 2 && letters > digits;
  };
  const rightish = cell => {
    const style = getComputedStyle(cell);
    const rtl = style.direction === 'rtl';
    return ['right', '-webkit-right', 'center', '-webkit-center'].includes(style.textAlign)
      || (style.textAlign === 'end' && !rtl) || (style.textAlign === 'start' && rtl);
  };
  const found = [];
  for (const table of document.querySelectorAll('table')) {
    const columns = new Map();
    for (const cell of table.querySelectorAll('td')) {
      if (cell.closest('table') !== table || cell.getClientRects().length === 0) continue;
      const text = cell.innerText.trim();
      if (!text) continue;
      if (!columns.has(cell.cellIndex)) columns.set(cell.cellIndex, []);
      columns.get(cell.cellIndex).push([cell, text]);
    }
    for (const cells of columns.values()) {
      const words = cells.filter(([, text]) => wordy(text));
      if (words.length * 2 <= cells.length) continue;
      for (const [cell, text] of words) {
        if (rightish(cell)) found.push(`${getComputedStyle(cell).textAlign}: ${text.slice(0, 50)}`);
      }
    }
  }
  return found;
}"""

# WCAG 2 contrast of every visible text run of the page (table cells, KPI tiles, callouts,
# navigation): its colour against the first opaque background behind it (page white if none).
_CONTRAST_JS = """minimum => {
  const rgba = c => (c.match(/[\\d.]+/g) || []).map(Number).concat([1]).slice(0, 4);
  const channel = v => {
    v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const over = (top, bottom) => [0, 1, 2].map(i => top[i] * top[3] + bottom[i] * (1 - top[3]));
  const background = e => {
    const layers = [];
    for (let a = e; a; a = a.parentElement) {
      const colour = rgba(getComputedStyle(a).backgroundColor);
      if (colour[3] > 0) layers.push(colour);
      if (colour[3] >= 1) break;
    }
    return layers.reverse().reduce((below, top) => over(top, below), [255, 255, 255]);
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const low = [];
  let measured = 0;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const e = node.parentElement;
    if (!node.textContent.trim()) continue;
    if (e.getClientRects().length === 0) continue;
    const style = getComputedStyle(e);
    if (style.visibility === 'hidden') continue;
    const back = background(e);
    const fore = over(rgba(style.color), back);
    const [hi, lo] = [luminance(fore), luminance(back)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    measured += 1;
    if (ratio < minimum) {
      low.push(`${ratio.toFixed(2)}:1 ${style.color} on rgb(${back.map(Math.round)}): `
        + node.textContent.trim().slice(0, 40));
    }
  }
  return {measured, low};
}"""

# Follows each link of the table of contents as a reader's click would (a same-page fragment
# navigation) and asks the browser which element it then targets (:target).
_TOC_JS = """() => Array.from(document.querySelectorAll('nav.toc a')).map(a => {
  const href = a.getAttribute('href') || '';
  if (!href.startsWith('#')) return {href, resolves: false};
  history.replaceState(null, '', '#');
  a.click();
  const target = document.querySelector(':target');
  return {href, resolves: !!target && target !== document.documentElement};
})"""


@dataclass(frozen=True)
class ImageState:
    """One <img> after the page's load event: loaded, and its natural size in pixels."""

    src: str
    alt: str
    complete: bool
    width: int
    height: int


@dataclass(frozen=True)
class ChineseText:
    """A rendered element holding Chinese, and the platform font families that drew it."""

    text: str
    families: tuple[str, ...]

    @property
    def drawn_with_cjk_font(self) -> bool:
        return any(CJK_FAMILIES.search(family) for family in self.families)


@dataclass(frozen=True)
class Overflow:
    """How wide the page scrolled at one viewport width, and what stuck out past its edge."""

    width: int
    scroll: int
    culprits: tuple[str, ...]

    @property
    def overflows(self) -> bool:
        return self.scroll > self.width


@dataclass(frozen=True)
class PageVisit:
    """What a headless Chromium saw when it opened one HTML file."""

    name: str
    console_errors: tuple[str, ...]
    page_errors: tuple[str, ...]
    blocked_requests: tuple[str, ...]
    images: tuple[ImageState, ...]
    visible_code: tuple[str, ...]
    shown_source_lines: tuple[str, ...]
    chinese: tuple[ChineseText, ...]
    text: str
    pwned: bool
    screenshot: Path
    overflow: tuple[Overflow, ...] = ()
    misaligned_text: tuple[str, ...] = ()
    contrast_measured: int = 0
    low_contrast: tuple[str, ...] = ()
    toc_links: tuple[str, ...] = ()
    broken_toc_links: tuple[str, ...] = ()

    @property
    def scientific_numbers(self) -> tuple[str, ...]:
        """Numbers in scientific notation in the visible text (p-values included: pages state
        them as "p = 0.008" or "p < 0.001")."""
        return scientific_numbers(self.text)


def in_ci() -> bool:
    """True when the environment says this is a CI run (CI=true, as most CI services set)."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def missing(reason: str) -> None:
    """Skip with the reason on a developer's machine; fail in CI, where nothing may be missing."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: the browser test must run in CI)", pytrace=False)
    pytest.skip(reason)


def chromium_executable() -> str:
    """The system Chromium: $CHROMIUM, else `chromium` on PATH (Debian package `chromium`)."""
    candidate = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(candidate).is_file():
        missing(f"no Chromium at {candidate}: install the Debian package with `make system-deps`")
    return candidate


def visit(context, html: Path, screenshot: Path) -> PageVisit:
    """Open `html` in a new page of the browser context and record what it did and showed."""
    page = context.new_page()
    console_errors: list[str] = []
    page_errors: list[str] = []
    blocked: list[str] = []
    page.on("console", lambda m: m.type == "error" and console_errors.append(m.text))
    page.on("pageerror", lambda exc: page_errors.append(str(exc)))
    page.on("websocket", lambda socket: blocked.append(socket.url))
    page.route("**/*", lambda route: _local_only(route, blocked))
    page.goto(html.as_uri(), wait_until="load")
    save_screenshot(page.screenshot(full_page=True), screenshot)
    contrast = page.evaluate(_CONTRAST_JS, MIN_CONTRAST)
    toc = page.evaluate(_TOC_JS)
    record = PageVisit(
        name=html.stem,
        console_errors=tuple(console_errors),
        page_errors=tuple(page_errors),
        blocked_requests=tuple(blocked),
        images=tuple(ImageState(**image) for image in page.evaluate(_IMAGES_JS)),
        visible_code=tuple(page.evaluate(_VISIBLE_CODE_JS)),
        shown_source_lines=_shown_source_lines(page.inner_text("body"), html),
        chinese=_chinese_fonts(context, page),
        text=page.inner_text("body"),
        pwned=page.evaluate("() => typeof window.__pwned !== 'undefined'"),
        screenshot=screenshot,
        overflow=tuple(_overflow(page, width) for width in LAYOUT_WIDTHS),
        misaligned_text=tuple(page.evaluate(_MISALIGNED_TEXT_JS)),
        contrast_measured=contrast["measured"],
        low_contrast=tuple(contrast["low"]),
        toc_links=tuple(link["href"] for link in toc),
        broken_toc_links=tuple(link["href"] for link in toc if not link["resolves"]),
    )
    page.close()
    return record


def _overflow(page, width: int) -> Overflow:
    """The page laid out `width` px wide: its scroll width and what sticks out."""
    page.set_viewport_size({"width": width, "height": VIEWPORT["height"]})
    seen = page.evaluate(_OVERFLOW_JS)
    page.set_viewport_size(VIEWPORT)
    return Overflow(width=seen["width"], scroll=seen["scroll"], culprits=tuple(seen["culprits"]))


def scientific_numbers(text: str) -> tuple[str, ...]:
    """Each number in scientific notation in `text`, with what precedes it."""
    found = []
    for match in SCIENTIFIC.finditer(text):
        before = text[max(0, match.start() - 30) : match.start()]
        found.append(f"...{before[-20:]}{match.group(0)}")
    return tuple(found)


def _local_only(route, blocked: list[str]) -> None:
    url = route.request.url
    if url.startswith(LOCAL_SCHEMES):
        route.continue_()
    else:
        blocked.append(url)
        route.abort("blockedbyclient")


def _shown_source_lines(text: str, html: Path) -> tuple[str, ...]:
    """Lines of the executed notebook's code cells that appear in the page's visible text."""
    notebook_path = html.with_suffix(".ipynb")
    if not notebook_path.is_file():  # index.html has no notebook
        return ()
    notebook = nbformat.read(notebook_path, as_version=4)
    lines = {
        line.strip()
        for cell in notebook.cells
        if cell.cell_type == "code"
        for line in cell.source.splitlines()
        if len(line.strip()) >= MIN_CODE_LINE
    }
    return tuple(sorted(line for line in lines if line in text))


def _chinese_fonts(context, page) -> tuple[ChineseText, ...]:
    """Platform fonts Chromium used for elements holding Chinese (CSS.getPlatformFontsForNode)."""
    texts = page.evaluate(_MARK_CHINESE_JS)
    if not texts:
        return ()
    devtools = context.new_cdp_session(page)
    devtools.send("DOM.enable")
    devtools.send("CSS.enable")
    root = devtools.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
    found = []
    for index, text in enumerate(texts):
        query = {"nodeId": root, "selector": f'[data-cjk-probe="{index}"]'}
        node = devtools.send("DOM.querySelector", query)["nodeId"]
        fonts = devtools.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
        families = tuple(f["familyName"] for f in fonts if f["glyphCount"] > 0)
        found.append(ChineseText(text=text, families=families))
    devtools.detach()
    return tuple(found)


def save_screenshot(png: bytes, path: Path, max_bytes: int = MAX_SCREENSHOT_BYTES) -> Path:
    """Write a PNG no larger than `max_bytes`: as taken, else in 256 colours, else cropped."""
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    if len(png) <= max_bytes:
        path.write_bytes(png)
        return path
    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=256)
    while True:
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", optimize=True)
        if buffer.tell() <= max_bytes or image.height < 400:
            path.write_bytes(buffer.getvalue())
            return path
        image = image.crop((0, 0, image.width, image.height * 3 // 4))


def plant_markup(source: Path, target: Path, planted: dict[str, dict[str, str]]) -> Path:
    """Copy a Parquet warehouse, replacing names: {table.column: {old name: new name}}."""
    shutil.copytree(source, target)
    for where, renames in planted.items():
        table, column = where.split(".")
        path = target / f"{table}.parquet"
        data = pq.read_table(path)
        names = data.column(column).to_pandas()
        if not names.isin(list(renames)).any():
            raise ValueError(f"{path.name}: column {column} holds none of {sorted(renames)}")
        field = data.schema.get_field_index(column)
        renamed = pa.array(names.replace(renames), type=data.schema.field(column).type)
        pq.write_table(data.set_column(field, data.schema.field(column), renamed), path)
    return target
