"""Text from the data drawn in a figure is cut to a readable length.

A campaign or keyword name is free text: 10,000 characters of it made a chart 111,373 px wide
and 3 px tall (`bbox_inches="tight"` grows the image to hold every label). Every text of a
figure (tick labels, legend entries, titles, annotations) longer than `MAX_LABEL_CHARS` is
cut there with an ellipsis before the figure is saved; tables show the full text.
"""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import Formatter

MAX_LABEL_CHARS = 60
"""Longer than any channel · campaign · keyword label of the demo, short enough for a chart."""


def shorten(label: str, limit: int = MAX_LABEL_CHARS) -> str:
    """`label` cut to `limit` characters, the last of them an ellipsis."""
    return label if len(label) <= limit else label[: limit - 1] + "…"


class _Shortened(Formatter):
    """Tick labels of another formatter, each cut to `MAX_LABEL_CHARS` (tick labels are
    made again at every draw, so the formatter itself must cut them)."""

    def __init__(self, inner: Formatter) -> None:
        self.inner = inner

    def __call__(self, x: Any, pos: Any = None) -> str:
        return shorten(self.inner(x, pos))

    def format_ticks(self, values: list[float]) -> list[str]:
        return [shorten(label) for label in self.inner.format_ticks(values)]

    def set_locs(self, locs: list[float]) -> None:
        self.inner.set_locs(locs)

    def get_offset(self) -> str:
        return self.inner.get_offset()

    def set_axis(self, axis: Any) -> None:
        super().set_axis(axis)
        self.inner.set_axis(axis)


def shorten_texts(figure: Figure) -> None:
    """Cut every over-long text of `figure` (see the module's docstring)."""
    figure.canvas.draw()  # makes the tick labels
    for axes in figure.axes:
        for axis in (axes.xaxis, axes.yaxis):
            labels = [t.get_text() for t in axis.get_ticklabels()]
            if any(len(label) > MAX_LABEL_CHARS for label in labels):
                axis.set_major_formatter(_Shortened(axis.get_major_formatter()))
    for item in figure.findobj(Text):
        if len(item.get_text()) > MAX_LABEL_CHARS:
            item.set_text(shorten(item.get_text()))
