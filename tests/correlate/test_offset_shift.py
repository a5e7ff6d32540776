"""The client's clock minutes off and in another time zone: pairing holds, the offset is measured.

Each lab client log is re-rendered from its real lines with the clock moved by SHIFT seconds,
either as ISO 8601 with an offset (charon's ``time_format = %FT%T%z``) in another zone, or as
naive wall-clock time of another zone.  The gateway log is left as recorded (year-less, no zone).
The error of the estimate is bounded by the logs' one-second resolution.
"""

from __future__ import annotations

from datetime import timedelta, timezone

import pytest

from diagnose.api import Options, diagnose_paths
from labshift import has_times, lab_pairs, read, render_iso, shift

SHIFT = 5 * 60 + 7  # the client's clock runs 5 min 7 s ahead
PLUS_ONE = timezone(timedelta(hours=1))
FOLDERS = [p for p in lab_pairs() if has_times(p / "server-charon.log") and has_times(p / "client-charon.log")]
ERRORS: dict[str, float] = {}


def _paired(report):
    return [s for s in report.sessions if s.partner]


def _clients(report):
    return [s for s in report.sessions if s.side == "client" and s.partner]


def _expect_same_pairs(report, baseline, client_path):
    base = {(s.id.rsplit("/", 1)[-1].replace("client-charon.log", "C"), (s.partner or "").rsplit("/", 1)[-1])
            for s in baseline.sessions}
    got = {(s.id.rsplit("/", 1)[-1].replace(client_path.name, "C"),
            (s.partner or "").rsplit("/", 1)[-1].replace(client_path.name, "client-charon.log")) for s in report.sessions}
    assert got == base


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_client_in_another_zone_with_its_offset(folder, tmp_path):
    client = tmp_path / "client-plus1.log"
    client.write_text(render_iso(shift(read(folder / "client-charon.log"), SHIFT), PLUS_ONE))
    server = str(folder / "server-charon.log")
    baseline = diagnose_paths([server, str(folder / "client-charon.log")], Options())
    # the gateway's zone is known (UTC): the offset is the clock error alone
    report = diagnose_paths([server, str(client)], Options(tz=timezone.utc))
    _expect_same_pairs(report, baseline, client)
    assert _clients(report) or not _clients(baseline)
    for s in _paired(report):
        assert abs(s.clock_offset_s - SHIFT) <= 1.5, (s.id, s.clock_offset_s)
        ERRORS[folder.name] = max(ERRORS.get(folder.name, 0.0), abs(s.clock_offset_s - SHIFT))


@pytest.mark.parametrize("folder", FOLDERS[:3], ids=lambda p: p.name)
def test_gateway_zone_taken_from_the_client(folder, tmp_path):
    """No --tz: the zone-less gateway log is read in the client's zone, and a warning says so."""
    client = tmp_path / "client-plus1.log"
    client.write_text(render_iso(shift(read(folder / "client-charon.log"), SHIFT), PLUS_ONE))
    report = diagnose_paths([str(folder / "server-charon.log"), str(client)], Options())
    assert any("no time zone" in w and "+01:00" in w for w in report.warnings)
    for s in _paired(report):  # the gateway's UTC wall clock read as +01:00 is an hour early
        assert abs(s.clock_offset_s - (SHIFT + 3600)) <= 1.5


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_naive_client_hours_behind(folder, tmp_path):
    """Both naive, the client's wall clock in UTC-05:00 and 5 min fast: -4 h 54 min 53 s."""
    delta = SHIFT - 5 * 3600
    client = tmp_path / "client-minus5.log"
    client.write_text(render_iso(shift(read(folder / "client-charon.log"), delta)))
    baseline = diagnose_paths([str(folder)], Options())
    report = diagnose_paths([str(folder / "server-charon.log"), str(client)], Options())
    _expect_same_pairs(report, baseline, client)
    for s in _paired(report):
        assert abs(s.clock_offset_s - delta) <= 1.5, (s.id, s.clock_offset_s)


def test_report_offset_errors():
    """Not a check: prints the measured errors (pytest -s) for the record."""
    for name, err in sorted(ERRORS.items()):
        print(f"{name}: |offset error| = {err:.3f} s")
