"""Where the project's folders are when running from a checkout (notebooks, reports, data)."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
REPORTS_DIR = PROJECT_ROOT / "reports"
DEMO_DIR = PROJECT_ROOT / "data" / "demo"
