"""Every HTML of a demo batch, opened in headless Chromium: offline, inert, readable in Chinese.

Runs the monthly batch (every report in it, and index.html) over the test demo warehouse and
over a copy whose channel, campaign and A/B arm names carry markup, then opens each page in
the system's Chromium (no browser download). Full-page screenshots go to the batch folder;
with GALLERY_DIR set (`make gallery`) the README's gallery pages are also written there.
Without Chromium the tests skip and say why, except under CI=true (.ci/run installs it). No
system CJK font is needed: each page embeds the glyphs it shows (analysis.fonts).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from browser_support import (
    LAYOUT_WIDTHS,
    MAX_SCREENSHOT_BYTES,
    MIN_CONTRAST,
    VIEWPORT,
    PageVisit,
    chromium_executable,
    missing,
    plant_markup,
    save_screenshot,
    scientific_numbers,
    visit,
)

from analysis.batch import run_batch
from analysis.params import load_batch_params
from analysis.schema import CHANNELS

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[1]
BATCH = ROOT / "params" / "monthly" / "2026-10.yaml"
GALLERY_PAGES = ("monthly_summary", "abtest", "attribution")  # the README shows these, en and zh
GALLERY_MAX_BYTES = 500_000  # in 256 colours: the repository keeps every version

SCRIPT = "<script>window.__pwned=1</script>"
IMAGE = '<img src=x onerror="window.__pwned=1">'
# The contract allows any channel name (schema.CHANNELS only orders and colours them).
PLANTED = {
    "orders.channel": {"知乎": f"{SCRIPT}知乎"},
    "touchpoints.channel": {"知乎": f"{SCRIPT}知乎"},
    "spend.channel": {"知乎": f"{SCRIPT}知乎"},
    "spend.campaign": {"品牌词_Brand": f"{IMAGE}品牌词_Brand"},
    "touchpoints.campaign": {"品牌词_Brand": f"{IMAGE}品牌词_Brand"},
    "experiment_arms.label": {
        "3个技巧让皮肤一周透亮": f"{SCRIPT}3个技巧",
        "限时折扣": f"{IMAGE}限时折扣",
    },
}


@pytest.fixture(scope="module")
def browser_context():
    """A headless context of the system Chromium, 1100 px wide; service workers blocked."""
    executable = chromium_executable()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("playwright is not installed: run `make setup` (it is in the dev extra)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable)
        context = browser.new_context(viewport=VIEWPORT, service_workers="block")
        yield context
        context.close()
        browser.close()


def _run_month(data_dir: Path, out: Path, lang: str = "en") -> Path:
    """The monthly batch over `data_dir` in `lang`, two reports at a time; all must succeed."""
    text = BATCH.read_text(encoding="utf-8").replace("path: data/demo", f"path: {data_dir}")
    assert "\nlang: en" in text
    text = text.replace("\nlang: en", f"\nlang: {lang}")
    batch = out.parent / f"{out.name}.yaml"
    batch.write_text(text.replace("params: params/", f"params: {ROOT}/params/"), encoding="utf-8")
    outcomes = run_batch(load_batch_params(batch), out, jobs=2, progress=False)
    failed = {o.name: o.error for o in outcomes if o.status != "ok"}
    assert not failed, f"reports failed: {failed}"
    return out


def _visit_all(context, batch_dir: Path) -> dict[str, PageVisit]:
    pages = sorted(batch_dir.glob("*.html"))
    assert batch_dir / "index.html" in pages and len(pages) > 1
    return {p.stem: visit(context, p, batch_dir / "screenshots" / f"{p.stem}.png") for p in pages}


def _demo_batch(context, demo_dir: Path, tmp_path_factory, lang: str) -> dict[str, PageVisit]:
    out = _run_month(demo_dir, tmp_path_factory.mktemp(f"browser-{lang}") / "2026-10", lang)
    pages = _visit_all(context, out)
    gallery = os.environ.get("GALLERY_DIR")
    for name in GALLERY_PAGES if gallery else ():
        shot = pages[name].screenshot.read_bytes()
        save_screenshot(shot, Path(gallery) / lang / f"{name}.png", max_bytes=GALLERY_MAX_BYTES)
    return pages


@pytest.fixture(scope="module")
def demo_pages(browser_context, demo_dir: Path, tmp_path_factory) -> dict[str, PageVisit]:
    """Every page of the monthly batch over the demo warehouse, as the browser saw it."""
    return _demo_batch(browser_context, demo_dir, tmp_path_factory, "en")


@pytest.fixture(scope="module")
def zh_pages(browser_context, demo_dir: Path, tmp_path_factory) -> dict[str, PageVisit]:
    """The same batch in Chinese."""
    return _demo_batch(browser_context, demo_dir, tmp_path_factory, "zh")


@pytest.fixture(scope="module")
def both_languages(demo_pages, zh_pages) -> dict[str, PageVisit]:
    """Every page of the batch in English and in Chinese, named `en/<page>` and `zh/<page>`."""
    pages = {f"en/{name}": page for name, page in demo_pages.items()}
    return pages | {f"zh/{name}": page for name, page in zh_pages.items()}


@pytest.fixture(scope="module")
def planted_pages(browser_context, demo_dir: Path, tmp_path_factory) -> dict[str, PageVisit]:
    """Every page of the monthly batch over a demo copy with markup in names."""
    base = tmp_path_factory.mktemp("planted")
    warehouse = plant_markup(demo_dir, base / "warehouse", PLANTED)
    return _visit_all(browser_context, _run_month(warehouse, base / "2026-10"))


def test_pages_log_no_console_or_script_errors(demo_pages):
    errors = {n: p.console_errors + p.page_errors for n, p in demo_pages.items()}
    assert not {n: e for n, e in errors.items() if e}


def test_no_request_leaves_the_file(demo_pages):
    blocked = {n: p.blocked_requests for n, p in demo_pages.items() if p.blocked_requests}
    assert not blocked, f"requests other than file: or data: (blocked): {blocked}"


def test_every_figure_has_loaded_with_a_size(demo_pages):
    assert any(p.images for p in demo_pages.values())
    broken = {
        n: [i for i in p.images if not (i.complete and i.width > 0 and i.height > 0)]
        for n, p in demo_pages.items()
    }
    assert not {n: b for n, b in broken.items() if b}


def test_no_code_is_shown(demo_pages):
    assert not {n: p.visible_code for n, p in demo_pages.items() if p.visible_code}
    assert not {n: p.shown_source_lines for n, p in demo_pages.items() if p.shown_source_lines}


def test_chinese_is_drawn_with_a_cjk_font_not_boxes(both_languages):
    """Each page embeds the font it needs, so no system CJK font is required (CI has none)."""
    probed = [text for page in both_languages.values() for text in page.chinese]
    assert any(channel in t.text for t in probed for channel in CHANNELS)
    assert all(page.chinese for name, page in both_languages.items() if name.startswith("zh/"))
    tofu = {
        n: [t for t in p.chinese if not t.drawn_with_cjk_font] for n, p in both_languages.items()
    }
    assert not {n: t for n, t in tofu.items() if t}


def test_every_page_has_a_full_page_screenshot(demo_pages):
    from PIL import Image

    for page in demo_pages.values():
        assert page.screenshot.stat().st_size <= MAX_SCREENSHOT_BYTES
        with Image.open(page.screenshot) as image:
            assert image.width == VIEWPORT["width"] and image.height >= VIEWPORT["height"]


def test_no_page_is_wider_than_a_desktop_or_a_phone_screen(both_languages):
    """At 1400 and 390 px nothing scrolls the page sideways; a wide table scrolls in its box."""
    wide = {
        name: [(o.width, o.scroll, o.culprits) for o in page.overflow if o.overflows]
        for name, page in both_languages.items()
    }
    assert all(len(page.overflow) == len(LAYOUT_WIDTHS) for page in both_languages.values())
    assert not {name: w for name, w in wide.items() if w}


def test_text_columns_are_not_right_aligned(both_languages):
    misaligned = {n: p.misaligned_text for n, p in both_languages.items() if p.misaligned_text}
    assert not misaligned


def test_no_number_in_scientific_notation(both_languages):
    found = {n: p.scientific_numbers for n, p in both_languages.items() if p.scientific_numbers}
    assert not found


def test_text_meets_wcag_aa_contrast(both_languages):
    """Every visible text run, table cells included, from computed styles. Heatmap labels
    are drawn into PNG figures, where the browser cannot see them: test_figures.py's
    test_heatmap_numbers_meet_wcag_aa_contrast_on_their_cells checks them in matplotlib."""
    assert all(page.contrast_measured >= 20 for page in both_languages.values())
    low = {n: p.low_contrast for n, p in both_languages.items() if p.low_contrast}
    assert not low, f"below {MIN_CONTRAST}:1: {low}"


def test_every_contents_link_leads_to_its_section(both_languages):
    reports = {n: p for n, p in both_languages.items() if not n.endswith("/index")}
    assert all(page.toc_links for page in reports.values())
    assert not {n: p.broken_toc_links for n, p in both_languages.items() if p.broken_toc_links}


def test_markup_in_names_is_shown_as_text_and_runs_nothing(planted_pages):
    assert not [n for n, p in planted_pages.items() if p.pwned]
    for planted in (SCRIPT, IMAGE):
        assert [n for n, p in planted_pages.items() if planted in p.text], planted
    assert f"{SCRIPT}3个技巧" in planted_pages["abtest"].text  # an A/B arm title
    assert f"{SCRIPT}知乎" in planted_pages["attribution"].text  # a channel name
    assert f"{IMAGE}品牌词_Brand" in planted_pages["anomalies"].text  # a campaign name
    trouble = {
        n: p.console_errors + p.page_errors + p.blocked_requests for n, p in planted_pages.items()
    }
    assert not {n: t for n, t in trouble.items() if t}
    assert all(i.width > 0 for p in planted_pages.values() for i in p.images)


def test_the_browser_check_sees_what_a_bad_page_does(browser_context, tmp_path):
    page = tmp_path / "bad.html"
    page.write_text(
        '<html><body><p>小红书</p><script>window.__pwned = 1; console.error("boom")</script>'
        '<img src="https://example.com/pixel.png"><img src="missing.png">'
        '<div class="jp-CodeCell"><div class="jp-InputArea">import analysis</div></div>'
        "</body></html>",
        encoding="utf-8",
    )
    seen = visit(browser_context, page, tmp_path / "bad.png")
    assert seen.pwned and "boom" in seen.console_errors
    assert seen.blocked_requests == ("https://example.com/pixel.png",)
    assert [image.width for image in seen.images] == [0, 0]
    assert seen.visible_code and seen.chinese[0].text == "小红书"


def test_the_layout_checks_see_what_a_bad_page_does(browser_context, tmp_path):
    """Each page-design check finds its planted fault, and passes what the design allows."""
    page = tmp_path / "bad.html"
    page.write_text(
        '<html><body><nav class="toc"><a href="#here">here</a> <a href="#gone">gone</a></nav>'
        '<h2 id="here">Here</h2><div style="width:600px">wide block</div>'
        '<div style="overflow-x:auto"><table style="width:2000px"><tr><td>wide table</td></tr>'
        "</table></div>"
        '<table><tr><td style="text-align:right">Expand the budget</td><td>12</td></tr>'
        '<tr><td style="text-align:right">Hold</td><td style="text-align:right">n/a</td></tr>'
        '<tr><td style="color:#aaa">Pale words</td><td>3</td></tr></table>'
        "<p>Revenue 1.529e+05; p = 2.66e-09</p></body></html>",
        encoding="utf-8",
    )
    seen = visit(browser_context, page, tmp_path / "bad.png")
    desktop, phone = seen.overflow
    assert not desktop.overflows and phone.overflows
    assert [c.split(":")[0] for c in phone.culprits] == ["div."]  # not the table in its box
    assert seen.misaligned_text == ("right: Expand the budget", "right: Hold")  # not n/a
    assert [low.split(":1")[0] for low in seen.low_contrast] == ["2.32"]
    assert seen.toc_links == ("#here", "#gone") and seen.broken_toc_links == ("#gone",)
    assert [found.split()[-1] for found in seen.scientific_numbers] == ["1.529e+05", "2.66e-09"]


def test_scientific_notation_is_found_in_every_number_p_values_too():
    text = (
        "lift -3.449e-05 · p = 2.66e-09 · p-value 1E-4 · n 1.5E+3 · p值 3e-6 · id a1e5 · 2e"
        " · run 20261208T034432Z-81346e29 · 运行 20261208T034432Z-1e5"
    )
    found = [s.split()[-1] for s in scientific_numbers(text)]
    assert found == ["-3.449e-05", "2.66e-09", "1E-4", "1.5E+3", "3e-6"]
