"""The year and zone a log did not print, settled across the inputs of one diagnosis.

A charon file log, syslog or ``journalctl -o short`` line has no year and no zone; a
``log show`` line has both. Parsers date year-less lines with the year they were given
(``--year``, a bundle manifest, the file's mtime, else this year) and roll it forward on a
Dec→Jan wrap. Once every input is parsed, ``settle_times`` corrects that guess with what
only the set of inputs knows: a neighbouring input that printed its year, and that a log is
never written after its file was last modified. Naive times then take the zone of an input
on the other side when ``--tz`` and the manifest said nothing, so both sides share one clock.

The decision reads each input's times only as counts (``TimeSummary``: how many events at
each distinct wall-clock time, which zones they carry), so the streaming diagnosis can make it
between its two passes without keeping events; ``Settlement.apply`` then corrects events one by
one. Settling compares times in one representation only, the wall clock as printed (naive):
a ticket mixes logs with and without a zone, and naive and aware times do not compare.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any

from .timeparse import YEARLESS_HEAD_CHARS, is_yearless, shift_year

#: a neighbour's year is trusted only when it puts the year-less log this close to it
NEIGHBOUR_DAYS = 45
#: slack for "written before its mtime": zones and clock skew
MTIME_SLACK = timedelta(days=2)


@dataclass(slots=True)
class TimeSummary:
    """One input's event times as settling reads them: counted per distinct wall-clock time.

    Keys are always naive (an aware time counts at the wall clock it printed), so inputs with and
    without zones can be compared and merged; zone offsets are counted apart, before any year shift.
    """

    timed: Counter = field(default_factory=Counter)  # every timed event's wall-clock time
    yearless: Counter = field(default_factory=Counter)  # wall-clock times of events whose line has no year
    aware: bool = False  # some timed event carries a zone
    naive: bool = False  # some timed event carries none
    offsets: dict[timedelta, int] = field(default_factory=dict)  # UTC offset -> events, first seen first

    def add(self, time: datetime | None, text: str) -> None:
        if time is not None:
            self.count(time, is_yearless(text), 1)

    def count(self, time: datetime, yearless: bool, n: int) -> None:
        """``n`` timed events at ``time``, whose lines have (or lack) a year."""
        if time.tzinfo is not None:
            self.aware = True
            off = time.utcoffset()
            if off is not None:
                self.offsets[off] = self.offsets.get(off, 0) + n
            time = time.replace(tzinfo=None)
        else:
            self.naive = True
        self.timed[time] += n
        if yearless:
            self.yearless[time] += n

    @classmethod
    def of(cls, events: list[Any]) -> "TimeSummary":
        """Counted a run at a time: a parser gives every line of one printed second the same
        ``datetime`` object, and whether a line has a year is read off its first characters
        (``timeparse.YEARLESS_HEAD_CHARS``), so a dense log's 70,000 events are a few thousand runs."""
        t = cls()
        heads: dict[str, bool] = {}
        run_time: datetime | None = None
        run_yearless = False
        n = 0
        for e in events:
            time = e.time
            if time is None:
                continue
            text = e.text
            head = text[:YEARLESS_HEAD_CHARS]
            yearless = heads.get(head)
            if yearless is None:
                yearless = is_yearless(text)
                if not head[:1].isspace():  # leading blanks: the stamp may lie past the head
                    heads[head] = yearless
            if time is run_time and yearless is run_yearless:
                n += 1
                continue
            if n:
                t.count(run_time, run_yearless, n)  # type: ignore[arg-type]
            run_time, run_yearless, n = time, yearless, 1
        if n:
            t.count(run_time, run_yearless, n)  # type: ignore[arg-type]
        return t


@dataclass(slots=True)
class InputTimes:
    """What settling needs to know about one input."""

    name: str
    times: TimeSummary
    side: str = "unknown"
    mtime: float | None = None
    year_given: bool = False  # --year or a manifest said it: leave the year alone
    tz_given: bool = False  # --tz or a manifest said it: leave the zone alone


@dataclass(slots=True)
class Settlement:
    """How one input's times are corrected."""

    year_shift: int = 0  # years added to every year-less timed event
    zone: tzinfo | None = None  # given to every naive timed event (aware ones keep theirs)

    def apply(self, ev: Any) -> None:
        if ev.time is None:
            return
        if self.year_shift and is_yearless(ev.text):
            ev.time = shift_year(ev.time, self.year_shift)
        if self.zone is not None and ev.time.tzinfo is None:
            ev.time = ev.time.replace(tzinfo=self.zone)


@dataclass(slots=True)
class TimedInput:
    """One parsed input whose events ``settle_times`` corrects in place."""

    name: str
    events: list  # list[diagnose.events.Event]
    side: str = "unknown"
    mtime: float | None = None
    year_given: bool = False
    tz_given: bool = False


def settle_times(inputs: list[TimedInput], year: int | None = None, tz: tzinfo | None = None,
                 now: datetime | None = None) -> list[str]:
    """Fix the guessed years and missing zones of the inputs' events in place; return notes."""
    plans, notes = plan_settlement([InputTimes(i.name, TimeSummary.of(i.events), i.side, i.mtime, i.year_given,
                                               i.tz_given) for i in inputs], year, tz, now)
    for inp, plan in zip(inputs, plans):
        if plan.year_shift or plan.zone is not None:
            for e in inp.events:
                plan.apply(e)
    return notes


def plan_settlement(inputs: list[InputTimes], year: int | None = None, tz: tzinfo | None = None,
                    now: datetime | None = None) -> tuple[list[Settlement], list[str]]:
    """Year, per input whose lines lack one (unless ``--year``/a manifest gave it): a neighbouring
    input that printed its year wins when it lands within ``NEIGHBOUR_DAYS``; otherwise the file's
    mtime (archive member date) bounds the last line; otherwise the current time does. Zone:
    an input with only naive times (and no ``--tz``/manifest zone) takes the most common UTC
    offset of the other side's inputs, else of any input; an input mixing zoned and zone-less
    lines gives the zone-less ones its own most common offset. Once any input carries a zone,
    every timed event does, so events of all inputs compare; a note says so.
    """
    plans = [Settlement() for _ in inputs]
    notes: list[str] = []
    settled: list[int] = []
    full: dict[int, Counter] = {}
    for i, inp in enumerate(inputs):
        guessed = bool(inp.times.yearless) and year is None and not inp.year_given
        if guessed:
            settled.append(i)
        elif inp.times.timed:
            full[i] = inp.times.timed
    for i in settled:
        times = inputs[i].times.yearless
        others: Counter = Counter()
        for j, ts in full.items():
            if j != i:
                others.update(ts)
        d = _year_from_neighbours(times, others)
        source = "the other inputs' dates"
        if d is None:
            if inputs[i].mtime is not None:
                ref, source = datetime.fromtimestamp(inputs[i].mtime), "the file's modification time"  # type: ignore[arg-type]
            else:
                ref, source = (now or datetime.now()), "today's date"
            d = _year_from_reference(times, _wall(ref))
        if d:
            plans[i].year_shift = d
            notes.append(f"{inputs[i].name}: year of its year-less timestamps set to "
                         f"{shift_year(min(times), d).year} from {source} (use --year to set it)")
    if tz is None:
        notes.extend(_settle_zones(inputs, plans))
    return plans, notes


def _wall(dt: datetime) -> datetime:
    return dt.replace(tzinfo=None)


def _median(times: Counter) -> datetime:
    """The middle time (``sorted(all)[n // 2]``) of counted times."""
    k = sum(times.values()) // 2
    for t in sorted(times):
        k -= times[t]
        if k < 0:
            return t
    raise ValueError("no times")


def _year_from_neighbours(times: Counter, others: Counter) -> int | None:
    """Years to add so that this input's median lands nearest to the neighbours' median."""
    if not others:
        return None
    mine, theirs = _wall(_median(times)), _wall(_median(others))
    d0 = theirs.year - mine.year
    best = min((d0 - 1, d0, d0 + 1), key=lambda d: abs(shift_year(mine, d) - theirs))
    if abs(shift_year(mine, best) - theirs) > timedelta(days=NEIGHBOUR_DAYS):
        return None
    return best


def _year_from_reference(times: Counter, ref: datetime) -> int:
    """The latest year shift that puts the input's last line at or before ``ref``."""
    last = _wall(max(times, key=_wall))
    d0 = ref.year - last.year
    for d in (d0 + 1, d0, d0 - 1, d0 - 2):
        if shift_year(last, d) <= ref + MTIME_SLACK:
            return d
    return d0 - 1


def _settle_zones(inputs: list[InputTimes], plans: list[Settlement]) -> list[str]:
    notes: list[str] = []
    offsets = [(inp.side, inp.name, off, n) for inp in inputs for off, n in inp.times.offsets.items()]
    if not offsets:
        return notes
    for inp, plan in zip(inputs, plans):
        if not inp.times.naive:
            continue
        if inp.times.aware:  # its own zoned lines say which clock the others were written on
            pool = [o for o in offsets if o[1] == inp.name]
        else:
            pool = [o for o in offsets if o[0] != inp.side and o[1] != inp.name] or \
                   [o for o in offsets if o[1] != inp.name]
        if not pool:
            continue
        counts: dict[timedelta, int] = {}
        for _, _, off, n in pool:
            counts[off] = counts.get(off, 0) + n
        off = max(counts, key=lambda k: counts[k])
        plan.zone = timezone(off)
        donor = next(name for _, name, o, _ in pool if o == off)
        notes.append(f"{inp.name}: no time zone in its timestamps; assumed UTC{_fmt_offset(off)} "
                     f"like {donor} (use --tz to set it)")
    return notes


def _fmt_offset(off: timedelta) -> str:
    total = int(off.total_seconds())
    sign = "-" if total < 0 else "+"
    total = abs(total)
    return f"{sign}{total // 3600:02d}:{total % 3600 // 60:02d}"
