"""Command line: `python -m analysis demo | examples | check | run | batch` (`--help` of each)."""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from pathlib import Path

from analysis.errors import AnalysisError, ParamsError

EXIT_FAILED = 1
EXIT_INVALID = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a command stopped by Ctrl-C
NOTEBOOKS_HELP = "folder of report notebooks (default: the project's notebooks/)"


def build_parser() -> argparse.ArgumentParser:
    """The command line's parser: demo, run and batch, each with its options."""
    parser = argparse.ArgumentParser(prog="python -m analysis", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="write the demo warehouse with planted truths")
    demo.add_argument("--out", type=Path, default=Path("data/demo"), help="folder to write")
    demo.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    demo.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="1 ≈ 50k customers, 250k orders, 1.5M touchpoints; 10 and 100 stream",
    )

    examples = commands.add_parser(
        "examples", help="write the sample exports the recipes in params/examples/ read"
    )
    examples.add_argument("--out", type=Path, default=Path("data/examples"), help="folder to write")

    check = commands.add_parser(
        "check", help="show what a params file's reports would read and whether they can run"
    )
    check.add_argument("params", type=Path, help="a report's params file or a batch file")
    check.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a parameter, as for run",
    )

    run = commands.add_parser("run", help="run one report from a params YAML")
    run.add_argument("params", type=Path, help="params file, e.g. params/data_health.yaml")
    run.add_argument("--out", type=Path, default=None, help="output folder (reports/<period>/)")
    run.add_argument("--notebooks", type=Path, default=None, help=NOTEBOOKS_HELP)
    run.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a parameter (dotted keys reach into blocks: data.strict=false)",
    )

    batch = commands.add_parser("batch", help="run a month's reports and write index.html")
    batch.add_argument("params", type=Path, help="batch file, e.g. params/monthly/2026-10.yaml")
    batch.add_argument("--out", type=Path, default=None, help="output folder (reports/<period>/)")
    batch.add_argument("--jobs", type=int, default=2, help="reports run at once (default 2)")
    batch.add_argument("--notebooks", type=Path, default=None, help=NOTEBOOKS_HELP)
    batch.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a shared parameter, e.g. data.strict=false",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run a command; exit 0 on success, 2 for invalid params, 1 for any other failure."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        commands = {
            "demo": _demo,
            "examples": _examples,
            "check": _check,
            "run": _run,
            "batch": _batch,
        }
        return commands[args.command](args)
    except KeyboardInterrupt as exc:
        print(interrupted_line(exc), file=sys.stderr)
        return EXIT_INTERRUPTED
    except ParamsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except AnalysisError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:  # a bug, not a user error: say so, then show where it happened
        print(
            f"error: unexpected {type(exc).__name__}: {exc}\n"
            "This is a bug in the analysis package, not in your data or params; "
            "please report it with the traceback below.",
            file=sys.stderr,
        )
        traceback.print_exc()
        return EXIT_FAILED


def interrupted_line(exc: KeyboardInterrupt) -> str:
    """One line for Ctrl-C: for a batch, which reports finished and which did not."""
    finished = getattr(exc, "finished", None)
    unfinished = getattr(exc, "unfinished", None)
    if finished is None or unfinished is None:
        return "interrupted (Ctrl-C): stopped; no report of this run was written"
    done = ", ".join(finished) or "none"
    return (
        f"interrupted (Ctrl-C): finished {len(finished)} of {len(finished) + len(unfinished)} "
        f"({done}); not run or stopped: {', '.join(unfinished)}; index.html not updated"
    )


def _demo(args: argparse.Namespace) -> int:
    from analysis.demo import generate

    truth = generate(args.out, seed=args.seed, scale=args.scale, progress=True)
    tables = ", ".join(f"{name} {rows:,}" for name, rows in truth["tables"].items())
    print(f"demo warehouse written to {args.out}: {tables}")
    return 0


def _examples(args: argparse.Namespace) -> int:
    from analysis.demo.examples import write_examples

    for path in write_examples(args.out):
        print(path)
    return 0


def _check(args: argparse.Namespace) -> int:
    from analysis.check import check_reports, load_any, render

    tables, verdicts = check_reports(load_any(args.params, args.overrides))
    print(render(tables, verdicts))
    return 0 if all(v.runs for v in verdicts) else EXIT_FAILED


def _run(args: argparse.Namespace) -> int:
    from analysis.params import load_report_params
    from analysis.runner import run_report

    params = load_report_params(args.params, args.overrides)
    outcome = run_report(params, args.out, args.notebooks)
    print(f"{outcome.name}: ok in {outcome.seconds:.1f} s → {outcome.html}")
    if outcome.headline:
        print(f"  {outcome.headline}")
    return 0


def _batch(args: argparse.Namespace) -> int:
    from analysis.batch import run_batch, summary_table
    from analysis.params import load_batch_params
    from analysis.runner import default_out_dir

    if args.jobs < 1:
        raise ParamsError(f"--jobs {args.jobs}: must be 1 or more")
    reports = load_batch_params(args.params, args.overrides)
    out_dir = args.out or default_out_dir(reports[0])
    outcomes = run_batch(reports, out_dir, jobs=args.jobs, notebooks_dir=args.notebooks)
    print(summary_table(outcomes))
    print(f"index: {out_dir / 'index.html'}")
    return 0 if all(o.status == "ok" for o in outcomes) else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
