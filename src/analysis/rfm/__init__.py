"""RFM segmentation and customer lifetime value (BG/NBD, Gamma-Gamma)."""

from __future__ import annotations
