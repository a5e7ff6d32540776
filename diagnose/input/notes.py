"""What the report says about damage found while reading one input.

"Never lie": every repair the reader or a stream made (bad bytes replaced,
lines cut, a compressed file that ended early, CR-only line ends) and every
line the parser could not place becomes a short note on the input, so a
finding never silently rests on half a file.
"""

from __future__ import annotations

from typing import Any

from .reader import ReadStats

#: share of non-empty lines the parser must fail to place before we say "another format is mixed in"
MIXED_SHARE = 0.10
MIXED_MIN = 5


def input_notes(rstats: ReadStats, stream: Any = None, parse_stats: Any = None,
                fmt: str | None = None) -> list[str]:
    notes: list[str] = []
    if rstats.invalid_utf8_offset is not None:
        notes.append(f"invalid UTF-8 at byte {rstats.invalid_utf8_offset} (decoded with replacement)")
    if rstats.long_lines:
        notes.append(f"{rstats.long_lines} over-long line(s) cut")
    if rstats.nul_lines:
        notes.append(f"{rstats.nul_lines} line(s) with NUL bytes (removed)")
    if rstats.cr_only_lines:
        notes.append(f"{rstats.cr_only_lines} line(s) ended by a bare CR (read as line ends)")
    notes.extend(getattr(stream, "read_notes", ()) or ())
    if rstats.truncated_last_line and rstats.lines > 1:
        notes.append(f"the last line (line {rstats.lines}) has no line end: the file may have been cut "
                     "while it was written")
    if parse_stats is not None:
        mixed = mixed_format_note(parse_stats, fmt)
        if mixed:
            notes.append(mixed)
    return notes


def mixed_format_note(parse_stats: Any, fmt: str | None) -> str | None:
    """Say so when a sizeable part of the input is not in the detected format, and guess which it is."""
    unparsed = int(getattr(parse_stats, "unparsed", 0) or 0)
    total = int(getattr(parse_stats, "lines", 0) or 0)
    if unparsed < MIXED_MIN or unparsed < MIXED_SHARE * max(total, 1):
        return None
    other = _guess_other(parse_stats, fmt)
    also = f"; they look like {other} lines: split the file and name the parts" if other else ""
    return (f"{unparsed} of {total} lines are not {fmt or 'log'} lines and were not read{also} "
            "(see unparsed_examples)")


def _guess_other(parse_stats: Any, fmt: str | None) -> str | None:
    examples = [t for _, t in getattr(parse_stats, "unparsed_examples", [])]
    if not examples:
        return None
    try:
        from ..parsers.registry import PARSERS
        best = max(((p.sniff(examples), p.name) for p in PARSERS if p.name != fmt), default=(0.0, None))
    except Exception:  # noqa: BLE001 - a guess must never break the report
        return None
    return best[1] if best[0] >= 0.5 else None
