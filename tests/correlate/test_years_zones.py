"""Year and zone of year-less, zone-less logs: neighbours, mtime, --year, rollover, unsorted lines."""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from diagnose.api import Options, diagnose_paths
from diagnose.sessions import Session
from diagnose.timeparse import Clock, is_yearless
from labshift import SAMPLES, read, render_bsd, render_iso, shift

FOLDER = SAMPLES / "lab-healthy-eap-mschapv2"


def _touch(path, when: datetime) -> None:
    ts = when.timestamp()
    os.utime(path, (ts, ts))


def _times(sessions: list[Session], name: str) -> list[datetime]:
    return [e.time for s in sessions if s.path.endswith(name) for e in s.events if e.time]


def test_year_from_a_neighbour_with_full_dates(tmp_path):
    server = tmp_path / "server.log"
    server.write_text((FOLDER / "server-charon.log").read_text())
    _touch(server, datetime(2030, 6, 1))  # copied years later: the mtime misleads
    client = tmp_path / "client.log"
    client.write_text(render_iso(read(FOLDER / "client-charon.log", year=2026)))
    sessions: list[Session] = []
    report = diagnose_paths([str(server), str(client)], Options(), sessions_out=sessions)
    assert {t.year for t in _times(sessions, "server.log")} == {2026}
    assert any("server.log" in w and "other inputs" in w for w in report.warnings)
    assert any(s.partner for s in report.sessions)


def test_year_from_mtime_in_the_following_january(tmp_path):
    server = tmp_path / "server.log"
    server.write_text((FOLDER / "server-charon.log").read_text())
    _touch(server, datetime(2027, 1, 5, 12, 0))
    sessions: list[Session] = []
    diagnose_paths([str(server)], Options(), sessions_out=sessions)
    assert {t.year for t in _times(sessions, "server.log")} == {2026}


def test_explicit_year_wins(tmp_path):
    sessions: list[Session] = []
    diagnose_paths([str(FOLDER / "server-charon.log")], Options(year=2024), sessions_out=sessions)
    assert {t.year for t in _times(sessions, "server-charon.log")} == {2024}


def _new_year_log(tmp_path, unsorted: bool):
    lines = read(FOLDER / "server-charon.log")
    first = next(ln.time for ln in lines if ln.time)
    moved = shift(lines, (datetime(2026, 12, 31, 23, 59, 58) - first).total_seconds())
    if unsorted:  # a line from after midnight written before one from before it
        i = next(n for n, ln in enumerate(moved) if ln.time and ln.time.year == 2027)
        moved[i - 1], moved[i] = moved[i], moved[i - 1]
    path = tmp_path / "newyear.log"
    path.write_text(render_bsd(moved))
    _touch(path, datetime(2027, 1, 1, 0, 5))
    return path, moved


def test_rollover_inside_one_file(tmp_path):
    for unsorted in (False, True):
        path, moved = _new_year_log(tmp_path, unsorted)
        sessions: list[Session] = []
        diagnose_paths([str(path)], Options(), sessions_out=sessions)
        truth = {n + 1: ln.time for n, ln in enumerate(moved) if ln.time}
        events = [e for s in sessions for e in s.events if e.time]
        assert events and all(e.time == truth[e.line] for e in events), unsorted
        assert {e.time.year for e in events} == {2026, 2027}


def test_clock_and_yearless_helpers():
    c = Clock(year=2026)
    assert c.parse("Dec 31 23:59:59 x")[0] == datetime(2026, 12, 31, 23, 59, 59)
    assert c.parse("Jan  1 00:00:01 x")[0] == datetime(2027, 1, 1, 0, 0, 1)
    assert c.parse("Dec 31 23:59:59 x")[0].year == 2026  # unsorted: back before the wrap
    assert is_yearless("Nov 28 05:19:14 09[NET] x") and not is_yearless("2026-11-28 05:19:14 x")


def test_zone_from_the_other_side_is_applied_and_noted(tmp_path):
    client = tmp_path / "client.log"
    client.write_text(render_iso(shift(read(FOLDER / "client-charon.log"), 0), __import__("datetime").timezone(
        timedelta(hours=2))))
    sessions: list[Session] = []
    report = diagnose_paths([str(FOLDER / "server-charon.log"), str(client)], Options(), sessions_out=sessions)
    server_times = _times(sessions, "server-charon.log")
    assert server_times and all(t.utcoffset() == timedelta(hours=2) for t in server_times)
    assert any("server-charon.log" in w and "UTC+02:00" in w for w in report.warnings)
