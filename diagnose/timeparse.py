"""Timestamps as logs print them, parsed once per shape and cheaply per line.

Log prefixes repeat one shape for a whole file, so each shape is recognised by
a regex once and then parsed with a fixed slice/int conversion; dateutil is the
fallback for shapes nobody listed (it costs ~30 µs a call, too slow per line).
Year-less shapes (``Mar  4 10:11:12``) take the year from the caller and roll
it forward when the month wraps (December → January inside one file).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo

_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}

#: (name, regex) for the timestamp shapes seen at the start of a log line.
#: Order matters: more specific first.
SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    # 2023-12-06 18:42:11.265028+0200 / 2027-03-04T10:11:12+0100 / ...Z / +01:00
    # journalctl -o short-full: Sat 2026-11-28 05:19:14 UTC (weekday and a zone abbreviation)
    ("iso", re.compile(
        r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) )?"
        r"(?P<Y>\d{4})-(?P<m>\d\d)-(?P<d>\d\d)[T ](?P<H>\d\d):(?P<M>\d\d):(?P<S>\d\d)"
        r"(?:[.,](?P<f>\d{1,9}))?(?:(?P<z>Z|[+-]\d\d:?\d\d)| (?P<zn>[A-Z]{3,5})(?= ))?")),
    # Mar  4 10:11:12 / Mar 04 10:11:12.345678 (syslog, %b %e %T, journalctl short)
    ("bsd", re.compile(
        r"(?P<b>[A-Z][a-z]{2}) {1,2}(?P<d>\d{1,2}) (?P<H>\d\d):(?P<M>\d\d):(?P<S>\d\d)(?:[.,](?P<f>\d{1,9}))?")),
    # 3/2/17 10:08:54.566 AM (Console.app, ASL era)
    ("us", re.compile(
        r"(?P<mo>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{2,4}) (?P<H>\d{1,2}):(?P<M>\d\d):(?P<S>\d\d)"
        r"(?:\.(?P<f>\d{1,9}))?(?: (?P<ampm>[AP]M))?")),
    # Wed Apr 22 21:59:54 2020 (ppp.log, ctime)
    ("ctime", re.compile(
        r"[A-Z][a-z]{2} (?P<b>[A-Z][a-z]{2}) {1,2}(?P<d>\d{1,2}) (?P<H>\d\d):(?P<M>\d\d):(?P<S>\d\d) (?P<Y>\d{4})")),
    # 15:57:38.680777+0100 (Console copy: time of day only)
    ("tod", re.compile(r"(?P<H>\d\d):(?P<M>\d\d):(?P<S>\d\d)(?:\.(?P<f>\d{1,9}))?(?P<z>[+-]\d\d:?\d\d)?")),
)


def _named_zone(name: str | None, default: tzinfo | None) -> tzinfo | None:
    """A zone abbreviation as journalctl prints it; unknown or ambiguous ones keep the default."""
    if not name:
        return default
    if name in ("UTC", "GMT", "UT"):
        return timezone.utc
    from dateutil import tz as dtz
    return dtz.gettz(name) or default


def _zone(z: str | None, default: tzinfo | None) -> tzinfo | None:
    if not z:
        return default
    if z == "Z":
        return timezone.utc
    sign = -1 if z[0] == "-" else 1
    digits = z[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4])))


def _micro(f: str | None) -> int:
    return int((f or "0")[:6].ljust(6, "0"))


@dataclass(slots=True)
class Clock:
    """Per-input timestamp state: the year and zone hints, and the rollover memory."""

    year: int | None = None
    tz: tzinfo | None = None
    _last_month: int = 0
    _year_bump: int = 0
    _day: tuple[int, int, int] | None = None  # for time-of-day-only shapes

    def parse(self, text: str, shape: str | None = None) -> tuple[datetime | None, int]:
        """Parse a timestamp at the start of ``text``; return it and its length."""
        shapes = SHAPES if shape is None else [s for s in SHAPES if s[0] == shape]
        for name, rx in shapes:
            m = rx.match(text)
            if m:
                try:
                    return self._build(name, m), m.end()
                except (ValueError, KeyError, OverflowError):  # "Aar  8", day 99: not a time after all
                    return None, m.end()
        return None, 0

    def _build(self, name: str, m: re.Match[str]) -> datetime:
        g = m.groupdict()
        hour, minute, second = int(g["H"]), int(g["M"]), int(g["S"])
        micro = _micro(g.get("f"))
        if name == "iso":
            zone = _zone(g.get("z"), self.tz) if g.get("z") else _named_zone(g.get("zn"), self.tz)
            return datetime(int(g["Y"]), int(g["m"]), int(g["d"]), hour, minute, second, micro, tzinfo=zone)
        if name == "us":
            y = int(g["y"])
            y = y + 2000 if y < 100 else y
            if g.get("ampm") == "PM" and hour < 12:
                hour += 12
            elif g.get("ampm") == "AM" and hour == 12:
                hour = 0
            return datetime(y, int(g["mo"]), int(g["d"]), hour, minute, second, micro, tzinfo=self.tz)
        if name == "ctime":
            return datetime(int(g["Y"]), _MONTHS[g["b"].lower()], int(g["d"]), hour, minute, second,
                            tzinfo=self.tz)
        if name == "tod":
            y, mo, d = self._day or (self.year or 1900, 1, 1)
            return datetime(y, mo, d, hour, minute, second, micro, tzinfo=_zone(g.get("z"), self.tz))
        # bsd: no year; roll over when the month goes backwards by more than a few months
        month = _MONTHS[g["b"].lower()]
        if self._last_month and month < self._last_month - 6:
            self._year_bump += 1
        elif self._last_month and month > self._last_month + 6 and self._year_bump:
            self._year_bump -= 1  # an unsorted line from before the wrap
        self._last_month = month
        year = (self.year or default_year()) + self._year_bump
        return datetime(year, month, int(g["d"]), hour, minute, second, micro, tzinfo=self.tz)


def default_year() -> int:
    """The year assumed for year-less logs when nothing better is known."""
    return datetime.now().year


# -- year-less stamps ------------------------------------------------------------------------

_YEARLESS_HEAD = re.compile(r"\s*(?:<\d{1,3}>)?[A-Z][a-z]{2} {1,2}\d{1,2} \d\d:\d\d:\d\d")
#: a line that does not start with blanks has or lacks that stamp within its first this many characters
YEARLESS_HEAD_CHARS = len("<255>Mmm  dd HH:MM:SS")


def is_yearless(text: str) -> bool:
    """Whether a log line starts with a ``Mmm dd HH:MM:SS`` stamp (the year was guessed)."""
    return _YEARLESS_HEAD.match(text) is not None


def shift_year(dt: datetime, years: int) -> datetime:
    """``dt`` moved by whole years; 29 February becomes the 28th in a common year."""
    if not years:
        return dt
    try:
        return dt.replace(year=dt.year + years)
    except ValueError:
        return dt.replace(year=dt.year + years, day=28)
