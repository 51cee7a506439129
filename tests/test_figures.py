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
