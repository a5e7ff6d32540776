"""The gateway rules of issue 14 on the lab's own configurations and credential folders.

Each test starts from a lab scenario's gateway swanctl.conf (tests/lab/scenarios), lays out its
swanctl folders with the lab PKI as the lab runner does, and changes one thing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from diagnose.config.check import check, is_advisory
from diagnose.config.rules_gateway import pool_size, providers
from diagnose.config.model import Pool, Val

from .conftest import HAVE_PKI, REPO

CLIENTS = ["ios-16", "macos-13"]


@pytest.fixture(scope="module")
def lab_pki(tmp_path_factory):
    if not HAVE_PKI:
        pytest.skip("strongSwan's pki tool is not installed")
    from tests.lab.pki import make_pki

    return make_pki(tmp_path_factory.mktemp("labpki"))


def lay_out(scenario_id: str, tmp_path: Path, lab_pki, edit=lambda s: s, plugins_of: str | None = None) -> list[Path]:
    """swanctl/ (conf + credentials) and strongswan.conf of a lab scenario's gateway."""
    from tests.lab.runner import install_credentials, strongswan_conf
    from tests.lab.scenario import load_scenario

    side = load_scenario(REPO / "tests" / "lab" / "scenarios" / f"{scenario_id}.toml").gateway
    sd = tmp_path / "swanctl"
    install_credentials(sd, side, lab_pki, gateway=True)
    conf = sd / "swanctl.conf"
    conf.write_text(edit(side.swanctl))
    ss = tmp_path / "strongswan.conf"
    src = side if plugins_of is None else load_scenario(REPO / "tests" / "lab" / "scenarios" / f"{plugins_of}.toml").gateway
    ss.write_text(strongswan_conf(src, tmp_path / "charon.vici", tmp_path / "charon.log"))
    return [conf, ss]


def failures(paths: list[Path]) -> dict:
    rep = check(paths, [], [], CLIENTS, strongswan_version="5.9.8")
    return {f.id: f for f in rep.findings if not is_advisory(f)}


def test_dh_group_without_plugin_and_with_it(tmp_path, lab_pki):
    found = failures(lay_out("dh-group-unsupported", tmp_path, lab_pki))
    f = found["dh-group-unsupported"]
    assert "ECP_256" in f.root_cause and "openssl" in f.fix
    assert any("load" in e.text for e in f.evidence)
    # the same connection with the lab's usual plugin list (openssl) is fine
    ok = failures(lay_out("dh-group-unsupported", tmp_path / "ok", lab_pki, plugins_of="healthy-eap-mschapv2"))
    assert "dh-group-unsupported" not in ok


def test_dh_group_unknown_without_a_plugin_list(tmp_path, lab_pki):
    conf, _ = lay_out("dh-group-unsupported", tmp_path, lab_pki)
    assert "dh-group-unsupported" not in failures([conf])


def test_key_exchange_plugin_table_prefixes():
    table = {"MODP_": ["gmp", "openssl"], "ECP_": ["openssl"], "CURVE_25519": ["curve25519", "openssl"]}
    assert providers("MODP_2048", table) == ["gmp", "openssl"]
    assert providers("CURVE_25519", table) == ["curve25519", "openssl"]
    assert providers("NTRU_128", table) is None


def test_pool_sizes_as_charon_counts_them():
    def size(*addrs):
        return pool_size(Pool("p", None, Val(list(addrs))))
    assert size("198.51.100.16/28") == 14      # charon: "198.51.100.16, 14 entries"
    assert size("198.51.100.16/32") == 1       # charon: "198.51.100.16, 1 entries"
    assert size("10.0.0.1-10.0.0.5") == 5
    assert size("2001:db8:1::10/124") == 16
    assert size("not-an-address") is None


def test_one_address_pool_and_unique_never(tmp_path, lab_pki):
    assert "vip-pool-exhausted" in failures(lay_out("vip-pool-exhausted", tmp_path, lab_pki))
    healthy = failures(lay_out("healthy-eap-mschapv2", tmp_path / "h", lab_pki))
    assert "vip-pool-exhausted" not in healthy
    never = failures(lay_out("healthy-eap-mschapv2", tmp_path / "n", lab_pki,
                             edit=lambda s: s.replace("        version = 2\n", "        version = 2\n        unique = never\n")))
    f = never["vip-pool-exhausted"]
    assert "unique = never" in f.root_cause and "14" in f.root_cause


def test_fragmentation_off_with_a_certificate(tmp_path, lab_pki):
    assert "ike-auth-lost" not in failures(lay_out("ike-auth-lost", tmp_path, lab_pki))
    off = failures(lay_out("ike-auth-lost", tmp_path / "off", lab_pki,
                           edit=lambda s: s.replace("        version = 2\n", "        version = 2\n        fragmentation = no\n")))
    f = off["ike-auth-lost"]
    assert "fragmentation = yes" in f.fix and "fragmentation = no" in f.evidence[0].text


def test_gateway_key_missing_and_present(tmp_path, lab_pki):
    f = failures(lay_out("gateway-key-missing", tmp_path, lab_pki))["gateway-key-missing"]
    assert "server.crt" in f.root_cause and "private" in f.fix
    assert "gateway-key-missing" not in failures(lay_out("healthy-eap-mschapv2", tmp_path / "h", lab_pki))


def test_gateway_key_of_another_certificate_does_not_count(tmp_path, lab_pki):
    paths = lay_out("gateway-key-missing", tmp_path, lab_pki)
    key_dir = paths[0].parent / "private"
    (key_dir / "client.key").write_bytes(lab_pki.client.key.read_bytes())
    assert "gateway-key-missing" in failures(paths)


def test_client_ca_missing(tmp_path, lab_pki):
    paths = lay_out("client-cert-untrusted", tmp_path, lab_pki)
    assert "client-cert-untrusted" not in failures(paths)   # a CA is loaded (the rule cannot tell which issued the clients')
    for f in (paths[0].parent / "x509ca").iterdir():
        f.unlink()
    found = failures(paths)["client-cert-untrusted"]
    assert "x509ca" in found.root_cause and "x509ca" in found.fix
    pinned = failures(lay_out("healthy-cert", tmp_path / "pin", lab_pki,
                              edit=lambda s: s.replace("cacerts = ca.crt", "cacerts = company-ca.crt")))
    assert "company-ca.crt" in pinned["client-cert-untrusted"].root_cause


def test_credential_rules_unknown_without_the_folders(tmp_path, lab_pki):
    paths = lay_out("gateway-key-missing", tmp_path, lab_pki)
    alone = tmp_path / "alone.conf"
    alone.write_text(paths[0].read_text())
    assert "gateway-key-missing" not in failures([alone])
