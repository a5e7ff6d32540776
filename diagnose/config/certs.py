"""X.509 certificates and PKCS#12 bundles, reduced to what Apple clients check.

Apple clients reject a gateway certificate for reasons strongSwan does not
care about (no subjectAltName for the identity, no serverAuth EKU), so this
module extracts exactly those facts with ``cryptography``.  Private keys in a
PEM file or a PKCS#12 bundle are never kept or printed: only certificates are
returned.  A PKCS#12 password is asked for only when the bundle is encrypted.
"""

from __future__ import annotations

import fnmatch
import hashlib
import ipaddress
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.serialization import Encoding, pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from . import ConfigError

OID_IKE_INTERMEDIATE = "1.3.6.1.5.5.8.2.2"
EKU_NAMES = {
    ExtendedKeyUsageOID.SERVER_AUTH.dotted_string: "serverAuth",
    ExtendedKeyUsageOID.CLIENT_AUTH.dotted_string: "clientAuth",
    OID_IKE_INTERMEDIATE: "ikeIntermediate",
    "1.3.6.1.5.5.7.3.17": "ipsecIKE",
    ExtendedKeyUsageOID.OCSP_SIGNING.dotted_string: "ocspSigning",
}
PASSWORD_ENV = "IKEDOCTOR_P12_PASSWORD"

PasswordPrompt = Callable[[str], "str | None"]


@dataclass(slots=True)
class CertInfo:
    """The facts about one certificate that the configuration rules use."""

    path: str
    index: int
    subject: str
    subject_cn: str | None
    issuer: str
    issuer_cn: str | None
    san_dns: list[str] = field(default_factory=list)
    san_ip: list[str] = field(default_factory=list)
    san_email: list[str] = field(default_factory=list)
    san_uri: list[str] = field(default_factory=list)
    has_eku_extension: bool = False
    ekus: list[str] = field(default_factory=list)  # names, or dotted OIDs when unnamed
    is_ca: bool = False
    key_type: str = ""
    key_bits: int = 0
    not_before: datetime | None = None
    not_after: datetime | None = None
    sha256: str = ""
    self_signed: bool = False
    cert: x509.Certificate | None = field(default=None, repr=False, compare=False)

    @property
    def has_san(self) -> bool:
        return bool(self.san_dns or self.san_ip or self.san_email or self.san_uri)

    @property
    def label(self) -> str:
        return f"{self.path}" + (f"[{self.index}]" if self.index else "")

    def summary(self) -> dict[str, object]:
        """JSON-safe metadata (no key material)."""
        return {
            "path": self.path, "index": self.index, "subject": self.subject, "issuer": self.issuer,
            "san_dns": self.san_dns, "san_ip": self.san_ip, "san_email": self.san_email,
            "ekus": self.ekus, "is_ca": self.is_ca, "key": f"{self.key_type}-{self.key_bits}",
            "not_before": self.not_before.isoformat() if self.not_before else None,
            "not_after": self.not_after.isoformat() if self.not_after else None,
            "sha256": self.sha256,
        }

    def expired(self, now: datetime | None = None) -> bool:
        now = now or datetime.now(timezone.utc)
        return bool(self.not_after and now > self.not_after) or bool(self.not_before and now < self.not_before)

    def issued(self, child: "CertInfo") -> bool:
        """True if ``child`` carries a valid signature by this certificate's key."""
        if self.cert is None or child.cert is None:
            return False
        try:
            child.cert.verify_directly_issued_by(self.cert)
            return True
        except Exception:  # InvalidSignature, ValueError (issuer mismatch), TypeError (key type)
            return False


def _dn(name: x509.Name) -> str:
    """A DN as strongSwan prints it (``C=CH, O=x, CN=y``: ASN.1 order, not RFC 4514's reversed one)."""
    return ", ".join(rdn.rfc4514_string() for rdn in name.rdns)


def _cn(name: x509.Name) -> str | None:
    attrs = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(attrs[-1].value) if attrs else None


def _utc(cert: x509.Certificate, attr: str) -> datetime:
    """``not_valid_*_utc`` (cryptography >= 42) or the naive UTC value of older releases."""
    aware = getattr(cert, attr + "_utc", None)
    return aware if aware is not None else getattr(cert, attr).replace(tzinfo=timezone.utc)


def _key(cert: x509.Certificate) -> tuple[str, int]:
    k = cert.public_key()
    if isinstance(k, rsa.RSAPublicKey):
        return "RSA", k.key_size
    if isinstance(k, ec.EllipticCurvePublicKey):
        return "ECDSA", k.curve.key_size
    if isinstance(k, ed25519.Ed25519PublicKey):
        return "Ed25519", 256
    if isinstance(k, ed448.Ed448PublicKey):
        return "Ed448", 456
    if isinstance(k, dsa.DSAPublicKey):
        return "DSA", k.key_size
    return type(k).__name__, 0


def describe(cert: x509.Certificate, path: str, index: int = 0) -> CertInfo:
    """Extract the rule-relevant facts from one ``cryptography`` certificate."""
    info = CertInfo(
        path=path, index=index,
        subject=_dn(cert.subject), subject_cn=_cn(cert.subject),
        issuer=_dn(cert.issuer), issuer_cn=_cn(cert.issuer),
        not_before=_utc(cert, "not_valid_before"), not_after=_utc(cert, "not_valid_after"),
        sha256=hashlib.sha256(cert.public_bytes(Encoding.DER)).hexdigest(),
        self_signed=cert.subject == cert.issuer, cert=cert,
    )
    info.key_type, info.key_bits = _key(cert)
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        info.san_dns = [str(v) for v in san.get_values_for_type(x509.DNSName)]
        info.san_ip = [str(v) for v in san.get_values_for_type(x509.IPAddress)]
        info.san_email = [str(v) for v in san.get_values_for_type(x509.RFC822Name)]
        info.san_uri = [str(v) for v in san.get_values_for_type(x509.UniformResourceIdentifier)]
    except x509.ExtensionNotFound:
        pass
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        info.has_eku_extension = True
        info.ekus = [EKU_NAMES.get(o.dotted_string, o.dotted_string) for o in eku]
    except x509.ExtensionNotFound:
        pass
    try:
        info.is_ca = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        info.is_ca = False
    return info


def _load_p12(data: bytes, path: Path, password: str | None, ask: PasswordPrompt | None) -> list[x509.Certificate]:
    tried: list[str | None] = [None]
    if password is not None:
        tried.append(password)
    env = os.environ.get(PASSWORD_ENV)
    if env is not None:
        tried.append(env)
    for pw in tried:
        try:
            return _p12_certs(data, pw)
        except ValueError:
            continue
    if ask is not None:  # only now, when the bundle is known to need one
        pw = ask(str(path))
        if pw is not None:
            try:
                return _p12_certs(data, pw)
            except ValueError:
                raise ConfigError(path, "wrong PKCS#12 password", "check the password") from None
    raise ConfigError(path, "PKCS#12 bundle is encrypted", f"set {PASSWORD_ENV} or run interactively to be asked")


def _p12_certs(data: bytes, pw: str | None) -> list[x509.Certificate]:
    key, cert, extra = pkcs12.load_key_and_certificates(data, pw.encode() if pw is not None else None)
    del key  # never kept: only the certificates matter here
    return ([cert] if cert else []) + list(extra or [])


def load_certificates(path: Path | str, password: str | None = None,
                      ask_password: PasswordPrompt | None = None) -> list[CertInfo]:
    """Certificates from a PEM (one or many), DER or PKCS#12 file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(path, f"cannot read: {exc.strerror or exc}", "pass a readable certificate file") from None
    certs: list[x509.Certificate]
    if b"-----BEGIN" in data:
        if b"-----BEGIN CERTIFICATE-----" not in data:
            raise ConfigError(path, "no certificate in this PEM file (a key or request?)",
                              "pass the certificate, not the private key")
        try:
            certs = x509.load_pem_x509_certificates(data)
        except ValueError as exc:
            raise ConfigError(path, f"unreadable PEM certificate: {exc}", "re-export the certificate") from None
    else:
        try:
            certs = [x509.load_der_x509_certificate(data)]
        except ValueError:
            certs = _load_p12(data, path, password, ask_password)
    if not certs:
        raise ConfigError(path, "no certificate found", "pass a PEM, DER or PKCS#12 certificate file")
    try:
        return [describe(c, str(path), i) for i, c in enumerate(certs)]
    except ValueError as exc:  # cryptography parses extensions lazily
        raise ConfigError(path, f"certificate with a malformed extension: {exc}", "reissue the certificate") from None


def identity_kind(identity: str) -> str:
    """How strongSwan types an identity string: ip, email, dn, fqdn (or keyid)."""
    ident = identity.strip().lstrip("@")
    for prefix in ("fqdn:", "email:", "rfc822:", "ipv4:", "ipv6:", "asn1dn:", "keyid:"):
        if identity.lower().startswith(prefix):
            return {"rfc822": "email", "ipv4": "ip", "ipv6": "ip", "asn1dn": "dn"}.get(prefix[:-1], prefix[:-1])
    try:
        ipaddress.ip_address(ident)
        return "ip"
    except ValueError:
        pass
    if "=" in ident:
        return "dn"
    if "@" in ident:
        return "email"
    return "fqdn"


def _bare(identity: str) -> str:
    ident = identity.strip()
    if ":" in ident and ident.split(":", 1)[0].lower() in ("fqdn", "email", "rfc822", "ipv4", "ipv6", "asn1dn", "keyid"):
        ident = ident.split(":", 1)[1]
    return ident.lstrip("@")


def san_matches(cert: CertInfo, identity: str) -> bool:
    """Does a subjectAltName of the right type carry ``identity``? (what iOS 13+/macOS 10.15+ require)."""
    kind, ident = identity_kind(identity), _bare(identity)
    if kind == "ip":
        return any(ipaddress.ip_address(ident) == ipaddress.ip_address(v) for v in cert.san_ip) or ident in cert.san_dns
    if kind == "email":
        return ident.lower() in (e.lower() for e in cert.san_email)
    if kind == "dn":
        return False
    return any(fnmatch.fnmatchcase(ident.lower(), d.lower()) if d.startswith("*.") else ident.lower() == d.lower()
               for d in cert.san_dns)


def cert_contains_identity(cert: CertInfo, identity: str) -> bool:
    """strongSwan's own check: the identity is the subject DN or one of the SANs."""
    if identity_kind(identity) == "dn":
        want = _normalise_dn(_bare(identity))
        return want in (_normalise_dn(cert.subject), _normalise_dn(_reverse_dn(cert.subject)))
    return san_matches(cert, identity)


def _normalise_dn(dn: str) -> str:
    parts = [p.strip() for p in dn.replace(";", ",").split(",") if p.strip()]
    return ",".join(p.replace(" = ", "=").lower() for p in parts)


def _reverse_dn(dn: str) -> str:
    """RFC 4514 strings list the RDNs last-first; strongSwan prints them first-first."""
    return ",".join(reversed([p.strip() for p in dn.split(",")]))
