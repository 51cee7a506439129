"""Set-up files agree: one dependency list, documented make targets, the README's two commands."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CONDA_ONLY = {"python", "pip", "openjdk"}  # the interpreter, the installer and Java for Spark


def _name(requirement: str) -> str:
    bare = re.split(r"[\s\[<>=!~;]", requirement.strip(), maxsplit=1)[0]
    return bare.lower().replace("_", "-")


def test_environment_yml_names_the_same_packages_as_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]}
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in environment["dependencies"] if isinstance(d, str)]
    pip = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    named = {_name(d) for d in conda} - CONDA_ONLY
    named |= {_name(p) for p in pip if not p.startswith("-e")}
    assert named == wanted


def test_lock_file_pins_every_direct_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    locked = {
        _name(line)
        for line in (ROOT / "requirements.lock").read_text().splitlines()
        if line and not line.startswith((" ", "#"))
    }
    extras = project["optional-dependencies"]
    wanted = {_name(r) for r in project["dependencies"] + extras["dev"] + extras["lab"]}
    assert wanted <= locked  # jupyterlab too: `make lab` installs nothing at start


def test_every_make_target_has_a_help_line() -> None:
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z-]+):", makefile, flags=re.MULTILINE))
    helped = set(re.findall(r"^([a-z-]+):.*## ", makefile, flags=re.MULTILINE))
    required = {"setup", "data", "reports", "report", "lab", "test", "lint", "bench", "clean"}
    assert required <= helped
    assert targets == helped
    listing = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True)
    assert all(target in listing.stdout for target in required)


def test_readme_starts_with_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = readme.split("```")[1]
    commands = [line.split("#")[0].strip() for line in first_block.splitlines()[1:] if line.strip()]
    assert commands == ["make reports", "make test"]


def test_ci_runs_the_readme_test_command() -> None:
    assert "make test" in (ROOT / ".ci" / "run").read_text()
