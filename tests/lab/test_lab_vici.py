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
