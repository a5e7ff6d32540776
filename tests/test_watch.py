"""watch: VICI log events through the ordinary diagnosis, judged once the log is quiet or a session
went down, each finding printed once and naming its client, a bounded window, reconnection with
backoff.

Log events are built from the lines the real charon wrote in the lab (samples/lab-*/server-charon.log),
split into the fields charon's vici logger sends (group, level, thread, ikesa-name, ikesa-uniqueid,
msg); state events (``synthetic_updown``) are SYNTHETIC, in the shape vici_query.c sends them; only
the transport is simulated here. tests/lab/test_lab_vici.py runs watch against the real socket.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from diagnose.api import diagnose_paths
from diagnose.cli import _register, app
from diagnose.config import ConfigError
from diagnose.watch import DOWN_GRACE, EVENTS, Judged, Window, follow, format_alert, render, watch

from charon_styles import split

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def events_of(sample: str) -> list[dict]:
    out = []
    for line in (SAMPLES / sample / "server-charon.log").read_text().splitlines():
        p = split(line)
        if p is None:
            continue
        ev = {"group": p["group"].encode(), "level": b"1", "thread": p["thread"].encode(), "msg": p["msg"].encode()}
        if p["id"]:
            # charon names an IKE_SA without a peer config "(unnamed)" (ike_sa_t.get_name)
            ev["ikesa-name"], ev["ikesa-uniqueid"] = (p["name"] or "(unnamed)").encode(), p["id"].encode()
        out.append(ev)
    assert out, f"{sample}: no charon line read"
    return out


def test_render_is_the_file_logger_form_with_ike_name():
    evs = events_of("lab-no-certreq")
    first = evs[0]
    assert "ikesa-uniqueid" not in first  # start-up line: no IKE_SA
    assert render(first) == [f"{int(first['thread']):02d}[{first['group'].decode()}] {first['msg'].decode()}"]
    ev = next(e for e in evs if e.get("ikesa-name", b"(unnamed)") != b"(unnamed)")
    ctx = f"<{ev['ikesa-name'].decode()}|{ev['ikesa-uniqueid'].decode()}>"
    assert render(ev) == [f"{int(ev['thread']):02d}[{ev['group'].decode()}] {ctx} {ev['msg'].decode()}"]
    two = dict(ev, msg=ev["msg"] + b"\n" + ev["msg"])
    assert render(two) == render(ev) * 2
    anon = next(e for e in evs if e.get("ikesa-name") == b"(unnamed)")
    assert f"] <{anon['ikesa-uniqueid'].decode()}> " in render(anon)[0]


@pytest.mark.parametrize("sample", ["lab-no-certreq", "lab-esp-proposal-mismatch"])
def test_findings_match_diagnose_of_the_log_and_print_once(sample):
    expected = [f.id for f in diagnose_paths([str(SAMPLES / sample / "server-charon.log")]).findings]
    assert expected
    t = [0.0]
    got = []
    win = Window()

    def stream():
        yield from ((b"log", e) for e in events_of(sample))  # the vici client's event types are bytes
        yield None, None  # a receive timeout right after the last line
        assert got == []  # the log has not been quiet for 2 s yet
        t[0] = 5.0
        yield None, None

    follow(stream(), win, got.append, settle=2.0, clock=lambda: t[0])
    assert win.pending is False
    assert sorted(a.finding.id for a in got) == sorted(expected)
    # no state event named the client: the log's own peer address and identity do
    assert all(a.client.address == "192.0.2.2" and a.client.id == "alice" for a in got), got
    assert all(re.fullmatch(r"rw[-\w]*\[\d+\]", a.client.ike_sa) for a in got), got
    # the same window judged again (more log arrived) prints nothing twice
    win.pending = True
    assert win.judge() == []


def test_window_is_bounded():
    win = Window(max_lines=10)
    for ev in events_of("lab-no-certreq")[:50]:
        win.add(ev)
    assert len(win.lines) == 10


class _Session:
    def __init__(self, events, error):
        self.events, self.error = events, error

    def listen(self, types, timeout=None):
        assert types == list(EVENTS)
        yield from self.events
        raise self.error


def test_reconnects_with_backoff_and_stops_on_ctrl_c():
    events = [(b"log", e) for e in events_of("lab-no-certreq")]
    plan = [_Session(events, OSError("Connection closed")), ConfigError("/s", "nothing listens"),
            _Session([], KeyboardInterrupt())]
    said, slept, found = [], [], []

    def connect():
        step = plan.pop(0)
        if isinstance(step, Exception):
            raise step
        return step

    with pytest.raises(KeyboardInterrupt):
        watch(connect, found.append, said.append, sleep=slept.append)
    assert [a.finding.id for a in found] == ["no-certreq"]  # judged when charon went away
    assert slept == [1.0]
    assert said[0].startswith("connected") and any("reconnecting" in s for s in said)
    assert any("retrying in 1s" in s for s in said) and said[-1] == "reconnected to charon"


def test_first_connection_failure_is_the_error():
    def connect():
        raise ConfigError("/s", "no VICI socket here")

    with pytest.raises(ConfigError):
        watch(connect, print, print)


def test_cli_watch_exits_2_without_a_socket(tmp_path):
    _register()
    res = CliRunner().invoke(app, ["watch", "--socket", str(tmp_path / "none.vici")])
    assert res.exit_code == 2


def synthetic_updown(uid: bytes, up: bool, name: bytes = b"rw-eap", host: bytes = b"198.51.100.7",
                     ident: bytes = b"bob", eap: bytes | None = None) -> dict:
    """SYNTHETIC ike-updown event, in the shape charon 5.9.8's vici plugin sends it (``up`` only
    when the SA came up; the IKE_SA as list-sas describes it, under its name)."""
    sa = {"uniqueid": uid, "version": b"2", "state": b"ESTABLISHED" if up else b"DELETING",
          "local-host": b"192.0.2.1", "local-id": b"vpn.example.com", "remote-host": host,
          "remote-port": b"4500", "remote-id": ident}
    if eap is not None:
        sa["remote-eap-id"] = eap
    return {name.decode(): sa, **({"up": b"yes"} if up else {})}


def test_a_session_that_goes_down_is_judged_at_once_and_named_by_the_state_event():
    t = [0.0]
    got = []

    def stream():
        yield from (("log", e) for e in events_of("lab-no-certreq"))
        yield b"ike-updown", synthetic_updown(b"2", up=False, ident=b"192.0.2.2", eap=b"bob")
        t[0] = DOWN_GRACE / 2
        yield None, None
        assert got == []  # the log lines still queued in charon get their grace
        t[0] = DOWN_GRACE + 0.01
        yield None, None
        assert [a.finding.id for a in got] == ["no-certreq"]  # long before settle = 30 s

    follow(stream(), Window(), got.append, settle=30.0, clock=lambda: t[0])
    (a,) = got
    assert (a.client.address, a.client.id, a.client.ike_sa) == ("198.51.100.7", "bob", "rw-eap[2]")
    assert str(a.client) == "bob (198.51.100.7)"
    assert f"  bob (198.51.100.7)  no-certreq  {a.finding.confidence:.2f}  " in format_alert(a)
    d = a.to_dict()
    assert d["client"] == {"address": "198.51.100.7", "id": "bob", "ike_sa": "rw-eap[2]"} and d["id"] == "no-certreq"


def test_an_up_event_only_names_the_client():
    win = Window()
    for e in events_of("lab-no-certreq"):
        win.add(e)
    win.note_state("ike-updown", synthetic_updown(b"2", up=True), now=0.0)
    assert win.due is None
    win.note_state("ike-rekey", {"rw-eap": {"old": synthetic_updown(b"2", True)["rw-eap"],
                                            "new": dict(synthetic_updown(b"3", True)["rw-eap"], uniqueid=b"3")}},
                   now=0.0)
    assert win.due is None and set(win.clients) == {"2", "3"}
    win.note_state("child-updown", dict(synthetic_updown(b"3", up=True), up=b"no"), now=0.0)
    assert win.due is not None  # a documented "up = no" is a down event too
    win.due = None
    win.note_state("ike-updown", synthetic_updown(b"7", up=True, name=b"(unnamed)", ident=b"%any"), now=0.0)
    assert (win.clients["7"].id, win.clients["7"].ike_sa) == ("", "[7]")  # half-open: no identity yet
    (a,) = win.judge()
    assert str(a.client) == "bob (198.51.100.7)"


def test_a_session_cut_by_the_window_bound_is_not_judged_from_its_tail():
    evs = events_of("lab-no-certreq")
    whole = Window()
    for e in evs:
        whole.add(e)
    assert [a.finding.id for a in whole.judge()] == ["no-certreq"]
    first = next(i for i, e in enumerate(evs) if e.get("ikesa-uniqueid") == b"2")
    cut = Window(max_lines=len(whole.lines) - first - 1)  # session 2 loses its first line
    for e in evs:
        cut.add(e)
    assert "2" in cut.cut
    assert cut.judge() == []


def test_reset_forgets_the_old_charon_and_numbers_lines_on():
    win = Window()
    for e in events_of("lab-no-certreq"):
        win.add(e)
    assert len(win.judge()) == 1
    n = len(win.lines)
    win.reset()
    assert not win.lines and not win.clients and not win.seen and win.evicted == n
    for e in events_of("lab-no-certreq"):  # a restarted charon counts unique ids from 1 again
        win.add(e)
    assert [a.finding.id for a in win.judge()] == ["no-certreq"]


def test_every_failing_session_is_reported_not_one_per_pattern():
    """The real gateway log of an INVALID_KE loop: five sessions fail the same way; a log
    diagnosis folds them into one finding ("seen in 5 sessions"), watch reports each, once."""
    sample = "lab-dh-group-unsupported"
    (folded,) = diagnose_paths([str(SAMPLES / sample / "server-charon.log")]).findings
    assert "seen in 5 sessions" in folded.notes
    win = Window()
    for e in events_of(sample):
        win.add(e)
    got = win.judge()
    assert [a.finding.id for a in got] == [folded.id] * 5
    assert len({a.client.ike_sa for a in got}) == 5 and all(a.client.address == "192.0.2.2" for a in got)
    win.pending = True
    assert win.judge() == []


def test_bookkeeping_is_bounded_by_the_window():
    win = Window(max_lines=50)
    for i in range(5000):
        uid = str(i).encode()
        win.note_state("ike-updown", synthetic_updown(uid, up=True), now=0.0)
        for _ in range(3):
            win.add({"group": b"NET", "level": b"1", "thread": b"05", "ikesa-name": b"(unnamed)",
                     "ikesa-uniqueid": uid, "msg": b"x"})
        if i % 7 == 0:
            win.note_state("ike-updown", synthetic_updown(uid, up=False), now=0.0)
            win.judge(diagnose=lambda lines: Judged([], {}))
    assert len(win.lines) == 50
    # only the IKE_SAs with lines in the window are known (17, one of them cut)
    assert len(win.held) <= 18 and len(win.clients) <= 18 and len(win.cut) <= 1
    assert len(win.seen) == 0
