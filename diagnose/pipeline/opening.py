"""Stage 1, opening: one source opened, sniffed from its first 64 KB and matched to its parser.

The result (``OpenedInput``) is read once, by the parse stage: numbered text lines, with a
paste's hard wraps and clutter already undone, and the hints from outside the file (side,
year, zone from the command line or a bundle manifest) in its ``ParseContext``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from typing import BinaryIO, Iterator

from ..errors import InputError
from ..events import Side
from ..input import paste
from ..input.detect import choose_parser, looks_binary, wrap_for
from ..input.notes import input_notes
from ..input.reader import ReadStats, numbered_lines
from ..input.sources import Source
from ..input.streams import Prepend
from ..parsers.base import LogParser, ParseContext
from ..report.model import InputSummary
from .gate import Gate, gates, plan_gate
from .options import Options

HEAD_BYTES = 64 * 1024


@dataclass(slots=True)
class OpenedInput:
    """A source opened, sniffed and matched to its parser, ready to be read once."""

    src: Source
    parser: LogParser
    ctx: ParseContext
    rstats: ReadStats
    stream: BinaryIO
    lines: Iterator[tuple[int, str]]
    forced: bool = False  # the format was given (``--log-format`` or a bundle), not detected
    gate: Gate | None = None  # ``--peer`` on a log whose prefixes carry SA ids (``pipeline.gate``)

    def side(self) -> Side:
        """The side the log was written by: known once its events have all been read."""
        return self.ctx.side if self.ctx.side is not Side.UNKNOWN else self.parser.default_side

    def summary(self, events: int) -> InputSummary:
        st = self.ctx.stats
        errors = input_notes(self.rstats, self.stream, st, self.parser.name)
        return InputSummary(path=self.src.name, format=self.parser.name, side=self.side().value,
                            lines=self.rstats.lines, recognised=st.recognised, events=events,
                            unparsed=st.unparsed, style=getattr(self.parser, "style", None), errors=errors,
                            unparsed_examples=[{"line": n, "text": t} for n, t in st.unparsed_examples],
                            first_time=st.first_time, last_time=st.last_time, sa_lines=st.sa_lines,
                            side_assumed=self.ctx.side_assumed)

    @property
    def skipped(self) -> int:
        """Lines the gate skipped unparsed."""
        return self.gate.skipped if self.gate is not None else 0


def open_input(src: Source, opts: Options, stream: bool = False) -> OpenedInput:
    """Open one source and pick its parser from the first 64 KB; raise InputError if unreadable."""
    try:
        raw = src.open()
        head_bytes = raw.read(HEAD_BYTES)
    except InputError:
        raise
    except (OSError, EOFError, ValueError) as exc:
        raise InputError(src.name, f"cannot read ({exc})", "is the file truncated or corrupt?") from exc
    if looks_binary(head_bytes):
        raw.close()
        raise InputError(src.name, "binary data, not a text log", "skipped")
    head = [t for _, t in numbered_lines(io.BytesIO(head_bytes))]
    prof = paste.profile(head)
    pieces = list(paste.cleaned(enumerate(head), prof) if prof.cleans else paste.as_pieces(enumerate(head)))
    if prof.cleans:
        head = [t for _, t, _ in pieces]
    forced = opts.log_format or src.hints.get("format")
    parser, _ = choose_parser(src.name, head, forced, prof.width, pieces)  # type: ignore[arg-type]
    side = opts.side or hint_side(src) or Side.UNKNOWN
    ctx = ParseContext(path=src.name, side=side, year=opts.year or hint_year(src), tz=opts.tz or hint_tz(src),
                       stream=stream)
    rstats = ReadStats()
    # decided once from the head: a clean log takes no extra step per line
    wrapped = wrap_for(parser, pieces, prof.width) if prof.width else None
    gate = None
    if (opts.focus is not None and opts.focus.peer and parser.name == "charon" and wrapped is None
            and not prof.cleans and gates(head)):
        try:
            plan = plan_gate(src, opts.focus.peer)  # a first, raw read of the whole log
        except (OSError, EOFError, ValueError):
            plan = None  # unreadable further on: the whole read below says how
        # a client's own log is kept whole by the focus: no gate (its lines name the gateway)
        if plan is not None and (ctx.side if ctx.side is not Side.UNKNOWN else plan.side) is Side.SERVER:
            gate = Gate(plan)
            ctx.side = Side.SERVER
    lines: Iterator[tuple[int, str]] = numbered_lines(_buffered(Prepend(head_bytes, raw)), rstats,
                                                      pick=gate)
    if wrapped is not None:  # the head shows hard-wrapped lines: glue the pieces back
        wrap, starts = wrapped
        cut = paste.cleaned(lines, prof) if prof.cleans else paste.as_pieces(lines)
        lines = paste.rejoined(cut, wrap, starts, complete=getattr(parser, "complete_record", None),
                               reads=getattr(parser, "reads_record", None))
    elif prof.cleans:
        lines = paste.texts(paste.cleaned(lines, prof))
    return OpenedInput(src, parser, ctx, rstats, raw, lines, bool(forced), gate)


def _buffered(raw: io.RawIOBase) -> io.BufferedReader:
    return io.BufferedReader(raw, buffer_size=256 * 1024)


def hint_side(src: Source) -> Side | None:
    v = src.hints.get("side")
    return Side(v) if v in ("server", "client") else None


def hint_year(src: Source) -> int | None:
    v = src.hints.get("year")
    if isinstance(v, int):
        return v
    if src.mtime:
        return datetime.fromtimestamp(src.mtime).year
    return None


def hint_tz(src: Source) -> tzinfo | None:
    name = src.hints.get("timezone")
    if isinstance(name, str) and name and not src.hints.get("utc_offset"):
        from dateutil import tz as dtz
        zone = dtz.gettz(name)
        if zone is not None:
            return zone
    v = src.hints.get("utc_offset") or src.hints.get("tz_offset")
    if isinstance(v, (int, float)):
        return timezone(timedelta(seconds=int(v)))
    if isinstance(v, str) and len(v) >= 5 and v[0] in "+-":
        digits = v[1:].replace(":", "")
        sign = -1 if v[0] == "-" else 1
        try:
            return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4])))
        except ValueError:
            return None
    return None
