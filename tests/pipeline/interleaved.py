"""A busy gateway's log from the benchmark corpus: its two halves played at the same time.

The corpus (``benchmarks/corpus.py``) writes one lab run after the other, so no two clients'
lines interleave. Here the second half's lines are moved back in time to start with the first
half, given other thread numbers (+40: a charon thread serves one job at a time, and a gateway
runs that many threads) and merged with the first half by time stamp, the two halves' lines of
one second alternating. Every line is still a line the lab's charon wrote (time, thread number
and, through the corpus, client address and SA id changed); the result is a test input, not a
sample.
"""

from __future__ import annotations

import heapq
import re
from pathlib import Path
from typing import Iterator

from benchmarks.corpus import _render_time, _stamp

_THREAD = re.compile(rb"(?<= )(\d{2,})(\[[A-Z]{3}[0-4]?\] )")


def interleave(src: Path, dst: Path, shift_threads: int = 40) -> Path:
    lines = src.read_bytes().splitlines(keepends=True)
    half = len(lines) // 2
    while half < len(lines) and b"received packet" not in lines[half]:
        half += 1  # start the second half at a job's first line
    first, second = lines[:half], lines[half:]
    stamps_a, stamps_b = [_stamp(x) for x in first], [_stamp(x) for x in second]
    delta = next(s[1] for s in stamps_b if s) - next(s[1] for s in stamps_a if s)

    def moved(line: bytes, stamp) -> bytes:
        line = _THREAD.sub(lambda m: str(int(m[1]) + shift_threads).encode() + m[2], line, count=1)
        return _render_time(line, stamp[1] - delta) if stamp else line

    a = [(s[1] if s else None, x) for x, s in zip(first, stamps_a)]
    b = [(s[1] - delta if s else None, moved(x, s)) for x, s in zip(second, stamps_b)]

    def keyed(seq, tag: int) -> Iterator[tuple]:
        last, rank = None, 0
        for i, (t, line) in enumerate(seq):
            if t and t != last:
                last, rank = t, 0
            rank += 1
            yield (last, 2 * rank + tag, i, line)  # one second's lines of the halves alternate

    with open(dst, "wb") as f:
        for *_, line in heapq.merge(keyed(a, 0), keyed(b, 1)):
            f.write(line)
    return dst
