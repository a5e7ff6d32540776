"""The lab's test PKI, made at run time with strongSwan's own ``pki`` tool.

Nothing here is checked in: every run creates fresh keys and certificates in a temporary directory.
Two CAs exist so that a client can be given a server certificate whose issuer it does not trust.
"""
from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

CA_DN = "C=CH, O=ikedoctor lab, CN=ikedoctor lab Root CA"
OTHER_CA_DN = "C=CH, O=untrusted lab, CN=untrusted lab Root CA"
SERVER_NAME = "vpn.example.com"
SERVER_DN = f"C=CH, O=ikedoctor lab, CN={SERVER_NAME}"
CLIENT_ID = "alice@example.com"
CLIENT_DN = f"C=CH, O=ikedoctor lab, CN={CLIENT_ID}"


@dataclass(frozen=True)
class Cert:
    """One certificate: where its PEM file and its private key are."""

    cert: Path
    key: Path


def _pki(*args: str, stdin: bytes | None = None) -> bytes:
    proc = subprocess.run(["pki", *args], input=stdin, capture_output=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"pki {' '.join(args)} failed: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout


def _key(path: Path) -> Path:
    path.write_bytes(_pki("--gen", "--type", "rsa", "--size", "2048", "--outform", "pem"))
    return path


def _self_signed_ca(directory: Path, name: str, dn: str) -> Cert:
    key = _key(directory / f"{name}.key")
    cert = directory / f"{name}.crt"
    cert.write_bytes(_pki("--self", "--ca", "--lifetime", "3650", "--in", str(key), "--type", "rsa",
                          "--dn", dn, "--outform", "pem"))
    return Cert(cert, key)


def _issue(directory: Path, name: str, ca: Cert, dn: str, sans: list[str], flags: list[str]) -> Cert:
    key = _key(directory / f"{name}.key")
    pub = _pki("--pub", "--in", str(key), "--type", "rsa")
    args = ["--issue", "--lifetime", "1825", "--cacert", str(ca.cert), "--cakey", str(ca.key),
            "--type", "pub", "--dn", dn, "--outform", "pem"]
    for san in sans:
        args += ["--san", san]
    for flag in flags:
        args += ["--flag", flag]
    cert = directory / f"{name}.crt"
    cert.write_bytes(_pki(*args, stdin=pub))
    return Cert(cert, key)


@dataclass(frozen=True)
class LabPKI:
    """All certificates the scenarios refer to by name (see ``files``)."""

    ca: Cert
    other_ca: Cert
    server: Cert                 # SAN vpn.example.com, serverAuth + ikeIntermediate (healthy)
    server_no_san: Cert          # CN=vpn.example.com only, no subjectAltName
    server_no_eku: Cert          # SAN vpn.example.com, no serverAuth EKU
    server_other_ca: Cert        # like ``server`` but issued by the untrusted CA
    client: Cert                 # SAN alice@example.com, clientAuth
    client_other_ca: Cert        # like ``client`` but issued by the untrusted CA (gateway lacks it)

    def files(self) -> dict[str, Cert]:
        """Names usable in a scenario's ``certs``/``cacerts`` lists."""
        return {
            "ca": self.ca, "other-ca": self.other_ca, "server": self.server,
            "server-no-san": self.server_no_san, "server-no-eku": self.server_no_eku,
            "server-other-ca": self.server_other_ca, "client": self.client,
            "client-other-ca": self.client_other_ca,
        }


def make_pki(directory: Path) -> LabPKI:
    """Create the CA, the server certificate variants and the client certificate in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    ca = _self_signed_ca(directory, "ca", CA_DN)
    other_ca = _self_signed_ca(directory, "other-ca", OTHER_CA_DN)
    server_flags = ["serverAuth", "ikeIntermediate"]
    return LabPKI(
        ca=ca,
        other_ca=other_ca,
        server=_issue(directory, "server", ca, SERVER_DN, [SERVER_NAME], server_flags),
        server_no_san=_issue(directory, "server-no-san", ca, SERVER_DN, [], server_flags),
        server_no_eku=_issue(directory, "server-no-eku", ca, SERVER_DN, [SERVER_NAME], []),
        server_other_ca=_issue(directory, "server-other-ca", other_ca, SERVER_DN, [SERVER_NAME], server_flags),
        client=_issue(directory, "client", ca, CLIENT_DN, [CLIENT_ID], ["clientAuth"]),
        client_other_ca=_issue(directory, "client-other-ca", other_ca, CLIENT_DN, [CLIENT_ID], ["clientAuth"]),
    )
