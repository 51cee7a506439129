"""The HTML backstop leaves a report inert even if markup slipped past escaping."""

from __future__ import annotations

from analysis.html import strip_scripts


def test_scripts_handlers_and_javascript_urls_are_removed() -> None:
    page = (
        '<p onclick="steal()" class="finding">hi</p><scr<script>x</script>ipt>alert(1)</script>'
        '<a href=\'javascript:alert(2)\'>x</a><img src="data:image/png;base64,AAA" alt="ok">'
        '<script src="https://cdn.example/x.js"></script><link href="https://cdn/x.css">'
    )
    inert = strip_scripts(page)
    assert "<script" not in inert.lower() and "onclick" not in inert
    assert "javascript:" not in inert and "https://cdn" not in inert
    assert '<p class="finding">hi</p>' in inert
    assert '<img src="data:image/png;base64,AAA" alt="ok">' in inert


def test_escaped_text_that_looks_like_markup_is_left_as_written() -> None:
    text = "<td>&lt;img src=x onerror=&quot;alert(1)&quot;&gt; 'javascript:void' on=1</td>"
    assert strip_scripts(text) == text
