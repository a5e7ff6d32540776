"""watch: VICI log events through the ordinary diagnosis, judged once the log is quiet, each finding
printed once, a bounded window, reconnection with backoff.

Events are built from the lines the real charon wrote in the lab (samples/lab-*/server-charon.log),
split into the fields charon's vici logger sends (group, level, thread, ikesa-name, msg); only the
transport is simulated here. tests/lab/test_lab_vici.py runs watch against the real socket.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from diagnose.api import diagnose_paths
from diagnose.cli import _register, app
from diagnose.config import ConfigError
from diagnose.watch import Window, follow, render, watch

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
            ev["ikesa-name"], ev["ikesa-uniqueid"] = (p["name"] or "").encode(), p["id"].encode()
        out.append(ev)
    assert out, f"{sample}: no charon line read"
    return out


def test_render_is_the_swanctl_log_form():
    ev = events_of("lab-no-certreq")[0]
    assert render(ev) == [f"{int(ev['thread']):02d}[{ev['group'].decode()}] {ev['msg'].decode()}"]
    two = dict(ev, msg=ev["msg"] + b"\n" + ev["msg"])
    assert len(render(two)) == 2 and all(line.startswith(render(ev)[0][:8]) for line in render(two))


@pytest.mark.parametrize("sample", ["lab-no-certreq", "lab-esp-proposal-mismatch"])
def test_findings_match_diagnose_of_the_log_and_print_once(sample):
    expected = [f.id for f in diagnose_paths([str(SAMPLES / sample / "server-charon.log")]).findings]
    assert expected
    t = [0.0]
    got = []
    win = Window()

    def stream():
        yield from (("log", e) for e in events_of(sample))
        yield None, None  # a receive timeout right after the last line
        assert got == []  # the log has not been quiet for 2 s yet
        t[0] = 5.0
        yield None, None

    follow(stream(), win, got.append, settle=2.0, clock=lambda: t[0])
    assert win.pending is False
    assert sorted(f.id for f in got) == sorted(expected)
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
        assert types == ["log"]
        yield from self.events
        raise self.error


def test_reconnects_with_backoff_and_stops_on_ctrl_c():
    events = [("log", e) for e in events_of("lab-no-certreq")]
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
    assert [f.id for f in found] == ["no-certreq"]  # judged when charon went away
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
