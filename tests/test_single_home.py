"""One home per threshold and default: a figure the handbook sets is written once in src/.

The params models hold the ROI lines and the anomaly rules' figures; the library's settings
dataclasses take their defaults from them. The mean month length lives in `analysis.weeks`.
These tests read the source (AST), so a second copy fails here even while it still agrees.
"""

from __future__ import annotations

import ast
from dataclasses import fields
from pathlib import Path

import pytest
from pydantic import BaseModel

from analysis.anomaly.rules import RuleSettings
from analysis.attribution.budget import Thresholds
from analysis.params import AnomalyRules, RoiThresholds

SRC = Path(__file__).resolve().parents[1] / "src" / "analysis"
SHARED_NAMES = ("DAYS_PER_MONTH", "ROI_THRESHOLDS")
MIRRORS = [  # (settings dataclass, its module, the params model that owns the defaults)
    (Thresholds, "attribution/budget.py", RoiThresholds),
    (RuleSettings, "anomaly/rules.py", AnomalyRules),
]


def _trees() -> dict[str, ast.Module]:
    return {
        str(path.relative_to(SRC)): ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted(SRC.rglob("*.py"))
    }


def _assigned_names(tree: ast.Module) -> list[str]:
    """Names bound by an assignment anywhere in the module (module, class or function level)."""
    names = []
    for node in ast.walk(tree):
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, ast.AnnAssign)
            else []
        )
        for target in targets:
            for leaf in ast.walk(target):
                if isinstance(leaf, ast.Name):
                    names.append(leaf.id)
    return names


@pytest.mark.parametrize("name", SHARED_NAMES)
def test_shared_constant_is_defined_once(name: str) -> None:
    homes = [path for path, tree in _trees().items() if name in _assigned_names(tree)]
    assert len(homes) == 1, f"{name} is defined in {homes}; define it once and import it"


def test_the_mean_month_is_written_once() -> None:
    literals = [
        path
        for path, tree in _trees().items()
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and node.value == 30.4375
    ]
    assert literals == ["weeks.py"], literals


def _class_defaults(module: str, name: str) -> dict[str, ast.expr]:
    tree = ast.parse((SRC / module).read_text(encoding="utf-8"))
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == name)
    return {
        node.target.id: node.value
        for node in cls.body
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value
    }


@pytest.mark.parametrize(("settings", "module", "model"), MIRRORS)
def test_settings_take_their_defaults_from_params(
    settings: type, module: str, model: type[BaseModel]
) -> None:
    owned = set(model.model_fields)
    defaults = _class_defaults(module, settings.__name__)
    assert owned <= set(defaults), owned - set(defaults)
    literal = sorted(
        name
        for name in owned
        if any(isinstance(leaf, ast.Constant) for leaf in ast.walk(defaults[name]))
    )
    assert literal == [], f"{settings.__name__} repeats params.{model.__name__}'s {literal}"
    given = {f.name: f.default for f in fields(settings) if f.name in owned}
    assert given == model().model_dump()  # and the values did not change on the way


def test_the_demo_world_judges_roi_at_the_params_lines() -> None:
    from analysis.demo import world

    lines = RoiThresholds()
    assert lines.model_dump() == world.ROI_THRESHOLDS
    cases = [
        (lines.watch * 0.999, "inefficient"),
        (lines.watch, "watch"),
        (lines.keep * 0.999, "watch"),
        (lines.keep, "keep"),
        (lines.expand, "keep"),
        (lines.expand * 1.001, "expand"),
        (None, "n/a"),
    ]
    assert [world.roi_status(roi) for roi, _ in cases] == [status for _, status in cases]
