"""Each configuration rule: a real configuration shape that is flagged, and the fixed one that passes.

The "fixed" configuration is produced by applying the finding's own fix text (the
``change ... at file:line to ...`` / ``add ... to connection ... (file:line)`` instruction), so these
tests also prove that the fix text is concrete and correct.
"""

from __future__ import annotations

import re
from pathlib import Path

from diagnose.config.check import check

from .conftest import CA, SERVER_AUTH, ca_payload, copy_fixture, pem, vpn_payload

CLIENTS = ["ios-16", "macos-13"]


def findings(server=(), certs=(), profiles=(), clients=CLIENTS, **kw):
    rep = check([Path(p) for p in server], [Path(c) for c in certs], [Path(p) for p in profiles], list(clients), **kw)
    return {f.id: f for f in rep.findings}, rep


_CHANGE = re.compile(r"change `(?P<old>[^`]*)` at (?P<path>\S+):(?P<line>\d+) to `(?P<new>[^`]*)`")
_ADD = re.compile(r"add `(?P<new>[^`]*)` to (?:connection|section) '[^']*' \((?P<path>\S+):(?P<line>\d+)\)")


def apply_fix(fix: str) -> Path:
    """Apply the first concrete instruction of a fix text to the file it names."""
    m = _CHANGE.search(fix)
    if m:
        path, line = Path(m["path"]), int(m["line"])
        lines = path.read_text().splitlines()
        assert lines[line - 1].strip() == m["old"], "the fix quotes the line it changes"
        indent = lines[line - 1][: len(lines[line - 1]) - len(lines[line - 1].lstrip())]
        lines[line - 1] = indent + m["new"]
    else:
        m = _ADD.search(fix)
        assert m, f"no concrete instruction in fix: {fix}"
        path, line = Path(m["path"]), int(m["line"])
        lines = path.read_text().splitlines()
        lines.insert(line, "\t" + m["new"])
    path.write_text("\n".join(lines) + "\n")
    return path


def test_no_certreq_flagged_then_fixed(tmp_path):
    conf = copy_fixture("rw-cert.swanctl.conf", tmp_path)
    found, _ = findings([conf])
    f = found["no-certreq"]
    assert f.side == "config" and f.confidence == 0.7  # no profile given: lower confidence
    assert f.evidence[0].role == "config" and f.evidence[0].line == 3  # the connection, where send_cert defaults
    assert "send_cert = always" in f.fix
    apply_fix(f.fix)
    found, _ = findings([conf])
    assert "no-certreq" not in found


def test_no_certreq_ipsec_conf_and_profile_with_issuer(tmp_path, write_profile):
    conf = copy_fixture("rw-cert.ipsec.conf", tmp_path)
    found, _ = findings([conf])
    assert "leftsendcert=always" in found["no-certreq"].fix
    prof = write_profile(vpn_payload(ServerCertificateIssuerCommonName="strongSwan Root CA"))
    found, _ = findings([conf], profiles=[prof])
    assert "no-certreq" not in found  # the client sends CERTREQ
    found, _ = findings([conf], profiles=[write_profile(vpn_payload(), name="noissuer.mobileconfig")])
    assert found["no-certreq"].confidence == 0.85


def test_san_mismatch_cn_only_then_reissued(tmp_path, write_cert):
    conf = copy_fixture("rw-cert.swanctl.conf", tmp_path)
    cert = write_cert("moonCert.pem", cn="moon.strongswan.org", sans=())
    found, _ = findings([conf], [cert])
    f = found["san-mismatch"]
    assert "no subjectAltName at all" in f.root_cause and "moon.strongswan.org" in f.root_cause
    assert "--san moon.strongswan.org --flag serverAuth" in f.fix
    assert "ios-16" in f.title and "macos-13" in f.title
    cert = write_cert("moonCert.pem", cn="moon.strongswan.org", sans=("moon.strongswan.org",))
    found, _ = findings([conf], [cert])
    assert "san-mismatch" not in found


def test_san_mismatch_against_profile_remote_identifier(tmp_path, write_cert, write_profile):
    conf = copy_fixture("rw-cert.swanctl.conf", tmp_path)
    cert = write_cert("moonCert.pem", cn="moon.strongswan.org", sans=("moon.strongswan.org",))
    prof = write_profile(vpn_payload(RemoteIdentifier="vpn.strongswan.org"))
    found, _ = findings([conf], [cert], [prof])
    f = found["san-mismatch"]
    assert "RemoteIdentifier" in f.root_cause and "vpn.strongswan.org" in f.root_cause
    assert any(e.path == str(prof) and e.line > 0 for e in f.evidence)


def test_san_rule_only_for_ios13_and_macos1015(tmp_path, write_cert):
    conf = copy_fixture("rw-cert.swanctl.conf", tmp_path)
    cert = write_cert("moonCert.pem", cn="moon.strongswan.org", sans=())
    found, _ = findings([conf], [cert], clients=["ios-12", "macos-10.14"])
    assert "san-mismatch" not in found  # CN-only certificates were fine before iOS 13/macOS 10.15
    found, _ = findings([conf], [cert], clients=["ios-12", "macos-10.15"])
    assert "macos-10.15" in found["san-mismatch"].title and "ios-12" not in found["san-mismatch"].title


def test_missing_serverauth_eku(tmp_path, write_cert):
    conf = copy_fixture("rw-cert.swanctl.conf", tmp_path)
    from cryptography.x509.oid import ExtendedKeyUsageOID
    cert = write_cert("moonCert.pem", cn="moon.strongswan.org", sans=("moon.strongswan.org",),
                      ekus=[ExtendedKeyUsageOID.CLIENT_AUTH])
    found, _ = findings([conf], [cert])
    f = found["missing-serverauth-eku"]
    assert f.confidence == 0.85 and "clientAuth" in f.root_cause and "--flag serverAuth" in f.fix
    cert = write_cert("moonCert.pem", cn="moon.strongswan.org", sans=("moon.strongswan.org",), ekus=None)
    assert findings([conf], [cert])[0]["missing-serverauth-eku"].confidence == 0.6
    cert = write_cert("moonCert.pem", cn="moon.strongswan.org", sans=("moon.strongswan.org",),
                      ekus=[ExtendedKeyUsageOID.SERVER_AUTH])
    assert "missing-serverauth-eku" not in findings([conf], [cert])[0]
    # old macOS also wants ikeIntermediate
    found, _ = findings([conf], [cert], clients=["macos-10.7.3"])
    assert "ikeIntermediate" in found["missing-serverauth-eku"].fix
    cert = write_cert("moonCert.pem", cn="moon.strongswan.org", sans=("moon.strongswan.org",), ekus=SERVER_AUTH)
    assert "missing-serverauth-eku" not in findings([conf], [cert], clients=["macos-10.7.3"])[0]


def test_ike_proposal_mismatch_strongswan_testing_config(tmp_path):
    conf = copy_fixture("rw-cert.swanctl.conf", tmp_path)  # proposals = aes128-sha256-x25519
    found, _ = findings([conf])
    f = found["ike-proposal-mismatch"]
    assert "ios-16" in f.title and "macos-13" in f.title
    assert "IKE:AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048" in f.root_cause
    assert f.evidence[0].line == 23 and f.evidence[0].text == "proposals = aes128-sha256-x25519"
    apply_fix(f.fix)
    assert "ike-proposal-mismatch" not in findings([conf])[0]


def test_ike_proposal_mismatch_legacy_clients_depend_on_strongswan_version(tmp_path):
    conf = copy_fixture("rw-cert.ipsec.conf", tmp_path)  # no ike=: daemon defaults
    found, _ = findings([conf], clients=["ios-9"], strongswan_version="5.9.8")
    assert "ike-proposal-mismatch" in found  # MODP_1024 left the defaults in 5.6.1
    found, _ = findings([conf], clients=["ios-9"], strongswan_version="5.6.0")
    assert "ike-proposal-mismatch" not in found


def test_ipsec_conf_list_without_bang_gets_defaults_appended(tmp_path):
    conf = copy_fixture("rw-cert.ipsec.conf", tmp_path)
    text = conf.read_text().replace("\tleftcert=moonCert.pem", "\tleftcert=moonCert.pem\n\tike=aes128-sha256-x25519")
    conf.write_text(text)
    assert "ike-proposal-mismatch" not in findings([conf])[0]
    conf.write_text(text.replace("ike=aes128-sha256-x25519", "ike=aes128-sha256-x25519!"))
    assert "ike-proposal-mismatch" in findings([conf])[0]


def test_esp_proposal_mismatch(tmp_path):
    conf = copy_fixture("rw-cert.swanctl.conf", tmp_path)  # esp_proposals = aes128gcm128-x25519
    found, _ = findings([conf], clients=["ios-16", "macos-14"])
    assert "esp-proposal-mismatch" not in found  # IKE_SA_INIT fails first: reported once, as IKE
    conf.write_text(conf.read_text().replace("proposals = aes128-sha256-x25519", "proposals = aes256-sha256-modp2048"))
    found, _ = findings([conf], clients=["ios-16", "macos-14"])
    f = found["esp-proposal-mismatch"]
    assert "esp_proposals = aes128gcm128-x25519" == f.evidence[0].text
    apply_fix(f.fix)
    assert "esp-proposal-mismatch" not in findings([conf], clients=["ios-16", "macos-14"])[0]


PFS_CONF = """connections {
    rw-eap {
        version = 2
        send_cert = always
        proposals = aes256-sha256-modp2048, default
        local {
            auth = pubkey
            certs = server.crt
            id = vpn.example.com
        }
        remote {
            auth = eap-mschapv2
            eap_id = %any
        }
        children {
            rw {
                local_ts = 0.0.0.0/0
                esp_proposals = aes256-sha256-modp2048
            }
        }
    }
}
"""


def test_pfs_rekey_mismatch_only_for_macos(tmp_path):
    conf = tmp_path / "swanctl.conf"
    conf.write_text(PFS_CONF)
    found, _ = findings([conf])
    f = found["pfs-rekey-mismatch"]
    assert "macos-13" in f.title and "ios-16" not in f.title  # iOS also sends a proposal with DH
    assert "esp-proposal-mismatch" not in found  # IKE_AUTH skips the KE: the first CHILD_SA works
    assert f.evidence[0].line == 18
    apply_fix(f.fix)
    assert "modpnone" in conf.read_text()
    assert "pfs-rekey-mismatch" not in findings([conf])[0]


def test_pfs_default_esp_since_602_is_fine(tmp_path):
    conf = tmp_path / "swanctl.conf"
    conf.write_text(PFS_CONF.replace("esp_proposals = aes256-sha256-modp2048", "esp_proposals = default"))
    assert "pfs-rekey-mismatch" not in findings([conf], strongswan_version="6.0.2")[0]


def test_modp1536_bug_only_ios(tmp_path):
    conf = tmp_path / "swanctl.conf"
    conf.write_text(PFS_CONF.replace("proposals = aes256-sha256-modp2048, default", "proposals = aes256-sha256-modp1536")
                    .replace("esp_proposals = aes256-sha256-modp2048", "esp_proposals = aes256-sha256"))
    found, _ = findings([conf])
    f = found["modp1536-bug"]
    assert "ios-16" in f.title and "macos" not in f.title and "MODP_1536" in f.root_cause
    apply_fix(f.fix)
    assert "modp1536-bug" not in findings([conf])[0]


def test_macos_reauth_ipsec_default_and_swanctl(tmp_path):
    conf = copy_fixture("rw-cert.ipsec.conf", tmp_path)
    found, _ = findings([conf])
    f = found["macos-reauth-failure"]
    assert "macos-13" in f.title and "ios-16" not in f.title and "default reauth=yes" in f.root_cause
    apply_fix(f.fix)
    assert "reauth=no" in conf.read_text()
    assert "macos-reauth-failure" not in findings([conf])[0]
    sw = copy_fixture("rw-cert.swanctl.conf", tmp_path)
    sw.write_text(sw.read_text().replace("      version = 2\n", "      version = 2\n      reauth_time = 4h\n"))
    f = findings([sw])[0]["macos-reauth-failure"]
    assert "reauth_time = 4h" in f.evidence[0].text
    apply_fix(f.fix)
    assert "macos-reauth-failure" not in findings([sw])[0]


def test_macos_reauth_for_eap_clients_of_a_responder(tmp_path):
    # issue 14: macOS ignores AUTH_LIFETIME whatever the authentication (the catalog entry says
    # "certificate and EAP"); a responder connection with reauth_time set will drop them too
    sw = copy_fixture("rw-eap-mschapv2-id-rsa.swanctl.conf", tmp_path)
    sw.write_text(sw.read_text().replace("      version = 2\n", "      version = 2\n      reauth_time = 4h\n"))
    f = findings([sw])[0]["macos-reauth-failure"]
    assert "reauth_time = 4h" in f.evidence[0].text
    apply_fix(f.fix)
    assert "macos-reauth-failure" not in findings([sw])[0]


def test_macos_reauth_not_for_an_eap_initiator(tmp_path):
    sw = copy_fixture("rw-eap-mschapv2-id-rsa.swanctl.conf", tmp_path)
    sw.write_text(sw.read_text().replace("      version = 2\n",
                                         "      version = 2\n      reauth_time = 4h\n      remote_addrs = 192.0.2.9\n"))
    assert "macos-reauth-failure" not in findings([sw])[0]


def test_ipv6_pool_without_default_route(tmp_path):
    for name in ("ip-two-pools-v4v6.swanctl.conf", "ip-two-pools-v4v6.ipsec.conf"):
        conf = copy_fixture(name, tmp_path)
        f = findings([conf])[0]["ipv6-pool-no-default-ts"]
        assert "fec3::/120" in f.root_cause and "10.1.0.0/16, fec1::0/16" in f.root_cause
        apply_fix(f.fix)
        assert "::/0" in conf.read_text()
        assert "ipv6-pool-no-default-ts" not in findings([conf])[0]


def test_eap_method_unsupported(tmp_path):
    for name in ("rw-eap-md5-id-rsa.swanctl.conf", "rw-eap-md5-rsa.ipsec.conf"):
        conf = copy_fixture(name, tmp_path)
        f = findings([conf])[0]["eap-method-unsupported"]
        assert "eap-md5" in f.root_cause
        apply_fix(f.fix)
        assert "eap-method-unsupported" not in findings([conf])[0]
    assert "eap-method-unsupported" not in findings([copy_fixture("rw-eap-mschapv2-id-rsa.swanctl.conf", tmp_path)])[0]


SPLIT = """connections {
   rw {
      pools = rw_pool
      local {
         auth = pubkey
         certs = moonCert.pem
         id = moon.strongswan.org
      }
      children {
         net {
            local_ts = 10.1.0.0/16
         }
      }
      send_cert = always
   }
}
pools {
   rw_pool {
      addrs = 10.3.0.0/28
      dns = 10.1.0.53
   }
}
"""


def test_split_dns_not_applied(tmp_path):
    conf = tmp_path / "swanctl.conf"
    conf.write_text(SPLIT)
    f = findings([conf])[0]["split-dns-not-applied"]
    assert f.evidence[0].text == "dns = 10.1.0.53" and "10.1.0.0/16" in f.root_cause
    apply_fix(f.fix)  # adds "25 = corp.example.com" to the pool
    assert "split-dns-not-applied" not in findings([conf])[0]
    conf.write_text(SPLIT.replace("local_ts = 10.1.0.0/16", "local_ts = 0.0.0.0/0"))
    assert "split-dns-not-applied" not in findings([conf])[0]


def test_split_dns_domain_from_strongswan_conf_attr_plugin(tmp_path):
    conf = tmp_path / "swanctl.conf"
    conf.write_text(SPLIT)
    ss = tmp_path / "strongswan.conf"
    ss.write_text("charon {\n  plugins {\n    attr {\n      25 = corp.example.com\n    }\n  }\n}\n")
    assert "split-dns-not-applied" not in findings([conf, ss])[0]


def test_stale_child_sa_is_advisory(tmp_path):
    found, rep = findings([copy_fixture("rw-cert.swanctl.conf", tmp_path)])
    f = found["stale-child-sa-after-sleep"]
    assert f.notes[0].startswith("advisory") and f.confidence == 0.5
    assert "stale-child-sa-after-sleep" not in findings([copy_fixture("dpd-clear.swanctl.conf", tmp_path)])[0]


def test_ca_not_trusted(tmp_path, write_profile):
    trusted, other = CA("Trusted Root CA"), CA("Other Root CA")
    conf = copy_fixture("rw-cert.swanctl.conf", tmp_path)
    cert, _ = other.issue("moon.strongswan.org", ["moon.strongswan.org"], SERVER_AUTH)
    crt = tmp_path / "moonCert.pem"
    crt.write_bytes(pem(cert))
    prof = write_profile(vpn_payload(RemoteIdentifier="moon.strongswan.org"), ca_payload(trusted.cert))
    f = findings([conf], [crt], [prof])[0]["ca-not-trusted"]
    assert "Other Root CA" in f.root_cause and "Trusted Root CA" in f.root_cause
    cert, _ = trusted.issue("moon.strongswan.org", ["moon.strongswan.org"], SERVER_AUTH)
    crt.write_bytes(pem(cert))
    assert "ca-not-trusted" not in findings([conf], [crt], [prof])[0]
    # the profile names the wrong issuer
    prof2 = write_profile(vpn_payload(RemoteIdentifier="moon.strongswan.org",
                                      ServerCertificateIssuerCommonName="Other Root CA"),
                          ca_payload(trusted.cert), name="p2.mobileconfig")
    f = findings([conf], [crt], [prof2])[0]["ca-not-trusted"]
    assert "ServerCertificateIssuerCommonName 'Other Root CA'" in f.root_cause


def test_profile_proposals_replace_defaults(tmp_path, write_profile):
    conf = tmp_path / "swanctl.conf"
    conf.write_text(PFS_CONF.replace("proposals = aes256-sha256-modp2048, default", "proposals = aes256-sha384-ecp384")
                    .replace("esp_proposals = aes256-sha256-modp2048", "esp_proposals = aes256gcm16"))
    prof = write_profile(vpn_payload(
        IKESecurityAssociationParameters={"EncryptionAlgorithm": "AES-256", "IntegrityAlgorithm": "SHA2-384",
                                          "DiffieHellmanGroup": 20},
        ChildSecurityAssociationParameters={"EncryptionAlgorithm": "AES-256-GCM", "DiffieHellmanGroup": 20},
        EnablePFS=0))
    found, _ = findings([conf], profiles=[prof])
    assert "ike-proposal-mismatch" not in found and "esp-proposal-mismatch" not in found
    found, _ = findings([conf])  # without the profile the built-in lists do not match
    assert "ike-proposal-mismatch" in found


IPSEC_SPLIT = """config setup

conn rw
    left=%any
    leftcert=server.crt
    leftsubnet=10.1.0.0/16
    right=%any
    rightsourceip=10.3.0.0/24
    rightdns=10.1.0.1
    auto=add
"""
SWANCTL_ONLY = ("rekey_time", "reauth_time", "dpd_delay", "dpd_action", "send_cert =", "proposals =")


def test_check_words_ipsec_conf_fixes_in_ipsec_conf_syntax_one_setting_per_line(tmp_path):
    conf = tmp_path / "ipsec.conf"
    conf.write_text(IPSEC_SPLIT)
    found, _ = findings([conf])
    assert {"macos-reauth-failure", "split-dns-not-applied", "stale-child-sa-after-sleep"} <= set(found)
    for f in found.values():
        assert " + " not in f.fix and not any(k in f.fix for k in SWANCTL_ONLY), (f.id, f.fix)
    assert "\n    dpdaction=clear\n    dpddelay=30s" in found["stale-child-sa-after-sleep"].fix
    assert "dpdaction" in found["stale-child-sa-after-sleep"].root_cause
    split = found["split-dns-not-applied"].fix
    assert "strongswan.conf" in split and "25 = <internal-domain>" in split and "example.com" not in split
    apply_fix(found["macos-reauth-failure"].fix)
    assert "macos-reauth-failure" not in findings([conf])[0]
