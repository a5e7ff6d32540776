"""Start-up cost of the command line, timed as whole processes against ``python -c pass``.

What a user waits for is the process: interpreter start, imports, the work, exit. Each command
runs ``--runs`` times; the median is compared with the median of ``python -c pass`` on the same
machine at the same time, so the ratios stay meaningful on a loaded or slow machine where the
absolute times do not (no test asserts a wall-clock limit):

    python3 -m benchmarks.bench_startup [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: a small paste: the start of a real gateway log from the lab
PASTE = b"".join((ROOT / "samples" / "lab-no-certreq" / "server-charon.log").read_bytes().splitlines(True)[:40])

COMMANDS: dict[str, tuple[list[str], bytes | None]] = {
    "python -c pass": (["-c", "pass"], None),
    "ikedoctor --help": (["-m", "diagnose", "--help"], None),
    "ikedoctor diagnose --help": (["-m", "diagnose", "diagnose", "--help"], None),
    "ikedoctor catalog": (["-m", "diagnose", "catalog"], None),
    "ikedoctor diagnose - (40-line paste)": (["-m", "diagnose", "diagnose", "--exit-zero", "-"], PASTE),
}


def time_process(args: list[str], stdin: bytes | None, runs: int) -> float:
    """Median seconds of ``runs`` whole processes (stdout discarded)."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, *args], input=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       cwd=ROOT, check=False)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> dict[str, float]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    runs = ap.parse_args(argv).runs
    results = {name: time_process(args, stdin, runs) for name, (args, stdin) in COMMANDS.items()}
    base = results["python -c pass"]
    print(f"{'command':<40} {'median':>9} {'x python -c pass':>17} {'above it':>9}")
    for name, t in results.items():
        print(f"{name:<40} {t * 1000:7.0f}ms {t / base:16.1f}x {(t - base) * 1000:7.0f}ms")
    return results


if __name__ == "__main__":
    main()
