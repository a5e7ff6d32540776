"""Stage 2, parsing: an opened input's numbered lines become events.

``parse_events`` is the one place a parser reads an input (in memory and in both streaming
passes alike); ``run_parser`` is the single call into the parser, kept apart so that a change
to how lines reach the parser touches one line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

from ..errors import InputError
from ..events import Event, Side
from ..input.sources import Source
from ..report.model import InputSummary, Report
from .gate import Gate
from .opening import OpenedInput, open_input
from .options import Options


@dataclass(slots=True)
class ParsedInput:
    summary: InputSummary
    events: list[Event] = field(default_factory=list)
    side: Side = Side.UNKNOWN
    gate: Gate | None = None  # ``--peer`` on a log whose prefixes carry SA ids


def run_parser(opened: OpenedInput) -> Iterator[Event]:
    """The parser over the input's numbered lines."""
    return opened.parser.parse(opened.lines, opened.ctx)  # type: ignore[arg-type]


def parse_events(opened: OpenedInput) -> Iterator[Event]:
    """The input's events as its parser yields them; the stream is closed at the end."""
    try:
        yield from run_parser(opened)
        if opened.gate is not None:
            opened.gate.account(opened.ctx.stats)
        if opened.forced and opened.ctx.stats.unparsed and not opened.ctx.stats.recognised:
            # a forced format that places no line is a wrong guess, not a healthy log
            raise InputError(opened.src.name, f"no line reads as the forced format {opened.parser.name!r}",
                             "drop --log-format to let ikedoctor detect the format, or name another one")
    except InputError:
        raise
    except (OSError, EOFError) as exc:
        raise InputError(opened.src.name, f"read failed part-way ({exc})", "the file may be truncated") from exc
    finally:
        opened.stream.close()


def parse_source(src: Source, opts: Options) -> ParsedInput:
    """Open, detect and parse one source; raise InputError for unreadable or unknown input."""
    opened = open_input(src, opts)
    events = list(parse_events(opened))
    side = opened.side()
    for ev in events:
        ev.side = side
    return ParsedInput(summary=opened.summary(len(events)), events=events, side=side, gate=opened.gate)


def parse_source_tolerant(src: Source, opts: Options, report: Report) -> ParsedInput | None:
    """Parse one source; an unreadable one becomes a warning unless it is the only input."""
    try:
        return parse_source(src, opts)
    except InputError as exc:
        report.warnings.append(str(exc))
        return None
