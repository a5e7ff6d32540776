"""Certificates: PEM/DER/chains/PKCS#12, SAN and EKU facts; strongSwan pki certificates."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID

from diagnose.config import ConfigError
from diagnose.config.certs import CertInfo, cert_contains_identity, load_certificates, san_matches

from .conftest import HAVE_PKI, SERVER_AUTH, pem, pki


def test_pem_chain_facts(tmp_path, ca):
    cert, _ = ca.issue("vpn.example.com", ["vpn.example.com", "192.0.2.1"], SERVER_AUTH)
    f = tmp_path / "chain.pem"
    f.write_bytes(pem(cert) + pem(ca.cert))
    server, root = load_certificates(f)
    assert server.subject_cn == "vpn.example.com" and server.issuer_cn == "ikedoctor test Root CA"
    assert server.san_dns == ["vpn.example.com"] and server.san_ip == ["192.0.2.1"]
    assert server.ekus == ["serverAuth", "ikeIntermediate"] and not server.is_ca
    assert server.key_type == "ECDSA" and server.key_bits == 256
    assert root.is_ca and root.self_signed and root.issued(server)
    assert san_matches(server, "vpn.example.com") and san_matches(server, "192.0.2.1")
    assert not san_matches(server, "other.example.com")


def test_der(tmp_path, ca):
    cert, _ = ca.issue("vpn.example.com", [], None)
    f = tmp_path / "server.der"
    f.write_bytes(cert.public_bytes(serialization.Encoding.DER))
    (info,) = load_certificates(f)
    assert not info.has_san and not info.has_eku_extension and info.ekus == []


def test_pkcs12_without_password_never_asks(tmp_path, ca):
    cert, key = ca.issue("vpn.example.com", ["vpn.example.com"], SERVER_AUTH)
    f = tmp_path / "server.p12"
    f.write_bytes(pkcs12.serialize_key_and_certificates(b"gw", key, cert, [ca.cert], serialization.NoEncryption()))
    asked = []
    infos = load_certificates(f, ask_password=lambda p: asked.append(p) or "x")
    assert asked == []
    assert [i.subject_cn for i in infos] == ["vpn.example.com", "ikedoctor test Root CA"]
    assert all(isinstance(i, CertInfo) for i in infos)
    assert not any(hasattr(i, "key") for i in infos)  # no private key is kept


def test_pkcs12_with_password_asks_once(tmp_path, ca, monkeypatch):
    monkeypatch.delenv("IKEDOCTOR_P12_PASSWORD", raising=False)
    cert, key = ca.issue("vpn.example.com", ["vpn.example.com"], SERVER_AUTH)
    f = tmp_path / "server.p12"
    f.write_bytes(pkcs12.serialize_key_and_certificates(
        b"gw", key, cert, None, serialization.BestAvailableEncryption(b"hunter2")))
    asked = []
    infos = load_certificates(f, ask_password=lambda p: asked.append(p) or "hunter2")
    assert asked == [str(f)] and infos[0].subject_cn == "vpn.example.com"
    with pytest.raises(ConfigError, match="encrypted"):
        load_certificates(f)  # no prompt available: a one-line error naming the env variable
    with pytest.raises(ConfigError, match="wrong PKCS#12 password"):
        load_certificates(f, ask_password=lambda p: "nope")
    monkeypatch.setenv("IKEDOCTOR_P12_PASSWORD", "hunter2")
    assert load_certificates(f)[0].subject_cn == "vpn.example.com"


def test_private_key_only_file_is_rejected(tmp_path, ca):
    _, key = ca.issue("x", [], None)
    f = tmp_path / "server.key"
    f.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()))
    with pytest.raises(ConfigError, match="not the private key"):
        load_certificates(f)


def test_identity_matching_kinds(tmp_path, ca):
    cert, _ = ca.issue("vpn.example.com", ["*.example.com", "gw@example.com"], None)
    f = tmp_path / "c.pem"
    f.write_bytes(pem(cert))
    (info,) = load_certificates(f)
    assert san_matches(info, "vpn.example.com") and san_matches(info, "@vpn.example.com")
    assert san_matches(info, "gw@example.com")
    assert not san_matches(info, "C=CH, O=ikedoctor test, CN=vpn.example.com")  # a DN is never a SAN
    assert cert_contains_identity(info, "C=CH, O=ikedoctor test, CN=vpn.example.com")


@pytest.mark.skipif(not HAVE_PKI, reason="strongSwan's pki tool is not installed")
@pytest.mark.parametrize("sans,flags,has_san,has_server_auth", [
    (["vpn.example.com"], ["serverAuth"], True, True),
    ([], ["serverAuth"], False, True),
    (["vpn.example.com"], [], True, False),
    (["vpn.example.com"], ["serverAuth", "ikeIntermediate"], True, True),
])
def test_pki_issued_certificates(tmp_path, sans, flags, has_san, has_server_auth):
    ca_key = tmp_path / "ca.key"
    ca_key.write_bytes(pki("--gen", "--type", "ecdsa", "--size", "256", "--outform", "pem"))
    ca_crt = tmp_path / "ca.crt"
    ca_crt.write_bytes(pki("--self", "--ca", "--in", str(ca_key), "--type", "ecdsa", "--dn", "C=CH, CN=pki CA",
                           "--outform", "pem"))
    key = tmp_path / "gw.key"
    key.write_bytes(pki("--gen", "--type", "ecdsa", "--size", "256", "--outform", "pem"))
    pub = pki("--pub", "--in", str(key), "--type", "ecdsa")
    args = ["--issue", "--cacert", str(ca_crt), "--cakey", str(ca_key), "--type", "pub",
            "--dn", "C=CH, CN=vpn.example.com", "--outform", "pem"]
    for s in sans:
        args += ["--san", s]
    for fl in flags:
        args += ["--flag", fl]
    crt = tmp_path / "gw.crt"
    crt.write_bytes(pki(*args, stdin=pub))
    (info,) = load_certificates(crt)
    (root,) = load_certificates(ca_crt)
    assert info.has_san is has_san
    assert ("serverAuth" in info.ekus) is has_server_auth
    assert ("ikeIntermediate" in info.ekus) is ("ikeIntermediate" in flags)
    assert root.is_ca and root.issued(info)
    assert info.subject_cn == "vpn.example.com"
    assert x509.load_pem_x509_certificate(crt.read_bytes())  # sanity: cryptography agrees it is a cert
    assert ExtendedKeyUsageOID.SERVER_AUTH  # the constant we map to "serverAuth"
