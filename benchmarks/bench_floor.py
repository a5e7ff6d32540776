"""How fast can anything that looks at every line go? The ceiling under ``batch``'s ratio.

    python -m benchmarks.bench_floor [LOG ...]      (default: the 10M benchmark corpus)

Issue 7 asks for ``batch`` at one eighth of plain line reading. This measures, in one
process over the same bytes, a ladder of steps from plain reading up to the whole diagnosis,
each as MB/s and as a ratio to plain reading:

* ``plain``      — ``for line in file`` in binary mode (the baseline);
* ``split``      — read, decode the whole file as UTF-8 and split it into lines (all in C);
* ``loop``       — the same, plus an empty Python loop over the lines;
* ``re.match``   — the loop plus one anchored regex (a charon file-log prefix) per line: the
  least any parser that places each line can do;
* ``re.findall`` — one ``findall`` of that prefix over the whole text: the per-line tuples
  are built in C, no Python loop at all;
* ``templates``  — the least the parser's design can do without any per-line Python: the block
  front end's ``findall`` (``charon_blocks.LINE``) over 64 KB blocks, then the message table
  (``charon.lookup``) once per distinct message text; no events, no time stamps;
* ``reader``     — ikedoctor's reader (``numbered_lines``: CR/CRLF, NUL, bad UTF-8, long lines);
* ``parse``      — the reader plus the charon parser (events), whole blocks split by one
  ``findall`` (``diagnose/parsers/charon_blocks.py``);
* ``parse-lines`` — the same with ``charon_blocks.PER_LINE``: the per-line parser for every line;
* ``diagnose``   — the whole pipeline (parse, year/zone settling, sessions, catalog, report);
* ``stream``     — the same, in the two-pass streaming diagnosis (``diagnose.pipeline.streaming``) that
  logs above ``Options.stream_above`` take.
* ``peer``       — ``diagnose --peer`` on one client of the corpus (``PEER``, the fifth copy's
  address): the literal gate (``diagnose.pipeline.gate``) skips the other clients' lines unparsed;
  streamed or in memory as ``Options.stream_above`` decides for the whole log.

``--steps plain diagnose stream`` runs only those (plain reading always runs: it is the baseline);
``--size 10M --tickets 1`` builds one dense 10 MB gateway log instead of the default two.

Each step is timed as the best of ``--repeat`` runs of CPU time. When even ``re.match`` is
below one eighth, no design that touches every line in Python reaches it; a dense gateway log
(most lines carry an event the catalog or the session builder needs) cannot skip its lines.
"""

from __future__ import annotations

import argparse
import gc
import re
import sys
import time
from pathlib import Path
from typing import Callable

from .corpus import build

#: a charon file-log prefix (``Mmm dd HH:MM:SS NN[GRP] <name|N> ``): only something to match
_PREFIX = re.compile(r"[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d (\d{2,})\[([A-Z]{3})\] (?:<(?:([^|>]*)\|)?(\d+)> )?")
_PREFIX_ALL = re.compile(_PREFIX.pattern + r"(.*)$", re.M)
#: the client ``--peer`` focuses on: the corpus gives copy N the address 10.0.0.N (``corpus.copy_of``)
PEER = "10.0.0.5"


def _best(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def steps(files: list[Path]) -> dict[str, Callable[[], object]]:
    def plain() -> int:
        n = 0
        for p in files:
            with open(p, "rb") as f:
                for _ in f:
                    n += 1
        return n

    def split() -> int:
        return sum(len(p.read_bytes().decode("utf-8").split("\n")) for p in files)

    def loop() -> int:
        n = 0
        for p in files:
            for _ in p.read_bytes().decode("utf-8").split("\n"):
                n += 1
        return n

    def match() -> int:
        n = 0
        m = _PREFIX.match
        for p in files:
            for line in p.read_bytes().decode("utf-8").split("\n"):
                if m(line):
                    n += 1
        return n

    def findall() -> int:
        return sum(len(_PREFIX_ALL.findall(p.read_bytes().decode("utf-8"))) for p in files)

    def templates() -> int:
        from diagnose.parsers.charon import lookup
        from diagnose.parsers.charon_blocks import BLOCK_BYTES, LINE
        n = 0
        for p in files:
            texts: dict[str, None] = {}
            with open(p, encoding="utf-8", errors="replace", newline="") as f:
                while block := f.read(BLOCK_BYTES):
                    found = LINE.findall(block)
                    n += len(found)
                    texts.update(dict.fromkeys(t[6] for t in found))
            cache: dict = {}
            for text in texts:
                lookup(text.strip(), cache)
        return n

    def reader() -> int:
        from diagnose.input.reader import numbered_lines
        n = 0
        for p in files:
            with open(p, "rb") as f:
                for _ in numbered_lines(f):
                    n += 1
        return n

    def parse() -> int:
        from diagnose.input.reader import numbered_lines
        from diagnose.parsers.base import ParseContext
        from diagnose.parsers.charon import CharonParser
        n = 0
        for p in files:
            with open(p, "rb") as f:
                n += sum(1 for _ in CharonParser().parse(numbered_lines(f), ParseContext(path=str(p))))
        return n

    def parse_lines() -> int:
        from diagnose.parsers import charon_blocks
        charon_blocks.PER_LINE = True
        try:
            return parse()
        finally:
            charon_blocks.PER_LINE = False

    def diagnose() -> int:
        from diagnose.api import Options, diagnose_paths
        return sum(len(diagnose_paths([str(p)], Options(stream_above=None)).findings) for p in files)

    def stream() -> int:
        from diagnose.api import Options, diagnose_paths
        return sum(len(diagnose_paths([str(p)], Options(stream_above=0)).findings) for p in files)

    def peer() -> int:
        from diagnose.api import Options, diagnose_paths
        from diagnose.focus import Focus
        return sum(len(diagnose_paths([str(p)], Options(focus=Focus(peer=PEER))).sessions) for p in files)

    return {"plain": plain, "split": split, "loop": loop, "re.match": match, "re.findall": findall,
            "templates": templates, "reader": reader, "parse": parse, "parse-lines": parse_lines, "diagnose": diagnose, "stream": stream,
            "peer": peer}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("logs", nargs="*", type=Path)
    ap.add_argument("--dir", default="/tmp/ikedoctor-bench", help="where the default corpus is built (reused)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--size", default="10M", help="size of the default corpus")
    ap.add_argument("--tickets", type=int, default=2, help="how many logs the default corpus is split into")
    ap.add_argument("--steps", nargs="+", help="only these steps (plain always runs first)")
    args = ap.parse_args(argv)
    from .bench_batch import parse_size
    suffix = "" if args.tickets == 2 else f"-{args.tickets}"
    files = args.logs or build(Path(args.dir) / f"corpus-{args.size}{suffix}", parse_size(args.size), args.tickets)
    chosen = steps(files)
    if args.steps:
        unknown = set(args.steps) - set(chosen)
        if unknown:
            ap.error(f"unknown steps {sorted(unknown)}; choose from {list(chosen)}")
        chosen = {k: v for k, v in chosen.items() if k == "plain" or k in args.steps}
    size = sum(p.stat().st_size for p in files) / 1024**2
    from diagnose.catalog.model import load_catalog
    load_catalog()  # loaded once, as in a batch worker
    gc.collect()
    print(f"{size:.1f} MB in {len(files)} file(s); CPU time, best of {args.repeat}")
    print(f"{'step':>10} {'MB/s':>8} {'ratio':>7}")
    base = None
    for name, fn in chosen.items():
        t = _best(fn, args.repeat)
        mbs = size / t
        base = base or mbs
        print(f"{name:>10} {mbs:>8.1f} {mbs / base:>7.4f}  (1/{base / mbs:.1f})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
