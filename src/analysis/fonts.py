"""The Chinese font every figure and page uses, installed with the project's Python packages.

Noto Sans SC (SIL Open Font License 1.1) comes from the PyPI package `pylopdf-fonts-zh-cn`
(in `requirements.lock`), so neither a Debian font package nor root is needed. Figures
register the file with matplotlib (`reporting.style`); each HTML page embeds a subset of it
holding only the characters that page shows (a few hundred glyphs, WOFF, a data: URL), so a
reader whose machine has no Chinese font still sees characters, offline.
"""

from __future__ import annotations

import base64
import io
import logging
import re
from functools import cache
from pathlib import Path

log = logging.getLogger(__name__)

FAMILY = "Noto Sans SC"
"""The family name of the bundled font, in matplotlib and in the pages' CSS."""

PAGE_FONT_STACK = (
    f'"{FAMILY}", "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", '
    '"Microsoft YaHei", system-ui, -apple-system, "Segoe UI", sans-serif'
)
"""The pages' font-family: the embedded font first, then the common system CJK fonts."""

# Characters the embedded subset carries: CJK punctuation, kana, Han, full-width forms.
_WIDE = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]")
_HEAD_END = re.compile(r"</head\s*>", re.IGNORECASE)


@cache
def bundled_font_path() -> Path | None:
    """The Noto Sans SC file of `pylopdf-fonts-zh-cn`, or None when the package is missing."""
    try:
        import pylopdf_fonts_zh_cn
    except ImportError:
        log.warning(
            "the font package pylopdf-fonts-zh-cn is not installed: run `make setup`; "
            "Chinese text will need a system CJK font"
        )
        return None
    path = Path(pylopdf_fonts_zh_cn.sans_path())
    return path if path.is_file() else None


def wide_characters(text: str) -> str:
    """The distinct CJK characters of `text`, sorted (what a page's font subset must hold)."""
    return "".join(sorted(set(_WIDE.findall(text))))


@cache
def _subset_woff(characters: str) -> bytes:
    """The bundled font cut down to `characters`, as WOFF (fontTools comes with matplotlib)."""
    from fontTools import subset

    options = subset.Options()
    options.flavor = "woff"
    options.name_IDs = ["*"]
    options.notdef_outline = True
    font = subset.load_font(str(bundled_font_path()), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=characters)
    subsetter.subset(font)
    buffer = io.BytesIO()
    subset.save_font(font, buffer, options)
    return buffer.getvalue()


def font_face_css(text: str) -> str:
    """A CSS @font-face embedding the bundled font's glyphs for the CJK characters of `text`.

    Empty when `text` has none or the font package is missing (the stack's system fonts
    then apply).
    """
    characters = wide_characters(text)
    if not characters or bundled_font_path() is None:
        return ""
    encoded = base64.b64encode(_subset_woff(characters)).decode("ascii")
    return (
        f'@font-face {{ font-family: "{FAMILY}"; font-style: normal; font-weight: normal; '
        f'src: url(data:font/woff;base64,{encoded}) format("woff"); }}'
    )


def with_page_font(html: str) -> str:
    """`html` with a <style> before </head> that embeds the font for the text it shows."""
    css = font_face_css(html)
    if not css:
        return html
    return _HEAD_END.sub(lambda m: f"<style>{css}</style>\n" + m.group(0), html, count=1)
