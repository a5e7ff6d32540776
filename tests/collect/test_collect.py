"""``collect`` with stand-in ``log``/``scutil``/``profiles``/``sw_vers``/``journalctl``/``swanctl`` on PATH."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from diagnose.collect import (PLATFORM_ENV, CollectError, NotAMacError, collect_client, collect_server, is_bundle,
                              iter_bundle_members, read_manifest)
from diagnose.collect.redact import redact_racoon_conf, redact_swanctl_conf
from diagnose.parsers.apple_unified import AppleUnifiedParser
from diagnose.parsers.base import ParseContext

HERE = Path(__file__).parent
BIN = HERE / "bin"
FIX = HERE.parent / "fixtures" / "collect"
SECRETS = [b"synthetic-eap-password-1", b"synthetic-psk-2", b"synthetic-p12-password-3",
           b"U1lOVEhFVElDLVBLQ1MxMi1LRVktTUFURVJJQUw=", b"not-a-real-secret-synthetic"]


@pytest.fixture
def standins(monkeypatch, tmp_path):
    """Stand-ins first on PATH, only them and the system basics (no real log/scutil)."""
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv(PLATFORM_ENV, "Darwin")
    calls = tmp_path / "calls.jsonl"
    monkeypatch.setenv("STANDIN_CALLS", str(calls))
    return calls


def members(bundle: Path) -> dict[str, bytes]:
    with tarfile.open(bundle, "r:gz") as tar:
        return {m.name.split("/", 1)[1]: tar.extractfile(m).read() for m in tar if m.isfile()}


def test_client_bundle_contents_and_manifest(standins, tmp_path):
    racoon = tmp_path / "racoon.log"
    racoon.write_text((HERE.parent / "fixtures" / "apple" / "apple-001-osx1011-racoon-syslog-missing-psk.log").read_text())
    bundle = collect_client(tmp_path / "out", racoon_log=racoon, ppp_log=tmp_path / "absent-ppp.log")
    assert bundle.name.endswith(".tar.gz") and bundle.parent == tmp_path / "out"
    assert not list((tmp_path / "out").glob("*.tmp"))  # written atomically
    files = members(bundle)
    assert {"manifest.json", "logs/unified.ndjson", "logs/racoon.log", "status/scutil-nc-list.txt",
            "status/scutil-nc-status-1.txt", "config/profiles.xml.redacted", "config/vpn-summary.json"} <= set(files)
    man = json.loads(files["manifest.json"])
    assert man["schema"] == "ikedoctor.collect/1" and man["side"] == "client"
    assert man["time_zone"]["utc_offset"][0] in "+-" and man["time_zone"]["name"]
    assert man["os"]["ProductVersion"] == "14.1.2" and man["tool_versions"]["macOS"] == "14.1.2"
    steps = {s["step"]: s for s in man["steps"]}
    assert steps["unified-log"]["status"] == "ok" and steps["unified-log"]["exit_code"] == 0
    assert steps["unified-log"]["argv"][:6] == ["log", "show", "--style", "ndjson", "--info", "--debug"]
    assert steps["ppp-log"]["status"] == "skipped"
    assert man["vpn_services"] == [{"state": "Disconnected", "uuid": "433F9543-CD7C-4D19-8BB5-5ACDDADDEEE8",
                                    "name": "Vigor HOME"}]
    logs = {f["name"]: f for f in man["files"] if f["kind"] == "log"}
    assert logs["logs/unified.ndjson"]["format"] == "apple-unified" and logs["logs/racoon.log"]["format"] == "racoon"
    assert "mtime_utc" in logs["logs/racoon.log"]
    # exact argv the stand-ins saw
    calls = [json.loads(l) for l in standins.read_text().splitlines()]
    assert ["scutil", "--nc", "status", "433F9543-CD7C-4D19-8BB5-5ACDDADDEEE8"] in calls
    assert ["profiles", "show", "-type", "configuration", "-output", "stdout-xml"] in calls
    log_call = next(c for c in calls if c[0] == "log")
    assert log_call[log_call.index("--last") + 1] == "2h"
    assert 'process == "NEIKEv2Provider"' in log_call[log_call.index("--predicate") + 1]


def test_client_bundle_has_no_secrets_but_keeps_the_profile_facts(standins, tmp_path):
    bundle = collect_client(tmp_path, racoon_log=tmp_path / "none", ppp_log=tmp_path / "none")
    files = members(bundle)
    blob = b"".join(files.values())
    for secret in SECRETS:
        assert secret not in blob, secret
    assert b"&lt;redacted:" in files["config/profiles.xml.redacted"]  # XML-escaped placeholder
    [vpn] = json.loads(files["config/vpn-summary.json"])
    ike = vpn["IKEv2"]
    assert ike["RemoteIdentifier"] == "vpn.example.org" and ike["AuthenticationMethod"] == "None"
    assert ike["IKESecurityAssociationParameters"]["DiffieHellmanGroup"] == 20
    assert ike["DeadPeerDetectionRate"] == "Medium" and ike["EnablePFS"] == 0
    assert "AuthPassword" not in ike and "SharedSecret" not in ike


def test_refused_and_missing_commands_are_recorded(standins, tmp_path, monkeypatch):
    monkeypatch.setenv("STANDIN_REFUSE", "profiles,log")
    bin2 = tmp_path / "bin"
    bin2.mkdir()
    for name in ("log", "profiles", "_standin.py"):  # no scutil, no sw_vers
        shutil.copy(BIN / name, bin2 / name)
    monkeypatch.setenv("PATH", f"{bin2}{os.pathsep}/usr/bin{os.pathsep}/bin")
    (bin2 / "_standin.py").write_text((BIN / "_standin.py").read_text().replace(
        'Path(__file__).resolve().parents[2] / "fixtures" / "collect"', repr(str(FIX))))
    bundle = collect_client(tmp_path / "o", racoon_log=tmp_path / "none", ppp_log=tmp_path / "none")
    steps = {s["step"]: s for s in read_manifest(bundle)["steps"]}
    assert steps["unified-log"]["status"] == "refused" and "Must be admin" in steps["unified-log"]["stderr_head"]
    assert steps["vpn-profiles"]["status"] in ("refused", "failed") and steps["vpn-profiles"]["exit_code"] == 1
    assert steps["vpn-services"]["status"] == "not-found" and steps["os-version"]["status"] == "not-found"
    if os.geteuid() != 0:
        assert "sudo" in steps["unified-log"]["note"]
    assert set(members(bundle)) == {"manifest.json"}


def test_not_a_mac_lists_the_plan(monkeypatch, tmp_path):
    monkeypatch.setenv(PLATFORM_ENV, "Linux")
    with pytest.raises(NotAMacError) as exc:
        collect_client(tmp_path)
    text = str(exc.value)
    assert "log show --style ndjson --info --debug --last 2h" in text and "profiles show" in text
    assert "[root]" in text and not list(tmp_path.iterdir())


def test_bad_window_is_a_usage_error(standins, tmp_path):
    with pytest.raises(CollectError):
        collect_client(tmp_path, last="two hours")
    with pytest.raises(CollectError):
        collect_client(tmp_path, start="yesterday")


def test_start_end_window(standins, tmp_path):
    collect_client(tmp_path, start="2023-12-06 18:00:00", end="2023-12-06 19:00:00",
                   racoon_log=tmp_path / "n", ppp_log=tmp_path / "n")
    log_call = next(json.loads(l) for l in standins.read_text().splitlines() if l.startswith('["log"'))
    assert "--last" not in log_call
    assert log_call[log_call.index("--start") + 1] == "2023-12-06 18:00:00"


def test_bundle_reader_yields_logs_with_hints_and_they_parse(standins, tmp_path):
    bundle = collect_client(tmp_path, racoon_log=tmp_path / "n", ppp_log=tmp_path / "n")
    assert is_bundle(bundle) and not is_bundle(FIX / "profiles-synthetic.xml")
    [member] = list(iter_bundle_members(bundle))
    assert member.name == "logs/unified.ndjson" and member.side == "client" and member.format == "apple-unified"
    assert member.tz is not None and isinstance(member.year, int)
    lines = member.data.decode().splitlines()
    ctx = ParseContext(path=member.name, tz=member.tz, year=member.year)
    events = list(AppleUnifiedParser().parse(enumerate(lines, 1), ctx))
    assert ctx.stats.unparsed == 0
    assert [e.kind for e in events][-3:] == ["give_up", "client_error", "disconnect"]


def test_server_bundle_from_journal_with_redacted_swanctl_conf(standins, tmp_path):
    conf = tmp_path / "swanctl"
    (conf / "conf.d").mkdir(parents=True)
    shutil.copy(FIX / "swanctl-synthetic.conf", conf / "swanctl.conf")
    shutil.copy(FIX / "swanctl-conf.d-synthetic" / "extra.conf", conf / "conf.d" / "extra.conf")
    bundle = collect_server(tmp_path / "o", last="30m", swanctl_dir=conf)
    files = members(bundle)
    assert files["logs/charon.log"] == (FIX / "journal-034-server-charon.log").read_bytes()
    assert {"config/swanctl/swanctl.conf.redacted", "config/swanctl/conf.d/extra.conf.redacted",
            "status/swanctl-list-conns.txt"} <= set(files)
    blob = b"".join(files.values())
    for secret in (b"synthetic-eap-secret-4", b"0sU1lOVEhFVElDLVBTSy01", b"synthetic-key-passphrase-6",
                   b"synthetic-eap-secret-7"):
        assert secret not in blob
    main = files["config/swanctl/swanctl.conf.redacted"].decode()
    assert "proposals = aes256gcm16-prfsha384-ecp384" in main and "id = alice" in main and "file = server.key" in main
    man = json.loads(files["manifest.json"])
    assert man["side"] == "server" and man["tool_versions"]["swanctl"].startswith("strongSwan swanctl")
    journal = next(s for s in man["steps"] if s["step"] == "charon-journal")
    assert journal["argv"][-2:] == ["--since", "-30m"] and "strongswan-starter" in journal["argv"]
    [m] = list(iter_bundle_members(bundle))
    assert m.side == "server" and m.format == "charon"


def test_server_log_file_option(standins, tmp_path):
    bundle = collect_server(tmp_path, log_file=FIX / "journal-034-server-charon.log", swanctl_dir=tmp_path / "none")
    steps = {s["step"]: s for s in read_manifest(bundle)["steps"]}
    assert steps["charon-log"]["status"] == "ok" and "charon-journal" not in steps
    with pytest.raises(CollectError):
        collect_server(tmp_path, log_file=tmp_path / "missing.log")


def test_redaction_helpers():
    assert "s3cret" not in redact_racoon_conf('shared_secret use "s3cret";')
    assert 'shared_secret keychain "VPN";' in redact_racoon_conf('shared_secret keychain "VPN";')
    same = redact_swanctl_conf("secrets {\n ike-a {\n  secret = x1\n }\n ike-b {\n  secret = x1\n }\n}\n")
    assert same.count("<redacted:") == 2 and len(set(l.strip() for l in same.splitlines() if "redacted" in l)) == 1


def _cli(args, env, cwd):
    return subprocess.run([sys.executable, "-m", "diagnose", "collect", *args], capture_output=True, text=True,
                          env=env, cwd=cwd)


def test_cli_exit_codes_and_next_command(standins, tmp_path):
    env = dict(os.environ)
    ok = _cli(["--out", str(tmp_path / "b")], env, tmp_path)
    assert ok.returncode == 0, ok.stderr
    path = ok.stdout.splitlines()[0]
    assert path.endswith(".tar.gz") and Path(path).exists()
    assert f"ikedoctor diagnose {path} server.log" in ok.stdout
    env[PLATFORM_ENV] = "Linux"
    no = _cli([], env, tmp_path)
    assert no.returncode == 2 and "would run" in no.stderr
    bad = _cli(["--server", "--last", "soon"], env, tmp_path)
    assert bad.returncode == 2


def test_diagnose_reads_the_bundle(standins, tmp_path):
    """End to end: the bundle written with the stand-ins is an input ``diagnose`` accepts."""
    pytest.importorskip("diagnose.api")
    bundle = collect_client(tmp_path, racoon_log=tmp_path / "n", ppp_log=tmp_path / "n")
    run = subprocess.run([sys.executable, "-m", "diagnose", "diagnose", str(bundle), "-f", "json"],
                         capture_output=True, text=True, env=dict(os.environ))
    assert run.returncode in (0, 1), run.stderr
    inputs = json.loads(run.stdout)["inputs"]
    unified = [i for i in inputs if i["path"].endswith("logs/unified.ndjson")]
    assert unified and unified[0]["format"] == "apple-unified" and unified[0]["events"] == 10


def test_server_without_strongswan_journal_says_so(tmp_path):
    from diagnose.collect.runner import StepResult

    class NoJournal:
        def run(self, argv, timeout=120.0):
            if argv[0] == "journalctl":
                return StepResult(list(argv), "ok", 0, b"-- No entries --\n", b"No journal files were found.\n")
            return StepResult(list(argv), "not-found", note=f"{argv[0]} is not installed")

    bundle = collect_server(tmp_path, runner=NoJournal(), swanctl_dir=tmp_path / "none")
    journal = next(s for s in read_manifest(bundle)["steps"] if s["step"] == "charon-journal")
    assert journal["status"] == "empty" and "--log-file" in journal["note"]
    assert "logs/charon.log" not in members(bundle)
