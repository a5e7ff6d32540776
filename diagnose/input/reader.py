"""Turn a byte stream into numbered text lines without ever failing on bad bytes.

Lines are decoded as UTF-8 with replacement (the first bad byte's offset is
remembered for the report), capped in length so a megabyte of garbage cannot
exhaust memory, and stripped of CR/LF so CRLF and LF files parse alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO, Iterator

MAX_LINE = 64 * 1024  # longer lines are cut; no charon or Apple line comes close


@dataclass(slots=True)
class ReadStats:
    bytes: int = 0
    lines: int = 0
    invalid_utf8_offset: int | None = None
    long_lines: int = 0
    truncated_last_line: bool = False
    nul_lines: int = 0


def numbered_lines(stream: BinaryIO, stats: ReadStats | None = None,
                   max_line: int = MAX_LINE) -> Iterator[tuple[int, str]]:
    """Yield ``(lineno, text)`` for every line, 1-based."""
    st = stats if stats is not None else ReadStats()
    lineno = 0
    offset = 0
    readline = stream.readline
    while True:
        raw = readline(max_line)
        if not raw:
            break
        size = len(raw)
        if size == max_line and not raw.endswith(b"\n"):
            st.long_lines += 1
            # swallow the rest of the over-long line in bounded pieces
            while True:
                more = readline(max_line)
                size += len(more)
                if not more or more.endswith(b"\n"):
                    break
        elif not raw.endswith(b"\n"):
            st.truncated_last_line = True
        lineno += 1
        if b"\x00" in raw:
            st.nul_lines += 1
            raw = raw.replace(b"\x00", b"")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            if st.invalid_utf8_offset is None:
                st.invalid_utf8_offset = offset + exc.start
            text = raw.decode("utf-8", errors="replace")
        offset += size
        yield lineno, text.rstrip("\r\n")
    st.bytes = offset
    st.lines = lineno
