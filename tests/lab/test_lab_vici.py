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
from diagnose.config.vici_live import NOT_OVER_VICI, VICI_RULES, connect  # noqa: E402

from .runner import LabRun, install_signal_cleanup  # noqa: E402
from .scenario import load_all  # noqa: E402

pytestmark = [pytest.mark.lab, pytest.mark.slow]

# gateways whose swanctl.conf has a live-checkable problem (reauthentication, EAP method, no DPD)
SCENARIOS = ["macos-reauth-failure", "eap-method-unsupported", "healthy-cert"]
CLIENTS = ["ios-16", "macos-13"]


@pytest.mark.parametrize("scenario_id", SCENARIOS)
def test_check_live_finds_what_check_finds(tmp_path, scenario_id):
    install_signal_cleanup()
    scenario = load_all([scenario_id])[0]
    with LabRun(scenario, tmp_path / "lab") as run:
        sd = run.gw.swanctl_dir
        certs = sorted((sd / "x509").glob("*")) + sorted((sd / "x509ca").glob("*"))
        files = check([sd / "swanctl.conf"], certs, [], CLIENTS)
        live = check_live(connect(str(run.gw.vici)), f"vici:{run.gw.vici}", CLIENTS)
        _register()
        res = CliRunner().invoke(app, ["check", "--live", "--socket", str(run.gw.vici), "--format", "json"])
    expected = sorted((f.id, f.session) for f in files.findings if f.id in VICI_RULES)
    assert sorted((f.id, f.session) for f in live.findings) == expected
    assert expected, "the scenario's gateway has no live-checkable problem: the comparison tests nothing"
    assert all(e.path.startswith("vici ") for f in live.findings for e in f.evidence)
    others = [f.id for f in files.findings if f.id not in VICI_RULES]
    assert all(any(NOT_OVER_VICI in w and rid in w for w in live.warnings) for rid in others)
    assert res.exit_code == (1 if any(not is_advisory(f) for f in live.findings) else 0), res.output
    assert sorted(f["id"] for f in json.loads(res.stdout)["findings"]) == sorted(f.id for f in live.findings)


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
        while sorted(f.id for f in found) != expected and time.monotonic() - started < 10:
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
    assert sorted(f.id for f in found) == expected, said
    assert arrived < 10
    assert any("reconnecting" in s for s in said) and "reconnected to charon" in said, said
