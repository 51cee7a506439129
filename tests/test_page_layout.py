"""Report pages read at a glance: headline callout, contents, text left and numbers right."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from analysis.html import with_contents
from analysis.i18n import p_value, plain, points, points_interval
from analysis.reporting import display


@pytest.fixture
def shown(monkeypatch) -> list[str]:
    markup: list[str] = []
    monkeypatch.setattr(display, "display_html", markup.append)
    return markup


def _cells(table: str) -> list[list[tuple[str, str]]]:
    """(class, text) of every cell, row by row."""
    rows = re.findall(r"<tr.*?</tr>", table, re.S)
    return [re.findall(r'<t[dh](?: class="(\w+)")?[^>]*>(.*?)</t[dh]>', row, re.S) for row in rows]


def test_text_columns_left_and_number_columns_right(shown) -> None:
    frame = pd.DataFrame(
        {
            "Cause": ["Spend over plan on a channel at the keep line", "–"],
            "Lift": ["+1.0 pp [+0.55, +1.45]", "−3.5%"],
            "Revenue (¥)": [9_159_388.0, 12.5],
            "p": ["< 0.001", "0.042"],
            "Channel": ["抖音", "1号店"],  # a name starting with a digit is still text
        }
    )
    display.show_table(frame, formats={"Revenue (¥)": ",.0f"})
    header, *rows = _cells(shown[0])
    assert [cls for cls, _ in header] == ["", "num", "num", "num", ""]
    for row in rows:
        assert [cls for cls, _ in row] == ["", "num", "num", "num", ""]
    assert rows[0][2][1] == "9,159,388"


def test_index_cells_are_not_counted_as_data_columns(shown) -> None:
    frame = pd.DataFrame({"n": [1, 2]}, index=pd.Index(["a", "b"], name="class"))
    display.show_table(frame, index=True)
    body = _cells(shown[0])[-1]
    assert body == [("", "b"), ("num", "2")]


def test_headline_is_a_callout_with_one_line_per_decision(shown) -> None:
    display.show_headline(
        "title_2026_10: Ship B: +20.1% [+10.7%, +30.4%] (adjusted p = 1e-05). "
        "copy_2026_10: Keep A: <b>no</b> difference."
    )
    callout = shown[0]
    assert callout.startswith('<div class="callout headline"')
    assert re.findall(r"<li>(.*?)</li>", callout) == [
        "title_2026_10: Ship B: +20.1% [+10.7%, +30.4%] (adjusted p = 1e-05).",
        "copy_2026_10: Keep A: &lt;b&gt;no&lt;/b&gt; difference.",
    ]
    shown.clear()
    display.show_headline("共 8 个事件。最大的是小红书。")
    assert len(re.findall(r"<li>", shown[0])) == 2


def test_contents_list_every_section_after_the_headline() -> None:
    body = (
        '<body><h1 id="T">T<a class="anchor-link" href="#T">¶</a></h1>'
        '<div class="callout headline" role="note"><p>Answer.</p></div>'
        '<h2 id="结论">结论<a class="anchor-link" href="#结论">¶</a></h2>'
        '<h2 id="Next-month">Next month<a class="anchor-link" href="#Next-month">¶</a></h2>'
        "</body>"
    )
    page = with_contents(body, "目录")
    toc = re.search(r'<nav class="toc">.*?</nav>', page).group(0)
    assert page.index(toc) == page.index("</div>") + len("</div>")
    links = re.findall(r'href="#([^"]+)"', toc)
    assert links == ["结论", "Next-month"]
    assert all(f'id="{anchor}"' in page for anchor in links)


def test_number_style_percentage_points_no_scientific_notation() -> None:
    assert f"{points(0.01001)} {points_interval(0.005544, 0.01448)}" == "+1.0 pp [+0.55, +1.45]"
    assert points(-0.035) == "\u22123.5 pp"
    assert plain(-3.449e-05, signed_=True) == "\u22120.0000345"
    assert plain(1.529e05) == "152,900"
    assert p_value(2.66e-09) == "< 0.001" and p_value(0.1695) == "0.170"
    for value in (2.66e-09, 1.529e05, -3.449e-05, 0.1695):
        assert "e" not in plain(value)


def test_each_language_has_its_own_folder_and_a_link_to_the_other(monkeypatch, tmp_path) -> None:
    from analysis import navigation, paths

    monkeypatch.setattr(paths, "REPORTS_DIR", tmp_path)
    english, chinese = paths.month_dir("2026-10", "en"), paths.month_dir("2026-10", "zh")
    assert (english, chinese) == (tmp_path / "2026-10", tmp_path / "zh" / "2026-10")
    english.mkdir(parents=True)
    (english / "abtest.html").write_text("<html></html>")
    nav = navigation.report_nav(chinese, "2026-10", "abtest", "zh")
    link = re.search(r'<a href="([^"]+)" hreflang="en">English</a>', nav)
    assert link and (chinese / link.group(1)).resolve() == (english / "abtest.html").resolve()
    # the English page links to the Chinese one once that exists; a custom folder links none
    assert "hreflang" not in navigation.report_nav(english, "2026-10", "abtest", "en")
    chinese.mkdir(parents=True)
    (chinese / "abtest.html").write_text("<html></html>")
    assert 'href="../zh/2026-10/abtest.html" hreflang="zh-CN">中文版' in navigation.report_nav(
        english, "2026-10", "abtest", "en"
    )
    assert "hreflang" not in navigation.report_nav(tmp_path / "out", "2026-10", "abtest", "en")


def test_kpi_tile_text_meets_wcag_aa_on_every_status_colour() -> None:
    from matplotlib.colors import to_rgb

    from analysis.reporting.style import contrast_ratio
    from analysis.summary.display import STATUS_COLOURS, TILE_BACKGROUNDS

    assert set(TILE_BACKGROUNDS) == set(STATUS_COLOURS)
    for background in TILE_BACKGROUNDS.values():
        assert contrast_ratio(to_rgb(background), to_rgb("#333333")) >= 4.5


def test_a_section_whose_code_showed_nothing_is_left_out() -> None:
    import nbformat

    from analysis.html import without_empty_sections

    v4 = nbformat.v4
    shown = v4.new_code_cell("show()", outputs=[v4.new_output("display_data", {"text/html": "x"})])
    cells = [
        v4.new_markdown_cell("# Title"),
        v4.new_code_cell("setup()"),
        v4.new_markdown_cell('<a id="verdicts"></a>\n\n## Verdicts\n\nOne per test.'),
        shown,
        v4.new_markdown_cell("## Portfolio\n\nMany tests at once."),
        v4.new_code_cell("show_portfolio()"),
        v4.new_markdown_cell("## Methods"),
        v4.new_markdown_cell("Welch t-test."),
    ]
    kept = without_empty_sections(cells)
    assert [c.source for c in kept] == [c.source for c in cells[:4] + cells[6:]]


def test_month_indexes_list_the_summary_first_and_no_runtime(tmp_path) -> None:
    import json

    from analysis.batch import write_index, write_months_index
    from analysis.runner import RunOutcome

    month = tmp_path / "2026-10"
    month.mkdir()
    # a summary named by the team: it is listed first for its report, not its file name
    reports = {"data_health": "data_health", "abtest": "abtest", "zz_board": "monthly_summary"}
    for name, report in reports.items():
        (month / f"{name}.html").write_text("<html></html>")
        record = {"report": report, "name": name, "status": "ok", "headline": f"h {name}"}
        (month / f"{name}.json").write_text(json.dumps(record | {"results": {}}))
    outcomes = [RunOutcome(n, r, "ok", 12.34, headline=f"h {n}") for n, r in reports.items()]
    index = write_index(month, "2026-10", outcomes, "zh").read_text(encoding="utf-8")
    assert re.findall(r'<a href="(\w+)\.html">', index) == ["zz_board", "data_health", "abtest"]
    assert "12.3" not in index
    months = write_months_index(tmp_path, "en").read_text(encoding="utf-8")
    listed = [n for n in re.findall(r"<a href=\"2026-10/(\w+)\.html\">", months) if n != "index"]
    assert listed[0] == "zz_board" and sorted(listed) == sorted(reports)


def test_month_index_links_the_other_language(monkeypatch, tmp_path) -> None:
    from analysis import paths
    from analysis.batch import write_index
    from analysis.runner import RunOutcome

    monkeypatch.setattr(paths, "REPORTS_DIR", tmp_path)
    english, chinese = paths.month_dir("2026-10", "en"), paths.month_dir("2026-10", "zh")
    english.mkdir(parents=True)
    chinese.mkdir(parents=True)
    outcomes = [RunOutcome("rfm", "rfm", "ok", 1.0, headline="h")]
    assert "hreflang" not in write_index(english, "2026-10", outcomes, "en").read_text()
    index = write_index(chinese, "2026-10", outcomes, "zh").read_text(encoding="utf-8")
    assert '<a href="../../2026-10/index.html" hreflang="en">English</a>' in index
