"""swanctl.conf / strongswan.conf syntax and ipsec.conf, mapped to the Connection model."""

from __future__ import annotations

import pytest

from diagnose.config import ConfigError
from diagnose.config.check import load_server
from diagnose.config.settings_syntax import parse_settings

from .conftest import SS_TESTING


def test_settings_syntax_quotes_comments_and_lines(tmp_path):
    f = tmp_path / "swanctl.conf"
    f.write_text(
        "# comment\n"
        "connections {\n"
        "   rw { local_addrs = 192.0.2.1  # trailing comment\n"
        '      proposals = "aes256-sha256-modp2048, default"\n'
        "      local { auth = pubkey }\n"
        '      remote { id = "a # not a comment" }\n'
        "      version = 2\n"
        "   }\n"
        "}\n"
    )
    root, files = parse_settings([f])
    rw = root.section("connections").section("rw")
    assert rw.get("local_addrs").value == "192.0.2.1"
    assert rw.get("local_addrs").loc.line == 3
    assert rw.get("proposals").value == "aes256-sha256-modp2048, default"
    assert rw.section("local").get("auth").value == "pubkey"
    assert rw.section("remote").get("id").value == "a # not a comment"
    assert rw.get("version").loc.line == 7
    assert files == [str(f)]


def test_multiword_value_joined_and_later_key_overrides(tmp_path):
    f = tmp_path / "s.conf"
    f.write_text("a {\n  x = one   two\n  x = three\n}\na {\n  y = 1\n}\n")
    root, _ = parse_settings([f])
    a = root.section("a")
    assert a.get("x").value == "three" and a.get("x").loc.line == 3
    assert a.get("y").value == "1"  # sections of the same name merge


def test_include_glob_relative_to_including_file_and_inside_a_section(tmp_path):
    (tmp_path / "conf.d").mkdir()
    (tmp_path / "conf.d" / "b.conf").write_text("connections {\n  b {\n    version = 2\n  }\n}\n")
    (tmp_path / "conf.d" / "a.conf").write_text("connections {\n  a {\n    version = 1\n  }\n}\n")
    main = tmp_path / "swanctl.conf"
    main.write_text("include conf.d/*.conf\n")
    cfg = load_server([main])
    names = [c.name for c in cfg.connections]
    assert names == ["a", "b"]
    b = next(c for c in cfg.connections if c.name == "b")
    assert b.version.loc.path.endswith("conf.d/b.conf") and b.version.loc.line == 3


def test_strongswan_testing_config_payload_include_inside_connection():
    cfg = load_server([SS_TESTING / "config-payload" / "swanctl.conf"])
    carol = next(c for c in cfg.connections if c.name == "rw-carol")
    assert carol.local[0].id.value == "moon.strongswan.org"
    assert carol.local[0].id.loc.path.endswith("swanctl_base.conf")
    assert carol.remote[0].id.value == "carol@strongswan.org"
    assert [p.addrs.value for p in carol.pools] == [["10.3.0.1"]]


def test_swanctl_defaults_have_no_location():
    cfg = load_server([SS_TESTING / "rw-cert.swanctl.conf"])
    rw = cfg.connections[0]
    assert rw.send_cert.value == "ifasked" and rw.send_cert.is_default
    assert rw.rekey_time.value == 4 * 3600 and rw.reauth_time.value == 0
    assert rw.dpd_delay.value == 0 and rw.mobike.value is True
    assert rw.proposals.value == ["aes128-sha256-x25519"] and rw.proposals.loc.line == 23
    assert rw.children[0].local_ts.value == ["10.1.0.0/16"]
    assert rw.remote[0].auth.is_default is False and rw.remote[0].auth.value == "pubkey"


def test_reauth_time_makes_rekey_time_default_zero(tmp_path):
    f = tmp_path / "s.conf"
    f.write_text("connections {\n rw {\n  reauth_time = 2h\n }\n}\n")
    rw = load_server([f]).connections[0]
    assert rw.reauth_time.value == 7200 and rw.rekey_time.value == 0


def test_ipsec_conf_default_also_and_stroke_semantics():
    cfg = load_server([SS_TESTING / "rw-cert.ipsec.conf"])
    rw = cfg.connections[0]
    assert rw.source_format == "ipsec.conf"
    assert rw.version.value == 2 and rw.version.loc.line == 10  # from conn %default
    assert rw.local[0].id.value == "moon.strongswan.org"
    assert rw.local[0].certs[0].value == "moonCert.pem"
    # reauth=yes (default): reauth_time = ikelifetime - margintime = 60m - 3m
    assert rw.reauth_time.value == 57 * 60 and rw.rekey_time.value == 0
    # dpdaction=none (default) disables DPD
    assert rw.dpd_delay.value == 0
    assert rw.proposals.value == ["default"]


def test_ipsec_conf_also_strict_proposals_and_pools(tmp_path):
    f = tmp_path / "ipsec.conf"
    f.write_text(
        "config setup\n  uniqueids=never\n\n"
        "conn common\n  leftcert=gw.pem\n  ike=aes256-sha256-modp2048\n\n"
        "conn rw\n  also=common\n  left=%any\n  right=%any\n  leftid=@vpn.example.com\n"
        "  esp=aes256-sha256-modp2048!\n  rightsourceip=10.3.0.0/24,fd00::/120\n  rightdns=10.3.0.1\n"
        '  reauth=no\n  dpdaction=clear\n  dpddelay=20s\n  leftsendcert=yes\n  auto=add # comment\n'
    )
    rw = load_server([f]).connections[0]
    assert rw.local[0].certs[0].value == "gw.pem"
    assert rw.proposals.value == ["aes256-sha256-modp2048"] and rw.proposals_strict is False
    assert rw.children[0].esp_proposals.value == ["aes256-sha256-modp2048"] and rw.children[0].esp_strict
    assert rw.reauth_time.value == 0 and rw.rekey_time.value == 3 * 3600 - 9 * 60
    assert rw.dpd_delay.value == 20
    assert rw.send_cert.value == "always"
    assert rw.pools[0].has_ipv6 and rw.pools[0].attributes["dns"].value == ["10.3.0.1"]
    assert rw.unique.value == "never"


@pytest.mark.parametrize("content,problem", [
    ("connections {\n rw {\n", "never closed"),
    ("}\n", "unexpected '}'"),
    ('a = "unterminated\n', "unterminated"),
    ("connections {\n rw\n}\n", "neither"),
])
def test_syntax_errors_name_file_and_line(tmp_path, content, problem):
    f = tmp_path / "bad.conf"
    f.write_text(content)
    with pytest.raises(ConfigError) as exc:
        load_server([f])
    assert str(f) in str(exc.value) and problem in str(exc.value)


def test_unreadable_file_is_one_line_error(tmp_path):
    with pytest.raises(ConfigError) as exc:
        load_server([tmp_path / "missing.conf"])
    msg = str(exc.value)
    assert "missing.conf" in msg and "cannot read" in msg and "\n" not in msg


def test_missing_include_is_a_warning_not_an_error(tmp_path):
    f = tmp_path / "s.conf"
    f.write_text("include nothere.conf\nconnections {\n}\n")
    cfg = load_server([f])
    assert any("nothere.conf" in w for w in cfg.warnings)
