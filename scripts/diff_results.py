"""Compare the numbers of two report folders: every numeric leaf of every results JSON.

A refactor that should not change behaviour is checked by running the demo batch before and
after it and diffing the two `reports/<month>/` folders:

    make reports && cp -r reports/2026-10 /tmp/before     # on the old code
    make reports && make diff-results BEFORE=/tmp/before  # on the new code

Every `<name>.json` (not `*.failed.json`) of the first folder is paired with the file of the
same name in the second. Each number (int or float, booleans included as 0/1 since a flipped
flag is a changed result) is addressed by its path, e.g.
`abtest.json:results.experiments[0].lift`. Two numbers are equal when
`math.isclose(a, b, rel_tol=REL_TOL, abs_tol=ABS_TOL)` holds or both are NaN: the relative
tolerance 1e-9 absorbs float noise from a changed summation order (about 1e7 ulps of a
double), far below any figure a report prints. The absolute tolerance 1e-12 only matters for
values that should be zero.

Differences are printed one per line; the exit code is 1 when there is any (a changed
number, a number on one side only, a file on one side only), 0 otherwise, 2 on bad arguments.
Paths whose last key names run-specific values (`--skip`, default: times and run ids) are left
out; strings are not compared (sentences may be reworded; codes can be compared with
`--strings`).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REL_TOL = 1e-9
ABS_TOL = 1e-12
# keys whose values change from run to run whatever the code: run identity and clock times
RUN_SPECIFIC = ("run_id", "started", "finished", "package_version", "seconds", "elapsed")

Leaf = float | str


@dataclass(frozen=True)
class Difference:
    """One leaf that differs: its file and path, and the values on each side (None: absent)."""

    file: str
    path: str
    before: Leaf | None
    after: Leaf | None

    def describe(self) -> str:
        """One line for the terminal: where, and before → after."""
        where = f"{self.file}:{self.path}" if self.path else self.file
        if self.before is None:
            return f"{where}: only after ({self.after!r})"
        if self.after is None:
            return f"{where}: only before ({self.before!r})"
        return f"{where}: {self.before!r} → {self.after!r}{_relative(self.before, self.after)}"


def _relative(before: Leaf, after: Leaf) -> str:
    numbers = isinstance(before, float) and isinstance(after, float)
    if numbers and before != 0 and math.isfinite(before) and math.isfinite(after):
        return f" (rel {abs(after - before) / abs(before):.2e})"
    return ""


def leaves(node: object, path: str = "", *, strings: bool = False) -> Iterator[tuple[str, Leaf]]:
    """Yield (path, value) for every number (and, with strings=True, every string) below node."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from leaves(value, f"{path}.{key}" if path else str(key), strings=strings)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from leaves(value, f"{path}[{index}]", strings=strings)
    elif isinstance(node, bool | int | float):
        yield path, float(node)
    elif strings and isinstance(node, str):
        yield path, node


def _last_key(path: str) -> str:
    return path.rsplit(".", 1)[-1].split("[", 1)[0]


def same(before: Leaf, after: Leaf, *, rel_tol: float = REL_TOL, abs_tol: float = ABS_TOL) -> bool:
    """True when two leaves are equal: strings exactly, numbers within tolerance or both NaN."""
    if isinstance(before, str) or isinstance(after, str):
        return before == after
    if math.isnan(before) or math.isnan(after):
        return math.isnan(before) and math.isnan(after)
    return math.isclose(before, after, rel_tol=rel_tol, abs_tol=abs_tol)


def compare_files(
    name: str,
    before: object,
    after: object,
    *,
    skip: tuple[str, ...] = RUN_SPECIFIC,
    strings: bool = False,
    rel_tol: float = REL_TOL,
    abs_tol: float = ABS_TOL,
) -> tuple[int, list[Difference]]:
    """Count the compared leaves of one results record and list those that differ."""
    left = {p: v for p, v in leaves(before, strings=strings) if _last_key(p) not in skip}
    right = {p: v for p, v in leaves(after, strings=strings) if _last_key(p) not in skip}
    differences = []
    for path in sorted(left.keys() | right.keys()):
        old, new = left.get(path), right.get(path)
        if old is None or new is None or not same(old, new, rel_tol=rel_tol, abs_tol=abs_tol):
            differences.append(Difference(name, path, old, new))
    return len(left.keys() | right.keys()), differences


def results_files(folder: Path) -> dict[str, Path]:
    """The results records of a report folder by file name (failed runs' records left out)."""
    return {
        path.name: path
        for path in sorted(folder.glob("*.json"))
        if not path.name.endswith(".failed.json")
    }


def compare_folders(
    before: Path,
    after: Path,
    *,
    skip: tuple[str, ...] = RUN_SPECIFIC,
    strings: bool = False,
    rel_tol: float = REL_TOL,
    abs_tol: float = ABS_TOL,
) -> tuple[dict[str, int], list[Difference]]:
    """Leaves compared per file and every difference between two report folders."""
    old_files, new_files = results_files(before), results_files(after)
    counts: dict[str, int] = {}
    differences: list[Difference] = []
    for name in sorted(old_files.keys() | new_files.keys()):
        if name not in new_files:
            differences.append(Difference(name, "", str(old_files[name]), None))
            continue
        if name not in old_files:
            differences.append(Difference(name, "", None, str(new_files[name])))
            continue
        counts[name], found = compare_files(
            name,
            json.loads(old_files[name].read_text(encoding="utf-8")),
            json.loads(new_files[name].read_text(encoding="utf-8")),
            skip=skip,
            strings=strings,
            rel_tol=rel_tol,
            abs_tol=abs_tol,
        )
        differences.extend(found)
    return counts, differences


def _folder(text: str) -> Path:
    path = Path(text)
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is not a folder; give a report folder")
    if not results_files(path):
        raise argparse.ArgumentTypeError(f"{text!r} holds no results JSON (<name>.json)")
    return path


def main(argv: list[str] | None = None) -> int:
    """Command line: print the differences and a summary; 1 if any, else 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=_folder, help="report folder of the old code")
    parser.add_argument("after", type=_folder, help="report folder of the new code")
    parser.add_argument("--rel-tol", type=float, default=REL_TOL, help="default %(default)g")
    parser.add_argument("--abs-tol", type=float, default=ABS_TOL, help="default %(default)g")
    parser.add_argument("--strings", action="store_true", help="compare text leaves too")
    parser.add_argument(
        "--skip",
        nargs="*",
        default=list(RUN_SPECIFIC),
        help="last keys left out (default: %(default)s)",
    )
    parser.add_argument("--limit", type=int, default=50, help="differences printed at most")
    args = parser.parse_args(argv)
    counts, differences = compare_folders(
        args.before,
        args.after,
        skip=tuple(args.skip),
        strings=args.strings,
        rel_tol=args.rel_tol,
        abs_tol=args.abs_tol,
    )
    for difference in differences[: args.limit]:
        print(difference.describe())
    if len(differences) > args.limit:
        print(f"… and {len(differences) - args.limit} more")
    for name, count in counts.items():
        print(f"{name}: {count} leaves, {sum(d.file == name for d in differences)} differ")
    print(
        f"{sum(counts.values())} leaves in {len(counts)} files compared "
        f"(rel_tol {args.rel_tol:g}, abs_tol {args.abs_tol:g}): {len(differences)} differ"
    )
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
