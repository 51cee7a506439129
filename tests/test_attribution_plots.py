"""The response-curve figure: both kinds of curve drawn with their bands, spare panels hidden."""

from __future__ import annotations

from dataclasses import replace

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from analysis.attribution import mmm, response
from analysis.attribution.plots import response_curves
from analysis.reporting.style import setup_figures


def test_response_curves_draw_fitted_and_mmm_curves_and_hide_spare_panels() -> None:
    setup_figures()  # the bundled CJK font, as in a report: channel names draw as glyphs
    rng = np.random.default_rng(3)
    spend = rng.uniform(1_000, 5_000, 60)
    revenue = 8_000 * (1 - np.exp(-spend / 3_000)) + rng.normal(0, 100, spend.size)
    fitted = response.fit_response_curve(spend, revenue, channel="百度SEM")
    assert fitted.supported  # a planted saturating curve with little noise
    curves: dict[str, response.ResponseCurve | mmm.SaturationCurve] = {
        "百度SEM": fitted,
        "抖音": mmm.SaturationCurve("抖音", 2.0, 3_000.0, rng.normal(2.0, 0.1, 500)),
        "知乎": replace(fitted, channel="知乎", supported=False),
        "小红书": mmm.SaturationCurve("小红书", 1.5, 2_000.0, rng.normal(1.5, 0.1, 500)),
    }
    daily = pd.concat(
        pd.DataFrame({"channel": name, "spend": spend, "revenue": revenue}) for name in curves
    )

    figure = response_curves(curves, daily, "en")

    panels = figure.axes
    assert len(panels) == 6  # four channels on a 3-wide grid
    assert [p.get_visible() for p in panels] == [True] * 4 + [False] * 2
    drawn = {name: panel for name, panel in zip(curves, panels, strict=False)}
    assert len(drawn["知乎"].lines) == 0  # unsupported: the points only
    for name in ("百度SEM", "抖音", "小红书"):
        (line,) = drawn[name].lines
        x, y = line.get_xdata(), line.get_ydata()
        curve, daily_spend = curves[name], x * 1e3
        if isinstance(curve, mmm.SaturationCurve):  # β·s / (s + K), its own band
            expected = curve.beta * daily_spend / (daily_spend + curve.half_saturation)
        else:  # a·(1 − exp(−s/b)) with the fitted a, b
            assert curve.a is not None and curve.b is not None
            expected = curve.a * -np.expm1(-daily_spend / curve.b)
        np.testing.assert_allclose(y * 1e3, expected, rtol=1e-12)
        assert len(drawn[name].collections) == 2  # the day points and the band
    plt.close(figure)
