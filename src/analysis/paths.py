"""Where the project's folders are when running from a checkout (notebooks, reports, data)."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
REPORTS_DIR = PROJECT_ROOT / "reports"


def month_dir(period: str, lang: str = "en") -> Path:
    """A month's reports: reports/<period>/ in English, reports/<lang>/<period>/ otherwise, so
    both languages of a month live side by side (each with its own index.html)."""
    return REPORTS_DIR / period if lang == "en" else REPORTS_DIR / lang / period
