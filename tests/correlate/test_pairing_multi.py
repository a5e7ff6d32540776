"""A gateway log with several clients and repeated attempts, built from real lab logs.

Three real lab recordings are merged into one gateway log: client A as recorded; client B
(the same recording moved to 192.0.2.7) connecting 1 s after A — so its exchanges interleave
with A's line by line — and again 40 s later (a repeated attempt); client C (another
scenario, moved to 192.0.2.9) a few seconds later.  The gateway lines are only re-timed,
renumbered (IKE_SA unique ids and worker threads, as a daemon that served them all would
have numbered them) and re-addressed; each client's own log gets the same address change
and its own clock error.  Pairing must give each client session its own gateway sessions.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from diagnose.api import Options, diagnose_paths
from labshift import SAMPLES, merge, read, render_bsd, renumber, replace, sa_lines, shift

A = SAMPLES / "lab-healthy-eap-mschapv2"
C = SAMPLES / "lab-no-certreq"
CLOCK_B, CLOCK_C = 95.0, -30.0  # client clock minus gateway clock


def _start(folder: Path):
    return next(ln.time for ln in read(folder / "server-charon.log") if ln.time)


@pytest.fixture(scope="module")
def multi(tmp_path_factory):
    if not (A.exists() and C.exists()):
        pytest.skip("lab samples missing")
    tmp = tmp_path_factory.mktemp("multi")
    a0 = _start(A)
    c_shift = (a0 - _start(C)).total_seconds() + 3
    server_a = read(A / "server-charon.log")
    server_b1 = renumber(replace(shift(sa_lines(server_a), 1), "192.0.2.2", "192.0.2.7"), 10, 20)
    server_b2 = renumber(replace(shift(sa_lines(server_a), 40), "192.0.2.2", "192.0.2.7"), 20, 40)
    server_c = renumber(replace(shift(sa_lines(read(C / "server-charon.log")), c_shift), "192.0.2.2", "192.0.2.9"),
                        30, 60)
    (tmp / "gateway.log").write_text(render_bsd(merge(server_a, server_b1, server_b2, server_c)))
    client_a = read(A / "client-charon.log")
    (tmp / "client-a.log").write_text(render_bsd(client_a))
    b = replace(client_a, "192.0.2.2", "192.0.2.7")
    (tmp / "client-b.log").write_text(render_bsd(shift(b, 1 + CLOCK_B) + shift(b, 40 + CLOCK_B)))
    client_c = replace(read(C / "client-charon.log"), "192.0.2.2", "192.0.2.9")
    (tmp / "client-c.log").write_text(render_bsd(shift(client_c, c_shift + CLOCK_C)))
    return tmp


def _run(tmp: Path, names: list[str]):
    return diagnose_paths([str(tmp / n) for n in names], Options(year=2026))


def _by_uid(report):
    return {(s.path.rsplit("/", 1)[-1], s.unique_id): s for s in report.sessions}


def test_each_client_gets_its_own_gateway_sessions(multi):
    report = _run(multi, ["gateway.log", "client-a.log", "client-b.log", "client-c.log"])
    ss = _by_uid(report)
    gw = {uid: s for (path, uid), s in ss.items() if path == "gateway.log"}
    assert set(gw) == {"1", "2", "11", "12", "21", "22", "31", "32"}
    clients = {s.path.rsplit("/", 1)[-1] + "#" + s.id.rsplit("#", 1)[-1]: s for s in report.sessions
               if s.side == "client"}
    expect = {  # client session -> (primary gateway IKE_SA, the INVALID_KE attempt before it)
        "client-a.log#1.1": ("2", "1"),
        "client-b.log#1.1": ("12", "11"),
        "client-b.log#2.1": ("22", "21"),
        "client-c.log#1.1": ("32", "31"),
    }
    assert set(clients) == set(expect)
    for cname, (primary, first) in expect.items():
        c = clients[cname]
        assert c.partner == gw[primary].id, cname
        assert gw[primary].partner == c.id and gw[first].partner == c.id, cname


def test_offsets_per_client(multi):
    report = _run(multi, ["gateway.log", "client-a.log", "client-b.log", "client-c.log"])
    want = {"client-a.log": 0.0, "client-b.log": CLOCK_B, "client-c.log": CLOCK_C}
    for s in report.sessions:
        if s.side == "client":
            name = s.path.rsplit("/", 1)[-1]
            assert s.clock_offset_s is not None and abs(s.clock_offset_s - want[name]) <= 1.0, (name, s.clock_offset_s)


def test_absent_client_logs_leave_their_gateway_sessions_unpaired(multi):
    report = _run(multi, ["gateway.log", "client-b.log"])
    gw = {s.unique_id: s for s in report.sessions if s.side == "server"}
    assert all(gw[u].partner is None for u in ("1", "2", "31", "32"))
    assert all(gw[u].partner is not None for u in ("11", "12", "21", "22"))


def test_catalog_sees_the_right_client_per_session(multi):
    """C's failure (no CERTREQ) must be found once, in C's pair, not smeared onto A or B."""
    report = _run(multi, ["gateway.log", "client-a.log", "client-b.log", "client-c.log"])
    f = next(f for f in report.findings if f.id == "no-certreq")
    assert f.side == "both"
    paths = {e.path.rsplit("/", 1)[-1] for e in f.evidence}
    assert paths <= {"gateway.log", "client-c.log"}
    assert {e.line for e in f.evidence if e.path.endswith("gateway.log")}
