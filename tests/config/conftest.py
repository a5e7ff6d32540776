"""Shared helpers: certificates made with ``cryptography`` and Apple profiles made with plistlib."""

from __future__ import annotations

import datetime as dt
import ipaddress
import plistlib
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "config"
SS_TESTING = FIXTURES / "strongswan-testing"
IKE_INTERMEDIATE = x509.ObjectIdentifier("1.3.6.1.5.5.8.2.2")


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CH"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ikedoctor test"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


class CA:
    """A throw-away CA that issues gateway certificates."""

    def __init__(self, cn: str = "ikedoctor test Root CA") -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.timezone.utc)
        self.cert = (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(_name(cn))
                     .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
                     .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=3650))
                     .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                     .sign(self.key, hashes.SHA256()))

    def issue(self, cn: str, sans: list[str] = (), ekus: list[x509.ObjectIdentifier] | None = None):
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.timezone.utc)
        b = (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(self.cert.subject)
             .public_key(key.public_key()).serial_number(x509.random_serial_number())
             .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=365))
             .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True))
        if sans:
            names: list[x509.GeneralName] = []
            for s in sans:
                try:
                    names.append(x509.IPAddress(ipaddress.ip_address(s)))
                except ValueError:
                    names.append(x509.RFC822Name(s) if "@" in s else x509.DNSName(s))
            b = b.add_extension(x509.SubjectAlternativeName(names), critical=False)
        if ekus is not None:
            b = b.add_extension(x509.ExtendedKeyUsage(ekus), critical=False)
        return b.sign(self.key, hashes.SHA256()), key


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


SERVER_AUTH = [ExtendedKeyUsageOID.SERVER_AUTH, IKE_INTERMEDIATE]


@pytest.fixture(scope="session")
def ca() -> CA:
    return CA()


@pytest.fixture
def write_cert(tmp_path, ca):
    """write_cert(name, cn, sans, ekus) -> path of a PEM gateway certificate."""

    def make(name: str = "server.crt", cn: str = "vpn.example.com", sans=("vpn.example.com",),
             ekus=tuple(SERVER_AUTH)) -> Path:
        cert, _ = ca.issue(cn, list(sans), list(ekus) if ekus is not None else None)
        p = tmp_path / name
        p.write_bytes(pem(cert))
        return p

    return make


def vpn_payload(**ikev2) -> dict:
    base = {"RemoteAddress": "vpn.example.com", "RemoteIdentifier": "vpn.example.com",
            "LocalIdentifier": "alice", "AuthenticationMethod": "None", "ExtendedAuthEnabled": 1,
            "AuthName": "alice", "AuthPassword": "s3cret-password"}
    base.update(ikev2)
    base = {k: v for k, v in base.items() if v is not None}
    return {"PayloadType": "com.apple.vpn.managed", "PayloadIdentifier": "com.example.vpn",
            "PayloadUUID": "9C2E7C0A-0000-4000-8000-000000000001", "PayloadVersion": 1,
            "UserDefinedName": "Example VPN", "VPNType": "IKEv2", "IKEv2": base}


def profile_dict(*payloads: dict) -> dict:
    return {"PayloadType": "Configuration", "PayloadVersion": 1, "PayloadIdentifier": "com.example.profile",
            "PayloadUUID": "9C2E7C0A-0000-4000-8000-000000000000", "PayloadDisplayName": "Example",
            "PayloadContent": list(payloads)}


def ca_payload(cert: x509.Certificate) -> dict:
    return {"PayloadType": "com.apple.security.root", "PayloadIdentifier": "com.example.ca",
            "PayloadUUID": "9C2E7C0A-0000-4000-8000-000000000002", "PayloadVersion": 1,
            "PayloadDisplayName": "Example CA", "PayloadContent": cert.public_bytes(serialization.Encoding.DER)}


@pytest.fixture
def write_profile(tmp_path):
    def make(*payloads: dict, name: str = "vpn.mobileconfig", fmt=plistlib.FMT_XML) -> Path:
        p = tmp_path / name
        p.write_bytes(plistlib.dumps(profile_dict(*payloads), fmt=fmt))
        return p

    return make


HAVE_PKI = shutil.which("pki") is not None


def pki(*args: str, stdin: bytes | None = None) -> bytes:
    proc = subprocess.run(["pki", *args], input=stdin, capture_output=True, check=True)
    return proc.stdout


def copy_fixture(name: str, tmp_path: Path) -> Path:
    """A writable copy of a strongSwan testing config (so a test can apply a fix to it)."""
    dst = tmp_path / name
    dst.write_text((SS_TESTING / name).read_text())
    return dst
