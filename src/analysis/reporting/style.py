"""Figure style shared by every report: CJK-capable fonts, PNG output, one colour per channel.

Figures draw with the bundled Noto Sans SC (`analysis.fonts`, a PyPI package), so they look
the same on every machine; a system CJK font is only the fallback when that package is missing.
"""

from __future__ import annotations

import logging

import matplotlib
from matplotlib import font_manager

from analysis.fonts import FAMILY, bundled_font_path
from analysis.schema import CHANNELS

log = logging.getLogger(__name__)

CJK_FONTS = (
    FAMILY,
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "SimHei",
)

_PALETTE = ("#1f77b4", "#d62728", "#e377c2", "#2ca02c", "#17becf", "#ff7f0e", "#8c564b")
CHANNEL_COLOURS: dict[str, str] = dict(zip(CHANNELS, _PALETTE, strict=True))
"""The same colour for a channel in every figure of every report."""

OTHER_COLOUR = "#7f7f7f"


def channel_colour(channel: str | None) -> str:
    """The channel's colour; grey for channels outside the team's list (or none)."""
    return CHANNEL_COLOURS.get(channel or "", OTHER_COLOUR)


def available_cjk_font() -> str | None:
    """The font figures draw Chinese with: the bundled Noto Sans SC, else the first installed
    system CJK font, or None (figures would show boxes).

    matplotlib caches its font list; a font installed after that cache was written is found
    by rebuilding the list once.
    """
    register_bundled_font()
    found = _first_cjk_font()
    if found is None:
        # a private matplotlib function that its type stubs leave out
        rebuilt = font_manager._load_fontmanager(try_read_cache=False)  # type: ignore[attr-defined]
        font_manager.fontManager = rebuilt
        found = _first_cjk_font()
    return found


def register_bundled_font() -> bool:
    """Add the bundled Noto Sans SC to matplotlib's font list (once); False when missing."""
    path = bundled_font_path()
    if path is None:
        return False
    if not any(f.fname == str(path) for f in font_manager.fontManager.ttflist):
        font_manager.fontManager.addfont(str(path))
    matplotlib_log = logging.getLogger("matplotlib.font_manager")
    if not any(isinstance(f, _RegularOnlyNote) for f in matplotlib_log.filters):
        matplotlib_log.addFilter(_RegularOnlyNote())
    return True


class _RegularOnlyNote(logging.Filter):
    """Drop matplotlib's note that the bundled font has no bold: it draws bold text regular."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        weight_note = message.startswith("findfont: Failed to find font weight")
        return not (weight_note and FAMILY in message)


def _first_cjk_font() -> str | None:
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def as_label(text: object) -> str:
    """Text from the data as a figure label: shown as written (no maths, never hidden).

    '$' is escaped so a campaign name is never read as mathtext (log-axis ticks still are);
    matplotlib hides legend entries that start with '_', so a zero-width space keeps them.
    """
    label = " ".join(str(text).split()).replace("$", r"\$")  # newlines would stack ticks
    return "\u200b" + label if label.startswith("_") else label


def setup_figures(dpi: int = 110) -> str | None:
    """Set matplotlib up for reports; return the CJK font used (None: run `make setup`)."""
    cjk = available_cjk_font()
    if cjk is None:
        log.warning(
            "no CJK font found: Chinese labels will show as boxes; "
            "run `make setup` (it installs the font package pylopdf-fonts-zh-cn)"
        )
    matplotlib.rcParams.update(
        {
            "font.family": "sans-serif",
            "font.sans-serif": [*([cjk] if cjk else []), "DejaVu Sans"],
            "axes.unicode_minus": False,
            "figure.dpi": dpi,
            "savefig.dpi": dpi,
            "figure.figsize": (9, 3.6),
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.titlesize": 12,
            "axes.titleweight": "bold",
            "svg.fonttype": "none",
        }
    )
    return cjk


def relative_luminance(rgb: tuple[float, ...]) -> float:
    """WCAG 2 relative luminance of an sRGB colour given as 0–1 floats (alpha ignored)."""

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(c) for c in rgb[:3])
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: tuple[float, ...], second: tuple[float, ...]) -> float:
    """WCAG 2 contrast ratio of two colours, 1 to 21 (AA asks 4.5 for small text)."""
    light, dark = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def label_colour(background: tuple[float, ...]) -> str:
    """Black or white, whichever reads better on `background` (a heatmap cell's colour)."""
    on_black = contrast_ratio(background, (0.0, 0.0, 0.0))
    on_white = contrast_ratio(background, (1.0, 1.0, 1.0))
    return "black" if on_black >= on_white else "white"
