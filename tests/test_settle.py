"""Time settling across the inputs of one ticket: one representation, whatever mix of logs."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from diagnose.api import Options, diagnose_paths, parse_source
from diagnose.events import Event
from diagnose.input.sources import iter_sources
from diagnose.settle import TimedInput, settle_times
from samples_index import SAMPLES

# a gateway log, a Console copy of an iPhone's log (zoned) and an OS X system.log (year-less, no zone)
MIXED = [SAMPLES / "lab-macos-reauth-failure" / "server-charon.log",
         SAMPLES / "public-012-ios-racoon-xauth-modecfg" / "client-racoon.part4-ipsec-filter.log",
         SAMPLES / "public-apple001-racoon-missing-psk" / "client-racoon-system.log"]


def _ev(t: datetime, text: str) -> Event:
    return Event(kind="log", path="t.log", line=1, text=text, time=t)


def test_gateway_log_with_two_kinds_of_mac_log_is_diagnosed():
    report = diagnose_paths([str(p) for p in MIXED])
    assert len(report.inputs) == 3


def test_after_settling_every_timed_event_has_a_zone_once_any_input_has_one():
    inputs = []
    for p in MIXED:
        src = next(iter(iter_sources([str(p)])))
        parsed = parse_source(src, Options())
        inputs.append(TimedInput(src.name, parsed.events, parsed.side.value, src.mtime))
    settle_times(inputs)
    times = [e.time for i in inputs for e in i.events if e.time is not None]
    assert times and all(t.tzinfo is not None for t in times)
    sorted(times)  # comparable: one representation


def test_mixed_input_keeps_its_zoned_times_and_zones_the_others_alike():
    plus2 = timezone(timedelta(hours=2))
    zoned = _ev(datetime(2024, 3, 4, 10, 0, tzinfo=plus2), "10:00:00.000000+0200 racoon: x")
    bare = _ev(datetime(2024, 3, 4, 10, 1), "10:01:00.000000 racoon: y")
    other = _ev(datetime(2024, 3, 4, 9, 0, tzinfo=timezone.utc), "2024-03-04 09:00:00Z charon: z")
    settle_times([TimedInput("mac.log", [zoned, bare], "client"), TimedInput("gw.log", [other], "server")])
    assert zoned.time.tzinfo is plus2
    assert bare.time.utcoffset() == timedelta(hours=2)


def test_yearless_log_takes_its_year_from_zoned_and_naive_neighbours():
    naive = _ev(datetime(2019, 6, 1, 12, 0), "2019-06-01 12:00:00 charon: a")
    aware = _ev(datetime(2019, 6, 1, 12, 5, tzinfo=timezone.utc), "2019-06-01T12:05:00Z x: b")
    yearless = _ev(datetime(2026, 6, 1, 12, 2), "Jun  1 12:02:00 mac racoon: c")
    settle_times([TimedInput("a", [naive]), TimedInput("b", [aware]), TimedInput("c", [yearless])])
    assert yearless.time.year == 2019
