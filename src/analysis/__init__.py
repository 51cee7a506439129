"""Marketing analytics: A/B tests, RFM, channel ROI and anomaly reports over an ibis warehouse."""

from __future__ import annotations

import sys
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("marketing-analysis")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0+source"

# nbformat (papermill, nbconvert) imports jsonschema, which loads every optional format checker
# it finds installed; rfc3987_syntax (there for JupyterLab's jupyter-events) compiles a Lark
# grammar when imported: 1.3 of papermill's 2.1 s import, in the batch and in each worker. The
# notebook schema checks no IRI format, so processes of this package do without that checker.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]  # None: "not importable"

__all__ = ["__version__"]
