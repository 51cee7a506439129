"""Figures show Chinese channel names as characters, and every channel keeps its colour."""

from __future__ import annotations

import warnings

import matplotlib
import pandas as pd
from matplotlib import font_manager

from analysis.fonts import FAMILY, bundled_font_path
from analysis.health.plots import daily_by_channel
from analysis.reporting.style import CHANNEL_COLOURS, channel_colour, setup_figures
from analysis.schema import CHANNELS


def test_the_bundled_cjk_font_is_chosen_without_a_system_font() -> None:
    """Noto Sans SC comes from the lock (pylopdf-fonts-zh-cn), not from Debian's package."""
    font = setup_figures()
    assert font == FAMILY, f"figures use {font!r}, not the bundled font: run `make setup`"
    assert matplotlib.rcParams["font.sans-serif"][0] == FAMILY
    chosen = font_manager.findfont(font_manager.FontProperties(family=FAMILY))
    assert chosen == str(bundled_font_path())


def test_chinese_channel_names_render_without_missing_glyphs() -> None:
    setup_figures()
    daily = pd.DataFrame(
        {
            "date": pd.to_datetime(["2026-10-01"] * len(CHANNELS)),
            "channel": list(CHANNELS),
            "orders": range(1, len(CHANNELS) + 1),
        }
    )
    figure = daily_by_channel(daily, "orders", title="每日订单 by 渠道", ylabel="订单")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure.canvas.draw()
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert not missing, missing[:2]
    legend = [text.get_text() for text in figure.axes[0].get_legend().get_texts()]
    assert set(legend) == set(CHANNELS)


def test_each_channel_has_its_own_fixed_colour() -> None:
    assert list(CHANNEL_COLOURS) == list(CHANNELS)
    assert len(set(CHANNEL_COLOURS.values())) == len(CHANNELS)
    assert channel_colour("线下门店") == channel_colour(None) != channel_colour("小红书")


def test_text_from_the_data_is_drawn_as_written() -> None:
    setup_figures()
    names = ["$x^$ 双11", "_hidden_campaign", "知乎"]
    daily = pd.DataFrame(
        {
            "date": pd.to_datetime(["2026-10-01"] * 3),
            "channel": names,
            "orders": [3, 2, 1],
        }
    )
    figure = daily_by_channel(daily, "orders", title="t", ylabel="y")
    figure.canvas.draw()  # mathtext would raise on '$x^$'
    legend = [
        text.get_text().lstrip("\u200b").replace("\\$", "$")
        for text in figure.axes[0].get_legend().get_texts()
    ]
    assert legend == names


def test_heatmap_numbers_meet_wcag_aa_contrast_on_their_cells() -> None:
    """Cell labels of both RFM heatmaps read at 4.5:1 or better (WCAG 2 AA, small text)."""
    from matplotlib.colors import to_rgba

    from analysis.reporting.style import contrast_ratio
    from analysis.rfm.classes import CLASSES
    from analysis.rfm.plots import migration_heatmap, rf_heatmap

    setup_figures()
    scores = [(r, f) for r in range(1, 6) for f in range(1, 6)]
    table = pd.DataFrame(
        {
            "r_score": [r for r, f in scores for _ in range(r * f * 40)],
            "f_score": [f for r, f in scores for _ in range(r * f * 40)],
        }
    )
    table["monetary_total"] = 100.0
    moves = pd.DataFrame(
        [
            [5000 if a == b else 10 * (i + j) for j, b in enumerate(CLASSES)]
            for i, a in enumerate(CLASSES)
        ],
        index=list(CLASSES),
        columns=list(CLASSES),
    )
    for figure in (rf_heatmap(table, "en"), migration_heatmap(moves, "zh")):
        axes = figure.axes[0]
        image = axes.get_images()[0]
        data = image.get_array()
        labels = [t for t in axes.texts if t.get_text()]
        assert len(labels) == data.size
        for label in labels:
            column, row = (round(v) for v in label.get_position())
            cell = image.cmap(image.norm(data[row, column]))
            assert contrast_ratio(cell, to_rgba(label.get_color())) >= 4.5, label.get_text()


def test_data_health_legend_leaves_the_day_axis_visible() -> None:
    setup_figures()
    daily = pd.DataFrame(
        {
            "date": pd.to_datetime(["2026-10-01", "2026-10-02"] * len(CHANNELS)),
            "channel": [c for c in CHANNELS for _ in range(2)],
            "orders": range(2 * len(CHANNELS)),
        }
    )
    figure = daily_by_channel(daily, "orders", title="t", ylabel="y")
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    legend = figure.axes[0].get_legend().get_window_extent(renderer)
    xlabel = figure.axes[0].xaxis.label.get_window_extent(renderer)
    assert not legend.overlaps(xlabel)


def test_figures_draw_chinese_with_no_system_cjk_font(monkeypatch) -> None:
    """A machine without Debian's fonts-noto-cjk (or any CJK font): matplotlib's font list
    holds only DejaVu, as on a fresh machine; the bundled font alone draws every character."""
    manager = font_manager.fontManager  # the instance the renderers hold
    bare = [f for f in manager.ttflist if f.name.startswith("DejaVu")]
    monkeypatch.setattr(manager, "ttflist", bare)
    font_manager.FontManager._findfont_cached.cache_clear()
    try:
        assert setup_figures() == FAMILY
        assert {f.name for f in manager.ttflist} == {f.name for f in bare} | {FAMILY}
        daily = pd.DataFrame(
            {
                "date": pd.to_datetime(["2026-10-01"] * len(CHANNELS)),
                "channel": list(CHANNELS),
                "orders": range(1, len(CHANNELS) + 1),
            }
        )
        figure = daily_by_channel(daily, "orders", title="每日订单（抖音、小红书）", ylabel="订单")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            figure.canvas.draw()
        assert not [str(w.message) for w in caught if "missing from font" in str(w.message)]
    finally:
        font_manager.FontManager._findfont_cached.cache_clear()
