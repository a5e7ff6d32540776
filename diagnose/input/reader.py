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
from typing import BinaryIO, Iterator

import regex

MAX_LINE = 64 * 1024  # longer lines are cut; no charon or Apple line comes close
CHUNK = 256 * 1024
_LONE_CR = regex.compile(rb"\r(?!\n)")


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
            self._it = _numbered(*self._args, False)
        return self._it

    def __next__(self) -> tuple[int, str]:
        return next(iter(self))

    def blocks(self, chunk: int | None = None) -> "Iterator[tuple[int, str] | TextBlock]":
        if self._it is not None:
            raise RuntimeError("blocks() after the lines were read")
        stream, st, max_line, default = self._args
        self._it = _numbered(stream, st, max_line, chunk or default, True)
        return self._it


def numbered_lines(stream: BinaryIO, stats: ReadStats | None = None,
                   max_line: int = MAX_LINE, chunk: int = CHUNK) -> NumberedLines:
    """Yield ``(lineno, text)`` for every line, 1-based, without its line end.

    ``stats`` is filled as lines are read and complete when the iterator ends.
    """
    return NumberedLines(stream, stats if stats is not None else ReadStats(), max_line, chunk)


def _numbered(stream: BinaryIO, st: ReadStats, max_line: int, chunk: int,
              blocks: bool) -> "Iterator[tuple[int, str] | TextBlock]":
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
        parts = block.split(b"\n")
        last = parts.pop()
        pos = 0
        clean = _clean_text(block, len(block) - len(last), parts, max_line) if not skipping else None
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
            if part.endswith(b"\r"):
                part = part[:-1]
            lineno += 1
            yield lineno, _decode_capped(part, start, st, max_line)
        start = block_start + pos
        if eof:
            if last and not skipping:
                st.truncated_last_line = True
                lineno += 1
                yield lineno, _decode_capped(last, start, st, max_line)
            break
        if not skipping and len(last) > max_line:
            st.long_lines += 1
            lineno += 1
            yield lineno, _decode(last[:max_line], start, st, True)
            skipping = True
        carry = b"" if skipping else last
        if hold_cr:
            carry += b"\r"
    st.bytes = total
    st.lines = lineno
