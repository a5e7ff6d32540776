"""Peak memory of one diagnosis against the size of its single log.

    python -m benchmarks.bench_memory [--sizes 5M 25M 100M] [--dir /tmp/ikedoctor-bench]

Below ``STREAM_ABOVE`` (64 MB) a case keeps all its events until the report is built; above
it a single log is diagnosed in two streaming passes that keep a summary per session
(``diagnose/pipeline/streaming.py``). For each size this builds one log from the benchmark corpus (``corpus.py``: transformed
copies of the real lab gateway logs), diagnoses it in a fresh child process and prints the
child's peak RSS, the bytes of memory per byte of log, and the slope between consecutive
sizes: the figures ``diagnose/batch/memory.py`` budgets cases with (``BYTES_PER_LOG_BYTE``,
``BYTES_PER_STREAMED_BYTE``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from .bench_batch import ROOT, parse_size
from .corpus import build

_CHILD = """
import json, resource, sys, time
from diagnose.api import diagnose_paths
t0 = time.process_time()
r = diagnose_paths([sys.argv[1]])
print(json.dumps({"rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                  "cpu_s": time.process_time() - t0, "findings": len(r.findings), "sessions": len(r.sessions)}))
"""

_BASE = """
import json, resource
import diagnose.api, diagnose.catalog.model, diagnose.parsers.charon_table
diagnose.catalog.model.load_catalog(); diagnose.parsers.charon_table.table()
print(json.dumps({"rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
"""


def _child(code: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", nargs="+", default=["5M", "25M", "100M"])
    ap.add_argument("--dir", default="/tmp/ikedoctor-bench")
    args = ap.parse_args(argv)
    base = _child(_BASE)["rss"]
    print(f"a worker with the catalog loaded: {base / 1024**2:.0f} MB")
    print(f"{'size':>6} {'log MB':>7} {'peak RSS MB':>11} {'per log byte':>12} {'slope':>6} {'MB/s':>6}")
    prev = None
    for text in args.sizes:
        [log] = build(Path(args.dir) / f"single-{text}", parse_size(text), 1)
        size = log.stat().st_size
        r = _child(_CHILD, str(log))
        slope = (r["rss"] - prev[1]) / (size - prev[0]) if prev and size > prev[0] else float("nan")
        print(f"{text:>6} {size / 1024**2:>7.1f} {r['rss'] / 1024**2:>11.0f} {(r['rss'] - base) / size:>12.2f} "
              f"{slope:>6.2f} {size / 1024**2 / r['cpu_s']:>6.2f}", flush=True)
        prev = (size, r["rss"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
