"""Marketing analytics: A/B tests, RFM, channel ROI and anomaly reports over an ibis warehouse."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("marketing-analysis")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0+source"

__all__ = ["__version__"]
