"""watch --exec: each finding goes to a script as JSON on stdin with IKEDOCTOR_* variables; a script
that fails, cannot start or hangs is reported and never stops watch; the command is never given to
a shell.  The finding comes from the real lab log (samples/lab-no-certreq) through Window."""
from __future__ import annotations

import json
import sys
import time

import pytest
from typer.testing import CliRunner

from diagnose.cli import _register, app
from diagnose.watch import Window
from diagnose.watch_exec import ExecError, Hook, environment, parse_command

from test_watch import events_of, synthetic_updown


@pytest.fixture(scope="module")
def alert():
    win = Window()
    for e in events_of("lab-no-certreq"):
        win.add(e)
    win.note_state("ike-updown", synthetic_updown(b"2", up=False, eap=b"bob"), now=0.0)
    (a,) = win.judge()
    return a


def script(tmp_path, body: str) -> str:
    p = tmp_path / "hook.py"
    p.write_text("import json, os, sys, time\n" + body)
    return f"{sys.executable} {p}"


def test_script_gets_the_finding_on_stdin_and_in_its_environment(tmp_path, alert):
    out = tmp_path / "got.json"
    said = []
    hook = Hook(parse_command(script(tmp_path, f"""
d = json.load(sys.stdin)
d["env"] = {{k: v for k, v in os.environ.items() if k.startswith("IKEDOCTOR_")}}
d["argv"] = sys.argv[1:]
open({str(out)!r}, "w").write(json.dumps(d))
""") + " 'a b' '$HOME;' "), said.append)
    assert hook.run(alert) is True and said == []
    d = json.loads(out.read_text())
    assert d["id"] == "no-certreq" and d["client"]["id"] == "bob" and d["evidence"]
    assert d["argv"] == ["a b", "$HOME;"]  # split like a shell, never expanded by one
    assert d["env"] == environment(alert)
    assert d["env"]["IKEDOCTOR_FINDING_ID"] == "no-certreq" and d["env"]["IKEDOCTOR_CLIENT"] == "bob (198.51.100.7)"
    assert d["env"]["IKEDOCTOR_CONFIDENCE"] == f"{alert.finding.confidence:.2f}"


def test_a_failing_script_is_reported(tmp_path, alert):
    said = []
    hook = Hook(parse_command(script(tmp_path, "sys.stderr.write('ticket system down\\n'); sys.exit(3)")), said.append)
    assert hook.run(alert) is False
    assert len(said) == 1 and "exit status 3: ticket system down" in said[0] and "no-certreq" in said[0]


def test_a_hanging_script_is_killed_after_the_timeout(tmp_path, alert):
    said = []
    hook = Hook(parse_command(script(tmp_path, "import subprocess\nsubprocess.Popen(['sleep', '60'])\ntime.sleep(60)")),
                said.append, timeout=0.5)
    started = time.monotonic()
    assert hook.run(alert) is False
    assert time.monotonic() - started < 5  # its child (same group) did not keep the pipes open
    assert said and "killed after 0.5s" in said[0]


def test_the_worker_keeps_going_after_failures(tmp_path, alert):
    out = tmp_path / "n"
    said = []
    body = f"n = int(open({str(out)!r}).read()) if os.path.exists({str(out)!r}) else 0\n" \
           f"open({str(out)!r}, 'w').write(str(n + 1))\nsys.exit(n % 2)"
    hook = Hook(parse_command(script(tmp_path, body)), said.append).start()
    for _ in range(4):
        hook(alert)  # returns at once: the script runs on the hook's thread
    hook.stop(wait=20)
    assert out.read_text() == "4" and len(said) == 2


def test_queue_is_bounded(alert):
    from diagnose import watch_exec

    said = []
    hook = Hook(["true"], said.append)  # not started: nothing takes the jobs
    for _ in range(watch_exec.MAX_QUEUE + 2):
        hook(alert)
    assert hook.jobs.qsize() == watch_exec.MAX_QUEUE and len(said) == 2 and "not handed over" in said[0]


@pytest.mark.parametrize("cmd, problem", [("", "empty command"), ("notify 'unbalanced", "quotation"),
                                          ("/nonexistent/hook --x", "not an executable"),
                                          ("ikedoctor-no-such-command-xyz", "not an executable")])
def test_bad_commands_are_refused(cmd, problem):
    with pytest.raises(ExecError, match=problem):
        parse_command(cmd)


def test_cli_refuses_a_bad_exec_with_exit_2(tmp_path):
    _register()
    res = CliRunner().invoke(app, ["watch", "--socket", str(tmp_path / "none.vici"), "--exec", "x 'y"])
    assert res.exit_code == 2 and "--exec" in res.output
