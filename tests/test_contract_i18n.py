"""Data-contract warnings in the report's language: English as `describe()`, Chinese from the
catalogue with table, column and sample keys shown as written."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from i18n_support import english_runs as runs_left
from test_contract import VIOLATIONS, _check
from tiny import tiny_tables, write_tiny

from analysis.contract import Violation, check_contract
from analysis.contract_text import describe_in
from analysis.params import DataSource
from analysis.warehouse import open_warehouse


def _data_values(violation: Violation) -> list[str]:
    return [violation.table, violation.column, *violation.sample_keys, *violation.values.values()]


def english_runs(shown: str, violation: Violation) -> list[str]:
    """Runs of 4+ ASCII words left once the violation's data values are taken out."""
    return runs_left(shown, _data_values(violation))


def _broken_violations(tmp_path: Path) -> list[Violation]:
    """Every violation the contract tests provoke, one broken warehouse each."""
    found: list[Violation] = []
    for i, (_, _, _, mutate) in enumerate(VIOLATIONS):
        tables = tiny_tables()
        mutate(tables)
        found += _check(write_tiny(tmp_path / f"broken{i}", tables), strict=False).violations
    return found


def _unparseable(tmp_path: Path) -> list[Violation]:
    folder = tmp_path / "csv"
    folder.mkdir()
    pd.DataFrame(
        {
            "order_id": ["000123", "20261001000124"],
            "customer_id": ["0042", "0043"],
            "order_ts": ["2026-10-01 10:00:00", "yesterday"],
            "revenue": ["10.5", "20"],
            "channel": ["知乎", ""],
        }
    ).to_csv(folder / "orders.csv", index=False)
    report = check_contract(open_warehouse(DataSource(path=folder)), ["orders"], strict=False)
    return list(report.violations)


@pytest.fixture(scope="module")
def violations(tmp_path_factory: pytest.TempPathFactory) -> list[Violation]:
    tmp_path = tmp_path_factory.mktemp("contract_i18n")
    return _broken_violations(tmp_path) + _unparseable(tmp_path)


def test_every_rule_has_a_code(violations: list[Violation]) -> None:
    codes = {v.code for v in violations}
    assert "" not in codes
    for code in ("missing_table", "missing_column", "wrong_type", "not_null", "unparseable"):
        assert code in codes
    for code in ("unique", "unique_arm", "unique_unit", "unique_rows", "orphan_variant"):
        assert code in codes
    assert "planned_share" in codes and "clicks_within_impressions" in codes


def test_english_is_describe_word_for_word(violations: list[Violation]) -> None:
    for violation in violations:
        assert describe_in(violation, "en") == violation.describe()


def test_chinese_keeps_data_values_and_has_no_english_sentences(
    violations: list[Violation],
) -> None:
    for violation in violations:
        shown = describe_in(violation, "zh")
        assert re.search(r"[\u4e00-\u9fff]", shown), shown
        assert not english_runs(shown, violation), shown
        for value in _data_values(violation):
            assert value in shown, (value, shown)
        if violation.offending_rows >= 0:
            assert f"{violation.offending_rows:,} 行" in shown


def test_report_warnings_follow_the_language(tmp_path: Path) -> None:
    tables = tiny_tables()
    tables["spend"].loc[0, "spend"] = -1.0
    report = _check(write_tiny(tmp_path / "broken", tables), strict=False)
    assert report.warnings() == report.warnings("en") == [report.violations[0].describe()]
    (zh,) = report.warnings("zh")
    assert zh.startswith("表 spend，列 spend，规则“spend ≥ 0”：1 行不符合（例如 ")
    assert zh.endswith("。花费不能为负。")


def test_a_violation_without_code_stays_english() -> None:
    violation = Violation("orders", "revenue", "custom", 2, ("O1",), "Fix it.")
    assert describe_in(violation, "zh") == violation.describe()
