"""Apple configuration profiles (``.mobileconfig``): the IKEv2 VPN payload.

A profile decides what an iPhone/Mac proposes and checks (its own
``IKESecurityAssociationParameters`` instead of the built-in proposal list,
``ServerCertificateIssuerCommonName`` that makes it send CERTREQ, the
``RemoteIdentifier`` the server certificate must carry).  Profiles come plain
(XML or binary plist) or CMS-signed; for signed ones the plist is cut out of
the SignedData (``cryptography`` reads only the signer certificates of a
PKCS#7, not its content).  Also accepts ``profiles show -output stdout-xml``
dumps, by walking every dictionary for VPN payloads.

Secrets (``SharedSecret``, ``AuthPassword``, ``Password``, ``PPK``, PKCS#12
content) are never stored: only whether they are present.
"""

from __future__ import annotations

import plistlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509

from . import ConfigError
from .certs import CertInfo, describe

SECRET_KEYS = {"SharedSecret", "AuthPassword", "Password", "PPK", "XAuthPassword"}
CA_PAYLOADS = {"com.apple.security.root", "com.apple.security.pem", "com.apple.security.pkcs1"}


@dataclass(slots=True)
class SAParams:
    """``IKESecurityAssociationParameters`` / ``ChildSecurityAssociationParameters``."""

    encryption: str | None = None
    integrity: str | None = None
    dh_group: int | None = None
    lifetime_minutes: int | None = None


@dataclass(slots=True)
class VpnPayload:
    """One ``com.apple.vpn.managed`` payload of type IKEv2."""

    path: str
    name: str
    remote_address: str | None = None
    remote_identifier: str | None = None
    local_identifier: str | None = None
    authentication_method: str | None = None
    extended_auth_enabled: bool = False
    server_cert_issuer_cn: str | None = None
    server_cert_cn: str | None = None
    certificate_type: str | None = None
    ike: SAParams | None = None
    child: SAParams | None = None
    enable_pfs: bool = False
    dpd_rate: str | None = None
    disable_mobike: bool = False
    on_demand: bool = False
    secrets_present: list[str] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)  # key -> line in the XML, when known

    def line_of(self, key: str) -> int:
        return self.lines.get(key, 0)

    @property
    def uses_certificate_server_auth(self) -> bool:
        """The server always authenticates with a certificate unless the profile uses a PSK."""
        return (self.authentication_method or "") != "SharedSecret"


@dataclass(slots=True)
class Profile:
    path: str
    signed: bool
    vpns: list[VpnPayload] = field(default_factory=list)
    ca_certs: list[CertInfo] = field(default_factory=list)
    signer_subjects: list[str] = field(default_factory=list)


def _extract_plist(data: bytes, path: Path) -> tuple[bytes, bool, list[str]]:
    """The plist bytes, whether it was CMS-signed, and the signer subjects."""
    head = data.lstrip()[:64]
    if head.startswith((b"<?xml", b"<plist", b"<!DOCTYPE", b"bplist")):
        return data, False, []
    signers: list[str] = []
    try:
        from cryptography.hazmat.primitives.serialization import pkcs7

        signers = [c.subject.rfc4514_string() for c in pkcs7.load_der_pkcs7_certificates(data)]
    except Exception:  # not DER PKCS#7, or no certificates in it
        pass
    start = data.find(b"<?xml")
    if start < 0:
        start = data.find(b"<plist")
    end = data.find(b"</plist>", max(start, 0))
    if start >= 0 and end > start:
        return data[start:end + len(b"</plist>")], True, signers
    bstart = data.find(b"bplist00")
    if bstart >= 0:
        return data[bstart:], True, signers
    raise ConfigError(path, "not a configuration profile (no plist found, signed or not)",
                      "pass the .mobileconfig file as exported")


def _sa(d: Any) -> SAParams | None:
    if not isinstance(d, dict):
        return None
    dh = d.get("DiffieHellmanGroup")
    life = d.get("LifeTimeInMinutes")
    return SAParams(
        encryption=d.get("EncryptionAlgorithm"), integrity=d.get("IntegrityAlgorithm"),
        dh_group=int(dh) if dh is not None else None, lifetime_minutes=int(life) if life is not None else None,
    )


def _key_lines(text: str, start: int, keys: list[str]) -> dict[str, int]:
    """Line numbers of ``<key>K</key>`` found after character offset ``start``."""
    out: dict[str, int] = {}
    for k in keys:
        m = re.compile(rf"<key>\s*{re.escape(k)}\s*</key>").search(text, start)
        if m:
            out[k] = text.count("\n", 0, m.start()) + 1
    return out


def _walk(obj: Any):
    if isinstance(obj, dict):
        yield obj
        for v in obj.values():
            yield from _walk(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _walk(v)


_LINE_KEYS = ["RemoteAddress", "RemoteIdentifier", "LocalIdentifier", "AuthenticationMethod",
              "ExtendedAuthEnabled", "ServerCertificateIssuerCommonName", "ServerCertificateCommonName",
              "IKESecurityAssociationParameters", "ChildSecurityAssociationParameters", "EnablePFS",
              "DeadPeerDetectionRate", "DisableMOBIKE", "CertificateType", "IKEv2"]


def _vpn(d: dict[str, Any], path: str, text: str, pos: int) -> VpnPayload:
    ike = d.get("IKEv2") or {}
    name = str(d.get("UserDefinedName") or d.get("PayloadDisplayName") or d.get("PayloadIdentifier") or "VPN")
    lines = _key_lines(text, pos, _LINE_KEYS) if text else {}
    return VpnPayload(
        path=path, name=name,
        remote_address=ike.get("RemoteAddress"), remote_identifier=ike.get("RemoteIdentifier"),
        local_identifier=ike.get("LocalIdentifier"), authentication_method=ike.get("AuthenticationMethod"),
        extended_auth_enabled=bool(ike.get("ExtendedAuthEnabled", 0)),
        server_cert_issuer_cn=ike.get("ServerCertificateIssuerCommonName"),
        server_cert_cn=ike.get("ServerCertificateCommonName"),
        certificate_type=ike.get("CertificateType"),
        ike=_sa(ike.get("IKESecurityAssociationParameters")),
        child=_sa(ike.get("ChildSecurityAssociationParameters")),
        enable_pfs=bool(ike.get("EnablePFS", 0)),
        dpd_rate=ike.get("DeadPeerDetectionRate"),
        disable_mobike=bool(ike.get("DisableMOBIKE", 0)),
        on_demand=bool(ike.get("OnDemandEnabled", 0)),
        secrets_present=sorted(k for k in ike if k in SECRET_KEYS),
        lines=lines,
    )


def _ca_certs(d: dict[str, Any], path: str, index: int) -> list[CertInfo]:
    content = d.get("PayloadContent")
    if not isinstance(content, (bytes, bytearray)):
        return []
    data = bytes(content)
    try:
        certs = x509.load_pem_x509_certificates(data) if b"-----BEGIN" in data else [x509.load_der_x509_certificate(data)]
    except ValueError:
        return []
    return [describe(c, f"{path}#{d.get('PayloadDisplayName') or d.get('PayloadType')}", index + i)
            for i, c in enumerate(certs)]


def load_profile(path: Path | str) -> Profile:
    """Read a ``.mobileconfig`` (plain or signed) or a ``profiles show`` XML dump."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(path, f"cannot read: {exc.strerror or exc}", "pass a readable .mobileconfig") from None
    raw, signed, signers = _extract_plist(data, path)
    try:
        plist = plistlib.loads(raw)
    except Exception as exc:
        raise ConfigError(path, f"unreadable plist: {exc}", "re-export the profile") from None
    text = raw.decode("utf-8", "replace") if not raw.startswith(b"bplist") else ""
    prof = Profile(path=str(path), signed=signed, signer_subjects=signers)
    vpn_seen = 0
    for d in _walk(plist):
        ptype = d.get("PayloadType")
        if ptype == "com.apple.vpn.managed" or (isinstance(d.get("IKEv2"), dict) and "VPNType" in d):
            if d.get("VPNType", "IKEv2") != "IKEv2" and not isinstance(d.get("IKEv2"), dict):
                continue
            # position of this payload's IKEv2 dict in the XML, for line numbers
            pos = _nth(text, "<key>IKEv2</key>", vpn_seen)
            vpn_seen += 1
            prof.vpns.append(_vpn(d, str(path), text, pos))
        elif ptype in CA_PAYLOADS:
            prof.ca_certs.extend(_ca_certs(d, str(path), len(prof.ca_certs)))
    if not prof.vpns:
        raise ConfigError(path, "no IKEv2 VPN payload (com.apple.vpn.managed) in this profile",
                          "pass the profile that configures the VPN")
    return prof


def _nth(text: str, needle: str, n: int) -> int:
    pos = -1
    for _ in range(n + 1):
        pos = text.find(needle, pos + 1)
        if pos < 0:
            return 0
    return max(pos, 0)
