"""Shared plumbing for the Apple-family line parsers: timestamps and record assembly.

Apple messages may span several lines (packet and configuration dumps), and a
line without a recognised prefix usually belongs to the message above it.  So
every Apple parser works in two steps: a *form* turns a line into the start of
a :class:`Record` (or says it is a header/footer, or not its shape), and
:func:`assemble` glues continuation lines on and hands complete records to the
:class:`Emitter`.  Timestamps are parsed by slicing fixed shapes, because
``strptime`` per line is the slowest part of a large ``log show`` dump.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Callable, Iterable, Iterator

from ..events import Event, Side
from .apple_messages import Emitter, Record
from .base import ParseContext

MONTHS = {m: i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)}

#: the date given to lines that carry only a time of day (Console.app copies): the
#: same placeholder the input layer uses, so a report can tell "date unknown".
UNKNOWN_YEAR = 1900

_OFFSETS: dict[str, tzinfo] = {}


def offset_tz(text: str) -> tzinfo:
    """``+0200`` / ``-04:00`` -> a fixed-offset tzinfo (cached: few distinct values per file)."""
    tz = _OFFSETS.get(text)
    if tz is None:
        sign = -1 if text[0] == "-" else 1
        digits = text[1:].replace(":", "")
        tz = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0)))
        _OFFSETS[text] = tz
    return tz


def parse_iso(text: str) -> datetime | None:
    """``2023-12-06 18:42:11.265028+0200`` (offset optional, fraction of any length) -> datetime.

    Without an offset (``--style compact``) the result is naive: local time of the
    machine that ran ``log``, which only the collect manifest knows.
    """
    try:
        year, month, day = int(text[0:4]), int(text[5:7]), int(text[8:10])
        hour, minute, second = int(text[11:13]), int(text[14:16]), int(text[17:19])
        rest = text[19:]
        micro = 0
        if rest.startswith("."):
            end = 1
            while end < len(rest) and rest[end].isdigit():
                end += 1
            micro = int(rest[1:end][:6].ljust(6, "0"))
            rest = rest[end:]
        tz = offset_tz(rest) if rest[:1] in ("+", "-") else (timezone.utc if rest == "Z" else None)
        return datetime(year, month, day, hour, minute, second, micro, tzinfo=tz)
    except (ValueError, IndexError):
        return None


@dataclass(slots=True)
class DayClock:
    """Dates for lines that print less than a full date.

    Time-of-day-only lines get ``UNKNOWN_YEAR-01-01`` (or the hinted year) and
    move to the next day when the clock runs backwards by more than 12 hours;
    month-day lines (BSD syslog) take the hinted year, else the current one, and
    roll it when the month wraps December -> January.
    """

    year: int | None = None
    tz: tzinfo | None = None
    _last_tod: datetime | None = None
    _last_month: int = 0
    _bump: int = 0

    def time_of_day(self, h: int, m: int, s: int, micro: int, tz: tzinfo | None) -> datetime | None:
        try:
            t = datetime(self.year or UNKNOWN_YEAR, 1, 1, h, m, s, micro, tzinfo=tz or self.tz)
        except ValueError:
            return None
        if self._last_tod is not None:
            t = t.replace(year=self._last_tod.year, month=self._last_tod.month, day=self._last_tod.day)
            if _naive_delta(self._last_tod, t) < -timedelta(hours=12):
                t += timedelta(days=1)
        self._last_tod = t
        return t

    def month_day(self, mon: str, day: int, h: int, m: int, s: int, micro: int = 0,
                  tz: tzinfo | None = None) -> datetime | None:
        month = MONTHS.get(mon)
        if month is None:
            return None
        if self._last_month and month < self._last_month - 6:
            self._bump += 1
        self._last_month = month
        year = (self.year or datetime.now().year) + self._bump
        try:
            return datetime(year, month, day, h, m, s, micro, tzinfo=tz or self.tz)
        except ValueError:
            return None


def _naive_delta(a: datetime, b: datetime) -> timedelta:
    return b.replace(tzinfo=None) - a.replace(tzinfo=None)


# --------------------------------------------------------------------------- assembly

#: A form's verdict on one line: a new record, "header" (a known non-message
#: line such as a column header or footer), or None (not this form's shape).
LineResult = Record | str | None
Former = Callable[[int, str], LineResult]


def side_of(ctx: ParseContext, default: Side) -> Side:
    return ctx.side if ctx.side is not Side.UNKNOWN else default


def indented_continuation(line: str, rec: Record) -> bool:
    """Syslog-style forms continue a message on indented (or blank) lines."""
    return line[:1] in (" ", "\t") or not line.strip()


def assemble(lines: Iterable[tuple[int, str]], ctx: ParseContext, start: Former,
             emitter: Emitter, continuation: Callable[[str, Record], bool] | None = None,
             orphan: Former | None = None) -> Iterator[Event]:
    """Drive ``start`` over the lines; attach continuation lines; emit each record once complete.

    ``continuation(raw, open_record)`` decides whether a non-record line extends
    the open record (default: any line does).  ``orphan`` may turn a line that
    is neither into a record of its own (bare pasted message text); otherwise it
    is counted as unparsed.
    """
    stats = ctx.stats
    current: Record | None = None
    for lineno, raw in lines:
        stats.lines += 1
        line = raw.rstrip("\r\n")
        try:
            result = start(lineno, line)
        except Exception:  # never let one odd line end the parse
            result = None
        if not isinstance(result, Record):
            if result is not None:  # header / footer / repeat marker
                stats.recognised += 1
                continue
            if current is not None and (continuation is None or continuation(line, current)):
                stats.recognised += 1
                current.add_continuation(line)
                continue
            result = orphan(lineno, line) if orphan else None
        if isinstance(result, Record):  # a new record closes the open one
            stats.recognised += 1
            if current is not None:
                yield from _emit(current, emitter, ctx)
            current = result
            continue
        if current is not None:
            yield from _emit(current, emitter, ctx)
            current = None
        if line.strip():
            stats.miss(lineno, line)
        else:
            stats.recognised += 1
    if current is not None:
        yield from _emit(current, emitter, ctx)


def _emit(rec: Record, emitter: Emitter, ctx: ParseContext) -> Iterator[Event]:
    rec.message = rec.message.rstrip()
    rec.text = rec.text.rstrip()
    try:
        events = list(emitter.events(rec))
    except Exception:  # a rule bug must not lose the file: count the line instead
        ctx.stats.miss(rec.line, rec.text)
        return
    ctx.stats.events += len(events)
    yield from events
