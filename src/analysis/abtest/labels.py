"""Metric names as readers see them: presets from the catalogue, custom metrics as params say."""

from __future__ import annotations

from analysis.i18n import text


def metric_name(metric: str, lang: str, label: str | None = None) -> str:
    """In sentences and figures: the catalogue's `abtest.metric_name.<metric>`, or the custom
    metric's own label."""
    return label if label is not None else text(f"abtest.metric_name.{metric}", lang)


def metric_header(metric: str, lang: str, label: str | None = None, unit: str = "") -> str:
    """As a table header with its unit: "CTR (clicks / units)", or "<label> (<unit>)"."""
    if label is None:
        return text(f"abtest.metric_label.{metric}", lang)
    return f"{label} ({unit})" if unit else label
