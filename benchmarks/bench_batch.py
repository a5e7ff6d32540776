"""Benchmark ``ikedoctor batch`` against plain line reading of the same bytes.

    python -m benchmarks.bench_batch --sizes 10M 100M 1G [--dir /tmp/ikedoctor-bench] [--jobs 1 2]

For each size it builds (or reuses) a corpus of ticket folders from transformed
copies of the real lab gateway logs (``benchmarks/corpus.py``), then, per job
count, runs one child process that (1) reads every line of the corpus with a
plain ``for line in file`` loop and (2) runs the batch over it, and reports:
MB/s of batch, MB/s of plain reading in that same process, their ratio, peak
RSS (largest single process: the child or one of its pool workers, from
``getrusage``), and the speed-up from the first to the last job count.
Times grow with input: the table shows seconds per MB per size to judge linearity.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from .corpus import build

ROOT = Path(__file__).resolve().parent.parent


def parse_size(text: str) -> int:
    mult = {"K": 1024, "M": 1024**2, "G": 1024**3}
    t = text.strip().upper().rstrip("B")
    return int(float(t[:-1]) * mult[t[-1]]) if t and t[-1] in mult else int(t)


def _plain_read(files: list[Path]) -> tuple[int, float]:
    t0 = time.perf_counter()
    n = 0
    for p in files:
        with open(p, "rb") as f:
            for _ in f:
                n += 1
    return n, time.perf_counter() - t0


def run_one(corpus: Path, jobs: int) -> dict:
    """In this process: plain reading, then the batch; return the measurements."""
    from diagnose.batch.driver import BatchOptions, run_batch
    files = sorted(corpus.glob("ticket-*/charon.log"))
    size = sum(p.stat().st_size for p in files)
    lines, t_read = _plain_read(files)
    t0 = time.perf_counter()
    summary = run_batch([str(corpus)], io.StringIO(), BatchOptions(
        format="jsonl", jobs=jobs, executor="serial" if jobs == 1 else "process", progress=False))
    t_batch = time.perf_counter() - t0
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"bytes": size, "lines": lines, "read_s": t_read, "batch_s": t_batch, "jobs": jobs,
            "cases": summary.cases, "sessions": summary.sessions, "findings": sum(summary.findings.values()),
            "rss_mb": max(me, kids)}


def measure(corpus: Path, jobs: int) -> dict:
    out = subprocess.run([sys.executable, "-m", "benchmarks.bench_batch", "--run-one", str(corpus),
                          "--jobs", str(jobs)], cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _busy(n: int) -> float:
    t0 = time.perf_counter()
    s = 0
    for i in range(n):
        s += i
    return time.perf_counter() - t0


def control_speedup(jobs: int, n: int = 10_000_000) -> float:
    """How much faster ``jobs`` CPU-bound processes finish ``jobs`` loops than one process does."""
    from concurrent.futures import ProcessPoolExecutor
    t0 = time.perf_counter()
    for _ in range(jobs):
        _busy(n)
    one = time.perf_counter() - t0
    t0 = time.perf_counter()
    with ProcessPoolExecutor(jobs) as ex:
        list(ex.map(_busy, [n] * jobs))
    return one / (time.perf_counter() - t0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", nargs="+", default=["10M"], help="corpus sizes, e.g. 10M 100M 1G")
    ap.add_argument("--dir", default="/tmp/ikedoctor-bench", help="where corpora are built (reused)")
    ap.add_argument("--jobs", nargs="+", type=int, default=[1, 2], help="job counts to compare")
    ap.add_argument("--ticket-size", default="25M", help="about this much log per ticket folder")
    ap.add_argument("--run-one", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.run_one:
        print(json.dumps(run_one(Path(args.run_one), args.jobs[0])))
        return 0
    rows = []
    ctl = control_speedup(args.jobs[-1])
    print(f"control: a pure-Python busy loop in {args.jobs[-1]} processes runs {ctl:.2f}x faster than in one "
          f"(what this machine can give right now)", flush=True)
    header = (f"{'size':>6} {'cases':>5} {'jobs':>4} {'batch MB/s':>10} {'read MB/s':>10} {'ratio':>7} "
              f"{'s/MB':>6} {'speed-up':>8} {'peak RSS MB':>11} {'sessions':>8} {'findings':>8}")
    print(header, flush=True)
    for size_text in args.sizes:
        size = parse_size(size_text)
        tickets = max(2, round(size / parse_size(args.ticket_size)))
        corpus = Path(args.dir) / f"corpus-{size_text}"
        build(corpus, size, tickets)
        base = None
        for jobs in args.jobs:
            r = measure(corpus, jobs)
            mb = r["bytes"] / 1024**2
            batch, read = mb / r["batch_s"], mb / r["read_s"]
            base = base or r["batch_s"]
            r.update(size=size_text, batch_mbs=batch, read_mbs=read, ratio=batch / read,
                     speedup=base / r["batch_s"], s_per_mb=r["batch_s"] / mb)
            rows.append(r)
            print(f"{size_text:>6} {r['cases']:>5} {jobs:>4} {batch:>10.2f} {read:>10.1f} {r['ratio']:>7.4f} "
                  f"{r['s_per_mb']:>6.3f} {r['speedup']:>7.2f}x {r['rss_mb']:>11.0f} {r['sessions']:>8} "
                  f"{r['findings']:>8}", flush=True)
    if os.environ.get("IKEDOCTOR_BENCH_JSON"):
        Path(os.environ["IKEDOCTOR_BENCH_JSON"]).write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
