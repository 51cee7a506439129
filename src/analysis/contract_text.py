"""Data-contract warnings worded in a report's language, from the `contract` catalogue part.

A violation carries a `code` (its rule) and `values` (location, columns, kind, …); the
sentence is assembled from `contract.*` keys. Table and column names, sample keys and the
other values are data: they are shown as written, never translated. The English catalogue
reproduces `Violation.describe()` word for word.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from analysis.i18n import text

if TYPE_CHECKING:
    from analysis.contract import Violation


def describe_in(violation: Violation, lang: str) -> str:
    """The violation as one sentence in `lang` (English `describe()` if it has no code)."""
    if not violation.code:
        return violation.describe()
    values: dict[str, object] = {
        "table": violation.table,
        "column": violation.column,
        **violation.values,
    }
    if "kind" in values:
        values["accepted"] = text(f"contract.kind.{values['kind']}", lang)
    rule = text(f"contract.rule.{violation.code}", lang, **values)
    fix = text(f"contract.fix.{violation.code}", lang, **values)
    rows = ""
    if violation.offending_rows >= 0:
        separator = text("contract.separator", lang)
        keys = (
            text("contract.keys", lang, keys=separator.join(violation.sample_keys))
            if violation.sample_keys
            else ""
        )
        rows = text("contract.rows", lang, count=f"{violation.offending_rows:,}", keys=keys)
    return text(
        "contract.sentence",
        lang,
        table=violation.table,
        column=violation.column,
        rule=rule,
        rows=rows,
        fix=fix,
    )
