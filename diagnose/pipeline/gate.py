"""The literal gate of ``--peer``: a huge gateway log's other clients skipped before parsing.

A busy gateway log is mostly other clients' IKE_SAs. With ``ike_name = yes`` charon marks
every line logged for an IKE_SA with its unique id (``NN[GRP] <name|N>`` or ``<N>``, see
shared/reference/charon-log-lines.md section 1), so one client's lines can be found without
parsing any line:

1. **Learn** (``plan_gate``: one raw pass, block by block, mostly scans in C). Seeds are the
   lines naming the address (whose SA ids are learnt) and the lines without an SA id that the
   parser makes an event of (``SIGTERM received``) or might not place (another program's syslog
   line). Each seed's thread job is kept whole: the lines of its thread from ``received
   packet`` to ``sending packet``, and the line that ended the thread's job before, because the
   session builder (``diagnose/sessions.py``) attributes by job: one job can hold two SAs' lines
   (a new SA deleting the old one of the same identity), and a line without an SA id goes to the
   SA its thread worked for last. For a seed without an SA id whose thread did no job yet, the
   newest SA before it is noted (the whole log's latest session, where the builder puts it).
   The pass also counts the two roles' ``initiating`` literals (the side the parser would infer
   from every line) and reads the time stamps of the first and last lines (the span).
2. **Gate** (``Gate``, given to the reader): only the learnt lines are decoded and parsed; a
   block with none of them is counted and dropped without splitting it into lines.
3. **Build** (``SessionBuilder`` with the gate): an SA id the gate did not learn starts a session
   of its own (in the whole log it had one), which ``focus_keeps`` leaves out with the rest of
   that client's SA; everything else is attributed as in the whole log.

``tests/pipeline/test_gate.py`` requires the focused report identical with and without the gate
on every sample gateway log in every prefix style and on corpus slices. No gate where the
prefix carries no SA id (other styles, JSON, pastes), where line ends are not LF, in a client's
own log (the focus keeps it whole), nor for ``--client``: there the session-level focus does the
work. A job is followed back through at most ``_TAIL`` bytes before its block. Lines naming the address only inside
another SA's job, or SA lines of the client logged outside any job with its address (the
``destroying IKE_SA`` lines at shutdown), are found through the jobs; a message that prints
``] <`` itself would read as an SA mark.

Report contract (``inputs``, ``filter``): ``lines`` counts every line read and ``recognised``
counts the skipped lines too (each carries charon's SA mark or prefix), ``first_time`` and
``last_time`` are the whole file's; ``events`` counts only the parsed lines' events;
``filter.sessions_left_out`` counts only other clients' sessions that were built, and
``filter.lines_skipped`` how many lines the gate skipped (0 without a gate).
"""

from __future__ import annotations

import ipaddress
import re
from array import array
from bisect import bisect_left
from dataclasses import dataclass, field
from itertools import accumulate
from typing import BinaryIO

from ..events import Side
from ..input.sources import Source
from ..parsers.base import ParseStats
from ..parsers.charon import time_text, yields_event

#: charon's IKE_SA context mark; no charon message format contains it (charon-messages.tsv)
MARK = b"] <"
#: the SA id in a prefix: ``NN[GRP] <name|N> `` or ``NN[GRP1] <N> ``
_PREFIX_ID = re.compile(rb"\d{2,}\[[A-Z]{3}[0-4]?\] <(?:[^|>\n]*\|)?(\d+)> ")
_BLOCK = 1024 * 1024
#: a prefix without an SA id, as the parser finds it (``parsers.charon._BODY``)
_BODY = re.compile(rb"(?:^|(?<=\s))(\d{2,})\[([A-Z]{3})[0-4]?\] ")
_GROUPS = frozenset(b"DMN MGR IKE CHD JOB WCH CFG KNL NET ASN ENC TNC IMC IMV PTS TLS APP ESP LIB".split())
_SA_GROUPS = frozenset({b"IKE", b"ENC", b"CHD"})  # ``parsers.charon._SA_GROUPS``
#: where a prefix without an SA id may be (each checked on its line)
_LOOSE = re.compile(rb"\[[A-Z]{3}[0-4]?\] (?!<)")
#: a line's thread: ``NN[GRP]`` (the ``(?:^|\s)`` keeps ``name[12]`` in a message out)
_THREAD = re.compile(rb"(?:^|\s)(\d{2,})\[[A-Z]{3}[0-4]?\] ")
#: how many lines around a kept line are searched for the rest of its thread's job
_REACH = 4096
_RECEIVED, _SENT = b"received packet: from", b"sending packet: from"
_NEW_SA = re.compile(rb"\] <(\d+)> |\] <[^>\n]*> initiating (?:Main Mode |Aggressive Mode )?IKE_SA [^\s\[]+\[(\d+)\]")
#: off: every line is parsed and only the session-level focus applies (the tests' reference)
ENABLED = True
#: the ``ike_start`` formats (parsers/data/charon_messages.toml): ``> initiating ... IKE_SA `` after
#: an SA-id prefix (initiator), `` is initiating ...`` (responder; group 1 only a responder's)
_INITIATING = re.compile(rb"initiating (?:(an IKE_SA|a Main Mode IKE_SA|a Aggressive Mode IKE_SA)"
                         rb"|(?:Main Mode |Aggressive Mode )?IKE_SA )")
#: how much of a block is kept for the next one's backward search (jobs, the newest SA)
_TAIL = 128 * 1024


def gates(head: list[str]) -> bool:
    """Whether a charon log's head shows the SA-id prefix style the gate relies on."""
    return ENABLED and any(_PREFIX_ID.search(line.encode("utf-8", "replace"))
                           for line in head if not line.startswith('{"'))


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
    sa_lines: int = 0  # lines about an IKE_SA, as the parser counts them (``ParseStats.sa_lines``)


@dataclass(slots=True)
class Gate:
    """Picks the lines to parse from each block the reader reads; counts what it skipped."""

    plan: GatePlan
    skipped: int = 0
    seen: int = 0  # lines the reader has offered so far
    kept_sa: int = 0  # of the lines picked, those about an IKE_SA (the parser counts them itself)

    def skips(self, count: int) -> bool:
        keep = self.plan.keep
        base = self.seen + 1
        if bisect_left(keep, base) < len(keep) and keep[bisect_left(keep, base)] < base + count:
            return False
        self.seen += count
        self.skipped += count
        return True

    def pick(self, lines: list[bytes]) -> list[int]:
        keep = self.plan.keep
        base, self.seen = self.seen + 1, self.seen + len(lines)  # line numbers are 1-based
        lo, hi = bisect_left(keep, base), bisect_left(keep, base + len(lines))
        self.skipped += len(lines) - (hi - lo)
        picked = [n - base for n in keep[lo:hi]]
        self.kept_sa += sum(1 for i in picked if _about_sa(lines[i]))
        return picked

    def account(self, stats: ParseStats) -> None:
        """Count the skipped lines as the parser would have (each a charon line: its prefix carries
        an SA id, or it is a charon line of no event) and give the file's time span."""
        if self.skipped:
            stats.lines += self.skipped
            stats.recognised += self.skipped
            stats.sa_lines += self.plan.sa_lines - self.kept_sa
            stats.first_time, stats.last_time = self.plan.first_time, self.plan.last_time

    def newest_sa(self, line: int) -> str | None:
        """For a line no IKE_SA names whose thread worked for none yet: the id of the IKE_SA that
        started last before it, which the session builder gives it to in the whole log."""
        uid = self.plan.latest.get(line)
        return uid.decode() if uid is not None else None

    def unknown_sa(self, unique_id: str | None) -> bool:
        """A session of an IKE_SA whose lines never named the address: another client's."""
        return unique_id is not None and unique_id.encode() not in self.plan.ids


def plan_gate(src: Source, peer: str) -> GatePlan | None:
    """Read a log once, raw: which lines to parse for ``peer``, its side, its time span; None
    when the log's line ends are not plain LF (the reader would number its lines otherwise).
    The streaming diagnosis opens a log twice: the second time reuses the plan (kept until
    ``forget``)."""
    key = (src.name, src.size, src.mtime, peer) if src.size is not None and src.mtime else None
    if key is not None and key in _PLANS:
        return _PLANS[key]
    stream = src.open()
    try:
        plan = _Learner(literal(peer)).run(stream)
    finally:
        stream.close()
    if key is not None:
        if len(_PLANS) >= 4:
            _PLANS.pop(next(iter(_PLANS)))
        _PLANS[key] = plan
    return plan


_PLANS: dict[tuple, GatePlan | None] = {}


def forget() -> None:
    """Drop the plans kept for a diagnosis's second read (``pipeline.run`` calls it at its end)."""
    _PLANS.clear()


class _Learner:
    """The learning pass, on raw blocks. Seeds are the lines naming the address and the lines
    without an SA id the parser makes an event of (or might not place); each seed's thread job
    (its thread's lines from ``received packet`` to ``sending packet``, and the line that ended
    the thread's job before) is kept whole, so the session builder forms the same jobs. Blocks
    with neither (counted, not split: as many ``] <`` marks as lines) cost a few scans in C."""

    def __init__(self, address: bytes) -> None:
        self.address = address
        self.pattern = _address_pattern(address)
        self.ids: set[bytes] = set()
        self.keep: set[int] = set()
        self.open: set[bytes] = set()  # threads whose kept job goes on in the next block
        self.initiators = self.responders = 0
        self.latest: dict[int, bytes | None] = {}  # line without an SA id -> the newest SA's id before it
        self.sa_lines = 0
        self.events: dict[bytes, bool] = {}  # ``NN[GRP] message`` -> whether the parser makes an event of it

    def run(self, stream: BinaryIO) -> GatePlan | None:
        carry = prev = b""
        base = 1  # the number of the block's first line
        first: bytes | None = None
        while True:
            data = stream.read(_BLOCK)
            block = carry + data
            cut = len(block) if not data else block.rfind(b"\n") + 1
            body, carry = block[:cut], block[cut:]
            if b"\r" in body:
                return None
            if body:
                if not body.endswith(b"\n"):
                    body += b"\n"  # the last line, unended: numbered like the others
                n = body.count(b"\n")
                self._block(prev + body, len(prev), base - prev.count(b"\n"), n)
                if first is None:
                    first = body[:64 * 1024]
                prev, base = body[-_TAIL:], base + n
            if not data:
                break
        side = Side.CLIENT if self.initiators > self.responders else Side.SERVER
        return GatePlan(self.address, frozenset(self.ids), array("q", sorted(self.keep)), side,
                        _first_time(first or b""), _last_time(prev), self.latest, self.sa_lines)

    def _block(self, window: bytes, off: int, first: int, n: int) -> None:
        """One block: ``window[off:]`` (``n`` whole lines), after the tail of the one before;
        ``first``: the number of the window's first line (whole or not)."""
        seeds: list[int] = []  # positions of seed lines' starts in the window
        for m in self.pattern.finditer(window, off):
            if _bounded(window, m.start()):
                start = window.rfind(b"\n", 0, m.start()) + 1
                seeds.append(start)
                uid = _PREFIX_ID.search(window, start, m.start())
                if uid is not None:
                    self.ids.add(uid[1])
        for m in _INITIATING.finditer(window, off):
            s = m.start()
            if window[s - 4:s] == b" is ":
                self.responders += 1
            elif window[s - 2:s] == b"> " and m[1] is None:
                self.initiators += 1
        marks = window.count(MARK, off)
        self.sa_lines += marks
        if marks != n:  # some lines carry no SA id (one mark a line: charon prints none in messages)
            loose = set()
            for m in _LOOSE.finditer(window, off):
                start = window.rfind(b"\n", 0, m.start()) + 1
                if start in loose:
                    continue  # a second ``[GRP] `` in one line
                loose.add(start)
                line = window[start:window.find(b"\n", start)]
                if MARK not in line and _about_sa(line):
                    self.sa_lines += 1
                if self._matters(line):
                    seeds.append(start)
            if marks + len(loose) != n:  # some line has neither: find them
                seeds += self._unmarked(window, off, len(window), loose)
        if not seeds and not self.open:
            return
        counted, at = first, 0  # line numbers of positions, counted forward
        for t in list(self.open):  # jobs still open at the end of the last block
            self.open.discard(t)
            self._forward(window, off, first + window.count(b"\n", 0, off), t)
        for start in sorted(set(seeds)):
            counted += window.count(b"\n", at, start)
            at = start
            self.keep.add(counted)
            line = window[start:window.find(b"\n", start)]
            t = _THREAD.search(line)
            if t is not None:
                self._job(window, start, counted, t[1])
            if MARK not in line:  # a line no IKE_SA names may go to the newest one
                self.latest[counted] = self._newest(window, start)

    @staticmethod
    def _unmarked(window: bytes, lo: int, hi: int, loose: set[int]) -> list[int]:
        """Starts of the lines in ``window[lo:hi]`` (whole lines) with neither an SA id nor a
        charon prefix (``loose``: the starts of those with one), such as another program's
        syslog lines: the parser decides what they are."""
        lines = window[lo:hi].split(b"\n")
        lines.pop()
        picked = [i for i, line in enumerate(lines) if MARK not in line]
        if not picked:
            return []
        ends = list(accumulate(map(len, lines[:picked[-1]])))  # in C: no Python step per line
        starts = (lo + (ends[i - 1] if i else 0) + i for i in picked)
        return [s for s in starts if s not in loose]

    def _matters(self, line: bytes) -> bool:
        """Whether a line without an SA id must be parsed: one the parser makes an event of, or
        one it might not place (not a charon line: the report counts it as unparsed). A charon
        line of no event (``loaded certificate``) changes nothing but the counts the gate keeps."""
        i = line.find(b"] ")
        key = line[max(i - 6, 0):]  # ``NN[GRP] message``: the time before it does not matter
        known = self.events.get(key)
        if known is None:
            t = _BODY.search(line)
            if t is None or t[2] not in _GROUPS:
                return True  # not cached: the decision needs the whole line
            if len(self.events) >= 8192:
                self.events.clear()
            known = self.events[key] = yields_event(line[t.end():].decode("utf-8", "replace"))
        return known

    def _job(self, window: bytes, start: int, number: int, thread: bytes) -> None:
        """Keep the rest of the thread job of the line at ``start`` (line ``number``), and the last
        line of the thread's job before it (the IKE_SA the thread worked for last)."""
        line = window[start:window.find(b"\n", start)]
        begun = _RECEIVED in line
        pos, k = start, number
        for _ in range(_REACH):
            if pos == 0:
                break
            prev = window.rfind(b"\n", 0, pos - 1) + 1
            pos, k = prev, k - 1
            text = window[pos:window.find(b"\n", pos)]
            if _on(text, thread):
                self.keep.add(k)
                if begun or _SENT in text:
                    break  # the thread's previous job ended there
                begun = _RECEIVED in text
        if _SENT not in line:
            self._forward(window, window.find(b"\n", start) + 1, number + 1, thread)

    def _forward(self, window: bytes, pos: int, number: int, thread: bytes) -> None:
        """Keep the thread's lines from ``pos`` (line ``number``) to its job's end."""
        for _ in range(_REACH):
            if pos >= len(window):
                self.open.add(thread)
                return
            end = window.find(b"\n", pos)
            text = window[pos:end]
            if _on(text, thread):
                if _RECEIVED in text:
                    return  # the thread's next job starts there
                self.keep.add(number)
                if _SENT in text:
                    return
            pos, number = end + 1, number + 1

    @staticmethod
    def _newest(window: bytes, pos: int) -> bytes | None:
        """The id of the newest IKE_SA before ``pos``: the last ``<N>`` without a name (an SA's
        first lines, before a config is chosen) or ``initiating IKE_SA name[N]``."""
        span = 8192
        while True:
            lo = max(0, pos - span)
            last = None
            for m in _NEW_SA.finditer(window, lo, pos):
                last = m
            if last is not None:
                return last[1] or last[2]
            if lo == 0:
                return None
            span *= 4


def _about_sa(line: bytes) -> bool:
    """What the parser counts in ``ParseStats.sa_lines``: an SA id in the prefix, or a prefix of
    charon's IKE/ENC/CHD groups."""
    if MARK in line:
        return True
    t = _BODY.search(line)
    return t is not None and t[2] in _SA_GROUPS


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
