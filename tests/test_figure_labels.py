"""A 10,000-character name from the data does not set a figure's size (issue: a 111,373 px
wide chart 3 px tall)."""

from __future__ import annotations

import base64
import io
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from PIL import Image

from analysis.reporting import display, setup_figures
from analysis.reporting.labels import MAX_LABEL_CHARS, shorten

LONG = "品牌词_" + "x" * 10_000


def _png_size(monkeypatch, figure) -> tuple[int, int]:
    shown: list[str] = []
    monkeypatch.setattr(display, "display_html", shown.append)
    display.show_figure(figure, alt="test")
    encoded = re.search(r"base64,([^\"]+)", shown[0]).group(1)
    return Image.open(io.BytesIO(base64.b64decode(encoded))).size


def _chart(names: list[str]):
    setup_figures()  # the project's CJK font, as a report has it
    figure, axes = plt.subplots(figsize=(6, 3))
    frame = pd.Series([3.0, 2.0, 1.0], index=names)
    axes.barh(frame.index, frame.values, label=names[0])
    axes.set_title(names[0])
    axes.legend()
    return figure


def test_a_huge_category_label_leaves_the_chart_its_size(monkeypatch) -> None:
    width, height = _png_size(monkeypatch, _chart([LONG, "抖音", "知乎"]))
    normal_width, normal_height = _png_size(monkeypatch, _chart(["品牌词_a", "抖音", "知乎"]))
    assert width < 2 * normal_width and height == normal_height


def test_shorten_keeps_short_labels_and_cuts_long_ones() -> None:
    assert shorten("抖音") == "抖音"
    cut = shorten(LONG)
    assert len(cut) == MAX_LABEL_CHARS and cut.endswith("…") and cut.startswith("品牌词_x")
