"""Deterministic demo warehouse with planted truths (channel contributions, ROI, anomalies, tests).

`generate(out, seed=7, scale=1.0)` writes one Parquet file per contract table plus
`truth.json` and `truth_customers.parquet` (the latent behaviour type of every customer).
"""

from __future__ import annotations

from analysis.demo.generator import generate

__all__ = ["generate"]
