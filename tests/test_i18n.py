"""Chinese and English: complete catalogues, per-language formats, narrative cells by language."""

from __future__ import annotations

import json
import re
import sys
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

from analysis.errors import ParamsError, ReportError
from analysis.html import notebook_to_html
from analysis.i18n import LANGUAGES, catalogue, day, money, month, signed_percent, text
from analysis.i18n.catalogue import placeholders

SRC = Path(__file__).resolve().parents[1] / "src" / "analysis"
NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def test_every_key_is_in_both_catalogues_with_the_same_placeholders() -> None:
    en, zh = catalogue("en"), catalogue("zh")
    assert sorted(set(en) ^ set(zh)) == []
    for key in en:
        assert placeholders(en[key]) == placeholders(zh[key]), key
        assert zh[key].strip(), key


def test_every_part_has_the_same_keys_in_both_languages() -> None:
    folder = SRC / "i18n"
    parts = {lang: sorted(p.name for p in (folder / lang).glob("*.json")) for lang in LANGUAGES}
    assert parts["en"] == parts["zh"] and "common.json" in parts["en"]
    for name in parts["en"]:
        en, zh = (json.loads((folder / lang / name).read_text()) for lang in LANGUAGES)
        assert sorted(set(en) ^ set(zh)) == [], name


def test_a_key_defined_in_two_parts_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("common.json", "extra.json"):
        (tmp_path / "en" / name).parent.mkdir(exist_ok=True)
        (tmp_path / "en" / name).write_text('{"report.abtest": "A/B"}')
    module = sys.modules["analysis.i18n.catalogue"]
    monkeypatch.setattr(module, "resources", SimpleNamespace(files=lambda _: tmp_path))
    catalogue.cache_clear()
    try:
        with pytest.raises(ReportError, match=r"defined twice .*\(en/common\.json and en/extra"):
            catalogue("en")
    finally:
        catalogue.cache_clear()


def test_every_literal_key_the_code_asks_for_exists() -> None:
    asked = set()
    for path in SRC.rglob("*.py"):
        asked |= set(re.findall(r"""\btext\(\s*"([a-z_]+\.[a-z_./]+)\"""", path.read_text()))
    assert asked, "no text() call found: the scan is broken"
    assert sorted(asked - set(catalogue("en"))) == []


def test_a_missing_key_or_value_is_a_clear_error() -> None:
    with pytest.raises(ReportError, match=r"'no\.such\.key' is missing from the zh catalogue"):
        text("no.such.key", "zh")
    with pytest.raises(ReportError, match=r"needs values for \['period'\]"):
        text("scorecard.caption", "en")
    with pytest.raises(ParamsError, match="accepted: en, zh"):
        text("scorecard.caption", "fr", period="2026-10")


def test_formats_per_language() -> None:
    assert money(1234567.4, "en") == "¥1,234,567"
    assert money(-1234567.4, "zh") == "−1,234,567 元"
    assert day(date(2026, 10, 14), "zh") == "2026年10月14日"
    assert day("2026-10-14T00:00:00", "en") == "2026-10-14"
    assert signed_percent(-0.04, "en") == "−4.0%"
    assert money(None, "zh") == "–"
    assert month("2026-10", "zh") == "2026年10月" and month("2026-03", "zh") == "2026年3月"
    assert month("2026-10", "en") == "2026-10"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_html_keeps_only_the_narrative_of_its_language(tmp_path: Path, lang: str) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("English words", metadata={"tags": ["lang-en"]}),
        nbformat.v4.new_markdown_cell("中文叙述", metadata={"tags": ["lang-zh"]}),
        nbformat.v4.new_markdown_cell("both"),
    ]
    path = tmp_path / "n.ipynb"
    nbformat.write(notebook, path)
    html = notebook_to_html(path, "t", lang, nav='<nav class="report-nav">x</nav>')
    assert ("English words" in html) == (lang == "en")
    assert ("中文叙述" in html) == (lang == "zh")
    assert "both" in html and '<nav class="report-nav">' in html
    assert f'<html lang="{"zh-CN" if lang == "zh" else "en"}">' in html


def test_language_tagged_cells_come_in_pairs() -> None:
    for path in NOTEBOOKS.glob("*.ipynb"):
        cells = nbformat.read(path, as_version=4).cells
        tags = [t for c in cells for t in c.metadata.get("tags", []) if t.startswith("lang-")]
        assert tags.count("lang-en") == tags.count("lang-zh"), path.name


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_money_sentence_names_yuan_in_a_report_in_pounds(lang: str) -> None:
    """Every catalogue sentence about money follows the report's currency: in a report in
    pounds none may say yuan / 元 (the unit words of the default currency)."""
    from analysis.i18n.catalogue import catalogue, text
    from analysis.i18n.currency import use_currency

    yuan = re.compile(r"\byuan\b" if lang == "en" else r"(?<![美日港欧澳加韩单])元(?!素)")
    use_currency("GBP")
    try:
        said = {key: text(key, lang, **_dummy_values(key, lang)) for key in catalogue(lang)}
    finally:
        use_currency("CNY")
    assert not [key for key, sentence in said.items() if yuan.search(sentence)]
    assert (
        "pounds" in said["attribution.column.spend"] or "英镑" in said["attribution.column.spend"]
    )


def _dummy_values(key: str, lang: str) -> dict[str, str]:
    from analysis.i18n.catalogue import catalogue, placeholders

    return {name: "x" for name in placeholders(catalogue(lang)[key]) - {"currency"}}
