"""Turn a byte stream into numbered text lines without ever failing on bad bytes.

Customers paste whatever they have: CRLF files from Windows editors, CR-only
files from old Mac tools, lines cut mid-way by a full disk, NUL padding from a
crashed writer, a megabyte of base64 on one line.  So lines end at LF, CRLF or
a lone CR; each is decoded as UTF-8 with replacement (the first bad byte's
absolute offset is remembered for the report); lines longer than ``MAX_LINE``
are cut (and counted) so memory stays bounded; NUL bytes are dropped (and
counted).  The stream is read in fixed-size blocks, never whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO, Iterator, Protocol

import regex

MAX_LINE = 64 * 1024  # longer lines are cut; no charon or Apple line comes close
CHUNK = 256 * 1024
_LONE_CR = regex.compile(rb"\r(?!\n)")


class Pick(Protocol):
    """Which lines to decode and yield (``pipeline.gate``); every line is still read and counted."""

    def skips(self, count: int) -> bool:
        """Whether none of the next ``count`` lines is wanted (then they are taken as skipped)."""
        ...

    def pick(self, lines: list[bytes]) -> list[int]:
        """Which of the next lines (bytes, line ends cut at LF) to yield, by index, ascending."""
        ...


@dataclass(slots=True)
class ReadStats:
    """What the reader had to repair; the report shows it so nothing is hidden."""

    bytes: int = 0
    lines: int = 0
    invalid_utf8_offset: int | None = None
    long_lines: int = 0
    truncated_last_line: bool = False
    nul_lines: int = 0
    cr_only_lines: int = 0  # lines ended by a lone CR (classic Mac / progress output)


def _decode_capped(raw: bytes, start: int, st: ReadStats, max_line: int) -> str:
    """Decode one line, cutting (and counting) it when it is longer than ``max_line``."""
    cut = len(raw) > max_line
    if cut:
        st.long_lines += 1
        raw = raw[:max_line]
    return _decode(raw, start, st, cut)


def _decode(raw: bytes, start: int, st: ReadStats, cut: bool) -> str:
    if b"\x00" in raw:
        st.nul_lines += 1
        raw = raw.replace(b"\x00", b"")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        # a cut line may end inside a multi-byte character: that is our doing, not the file's
        if not (cut and exc.end == len(raw) and exc.reason == "unexpected end of data"):
            if st.invalid_utf8_offset is None:
                st.invalid_utf8_offset = start + exc.start
        return raw.decode("utf-8", errors="replace")


def _clean_text(block: bytes, end: int, parts: list[bytes], max_line: int) -> str | None:
    """The block's complete lines decoded in one call, or None when one needs repair.

    Decoding per line costs more than the rest of reading; a block with no NUL, no invalid
    UTF-8 and no over-long line (nearly every block of a real log) decodes as a whole, and
    since LF never occurs inside a UTF-8 sequence its lines are exactly the byte lines.
    """
    if not parts or b"\x00" in block or max(map(len, parts)) > max_line:
        return None
    try:
        return block[:end].decode("utf-8")
    except UnicodeDecodeError:
        return None


def _skippable(block: bytes, pick: Pick, max_line: int) -> int:
    """How many whole lines the block has when they all need no repair and ``pick`` wants none of
    them (they are only counted), else 0.

    Nothing is split: no NUL, ASCII (so valid UTF-8), and no line longer than ``max_line`` (every
    aligned stretch of half of it holds a line end, so no two line ends are further apart)."""
    cut = block.rfind(b"\n") + 1
    if cut == 0 or b"\x00" in block or not block.isascii():
        return 0
    half = max_line // 2
    if any(block.find(b"\n", i, min(i + half, cut)) < 0 for i in range(0, cut, half)):
        return 0
    n = block.count(b"\n", 0, cut)
    return n if pick.skips(n) else 0


def _clean_bytes(block: bytes, end: int, parts: list[bytes], max_line: int) -> bool:
    """Whether the block's complete lines need no repair (what ``_clean_text`` checks), without
    decoding them: a gated reader decodes only the lines it keeps."""
    if not parts or b"\x00" in block or max(map(len, parts)) > max_line:
        return False
    try:
        block[:end].decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@dataclass(slots=True)
class TextBlock:
    """Whole lines of one read block, decoded at once: ``first`` is the first one's number,
    ``text`` the ``count`` lines joined by LF (no line end after the last, CRLF as LF)."""

    first: int
    count: int
    text: str


class NumberedLines:
    """``numbered_lines``' iterator of ``(lineno, text)``; before it is iterated, ``blocks()``
    gives the same lines as ``TextBlock``s where a block needed no repair (and as
    ``(lineno, text)`` where it did), for a parser that splits whole blocks in C."""

    __slots__ = ("_args", "_it")

    def __init__(self, *args) -> None:
        self._args = args
        self._it: Iterator | None = None

    def __iter__(self) -> Iterator[tuple[int, str]]:
        if self._it is None:
            stream, st, max_line, chunk, pick = self._args
            self._it = _numbered(stream, st, max_line, chunk, False, pick)
        return self._it

    def __next__(self) -> tuple[int, str]:
        return next(iter(self))

    def blocks(self, chunk: int | None = None) -> "Iterator[tuple[int, str] | TextBlock]":
        if self._it is not None:
            raise RuntimeError("blocks() after the lines were read")
        stream, st, max_line, default, pick = self._args
        self._it = _numbered(stream, st, max_line, chunk or default, True, pick)
        return self._it


def numbered_lines(stream: BinaryIO, stats: ReadStats | None = None, max_line: int = MAX_LINE,
                   chunk: int = CHUNK, pick: Pick | None = None) -> NumberedLines:
    """Yield ``(lineno, text)`` for every line, 1-based, without its line end.

    ``stats`` is filled as lines are read and complete when the iterator ends. With ``pick``
    (``pipeline.gate``) only the lines it picks are decoded and yielded (as ``(lineno, text)``,
    also from ``blocks()``); every line is still read, numbered and counted.
    """
    return NumberedLines(stream, stats if stats is not None else ReadStats(), max_line, chunk, pick)


def _numbered(stream: BinaryIO, st: ReadStats, max_line: int, chunk: int,
              blocks: bool, pick: Pick | None) -> "Iterator[tuple[int, str] | TextBlock]":
    lineno = 0
    total = 0  # bytes read from the stream so far
    carry = b""  # an unfinished line (at most max_line bytes), or a held-back CR
    skipping = False  # inside an over-long line whose head was already yielded
    while True:
        data = stream.read(chunk)
        eof = not data
        block_start = total - len(carry)
        total += len(data)
        block = carry + data
        hold_cr = False
        if b"\r" in block:
            if not eof and block.endswith(b"\r"):
                hold_cr, block = True, block[:-1]  # may be the first half of a CRLF
            lone = len(_LONE_CR.findall(block))
            if lone:
                st.cr_only_lines += lone
                block = _LONE_CR.sub(b"\n", block)  # same length: offsets stay true
        skip = _skippable(block, pick, max_line) if pick is not None and not skipping else 0
        if skip:
            cut = block.rfind(b"\n") + 1
            parts, last = [], block[cut:]
            lineno += skip
            pos = cut
        else:
            parts = block.split(b"\n")
            last = parts.pop()
            pos = 0
        if pick is not None and not skipping and _clean_bytes(block, len(block) - len(last), parts, max_line):
            for i in pick.pick(parts):
                text = parts[i].decode("utf-8")
                yield lineno + i + 1, text[:-1] if text.endswith("\r") else text
            lineno += len(parts)
            parts = []
            pos = len(block) - len(last)
        clean = (_clean_text(block, len(block) - len(last), parts, max_line)
                 if not skipping and pick is None else None)
        if clean is not None and blocks:
            # every CR left is the first half of a CRLF (lone ones became LF above), and a
            # line loses its CR below: so dropping each CRLF's CR gives the same lines
            yield TextBlock(lineno + 1, len(parts), (clean.replace("\r\n", "\n") if "\r" in clean else clean)[:-1])
            lineno += len(parts)
            parts = []
            pos = len(block) - len(last)
        elif clean is not None:  # the common block: every line whole, valid UTF-8, no NUL
            lines = clean.split("\n")
            lines.pop()  # after the final LF
            for text in lines:
                lineno += 1
                yield lineno, text[:-1] if text.endswith("\r") else text
            parts = []
            pos = len(block) - len(last)
        for part in parts:
            start = block_start + pos
            pos += len(part) + 1
            if skipping:
                skipping = False
                continue
            keep = pick is None or pick.pick([part]) == [0]
            if part.endswith(b"\r"):
                part = part[:-1]
            lineno += 1
            text = _decode_capped(part, start, st, max_line)  # decoded even when skipped: its repairs count
            if keep:
                yield lineno, text
        start = block_start + pos
        if eof:
            if last and not skipping:
                st.truncated_last_line = True
                lineno += 1
                text = _decode_capped(last, start, st, max_line)
                if pick is None or pick.pick([last]) == [0]:
                    yield lineno, text
            break
        if not skipping and len(last) > max_line:
            st.long_lines += 1
            lineno += 1
            text = _decode(last[:max_line], start, st, True)
            if pick is None or pick.pick([last[:max_line]]) == [0]:
                yield lineno, text
            skipping = True
        carry = b"" if skipping else last
        if hold_cr:
            carry += b"\r"
    st.bytes = total
    st.lines = lineno
