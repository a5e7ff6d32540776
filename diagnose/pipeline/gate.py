"""The literal gate of ``--peer``: a huge gateway log's other clients skipped before parsing.

A busy gateway log is mostly other clients' IKE_SAs. With ``ike_name = yes`` charon marks
every line logged for an IKE_SA with its unique id (``NN[GRP] <name|N>`` or ``<N>``, see
shared/reference/charon-log-lines.md section 1), so the lines of one client can be found
without parsing any line:

1. **Learn** (one pass over the raw bytes, ``plan_gate``): find the address literal, and take
   the SA id of every line naming it. The same pass counts the two roles' "initiating"
   literals (the side a parser would infer from every line) and keeps the time stamps of the
   file's first and last lines (the span the report states).
2. **Gate** (``Gate.pick``, called by the reader on each block of whole lines): keep a line
   that names the address, carries one of the learnt ids, or carries no SA id at all (the
   daemon's own lines, and lines logged outside any IKE_SA); skip the rest undecoded.

The session builder then sees that client's IKE_SAs whole and every line without an SA id,
and ``Focus.select`` keeps the same sessions as on the whole log (``tests/pipeline/test_gate.py``
requires the reports identical). Where the prefix carries no SA id (other prefix styles,
JSON, pastes) there is no gate and the session-level focus does the work.

Report contract: ``inputs[].lines`` counts every line read and ``recognised`` counts the
skipped lines too (each carries charon's ``] <`` SA mark), ``first_time``/``last_time`` are the
file's; ``events`` counts only the parsed lines' events, and ``filter.lines_skipped`` says how
many lines the gate skipped.
"""

from __future__ import annotations

import ipaddress
import re
from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from itertools import accumulate
from typing import BinaryIO

from ..events import Side
from ..parsers.charon import time_text

#: charon's IKE_SA context mark; no charon message format contains it (charon-messages.tsv)
MARK = b"] <"
#: the SA id in a prefix: ``NN[GRP] <name|N> `` or ``NN[GRP1] <N> ``
_PREFIX_ID = re.compile(rb"\d{2,}\[[A-Z]{3}[0-4]?\] <(?:[^|>\n]*\|)?(\d+)> ")
_BLOCK = 1024 * 1024
#: a line's thread: ``NN[GRP]`` (the ``(?:^|\s)`` keeps ``name[12]`` in a message out)
_THREAD = re.compile(rb"(?:^|\s)(\d{2,})\[[A-Z]{3}[0-4]?\] ")
#: how many lines around a kept line are searched for the rest of its thread's job
_REACH = 4096
_RECEIVED, _SENT = b"received packet: from", b"sending packet: from"
_NEW_SA = re.compile(rb"\] <(\d+)> |\] <[^>\n]*> initiating (?:Main Mode |Aggressive Mode )?IKE_SA [^\s\[]+\[(\d+)\]")
#: off: every line is parsed and only the session-level focus applies (the tests' reference)
ENABLED = True
#: literals of the ``ike_start`` formats (parsers/data/charon_messages.toml) by role
_INITIATOR = (b"initiating IKE_SA ", b"initiating Main Mode IKE_SA ", b"initiating Aggressive Mode IKE_SA ")
_RESPONDER = (b" is initiating an IKE_SA", b" is initiating IKE_SA ", b" is initiating a Main Mode IKE_SA",
              b" is initiating a Aggressive Mode IKE_SA")


def gates(head: list[str]) -> bool:
    """Whether a charon log's head shows the SA-id prefix style the gate relies on."""
    return ENABLED and any(_PREFIX_ID.search(line.encode("utf-8", "replace")) for line in head if not line.startswith('{"'))


def literal(peer: str) -> bytes:
    """The address as charon prints it (``%H``: inet_ntop, so IPv6 compressed, lower case)."""
    return str(ipaddress.ip_address(peer.strip().strip("[]").split("%")[0])).encode()


@dataclass(slots=True)
class GatePlan:
    """What the learning pass found."""

    address: bytes
    ids: frozenset[bytes]  # SA ids of lines naming the address
    keep: array  # line numbers to parse, ascending
    side: Side  # as the parser would infer it from every line's ``ike_start`` role
    first_time: str | None = None
    last_time: str | None = None
    latest: dict[int, bytes | None] = field(default_factory=dict)  # see ``Gate.newest_sa``


@dataclass(slots=True)
class Gate:
    """Picks the lines to parse from each block the reader reads; counts what it skipped."""

    plan: GatePlan
    skipped: int = 0
    seen: int = 0  # lines the reader has offered so far

    def pick(self, lines: list[bytes]) -> list[int]:
        keep = self.plan.keep
        base, self.seen = self.seen + 1, self.seen + len(lines)  # line numbers are 1-based
        lo, hi = bisect_left(keep, base), bisect_left(keep, base + len(lines))
        self.skipped += len(lines) - (hi - lo)
        return [n - base for n in keep[lo:hi]]

    def newest_sa(self, line: int) -> str | None:
        """For a line no IKE_SA names whose thread worked for none yet: the id of the IKE_SA that
        started last before it, which the session builder gives it to in the whole log."""
        uid = self.plan.latest.get(line)
        return uid.decode() if uid is not None else None

    def unknown_sa(self, unique_id: str | None) -> bool:
        """A session of an IKE_SA whose lines never named the address: another client's."""
        return unique_id is not None and unique_id.encode() not in self.plan.ids


def plan_gate(stream: BinaryIO, peer: str) -> GatePlan | None:
    """Read a log once, raw: which lines to parse for ``peer``, its side, its time span; None
    when the log's line ends are not plain LF (the reader would number its lines otherwise)."""
    try:
        return _Learner(literal(peer)).run(stream)
    finally:
        stream.close()


class _Learner:
    """The learning pass: seeds are the lines naming the address, carrying a learnt id, or
    carrying no SA id; each seed's thread job (the lines of its thread from ``received packet``
    to ``sending packet``) is kept whole, so the session builder forms the same jobs."""

    def __init__(self, address: bytes) -> None:
        self.address = address
        self.pattern = _address_pattern(address)
        self.ids: set[bytes] = set()
        self.id_pattern: re.Pattern[bytes] | None = None
        self.keep: set[int] = set()
        self.open: set[bytes] = set()  # threads whose kept job goes on in the next block
        self.initiators = self.responders = 0
        self.latest: dict[int, bytes | None] = {}  # line without an SA id -> the newest SA's id before it

    def run(self, stream: BinaryIO) -> GatePlan | None:
        carry = b""
        prev: list[bytes] = []
        base = 1  # the line number of the block's first line
        first: bytes | None = None
        tail = b""
        while True:
            data = stream.read(_BLOCK)
            block = carry + data
            cut = len(block) if not data else block.rfind(b"\n") + 1
            body, carry = block[:cut], block[cut:]
            if b"\r" in body:
                return None
            if body:
                lines = body.split(b"\n")
                if lines[-1] == b"":
                    lines.pop()
                self._block(body, lines, prev, base)
                if first is None:
                    first = body[:64 * 1024]
                tail = (tail + body)[-64 * 1024:]
                prev, base = lines, base + len(lines)
            if not data:
                break
        side = Side.CLIENT if self.initiators > self.responders else Side.SERVER
        return GatePlan(self.address, frozenset(self.ids), array("q", sorted(self.keep)), side,
                        _first_time(first or b""), _last_time(tail), self.latest)

    def _block(self, body: bytes, lines: list[bytes], prev: list[bytes], base: int) -> None:
        a = self.address
        for m in self.pattern.finditer(body):
            if _bounded(body, m.start()):
                start = body.rfind(b"\n", 0, m.start()) + 1
                end = body.find(b"\n", m.end())
                uid = _PREFIX_ID.search(body, start, len(body) if end < 0 else end)
                if uid is not None and uid.start() < m.start() and uid[1] not in self.ids:
                    self.ids.add(uid[1])
                    self.id_pattern = None
        self.initiators += sum(body.count(x) for x in _INITIATOR) - body.count(b" is initiating IKE_SA ")
        self.responders += sum(body.count(x) for x in _RESPONDER)
        seeds = [i for i, line in enumerate(lines) if MARK not in line or (a in line and self._names(line))]
        seeds += self._with_ids(body, lines)
        window = prev + lines
        off = len(prev)
        kept = self.keep
        for t in list(self.open):  # jobs still open at the end of the last block
            self.open.discard(t)
            self._forward(window, off - 1, t, kept, base - off)
        for i in seeds:
            kept.add(base + i)
            t = _THREAD.search(lines[i])
            if t is not None:
                self._job(window, off + i, t[1], kept, base - off)
            if MARK not in lines[i]:  # a line no IKE_SA names may go to the newest one
                self.latest[base + i] = self._latest(window, off + i)

    def _names(self, line: bytes) -> bool:
        return any(_bounded(line, m.start()) for m in self.pattern.finditer(line))

    def _with_ids(self, body: bytes, lines: list[bytes]) -> list[int]:
        """Lines whose prefix carries a learnt id (found in the block, checked per line)."""
        if not self.ids:
            return []
        if self.id_pattern is None:
            ids = sorted(self.ids, key=lambda b: (-len(b), b))
            self.id_pattern = re.compile(rb"[<|](?:" + b"|".join(ids) + rb")> ")
        hits = [m.start() for m in self.id_pattern.finditer(body)]
        if not hits:
            return []
        starts = [0, *accumulate(len(line) + 1 for line in lines)]
        out = []
        for pos in hits:
            i = bisect_right(starts, pos) - 1
            m = _PREFIX_ID.search(lines[i])
            if m is not None and m.start(1) - 1 == pos - starts[i] and m[1] in self.ids:
                out.append(i)
        return out

    def _job(self, window: list[bytes], i: int, thread: bytes, kept: set[int], first: int) -> None:
        """Keep the rest of line ``i``'s thread job (``first``: the number of ``window[0]``), and the
        last line of the thread's job before it (the IKE_SA the thread worked for last)."""
        started = _RECEIVED in window[i]
        for j in range(i - 1, max(i - _REACH, -1), -1):
            if _on(window[j], thread):
                kept.add(first + j)
                if started or _SENT in window[j]:
                    break  # the thread's previous job ended there
                started = _RECEIVED in window[j]
        if _SENT not in window[i]:
            self._forward(window, i, thread, kept, first)

    def _latest(self, window: list[bytes], i: int) -> bytes | None:
        """The id of the newest IKE_SA before line ``i``: the last ``<N>`` without a name (an SA's
        first lines, before a config is chosen) or ``initiating IKE_SA name[N]``."""
        for j in range(i - 1, -1, -1):
            m = _NEW_SA.search(window[j])
            if m is not None:
                return m[1] or m[2]
        return None

    def _forward(self, window: list[bytes], i: int, thread: bytes, kept: set[int], first: int) -> None:
        for j in range(i + 1, min(i + _REACH, len(window))):
            if _on(window[j], thread):
                if _RECEIVED in window[j]:
                    return  # the thread's next job starts there
                kept.add(first + j)
                if _SENT in window[j]:
                    return
        if i + _REACH >= len(window):
            self.open.add(thread)


def _on(line: bytes, thread: bytes) -> bool:
    if thread + b"[" not in line:
        return False
    t = _THREAD.search(line)
    return t is not None and t[1] == thread


def _address_pattern(address: bytes) -> re.Pattern[bytes]:
    # not followed by what would continue the address (10.0.0.7 in 10.0.0.71, ::1 in ::1f)
    after = rb"(?![0-9A-Fa-f:])" if b":" in address else rb"(?![0-9]|\.[0-9])"
    return re.compile(re.escape(address) + after)


def _bounded(text: bytes, start: int) -> bool:
    """Not preceded by what would continue an address (110.0.0.7, 2001:db8::7 in a2001:...)."""
    return start == 0 or text[start - 1:start] not in b"0123456789abcdefABCDEF.:"


def _first_time(head: bytes) -> str | None:
    for raw in head.split(b"\n")[:-1] or [head]:
        t = time_text(raw.decode("utf-8", "replace"))
        if t is not None:
            return t
    return None


def _last_time(tail: bytes) -> str | None:
    lines = tail.split(b"\n")
    for raw in reversed(lines[1:] if len(lines) > 1 else lines):  # the first may be cut
        t = time_text(raw.decode("utf-8", "replace"))
        if t is not None:
            return t
    return None
