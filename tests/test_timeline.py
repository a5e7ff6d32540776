"""``ikedoctor timeline``: the merged two-column view of a paired session.

Built from real lab pairs; the shifted client is a real client log re-timed (5 min 7 s fast,
rendered in UTC+01:00), the hostile one a real pair whose identity was replaced by markup
and escape sequences.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta, timezone
from pathlib import Path

import pytest

from diagnose.api import Options, diagnose_paths
from diagnose.sessions import Session
from diagnose.timeline import build, default_session, render_plain, to_dict, window

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "correlate"))
from labshift import read, render_bsd, render_iso, replace, shift  # noqa: E402

NO_CERTREQ = ROOT / "samples" / "lab-no-certreq"
pytestmark = pytest.mark.skipif(not NO_CERTREQ.exists(), reason="lab sample missing")


def _timeline(paths, opts=None, session=None):
    sessions: list[Session] = []
    report = diagnose_paths([str(p) for p in paths], opts or Options(), sessions_out=sessions)
    sid = session or default_session(sessions, report.findings)
    return report, sessions, build(sessions, sid, report.findings)


def test_paired_exchanges_are_arrows_with_both_lines():
    report, sessions, tl = _timeline([NO_CERTREQ])
    assert tl.client_session and len(tl.server_sessions) == 2
    both = [r for r in tl.rows if r.server and r.client]
    assert both and all(r.message for r in both)
    auth = [r for r in both if r.message.startswith("IKE_AUTH request 1 [ IDi")]
    assert len(auth) == 1 and auth[0].flow == "c2s"
    resp = next(r for r in both if r.message.startswith("IKE_AUTH response 1"))
    assert resp.flow == "s2c" and "CERT" not in resp.message.split()
    # each side stays in its own log order
    for side in ("server", "client"):
        lines = [getattr(r, side).line for r in tl.rows if getattr(r, side)]
        assert lines == sorted(lines)
    text = render_plain(tl)
    assert "◄── IKE_AUTH request 1 [ IDi" in text and "──►" in text
    assert "clock offset (client − server): +0.000 s" in text


def test_failing_step_is_highlighted():
    report, _, tl = _timeline([NO_CERTREQ])
    top = report.findings[0]
    assert tl.finding is not None and tl.finding.id == top.id
    evidence = {(e.path, e.line) for e in top.evidence}
    marked = {(c.path, c.line) for r in tl.rows if r.highlight for c in (r.server, r.client) if c}
    assert marked and marked <= evidence
    assert any(r.highlight and r.message and r.message.startswith("IKE_AUTH response 1") for r in tl.rows)


def test_offset_applied_for_a_shifted_client_in_another_zone(tmp_path):
    client = tmp_path / "client.log"
    client.write_text(render_iso(shift(read(NO_CERTREQ / "client-charon.log"), 307), timezone(timedelta(hours=1))))
    _, _, tl = _timeline([NO_CERTREQ / "server-charon.log", client], Options(tz=timezone.utc))
    assert tl.clock_offset_s is not None and abs(tl.clock_offset_s - 307) <= 1.5
    both = [r for r in tl.rows if r.server and r.client]
    assert both
    for r in both:  # the client's time, moved onto the server clock, meets the server's
        client_on_server = r.client.time - timedelta(seconds=tl.clock_offset_s)
        assert abs((client_on_server - r.server.time).total_seconds()) <= 1.5
    assert "+307.000 s" in render_plain(tl)


def test_around_window_keeps_nearby_rows():
    _, sessions, tl = _timeline([NO_CERTREQ])
    t = next(r.time for r in tl.rows if r.message and r.message.startswith("IKE_AUTH request 1"))
    near = window(tl, t, 0.0)
    assert near.rows and all(r.time == t for r in near.rows)
    far = window(tl, t + timedelta(hours=1), 60)
    assert far.rows == [] and far.notes


def test_unpaired_session_shows_one_column():
    _, sessions, tl = _timeline([NO_CERTREQ / "server-charon.log"])
    assert tl.client_session is None and all(r.client is None for r in tl.rows)
    assert any("no client session" in n for n in tl.notes)


def test_log_text_is_rendered_safely(tmp_path):
    hostile = "[bold red]alice\x1b]0;pwned\x07"
    for name in ("server-charon.log", "client-charon.log"):
        lines = replace(read(NO_CERTREQ / name), "alice", hostile)
        (tmp_path / name).write_text(render_bsd(lines))
    _, _, tl = _timeline([tmp_path / "server-charon.log", tmp_path / "client-charon.log"], Options(year=2026))
    text = render_plain(tl, width=400)
    assert "\x1b" not in text and "\x07" not in text
    assert "[bold red]alice\\x1b]0;pwned\\x07" in text
    doc = to_dict(tl)
    assert any(hostile in (c or {}).get("text", "") for r in doc["rows"] for c in (r["server"], r["client"]))


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "diagnose", "timeline", *args], capture_output=True, timeout=120)


def test_cli_json_to_file(tmp_path):
    out = tmp_path / "tl.json"
    r = _cli(str(NO_CERTREQ), "--format", "json", "-o", str(out))
    assert r.returncode == 0, r.stderr
    doc = json.loads(out.read_text())
    assert doc["schema"] == "ikedoctor.timeline/1" and doc["client_session"] and doc["rows"]


def test_cli_text_session_and_errors():
    r = _cli(str(NO_CERTREQ), "--session", "server-charon.log#1.2")
    assert r.returncode == 0, r.stderr
    assert "IKE_AUTH response 1 [ IDr AUTH" in r.stdout.decode()
    bad = _cli(str(NO_CERTREQ), "--session", "nope#9")
    assert bad.returncode == 2 and b"--session" in bad.stderr and len(bad.stderr.splitlines()) == 1
    badwin = _cli(str(NO_CERTREQ), "--window", "soon")
    assert badwin.returncode == 2


def test_timeline_redact_hides_identities():
    import subprocess
    import sys
    from pathlib import Path
    sample = Path(__file__).resolve().parents[1] / "samples" / "lab-no-certreq"
    plain = subprocess.run([sys.executable, "-m", "diagnose", "timeline", "-f", "json", str(sample)],
                           capture_output=True, text=True)
    red = subprocess.run([sys.executable, "-m", "diagnose", "timeline", "-f", "json", "--redact", str(sample)],
                         capture_output=True, text=True)
    assert red.returncode == 0 and "alice" in plain.stdout
    assert "alice" not in red.stdout and "vpn.example.com" not in red.stdout
