"""The library API the CLI, ``batch`` and the tests call.

``diagnose_paths`` runs the whole flow: sources → format detection → parsing
→ sessions → (cross-side pairing) → catalog → report.  It never prints; the
caller renders the returned ``Report``.
"""

from __future__ import annotations

import gc
import io
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta, timezone, tzinfo
from typing import BinaryIO, Iterable, Iterator

from . import __version__
from .catalog.engine import Match, evaluate_units, merge_matches, to_finding
from .catalog.model import Pattern, load_catalog
from .confirm import ConfigInputs, apply_config
from .correlate import pair_sessions
from .errors import InputError
from .events import Event, Side
from .focus import Focus
from .input import paste
from .input.detect import choose_parser, looks_binary, wrap_for
from .input.notes import input_notes
from .input.reader import ReadStats, numbered_lines
from .input.sources import Source, iter_sources
from .input.streams import Prepend
from .parsers.base import LogParser, ParseContext
from .report.model import InputSummary, Report, SessionSummary
from .sessions import Session, build_sessions
from .settle import TimedInput, settle_times
from .triage import TriageCollector

HEAD_BYTES = 64 * 1024
STREAM_ABOVE = 64 * 1024**2  # bytes; in memory, a diagnosis takes ~4.7 bytes per byte of log


@dataclass(slots=True)
class Options:
    log_format: str | None = None
    side: Side | None = None
    year: int | None = None
    tz: tzinfo | None = None
    catalog: list[Pattern] | None = None
    config: "ConfigInputs | None" = None
    #: inputs adding up to at least this many bytes are diagnosed in two streaming passes
    #: (``diagnose.stream``) instead of holding all their events; None: never
    stream_above: int | None = STREAM_ABOVE
    #: only one client's sessions (and those naming no client): ``--peer`` / ``--client``
    focus: Focus | None = None


@dataclass(slots=True)
class ParsedInput:
    summary: InputSummary
    events: list[Event] = field(default_factory=list)
    side: Side = Side.UNKNOWN


def parse_source(src: Source, opts: Options) -> ParsedInput:
    """Detect and parse one source; raise InputError for unreadable or unknown input."""
    opened = open_input(src, opts)
    events = list(parse_events(opened))
    side = opened.side()
    for ev in events:
        ev.side = side
    return ParsedInput(summary=opened.summary(len(events)), events=events, side=side)


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
                            first_time=st.first_time, last_time=st.last_time, sa_lines=st.sa_lines)


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
    side = opts.side or _hint_side(src) or Side.UNKNOWN
    ctx = ParseContext(path=src.name, side=side, year=opts.year or _hint_year(src), tz=opts.tz or hint_tz(src),
                       stream=stream)
    rstats = ReadStats()
    lines: Iterator[tuple[int, str]] = numbered_lines(_wrap(Prepend(head_bytes, raw)), rstats)
    # decided once from the head: a clean log takes no extra step per line
    wrapped = wrap_for(parser, pieces, prof.width) if prof.width else None
    if wrapped is not None:  # the head shows hard-wrapped lines: glue the pieces back
        wrap, starts = wrapped
        cut = paste.cleaned(lines, prof) if prof.cleans else paste.as_pieces(lines)
        lines = paste.rejoined(cut, wrap, starts, complete=getattr(parser, "complete_record", None),
                               reads=getattr(parser, "reads_record", None))
    elif prof.cleans:
        lines = paste.texts(paste.cleaned(lines, prof))
    return OpenedInput(src, parser, ctx, rstats, raw, lines, bool(forced))


def parse_events(opened: OpenedInput) -> Iterator[Event]:
    """The input's events as its parser yields them; the stream is closed at the end."""
    try:
        yield from opened.parser.parse(opened.lines, opened.ctx)  # type: ignore[arg-type]
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


def _wrap(raw: io.RawIOBase) -> io.BufferedReader:
    return io.BufferedReader(raw, buffer_size=256 * 1024)


def _hint_side(src: Source) -> Side | None:
    v = src.hints.get("side")
    return Side(v) if v in ("server", "client") else None


def _hint_year(src: Source) -> int | None:
    v = src.hints.get("year")
    if isinstance(v, int):
        return v
    if src.mtime:
        from datetime import datetime
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


def diagnose_sources(sources: Iterable[Source], opts: Options | None = None,
                     warnings: list[str] | None = None, sessions_out: list[Session] | None = None) -> Report:
    with collector_paused():
        return _diagnose_sources(sources, opts, warnings, sessions_out)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause CPython's cyclic garbage collector for one diagnosis.

    A diagnosis allocates an event object, its attribute dict and lists for most log lines
    and keeps them all until the report is built; none of them form reference cycles, so
    every automatic collection rescans a growing heap and finds nothing: on a dense 5 MB
    gateway log that was a third of the run time. Reference counting still frees everything;
    the collector resumes (as it was) when the diagnosis ends.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _diagnose_sources(sources: Iterable[Source], opts: Options | None,
                      warnings: list[str] | None, sessions_out: list[Session] | None) -> Report:
    opts = opts or Options()
    sources = list(sources)
    report = Report(tool_version=__version__, warnings=warnings if warnings is not None else [])
    catalog = opts.catalog if opts.catalog is not None else load_catalog()
    streamed = None
    if opts.focus is not None:
        report.filter = opts.focus.to_dict() | {"sessions_left_out": 0}  # counted as inputs are read
    collector = TriageCollector()  # fed each session while it still has its events
    if sessions_out is None and _streams(sources, opts, catalog):
        from .stream import diagnose_streaming
        streamed = diagnose_streaming(sources, opts, catalog, report, collector)
    if streamed is None:
        held: list[Session] = sessions_out if sessions_out is not None else []
        streamed = _diagnose_in_memory(sources, opts, catalog, report, held)
        for s in held:
            collector.feed(s)
    matches, report.sessions = streamed
    if opts.focus is not None and report.filter is not None:
        report.warnings.append(opts.focus.warning(len(report.sessions), report.filter["sessions_left_out"]))
    if not report.inputs:
        raise InputError(", ".join(w.split(":")[0] for w in report.warnings) or "input",
                         "nothing readable to diagnose", "; ".join(report.warnings) or "no input given")
    report.findings = [to_finding(m) for m in matches]
    if opts.config:
        apply_config(report, opts.config)
    found = collector.finish(report)
    report.status, report.notable_lines, report.next_steps = found.status, found.notable, found.next_steps
    report.verdict = _verdict(report, found.stops_at)
    return report


def _streams(sources: list[Source], opts: Options, catalog: list[Pattern]) -> bool:
    """Inputs big enough together that holding their events would cost more than reading them twice."""
    from .stream import can_stream
    sizes = [s.log_size for s in sources]
    return (bool(sources) and opts.stream_above is not None and None not in sizes
            and sum(sizes) >= opts.stream_above and can_stream(catalog))  # type: ignore[arg-type]


def _diagnose_in_memory(sources: list[Source], opts: Options, catalog: list[Pattern], report: Report,
                        sessions_out: list[Session] | None) -> tuple[list[Match], list[SessionSummary]]:
    sessions: list[Session] = []
    parsed_all: list[tuple[Source, ParsedInput]] = []
    for src in sources:
        parsed = parse_source_tolerant(src, opts, report)
        if parsed is None:
            continue
        report.inputs.append(parsed.summary)
        parsed_all.append((src, parsed))
    report.warnings.extend(settle_times(
        [TimedInput(src.name, p.events, p.side.value, src.mtime, isinstance(src.hints.get("year"), int),
                    hint_tz(src) is not None) for src, p in parsed_all], opts.year, opts.tz))
    for src, parsed in parsed_all:
        built = build_sessions(parsed.events, src.name, parsed.side)
        if opts.focus is not None and report.filter is not None:
            keep = opts.focus.select(built)
            report.filter["sessions_left_out"] += keep.count(False)
            built = [s for s, k in zip(built, keep) if k]
        sessions.extend(built)
    if sessions_out is not None:
        sessions_out.extend(sessions)
    if not report.inputs:
        return [], []
    pair_sessions(sessions)
    return merge_matches(evaluate_units(catalog, sessions)), [session_summary(s) for s in sessions]


def parse_source_tolerant(src: Source, opts: Options, report: Report) -> ParsedInput | None:
    """Parse one source; an unreadable one becomes a warning unless it is the only input."""
    try:
        return parse_source(src, opts)
    except InputError as exc:
        report.warnings.append(str(exc))
        return None


def diagnose_paths(paths: list[str], opts: Options | None = None,
                   sessions_out: list[Session] | None = None) -> Report:
    warnings: list[str] = []
    sources = list(iter_sources(paths, warnings))
    if not sources:
        raise InputError(", ".join(paths), "no log files found",
                         "; ".join(warnings) or "name log files, folders or archives")
    return diagnose_sources(sources, opts, warnings, sessions_out)


def _others(report: Report) -> str:
    """What became of the sessions that did not establish: "; the other 1: an INVALID_KE ... round"."""
    why: dict[str, int] = {}
    for s in report.sessions:
        if s.outcome != "established":
            reason = s.not_established_because or s.outcome
            why[reason] = why.get(reason, 0) + 1
    if not why:
        return ""
    n = sum(why.values())
    return f"; the other{'s' if n > 1 else ''}: " + "; ".join(
        f"{k}" if c == 1 else f"{c} x {k}" for k, c in why.items())


def session_summary(s: Session) -> SessionSummary:
    return SessionSummary(
        id=s.id, side=s.side.value, path=s.path, ike_name=s.ike_name, unique_id=s.unique_id, peer=s.peer,
        local=next((e.attrs.get("local") for e in s.events if e.attrs.get("local")), None), role=s.role,
        version=s.version, start=s.start.isoformat() if s.start else None,
        end=s.end.isoformat() if s.end else None, outcome=s.outcome, events=len(s.events),
        partner=s.partner, clock_offset_s=s.clock_offset_s, identities=s.identities(),
        not_established_because=s.not_established_because)


#: below this confidence a finding is a possible cause to check, not a failure the logs show
POSSIBLE_BELOW = 0.5


def _verdict(report: Report, stops_at: str | None) -> str:
    if report.findings:
        top = report.findings[0]
        head = "FAILURE" if top.confidence >= POSSIBLE_BELOW else "POSSIBLE CAUSE"
        return f"{head}: {top.title} (confidence {top.confidence:.0%})"
    established = sum(1 for s in report.sessions if s.outcome == "established")
    errors = sum(n.count for n in report.notable_lines if n.severity == "error")
    if report.status == "unidentified-failure":
        return (f"UNIDENTIFIED FAILURE: the connection failed for a reason the catalog does not name; "
                f"{errors} error line(s) below say what the log shows")
    if report.status == "healthy":
        return (f"HEALTHY: {established} of {len(report.sessions)} IKE session(s) established"
                f"{_others(report)}; no known failure found")
    if report.status == "no-ike":
        return f"NO IKE: {stops_at or 'the logs contain no IKE exchange; nothing to diagnose'}"
    return f"INCONCLUSIVE: {stops_at or 'the log stops before any outcome'}"
