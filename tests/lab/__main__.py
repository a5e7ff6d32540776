"""``python -m tests.lab list | run ID... | regenerate [--only ID ...] [--out samples/]``."""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from .runner import install_signal_cleanup, missing_requirements
from .samples import strongswan_version, write_sample
from .scenario import Scenario, ScenarioError, load_all
from .suite import run_all

REPO = Path(__file__).resolve().parents[2]


def _cmd_list(args: argparse.Namespace) -> int:
    for sc in load_all(args.only):
        expect = ", ".join(sc.expect) or "healthy"
        print(f"{sc.id:34} {sc.gateway.log:22} expect: {expect}")
    return 0


def _run_many(scenarios: list[Scenario], workroot: Path, jobs: int, out: Path | None) -> int:
    failures = 0
    for outcome in run_all(scenarios, workroot, jobs):
        sc, result = outcome.scenario, outcome.result
        if outcome.error or result is None:
            failures += 1
            print(f"FAIL {sc.id}: {outcome.error} {result.workdir if result else ''}", flush=True)
            continue
        where = write_sample(result, out) if out is not None else result.workdir
        print(f"ok   {sc.id}: {where} ({result.seconds:.0f}s)", flush=True)
    return 1 if failures else 0


def _cmd_run(args: argparse.Namespace, write_to: Path | None) -> int:
    reason = missing_requirements()
    if reason:
        print(f"lab unavailable: {reason}", file=sys.stderr)
        return 2
    install_signal_cleanup()
    major = strongswan_version().split(".")[0]
    scenarios = [s for s in load_all(args.only) if s.runs_on(major)]
    workroot = Path(tempfile.mkdtemp(prefix="ikdlab-"))
    start = time.monotonic()
    try:
        rc = _run_many(scenarios, workroot, args.jobs, write_to)
    finally:
        if args.keep:
            print(f"work directory kept: {workroot}")
        else:
            shutil.rmtree(workroot, ignore_errors=True)
    print(f"{len(scenarios)} scenario(s) in {time.monotonic() - start:.0f}s")
    return rc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.lab", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p_list = sub.add_parser("list", help="list the scenarios")
    p_list.add_argument("--only", nargs="*", metavar="ID")
    for name, helptext in (("run", "run scenarios and keep the logs in a work directory"),
                           ("regenerate", "run scenarios and write samples/lab-<id>/ folders")):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("--only", nargs="*", metavar="ID", help="scenario ids (default: all)")
        p.add_argument("--jobs", type=int, default=3, help="scenarios run at once (default 3)")
        p.add_argument("--keep", action="store_true", help="keep the work directory")
        if name == "regenerate":
            p.add_argument("--out", type=Path, default=REPO / "samples", help="samples folder")
    args = parser.parse_args(argv)
    try:
        if args.command == "list":
            return _cmd_list(args)
        if args.command == "run":
            args.keep = True
            return _cmd_run(args, None)
        return _cmd_run(args, args.out)
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
