"""Decide which parser reads an input, from its first lines.

Every registered parser scores the head of the input; the best score wins if
it clears a threshold.  ``--log-format`` bypasses scoring.  Binary input is
refused here, before any parser sees it.
"""

from __future__ import annotations

from typing import Callable

from ..errors import InputError
from ..parsers.base import LogParser
from .paste import Piece, Wrap, rejoin_head, wrap_of
from .not_a_log import recognise
from ..parsers.registry import PARSERS, by_name

HEAD_LINES = 200
THRESHOLD = 0.3


def starts_of(parser: LogParser, head: list[Piece]) -> Callable[[str], bool] | None:
    """The parser's test for "this line starts a record", tuned to this input when it can be."""
    starts_for = getattr(parser, "starts_for", None)
    if starts_for is not None:
        return starts_for([t for _, t, _ in head])  # type: ignore[no-any-return]
    return getattr(parser, "starts_record", None)


def _as_read(parser: LogParser, head: list[Piece], width: int | None) -> list[str]:
    starts = starts_of(parser, head) if width is not None else None
    if starts is None:
        return [t for _, t, _ in head]
    return rejoin_head(head, width, starts, getattr(parser, "complete_record", None),
                       getattr(parser, "reads_record", None))


def wrap_for(parser: LogParser, head: list[Piece], width: int | None) -> tuple[Wrap, Callable[[str], bool]] | None:
    """How the input was wrapped as this parser reads it, and the start test that found it
    (None: not wrapped, or no way to tell)."""
    starts = starts_of(parser, head)
    if starts is None:
        return None
    wrap = wrap_of(head, width, starts, getattr(parser, "complete_record", None))
    return None if wrap is None else (wrap, starts)


def looks_binary(head: bytes) -> bool:
    """NUL bytes or mostly control characters in the first block mean it is no text log."""
    if not head:
        return False
    if b"\x00" in head[:8192]:
        return True
    sample = head[:8192]
    control = sum(1 for b in sample if b < 9 or 13 < b < 32 or b == 127)
    return control / len(sample) > 0.10


def choose_parser(name: str, head: list[str], forced: str | None = None,
                  width: int | None = None, pieces: list[Piece] | None = None) -> tuple[LogParser, float]:
    """The parser for an input, from its (cleaned) head.

    ``width``: the input may be hard-wrapped at that column; each parser then sniffs
    the head as it would read it, with its own continuation pieces rejoined (``pieces``:
    the head's lines with their lengths as pasted, default: ``head`` as it is).
    """
    if forced:
        parser = by_name(forced)
        if parser is None:
            known = ", ".join(p.name for p in PARSERS)
            raise InputError(name, f"unknown log format {forced!r}", f"known formats: {known}")
        return parser, 1.0
    lines = [h for h in head if h.strip()][:HEAD_LINES]
    if pieces is None:
        pieces = [(i, t, len(t)) for i, t in enumerate(head)]
    kept = [p for p in pieces if p[1].strip()][:HEAD_LINES]
    if not lines:
        raise InputError(name, "empty input", "nothing to diagnose: give a charon, macOS/iOS or racoon log")
    scored = sorted(((p.sniff(_as_read(p, kept, width) if width else lines), i, p) for i, p in enumerate(PARSERS)),
                    key=lambda t: (-t[0], t[1]))
    best_score, _, best = scored[0]
    if best_score < THRESHOLD:
        other = recognise(lines)
        if other is not None:
            raise InputError(name, f"this is {other.what}: {other.shows}", other.instead)
        raise InputError(name, "unknown log format",
                         "expected strongSwan charon, macOS/iOS `log show` or racoon output; "
                         "use --log-format to force one")
    return best, best_score
