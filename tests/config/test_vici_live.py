"""check --live: the mapping of VICI answers onto the configuration model, and the socket errors.

The answers below are SYNTHETIC: built here in the shape charon 5.9.8's vici plugin sends them
(values as bytes, one streamed message per connection); the lab test (tests/lab/test_lab_vici.py)
runs the same code against the real charon.
"""
from __future__ import annotations

import socket
from collections import OrderedDict

import pytest
from typer.testing import CliRunner

from diagnose.cli import _register, app
from diagnose.config import ConfigError
from diagnose.config.check import check_live
from diagnose.config.vici_live import NOT_OVER_VICI, VICI_RULES, connect, connection_from_vici


def synthetic_conn(reauth: bytes = b"0", eap: bytes = b"EAP_MSCHAPV2", dpd: bytes | None = None) -> OrderedDict:
    d = OrderedDict([
        ("local_addrs", [b"%any"]), ("remote_addrs", [b"%any"]), ("version", b"IKEv2"),
        ("reauth_time", reauth), ("rekey_time", b"14400"), ("unique", b"UNIQUE_REPLACE"),
        ("local-1", OrderedDict([("id", b"gw.test"), ("class", b"public key"), ("groups", []),
                                 ("certs", [b"CN=gw.test"]), ("cacerts", [])])),
        ("remote-1", OrderedDict([("eap_id", b"%any"), ("eap-type", eap), ("class", b"EAP"),
                                  ("groups", []), ("certs", []), ("cacerts", [])])),
        ("children", OrderedDict([("net", OrderedDict([("mode", b"TUNNEL"), ("rekey_time", b"3600"),
                                                        ("dpd_action", b"clear"),
                                                        ("local-ts", [b"0.0.0.0/0"]),
                                                        ("remote-ts", [b"dynamic"])]))])),
    ])
    if dpd is not None:
        d["dpd_delay"] = dpd
    return d


#: SYNTHETIC get-algorithms key exchange section, in 5.9's shape ("dh"; 6.x says "ke"): method ->
#: the plugin implementing it (the vici client gives keys as str, values as bytes). The lab test
#: reads the real one.
KE_OPENSSL = OrderedDict((m.decode(), b"openssl") for m in (b"MODP_3072", b"MODP_4096", b"MODP_6144", b"MODP_8192",
                                                    b"MODP_2048", b"MODP_2048_224", b"MODP_2048_256",
                                                    b"MODP_1536", b"MODP_1024", b"MODP_1024_160", b"MODP_768",
                                                    b"MODP_CUSTOM", b"ECP_256", b"ECP_384", b"ECP_521",
                                                    b"ECP_224", b"ECP_192", b"ECP_256_BP", b"ECP_384_BP",
                                                    b"ECP_512_BP", b"ECP_224_BP", b"CURVE_25519", b"CURVE_448"))
KE_GMP_ONLY = OrderedDict((m.decode(), b"gmp") for m in (b"MODP_3072", b"MODP_4096", b"MODP_6144", b"MODP_8192",
                                                 b"MODP_2048", b"MODP_2048_224", b"MODP_2048_256", b"MODP_1536",
                                                 b"MODP_1024", b"MODP_1024_160", b"MODP_768", b"MODP_CUSTOM"))


class SyntheticSession:
    """Stands in for vici.Session with recorded-shape answers."""

    def __init__(self, conns: dict[str, OrderedDict], ke: OrderedDict | None = KE_OPENSSL, section: bytes = b"dh"):
        self.conns, self.ke, self.section = conns, ke, section

    def version(self):
        return OrderedDict([("daemon", b"charon"), ("version", b"5.9.8")])

    def stats(self):
        plugins = [b"charon", b"random", b"nonce", b"openssl" if self.ke is KE_OPENSSL else b"gmp", b"vici"]
        return OrderedDict([("ikesas", OrderedDict([("total", b"0"), ("half-open", b"0")])), ("plugins", plugins)])

    def get_algorithms(self):
        if self.ke is None:
            from vici.exception import CommandException
            raise CommandException("unknown command 'get-algorithms'")
        return OrderedDict([("encryption", OrderedDict([("AES_CBC", b"aes")])), (self.section.decode(), self.ke)])

    def list_conns(self, filters=None):
        return iter([OrderedDict([(n, c)]) for n, c in self.conns.items()])

    def get_pools(self, options=None):
        return OrderedDict([("v4", OrderedDict([("base", b"10.0.0.1"), ("size", b"14")]))])

    def list_certs(self, filters=None):
        return iter([])

    def list_authorities(self, filters=None):
        return iter([])


def test_list_conns_entry_maps_onto_the_model():
    c = connection_from_vici("rw", synthetic_conn(reauth=b"3600", eap=b"EAP_MD5"))
    assert c.version.value == 2
    assert c.reauth_time.value == 3600 and c.reauth_time.loc.path == "vici list-conns [rw]"
    assert c.reauth_time.loc.text == "reauth_time = 3600"
    assert c.remote[0].auth.value == "eap-md5" and c.remote[0].eap_method == "md5"
    assert c.local[0].method == "pubkey" and c.local[0].certs[0].value == "CN=gw.test"
    assert c.dpd_delay.value == 0 and c.dpd_delay.is_default  # charon leaves dpd_delay out when 0
    assert c.unique.value == "replace"
    assert c.children[0].local_ts.value == ["0.0.0.0/0"] and c.children[0].dpd_action.value == "clear"


def test_reported_dpd_delay_is_read():
    c = connection_from_vici("rw", synthetic_conn(dpd=b"30"))
    assert c.dpd_delay.value == 30 and not c.dpd_delay.is_default


def test_live_check_runs_the_file_rules_and_names_the_vici_source():
    rep = check_live(SyntheticSession({"rw": synthetic_conn(reauth=b"3600", eap=b"EAP_MD5")}), "vici:/x",
                     ["ios-16", "macos-13"])
    ids = {f.id for f in rep.findings}
    assert {"macos-reauth-failure", "eap-method-unsupported", "stale-child-sa-after-sleep"} <= ids
    assert ids <= VICI_RULES
    reauth = next(f for f in rep.findings if f.id == "macos-reauth-failure")
    assert reauth.session == "rw"
    assert any(e.path == "vici list-conns [rw]" and "reauth_time = 3600" in e.text for e in reauth.evidence)
    assert rep.inputs[0].path == "vici:/x" and "5.9.8" in rep.inputs[0].format
    # proposals are not in list-conns: those rules are reported as not evaluated, not passed
    assert any(NOT_OVER_VICI in w and "ike-proposal-mismatch" in w for w in rep.warnings)


def test_healthy_live_config_has_no_finding_of_those_rules():
    rep = check_live(SyntheticSession({"rw": synthetic_conn(dpd=b"30")}), "vici:/x", ["ios-16", "macos-13"])
    assert [f.id for f in rep.findings] == []


def test_missing_socket_says_where_it_looked(tmp_path):
    with pytest.raises(ConfigError) as exc:
        connect(str(tmp_path / "charon.vici"))
    assert str(tmp_path / "charon.vici") in str(exc.value) and "--socket" in str(exc.value)


def test_socket_nobody_listens_on(tmp_path):
    path = tmp_path / "charon.vici"
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(path))  # bound, never listening: a stale socket of a stopped charon
    try:
        with pytest.raises(ConfigError, match="charon is not running"):
            connect(str(path))
    finally:
        s.close()


def test_cli_exits_2_without_a_socket(tmp_path):
    _register()
    res = CliRunner().invoke(app, ["check", "--live", "--socket", str(tmp_path / "none.vici")])
    assert res.exit_code == 2
    assert "none.vici" in res.output + (res.stderr if res.stderr_bytes is not None else "")


def test_permission_denied_names_the_group(tmp_path, monkeypatch):
    path = tmp_path / "charon.vici"
    path.write_text("")

    def refuse(self, address):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    with pytest.raises(ConfigError) as exc:
        connect(str(path))
    text = str(exc.value)
    assert "permission denied" in text and "usermod -aG" in text and "sudo" in text


def test_without_the_vici_package_it_says_which_extra(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "vici", None)
    with pytest.raises(ConfigError, match=r"ikedoctor\[live\]"):
        connect("/var/run/charon.vici")


def _dh(rep):
    return [w for w in rep.warnings if "dh-group-unsupported" in w]


def test_dh_rule_passes_live_when_every_offered_method_is_implemented():
    rep = check_live(SyntheticSession({"rw": synthetic_conn(dpd=b"30")}), "vici:/x", ["ios-16", "macos-13"])
    assert _dh(rep) == [] and "dh-group-unsupported" not in [f.id for f in rep.findings]
    # 6.x names the section "ke"
    rep6 = check_live(SyntheticSession({"rw": synthetic_conn(dpd=b"30")}, section=b"ke"), "vici:/x", ["ios-16"])
    assert _dh(rep6) == []


def test_dh_rule_names_what_charon_cannot_compute_and_stays_not_evaluated():
    rep = check_live(SyntheticSession({"rw": synthetic_conn(dpd=b"30")}, ke=KE_GMP_ONLY), "vici:/x",
                     ["ios-16", "macos-13"])
    assert "dh-group-unsupported" not in [f.id for f in rep.findings]  # the proposals decide: not guessed
    (w,) = _dh(rep)
    assert w.startswith("not evaluated (charon cannot compute ECP_256 (offered by ios-16; "
                        "implemented by openssl, botan, wolfssl)")
    assert "check --server" in w and "dh-group-unsupported [rw]" in w


def test_dh_rule_without_get_algorithms_says_so():
    rep = check_live(SyntheticSession({"rw": synthetic_conn(dpd=b"30")}, ke=None), "vici:/x", ["ios-16"])
    (w,) = _dh(rep)
    assert "vici get-algorithms: unknown command 'get-algorithms'" in w


# ---- diagnose --live-config ------------------------------------------------------------------

SAMPLES = __import__("pathlib").Path(__file__).resolve().parents[2] / "samples"


def _diagnose_with(session):
    from diagnose.api import Options, diagnose_paths
    from diagnose.confirm import ConfigInputs
    from diagnose.config.vici_live import read_answers

    live = read_answers(session, "vici:/x") if session is not None else None
    log = str(SAMPLES / "lab-eap-method-unsupported" / "server-charon.log")
    (f,) = diagnose_paths([log], Options(config=ConfigInputs(live=live))).findings
    return f


def test_live_config_confirms_a_log_finding():
    """The real lab log of an EAP method Apple clients do not offer; SYNTHETIC answers of a
    charon whose connection (named as in the log) asks for EAP-GTC."""
    plain = _diagnose_with(None)
    f = _diagnose_with(SyntheticSession({"rw-eap": synthetic_conn(eap=b"EAP_GTC", dpd=b"30")}))
    assert f.id == plain.id == "eap-method-unsupported" and f.confidence > plain.confidence
    assert any("configuration confirms it" in n for n in f.notes)
    cfg = [e for e in f.evidence if e.role == "config"]
    assert cfg and cfg[0].path == "vici list-conns [rw-eap]" and "EAP_GTC" in cfg[0].text
    assert "<your-connection>" not in f.fix


def test_live_config_contradicts_a_log_finding():
    plain = _diagnose_with(None)
    f = _diagnose_with(SyntheticSession({"rw-eap": synthetic_conn(eap=b"EAP_MSCHAPV2", dpd=b"30")}))
    assert f.confidence < plain.confidence and any("configuration contradicts it" in n for n in f.notes)
    assert any(e.role == "contradicting" and e.path.startswith("vici ") for e in f.evidence)


def test_live_config_leaves_findings_vici_cannot_judge_alone():
    """no-certreq needs send_cert, which list-conns does not report: neither raised nor lowered."""
    from diagnose.api import Options, diagnose_paths
    from diagnose.confirm import ConfigInputs
    from diagnose.config.vici_live import read_answers

    log = str(SAMPLES / "lab-no-certreq" / "server-charon.log")
    plain = diagnose_paths([log]).findings[0]
    live = read_answers(SyntheticSession({"rw-eap": synthetic_conn(dpd=b"30")}), "vici:/x")
    f = diagnose_paths([log], Options(config=ConfigInputs(live=live))).findings[0]
    assert f.id == plain.id == "no-certreq" and f.confidence == plain.confidence
    assert not any(e.role in ("config", "contradicting") for e in f.evidence)


def test_cli_live_config_exits_2_without_a_socket_before_reading_logs(tmp_path):
    _register()
    log = str(SAMPLES / "lab-no-certreq" / "server-charon.log")
    res = CliRunner().invoke(app, ["diagnose", log, "--live-config", "--socket", str(tmp_path / "none.vici")])
    assert res.exit_code == 2 and "none.vici" in res.output and "--socket" in res.output
    both = CliRunner().invoke(app, ["diagnose", log, "--live-config", "--config", log])
    assert both.exit_code == 2 and "--live-config" in both.output


def test_vici_evidence_renders_without_a_line_number_and_is_not_folded():
    """VICI evidence has no line: shown as ``vici list-conns [rw]``, never ``...:0``, and two
    entries of one connection both shown (a log line is shown once per path and line)."""
    from rich.console import Console

    from diagnose.report.markdown import render_markdown
    from diagnose.report.model import Evidence
    from diagnose.report.terminal import render_terminal

    rep = check_live(SyntheticSession({"rw": synthetic_conn(reauth=b"3600", eap=b"EAP_MD5")}), "vici:/x",
                     ["ios-16", "macos-13"])
    f = next(f for f in rep.findings if f.id == "macos-reauth-failure")
    f.evidence.append(Evidence(path="vici list-conns [rw]", line=0, text="rekey_time = 14400", role="config",
                               side="config"))
    console = Console(record=True, width=200)
    render_terminal(rep, console)
    text = console.export_text()
    assert "vici list-conns [rw]  reauth_time = 3600" in text and "vici list-conns [rw]  rekey_time = 14400" in text
    assert "[rw]:0" not in text
    md = render_markdown(rep)
    assert "`vici list-conns [rw]`" in md and "[rw]:0" not in md
