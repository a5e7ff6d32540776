"""--redact: no identity or public address of any sample survives, and the findings do not change.

Secrets (keys, passwords, PSKs) are removed in every mode, redacted or not.
"""

from __future__ import annotations

import ipaddress
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from diagnose.api import diagnose_paths
from diagnose.errors import InputError
from diagnose.redact import Redactor, redact_report, redact_text, scrub_text
from samples_index import all_samples

SAMPLES = all_samples()
_ID_PATTERNS = (r"EAP identity '([^']+)'", r"authentication of '([^']+)'", r"(?:cert|certificate) \"([^\"]+)\"",
                r"(?:\d{1,3}\.){3}\d{1,3}\[([^\]\d][^\]]*)\]", r"XAuth[^']*'([^']+)'", r"for peer '([^']+)'")
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")


def _private_ip(value: str) -> bool:
    """Non-global addresses are kept on purpose (docs/robustness.md), also when used as an identity."""
    try:
        return not ipaddress.ip_address(value).is_global
    except ValueError:
        return False


def _identities(report, logs: list[Path]) -> set[str]:
    """What a reader of the sample would call its identities and public addresses (found independently)."""
    found: set[str] = set()
    for s in report.sessions:
        found.update(v for v in s.identities.values() if v)
    for p in logs:
        text = p.read_text("utf-8", "replace")
        for pat in _ID_PATTERNS:
            found.update(re.findall(pat, text))
        for ip in _IPV4.findall(text):
            try:
                if ipaddress.ip_address(ip).is_global:
                    found.add(ip)
            except ValueError:
                pass
    found = {f for f in found if f not in ("%any", "(null)", "myself") and len(f) > 2 and not _private_ip(f)}
    for dn in [f for f in found if "=" in f]:
        found.discard(dn)  # a DN is checked by its values: C=CH is kept on purpose
        found.update(v.strip() for k, v in re.findall(r"(\w+)=([^,]+)", dn) if k != "C" and len(v.strip()) > 2)
    return found


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.name)
def test_redacted_report_hides_identities_and_keeps_findings(sample):
    try:
        plain = diagnose_paths([str(p) for p in sample.log_files()])
    except InputError:
        pytest.skip("sample has no diagnosable log")
    red = redact_report(plain, Redactor.from_passphrase("test"))
    doc = json.dumps(red.to_dict(), ensure_ascii=False)
    leaked = sorted(i for i in _identities(plain, sample.log_files())
                    if re.search(r"(?<![A-Za-z0-9])" + re.escape(i) + r"(?![A-Za-z0-9])", doc))
    assert not leaked, leaked
    key = lambda r: [(f.id, f.confidence, [(e.line, e.role) for e in f.evidence]) for f in r.findings]
    assert key(red) == key(plain)
    assert [s.outcome for s in red.sessions] == [s.outcome for s in plain.sessions]


def test_pseudonyms_are_consistent_keyed_and_shaped():
    a, b = Redactor.from_passphrase("k"), Redactor.from_passphrase("k")
    assert a.pseudonym("alice") == b.pseudonym("alice") == a.pseudonym("alice")
    assert a.pseudonym("alice") != Redactor.from_passphrase("other").pseudonym("alice")
    assert Redactor().pseudonym("alice") != Redactor().pseudonym("alice")  # random key per run
    assert a.pseudonym("vpn.acme.com").endswith(".example")
    assert a.pseudonym("bob@acme.com").endswith("@" + a.pseudonym("acme.com"))
    dn = a.pseudonym("C=CH, O=Acme AG, CN=vpn.acme.com")
    assert dn.startswith("C=CH, O=") and dn.endswith("CN=" + a.pseudonym("vpn.acme.com"))
    assert ipaddress.ip_address(a.ip("8.8.8.8")) in ipaddress.ip_network("240.0.0.0/4")
    assert ipaddress.ip_address(a.ip("2a00:1450::1")) in ipaddress.ip_network("100::/64")
    for private in ("10.1.2.3", "192.168.1.1", "192.0.2.1", "fe80::1", "fd00::1", "100.64.0.1"):
        assert a.ip(private) == private


def test_redact_text_line_keeps_structure():
    r = Redactor.from_passphrase("k")
    line = ("Nov 28 05:27:05 gw-zrh-01 charon[12]: 16[IKE] <rw|2> IKE_SA rw[2] established between "
            "203.0.113.77[vpn.acme.com]...8.8.4.4[alice@acme.com]")
    out = redact_text(line, r)
    for secret in ("gw-zrh-01", "vpn.acme.com", "alice", "acme.com", "8.8.4.4"):
        assert secret not in out
    assert "203.0.113.77" in out and "rw[2]" in out and out.startswith("Nov 28 05:27:05 ")
    assert redact_text(line, r) == out


SECRETS = ["hunter2-psk", "correct horse", "1A 2B 3C 4D", "s3cr3tpass"]
SECRET_LINES = (
    ': PSK "hunter2-psk"\n'
    'password = "correct horse"\n'
    'Nov 28 05:27:05 16[IKE] Sk_ai secret => 32 bytes @ 0x7f00\n'
    'Nov 28 05:27:05 16[IKE]    0: 1A 2B 3C 4D 5E 6F 70 81 92 A3 B4 C5 D6 E7 F8 09  ................\n'
    '<key>SharedSecret</key><string>s3cr3tpass</string>\n'
)


def test_scrub_text_removes_secrets():
    for line in SECRET_LINES.splitlines():
        out = scrub_text(line)
        assert not any(s in out for s in SECRETS), out


@pytest.mark.parametrize("fmt", ["json", "text", "markdown"])
@pytest.mark.parametrize("redact", [False, True])
def test_secrets_never_reach_a_report(tmp_path, fmt, redact):
    sample = next(s for s in SAMPLES if s.name == "lab-healthy-eap-mschapv2")
    log = tmp_path / "server.log"
    log.write_bytes(SECRET_LINES.encode() + (sample.folder / "server-charon.log").read_bytes())
    args = [sys.executable, "-m", "diagnose", "diagnose", "-v", "-f", fmt, str(log)] + (["--redact"] if redact else [])
    r = subprocess.run(args, capture_output=True, timeout=120)
    assert r.returncode in (0, 1), r.stderr
    out = r.stdout.decode()
    assert not any(s in out for s in SECRETS)
    if fmt == "json":
        assert json.loads(out)["inputs"][0]["unparsed"] >= 1


def test_collect_bundle_secrets_always_removed_and_identities_with_redact(tmp_path, monkeypatch):
    import os
    import tarfile
    from diagnose.collect import collect_server, iter_bundle_members
    from diagnose.redact import redact_bundle

    here = Path(__file__).parent / "collect"
    monkeypatch.setenv("PATH", f"{here / 'bin'}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("STANDIN_CALLS", str(tmp_path / "calls.jsonl"))
    log = tmp_path / "charon.log"
    sample = next(s for s in SAMPLES if s.name == "lab-healthy-eap-mschapv2")
    log.write_bytes(SECRET_LINES.encode() + (sample.folder / "server-charon.log").read_bytes())

    def blob(bundle: Path) -> str:
        with tarfile.open(bundle) as tar:
            return "".join(tar.extractfile(m).read().decode("utf-8", "replace") for m in tar if m.isfile())

    plain = redact_bundle(collect_server(tmp_path / "a", log_file=log, swanctl_dir=tmp_path / "none"))
    assert not any(s in blob(plain) for s in SECRETS)
    assert "alice" in blob(plain)  # without --redact only secrets go
    assert [m.format for m in iter_bundle_members(plain)] == ["charon"]

    red = redact_bundle(collect_server(tmp_path / "b", log_file=log, swanctl_dir=tmp_path / "none"),
                        Redactor.from_passphrase("k"))
    text = blob(red)
    import socket
    host = socket.gethostname()
    for leak in SECRETS + ["alice", "vpn.example.com"] + ([host] if len(host) > 3 else []):
        assert leak not in text and leak not in red.name, leak
    rep = diagnose_paths([str(red)])
    assert rep.inputs and rep.inputs[0].format == "charon"
    assert [s.outcome for s in rep.sessions] == [s.outcome for s in diagnose_paths([str(plain)]).sessions]
