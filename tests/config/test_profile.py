"""Apple profiles: plain XML, binary and CMS-signed; IKEv2 keys; secrets never kept."""

from __future__ import annotations

import plistlib

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs7

from diagnose.config import ConfigError
from diagnose.config.profile import load_profile

from .conftest import SERVER_AUTH, ca_payload, profile_dict, vpn_payload


def test_plain_xml_profile_keys_and_lines(write_profile):
    p = write_profile(vpn_payload(
        ServerCertificateIssuerCommonName="ikedoctor test Root CA", EnablePFS=1, DisableMOBIKE=1,
        DeadPeerDetectionRate="High",
        IKESecurityAssociationParameters={"EncryptionAlgorithm": "AES-256-GCM", "IntegrityAlgorithm": "SHA2-384",
                                          "DiffieHellmanGroup": 20, "LifeTimeInMinutes": 1440},
        ChildSecurityAssociationParameters={"EncryptionAlgorithm": "AES-256", "DiffieHellmanGroup": 19}))
    prof = load_profile(p)
    (vpn,) = prof.vpns
    assert not prof.signed
    assert vpn.remote_identifier == "vpn.example.com" and vpn.extended_auth_enabled
    assert vpn.server_cert_issuer_cn == "ikedoctor test Root CA"
    assert vpn.ike.encryption == "AES-256-GCM" and vpn.ike.dh_group == 20
    assert vpn.child.dh_group == 19 and vpn.child.integrity is None
    assert vpn.enable_pfs and vpn.disable_mobike and vpn.dpd_rate == "High"
    lines = p.read_text().splitlines()
    assert "RemoteIdentifier" in lines[vpn.line_of("RemoteIdentifier") - 1]


def test_secrets_are_not_kept(write_profile):
    prof = load_profile(write_profile(vpn_payload(SharedSecret="psk-value", AuthenticationMethod="SharedSecret")))
    (vpn,) = prof.vpns
    assert vpn.secrets_present == ["AuthPassword", "SharedSecret"]
    assert "psk-value" not in repr(prof) and "s3cret-password" not in repr(prof)


def test_binary_plist(write_profile):
    prof = load_profile(write_profile(vpn_payload(), fmt=plistlib.FMT_BINARY))
    assert prof.vpns[0].remote_address == "vpn.example.com" and prof.vpns[0].line_of("RemoteIdentifier") == 0


def test_cms_signed_profile(tmp_path, ca):
    signer_cert, signer_key = ca.issue("profile signer", [], SERVER_AUTH)
    body = plistlib.dumps(profile_dict(vpn_payload(), ca_payload(ca.cert)))
    signed = (pkcs7.PKCS7SignatureBuilder().set_data(body)
              .add_signer(signer_cert, signer_key, hashes.SHA256())
              .sign(serialization.Encoding.DER, []))
    p = tmp_path / "signed.mobileconfig"
    p.write_bytes(signed)
    prof = load_profile(p)
    assert prof.signed and prof.vpns[0].remote_identifier == "vpn.example.com"
    assert prof.ca_certs[0].subject_cn == "ikedoctor test Root CA" and prof.ca_certs[0].is_ca
    assert any("profile signer" in s for s in prof.signer_subjects)


def test_profile_without_vpn_payload(write_profile):
    with pytest.raises(ConfigError, match="no IKEv2 VPN payload"):
        load_profile(write_profile({"PayloadType": "com.apple.wifi.managed"}))


def test_not_a_profile(tmp_path):
    p = tmp_path / "x.mobileconfig"
    p.write_bytes(b"\x30\x82garbage")
    with pytest.raises(ConfigError, match="not a configuration profile"):
        load_profile(p)
