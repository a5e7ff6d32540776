"""check --live against the lab's real charon: it must find what ``check`` finds on the swanctl.conf
that the lab loaded into that charon (for every rule VICI reports the inputs of), and must report
the others as not evaluated rather than passed.
"""
from __future__ import annotations

import json

import pytest

from .runner import missing_requirements

_REASON = missing_requirements()
if _REASON:
    pytest.skip(f"lab unavailable: {_REASON}", allow_module_level=True)

pytest.importorskip("vici", reason="the vici package (ikedoctor[live]) is not installed")

from typer.testing import CliRunner  # noqa: E402

from diagnose.cli import _register, app  # noqa: E402
from diagnose.config.check import check, check_live, is_advisory  # noqa: E402
from diagnose.config.vici_live import LIVE_RULES, NOT_OVER_VICI, VICI_RULES, connect, read_answers  # noqa: E402

from .runner import CL_V4, LabRun, install_signal_cleanup  # noqa: E402
from .scenario import load_all  # noqa: E402

pytestmark = [pytest.mark.lab, pytest.mark.slow]

# gateways whose swanctl.conf has a live-checkable problem (reauthentication, EAP method, no DPD);
# dh-group-unsupported: a plugin list (strongswan.conf) without an ECP implementation (5.x only)
SCENARIOS = ["macos-reauth-failure", "eap-method-unsupported", "healthy-cert", "dh-group-unsupported"]
CLIENTS = ["ios-16", "macos-13"]


@pytest.mark.parametrize("scenario_id", SCENARIOS)
def test_check_live_finds_what_check_finds(tmp_path, scenario_id):
    from .samples import strongswan_version

    install_signal_cleanup()
    scenario = load_all([scenario_id])[0]
    if not scenario.runs_on(strongswan_version().split(".")[0]):
        pytest.skip(f"{scenario_id} is not played with strongSwan {strongswan_version()}")
    with LabRun(scenario, tmp_path / "lab") as run:
        sd = run.gw.swanctl_dir
        certs = sorted((sd / "x509").glob("*")) + sorted((sd / "x509ca").glob("*"))
        files = check([sd / "swanctl.conf", run.gw.directory / "strongswan.conf"], certs, [], CLIENTS)
        live = check_live(connect(str(run.gw.vici)), f"vici:{run.gw.vici}", CLIENTS)
        answers = read_answers(connect(str(run.gw.vici)), "vici")
        _register()
        res = CliRunner().invoke(app, ["check", "--live", "--socket", str(run.gw.vici), "--format", "json"])
    expected = sorted((f.id, f.session) for f in files.findings if f.id in VICI_RULES)
    assert sorted((f.id, f.session) for f in live.findings) == expected
    assert expected or scenario_id == "dh-group-unsupported", \
        "the scenario's gateway has no live-checkable problem: the comparison tests nothing"
    assert all(e.path.startswith("vici ") for f in live.findings for e in f.evidence)
    others = [f.id for f in files.findings if f.id not in VICI_RULES and f.id not in LIVE_RULES]
    assert all(any(NOT_OVER_VICI in w and rid in w for w in live.warnings) for rid in others)
    assert res.exit_code == (1 if any(not is_advisory(f) for f in live.findings) else 0), res.output
    assert sorted(f["id"] for f in json.loads(res.stdout)["findings"]) == sorted(f.id for f in live.findings)
    # the key exchange rule in its live form: charon's own list of what it can compute
    assert answers.algorithms and ("dh" in answers.algorithms or "ke" in answers.algorithms), answers.unanswered
    assert answers.plugins and "vici" in answers.plugins
    dh = [w for w in live.warnings if "dh-group-unsupported" in w]
    if scenario_id == "dh-group-unsupported":
        assert "dh-group-unsupported" in [f.id for f in files.findings]  # the files show the cause
        assert "dh-group-unsupported" not in [f.id for f in live.findings]  # never guessed live
        assert len(dh) == 1 and "cannot compute ECP_256" in dh[0] and "openssl" in dh[0], live.warnings
    else:
        assert dh == [], dh  # openssl computes every method the Apple clients offer: evaluated, passed


def per_session(logfile) -> list[str]:
    """The findings of the daemon's log file with each session judged on its own, as watch does
    (``diagnose`` folds the sessions of one pattern into one finding)."""
    from diagnose.watch import diagnose_lines

    return sorted(f.id for f in diagnose_lines(logfile.read_text(errors="replace").splitlines()).findings)


# gateway-side failures whose lines charon's vici logger (level 1) carries
WATCHED = ["no-certreq", "eap-auth-failed"]


@pytest.mark.parametrize("scenario_id", WATCHED)
def test_watch_reports_what_diagnose_finds_and_survives_a_restart(tmp_path, scenario_id):
    import threading
    import time

    from diagnose.api import diagnose_paths
    from diagnose.watch import watch

    install_signal_cleanup()
    scenario = load_all([scenario_id])[0]
    found, said, stop = [], [], threading.Event()
    with LabRun(scenario, tmp_path / "lab") as run:
        sock = str(run.gw.vici)
        t = threading.Thread(target=watch, daemon=True,
                             kwargs=dict(connect=lambda: connect(sock), emit=found.append, say=said.append,
                                         settle=1.0, backoff=(0.2,), running=lambda: not stop.is_set()))
        t.start()
        deadline = time.monotonic() + 5
        while not said and time.monotonic() < deadline:
            time.sleep(0.05)
        run.run_steps()
        started = time.monotonic()
        expected = sorted(f.id for f in diagnose_paths([str(run.gw.logfile)]).findings)
        while sorted(set(a.finding.id for a in found)) != expected and time.monotonic() - started < 10:
            time.sleep(0.1)
        arrived = time.monotonic() - started
        # charon restarts: watch must say it lost charon and reconnect
        run.gw.proc.send_signal(__import__("signal").SIGTERM)
        run.gw.proc.wait(timeout=10)
        run._start(run.gw)
        deadline = time.monotonic() + 10
        while not any(s == "reconnected to charon" for s in said) and time.monotonic() < deadline:
            time.sleep(0.1)
        stop.set()
    t.join(5)
    assert expected == scenario.expect_server_only
    assert sorted(set(a.finding.id for a in found)) == expected, said
    assert sorted(a.finding.id for a in found) == per_session(run.gw.logfile)
    assert arrived < 10
    # the client is named by its address and identity, not by an internal session id
    assert all(a.client.address == CL_V4 and a.client.id and a.client.ike_sa for a in found), found
    assert any("reconnecting" in s for s in said) and "reconnected to charon" in said, said


HOOK = """\
import json, os, sys
d = json.load(sys.stdin)
d["env"] = {k: v for k, v in os.environ.items() if k.startswith("IKEDOCTOR_")}
with open(sys.argv[1], "a") as f:
    f.write(json.dumps(d) + "\\n")
"""


# charon destroys the failed IKE_SA at once (NO_PROPOSAL_CHOSEN in IKE_SA_INIT): an ike-updown
# "down" event for that very session follows. (When the client gives up during IKE_AUTH, as in
# eap-auth-failed or no-certreq, the gateway keeps its IKE_SA half-open until charon's half-open
# timeout: those sessions are judged after --settle, or with another session's down event.)
GOES_DOWN = ["ike-proposal-mismatch-ios-modern"]


@pytest.mark.parametrize("scenario_id", GOES_DOWN)
def test_watch_cli_judges_a_session_at_its_down_event_and_runs_exec(tmp_path, scenario_id):
    """The real CLI with ``--settle 30 --flush 60``: a finding that arrives within seconds came from
    the state event that said the session went down, not from a timer; ``--exec`` gets it."""
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    from diagnose.api import diagnose_paths

    install_signal_cleanup()
    scenario = load_all([scenario_id])[0]
    hook, got = tmp_path / "hook.py", tmp_path / "hook.jsonl"
    hook.write_text(HOOK)
    out, err = tmp_path / "watch.out", tmp_path / "watch.err"
    root = Path(__file__).resolve().parents[2]
    with LabRun(scenario, tmp_path / "lab") as run, open(out, "wb") as o, open(err, "wb") as e:
        proc = subprocess.Popen([sys.executable, "-m", "diagnose", "watch", "--socket", str(run.gw.vici),
                                 "--format", "jsonl", "--settle", "30", "--flush", "60",
                                 "--exec", f"{sys.executable} {hook} {got}"],
                                cwd=root, stdout=o, stderr=e)
        try:
            deadline = time.monotonic() + 10
            while b"connected to charon" not in err.read_bytes() and time.monotonic() < deadline:
                time.sleep(0.05)
            run.run_steps()
            started = time.monotonic()
            expected = sorted(f.id for f in diagnose_paths([str(run.gw.logfile)]).findings)
            lines = []
            while time.monotonic() - started < 8:
                lines = [json.loads(x) for x in out.read_text().splitlines() if x.strip()]
                if sorted(set(d["id"] for d in lines)) == expected and got.exists() and \
                        len(got.read_text().splitlines()) == len(lines):
                    break
                time.sleep(0.1)
            arrived = time.monotonic() - started
        finally:
            proc.send_signal(signal.SIGINT)
            rc = proc.wait(timeout=15)
    assert expected == scenario.expect_server_only
    assert sorted(set(d["id"] for d in lines)) == expected, err.read_text()
    assert sorted(d["id"] for d in lines) == per_session(run.gw.logfile)
    assert arrived < 8, f"findings took {arrived:.1f}s (settle 30 s, flush 60 s): no down event judged them"
    assert all(d["client"]["address"] == CL_V4 for d in lines), lines
    hooked = [json.loads(x) for x in got.read_text().splitlines()]
    assert [(h["id"], h["client"]) for h in hooked] == [(d["id"], d["client"]) for d in lines]
    assert all(h["env"]["IKEDOCTOR_FINDING_ID"] == h["id"] and CL_V4 in h["env"]["IKEDOCTOR_CLIENT"]
               for h in hooked)
    assert rc == 0 and "stopped" in err.read_text()


def test_diagnose_live_config_confirms_with_what_charon_loaded(tmp_path):
    """The gateway's own log, diagnosed with its running charon's configuration (VICI) instead of
    its swanctl.conf: the same finding is confirmed, the evidence names the VICI source, and the
    confidence moves as it does with ``--config`` on the file."""
    install_signal_cleanup()
    scenario = load_all(["eap-method-unsupported"])[0]
    _register()
    with LabRun(scenario, tmp_path / "lab") as run:
        run.run_steps()
        log = str(run.gw.logfile)
        live = CliRunner().invoke(app, ["diagnose", log, "--live-config", "--socket", str(run.gw.vici),
                                        "--format", "json", "--exit-zero"])
        files = CliRunner().invoke(app, ["diagnose", log, "--config", str(run.gw.swanctl_dir / "swanctl.conf"),
                                         "--format", "json", "--exit-zero"])
        plain = CliRunner().invoke(app, ["diagnose", log, "--format", "json", "--exit-zero"])
    assert live.exit_code == 0, live.output
    f_live, f_files, f_plain = (json.loads(r.stdout)["findings"][0] for r in (live, files, plain))
    assert f_live["id"] == f_files["id"] == f_plain["id"] == "eap-method-unsupported"
    assert f_live["confidence"] == f_files["confidence"] > f_plain["confidence"]
    assert any("configuration confirms it" in n for n in f_live["notes"])
    assert [e["path"] for e in f_live["evidence"] if e["role"] == "config"] == ["vici list-conns [rw-eap]"]


def test_the_vici_log_event_carries_level_1_at_most(tmp_path):
    """Why watch cannot raise log levels for its own subscription: with the gateway's CFG group at
    level 2 its file log has the level-2 "vici client %u connected" lines (charon-messages.tsv),
    the log event sent to a subscriber never does, and no event is above level 1."""
    import threading
    import time

    install_signal_cleanup()
    scenario = load_all(["esp-proposal-mismatch"])[0]
    assert scenario.gateway.levels.get("cfg") == 2
    events, stop = [], threading.Event()
    with LabRun(scenario, tmp_path / "lab") as run:
        session = connect(str(run.gw.vici))

        def listen():
            for label, ev in session.listen(["log"], timeout=0.2):
                if stop.is_set():
                    break
                if label is not None:
                    events.append(ev)

        t = threading.Thread(target=listen, daemon=True)
        t.start()
        time.sleep(0.5)
        run.run_steps()
        run.swanctl(run.gw, "--list-conns")  # one more vici client: a level-2 line in the file log
        time.sleep(1)
        stop.set()
        t.join(3)
        logged = run.gw.logfile.read_text(errors="replace")
    assert events and "vici client" in logged and "[CFG]" in logged
    assert max(int(e["level"]) for e in events) <= 1
    assert not any(b"vici client" in e["msg"] for e in events)
