"""Pages carry the Chinese font they need: a reader without a CJK font still sees characters."""

from __future__ import annotations

import base64
import io
import re

from fontTools.ttLib import TTFont

from analysis.fonts import FAMILY, PAGE_FONT_STACK, font_face_css, wide_characters, with_page_font

_EMBEDDED = re.compile(r"url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\)")


def _embedded_font(css: str) -> TTFont:
    return TTFont(io.BytesIO(base64.b64decode(_EMBEDDED.search(css).group(1))))


def test_embedded_subset_draws_every_chinese_character_of_the_page() -> None:
    shown = "抖音 revenue −12%，小红书：转化率（站内）「护肤误区」"
    page = f"<html><head></head><body><p>{shown}</p></body></html>"
    font = _embedded_font(with_page_font(page))
    cmap = font.getBestCmap()
    needed = wide_characters(page)
    assert set("抖音小红书转化率站内护肤误区，：（）「」") <= set(needed)
    assert [c for c in needed if ord(c) not in cmap] == []
    assert font["name"].getDebugName(1) == FAMILY
    # a subset, not the 8 MB file: only the page's characters (and .notdef, space...) are in it
    assert len(font.getGlyphOrder()) < 2 * len(needed)


def test_pages_without_chinese_embed_no_font() -> None:
    page = "<html><head></head><body><p>Revenue +12%</p></body></html>"
    assert with_page_font(page) == page
    assert font_face_css("ROI 1.2") == ""


def test_the_page_font_stack_names_the_embedded_font_first() -> None:
    assert PAGE_FONT_STACK.startswith(f'"{FAMILY}"')
    styled = with_page_font("<head><title>抖音</title></head>")
    assert styled.index(f'font-family: "{FAMILY}"') < styled.index("</head>")
