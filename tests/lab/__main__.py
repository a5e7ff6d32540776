"""``python -m tests.lab list | run ID... | regenerate [--only ID ...] [--out samples/]``."""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .pki import make_pki
from .runner import LabError, install_signal_cleanup, missing_requirements, run_scenario
from .samples import missing_lines, write_sample
from .scenario import Scenario, ScenarioError, load_all

REPO = Path(__file__).resolve().parents[2]


def _cmd_list(args: argparse.Namespace) -> int:
    for sc in load_all(args.only):
        expect = ", ".join(sc.expect) or "healthy"
        print(f"{sc.id:34} {sc.gateway.log:22} expect: {expect}")
    return 0


def _run_many(scenarios: list[Scenario], workroot: Path, jobs: int, out: Path | None) -> int:
    pki = make_pki(workroot / "pki")
    failures = 0

    def one(sc: Scenario) -> tuple[Scenario, str | None, str]:
        try:
            result = run_scenario(sc, workroot / sc.id, pki)
        except LabError as exc:
            return sc, f"lab error: {exc}", ""
        problems = missing_lines(sc, result)
        if problems:
            return sc, "; ".join(problems), str(result.workdir)
        where = str(write_sample(result, out)) if out is not None else str(result.workdir)
        return sc, None, f"{where} ({result.seconds:.0f}s)"

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for sc, error, where in pool.map(one, scenarios):
            if error:
                failures += 1
                print(f"FAIL {sc.id}: {error} {where}", flush=True)
            else:
                print(f"ok   {sc.id}: {where}", flush=True)
    return 1 if failures else 0


def _cmd_run(args: argparse.Namespace, write_to: Path | None) -> int:
    reason = missing_requirements()
    if reason:
        print(f"lab unavailable: {reason}", file=sys.stderr)
        return 2
    install_signal_cleanup()
    scenarios = load_all(args.only)
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
