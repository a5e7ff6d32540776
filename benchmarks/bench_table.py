"""Measure the message-table step alone: how a charon message finds its rule.

    python -m benchmarks.bench_table [LOG]

Compares, over every message of a log (default: a 5 MB slice of the benchmark corpus):

* ``regex``  — the first-word index, then each candidate rule's regex (the original table);
* ``gate``   — the same, but each rule's literal fragments are checked with ``in`` first (current);
* ``ahocorasick`` — one pyahocorasick automaton over every rule's longest literal finds the
  candidate rules, then their regexes run in table order (only if pyahocorasick is installed).

All three must pick the same rule for every message; the script checks that.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from diagnose.parsers.charon import CharonParser
from diagnose.parsers.charon_table import MATCH_TIMEOUT, table
from diagnose.timeparse import Clock


def messages(path: Path) -> list[str]:
    p, clock = CharonParser(), Clock(year=2026)
    out, last_text, last_ts = [], None, None
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            parsed = p._split(line.rstrip(), clock, last_text, last_ts)
            if parsed:
                last_text, last_ts = parsed[0], parsed[1]
                out.append(parsed[-1].strip())
    return out


def plain_regex(msgs: list[str]) -> list[object]:
    t = table()
    res = []
    for msg in msgs:
        hit = None
        for rule in (*t.by_word.get(msg.split(" ", 1)[0], ()), *t.floating):
            if rule.rx.match(msg, timeout=MATCH_TIMEOUT):
                hit = rule
                break
        res.append(hit)
    return res


def gated(msgs: list[str]) -> list[object]:
    t = table()
    return [(h[0] if h else None) for h in map(t.match, msgs)]


def aho(msgs: list[str]) -> list[object] | None:
    try:
        import ahocorasick
    except ImportError:
        return None
    t = table()
    order = [*((w, r) for w, rs in t.by_word.items() for r in rs), *((None, r) for r in t.floating)]
    rank = {id(r): i for i, (_, r) in enumerate(order)}
    auto = ahocorasick.Automaton()
    always = []
    for _, rule in order:
        if rule.literals:
            lit = rule.literals[0]
            auto.add_word(lit, auto.get(lit, ()) + (rule,)) if lit in auto else auto.add_word(lit, (rule,))
        else:
            always.append(rule)
    auto.make_automaton()
    res = []
    for msg in msgs:
        word = msg.split(" ", 1)[0]
        cands = {id(r): r for _, rs in auto.iter(msg) for r in rs}
        for r in always:
            cands[id(r)] = r
        hit = None
        for rule in sorted(cands.values(), key=lambda r: rank[id(r)]):
            if (rule.first_word is None or rule.first_word == word) and rule.rx.match(msg, timeout=MATCH_TIMEOUT):
                hit = rule
                break
        res.append(hit)
    return res


def main() -> int:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    if path is None:
        from .corpus import build
        [log] = build(Path("/tmp/ikedoctor-bench/table-5M"), 5 * 1024**2, 1)
        path = log
    msgs = messages(path)
    table()
    results = {}
    for name, fn in (("regex", plain_regex), ("gate", gated), ("ahocorasick", aho)):
        best = None
        for _ in range(3):
            t0 = time.process_time()
            r = fn(msgs)
            dt = time.process_time() - t0
            best = dt if best is None else min(best, dt)
        if r is None:
            print(f"{name:12} (not installed)")
            continue
        results[name] = r
        print(f"{name:12} {best:7.3f} s CPU for {len(msgs)} messages = {best / len(msgs) * 1e6:6.2f} µs/message")
    base = results["regex"]
    for name, r in results.items():
        assert [id(x) for x in r] == [id(x) for x in base], f"{name} picks different rules"
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
