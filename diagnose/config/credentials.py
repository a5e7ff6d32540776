"""The gateway's credential folders next to its swanctl.conf: which certificates, keys and CAs exist.

swanctl loads credentials from fixed folders beside swanctl.conf (``x509/``, ``x509ca/``,
``private/``, ``rsa/``, ``ecdsa/``, ``pkcs8/``).  When ``check`` is given a swanctl.conf that
sits in such a layout (``/etc/swanctl/swanctl.conf``), it can tell whether the private key of the
gateway certificate is there and whether any CA for client certificates is loaded.  Keys are read
only to compare their public half with the certificate's; nothing of them is kept or printed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import (Encoding, PublicFormat, load_der_private_key,
                                                          load_pem_private_key)

CERT_DIRS = ("x509",)
CA_DIRS = ("x509ca",)
KEY_DIRS = ("private", "rsa", "ecdsa", "pkcs8")


@dataclass(slots=True)
class KeyScan:
    """What the key folders hold: public keys (SubjectPublicKeyInfo DER) of the readable keys."""

    public_keys: set[bytes] = field(default_factory=set)
    unreadable: list[str] = field(default_factory=list)  # encrypted or not a key: cannot compare


def swanctl_dir(conf_path: str | None) -> Path | None:
    """The folder of a swanctl.conf when it has swanctl's credential layout, else None."""
    if not conf_path:
        return None
    d = Path(conf_path).resolve().parent
    if any((d / sub).is_dir() for sub in (*CERT_DIRS, *CA_DIRS, *KEY_DIRS)):
        return d
    return None


def _files(d: Path, subs: tuple[str, ...]) -> list[Path]:
    return sorted(f for s in subs if (d / s).is_dir() for f in (d / s).iterdir() if f.is_file())


def load_cert(path: Path) -> x509.Certificate | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    for loader in (x509.load_pem_x509_certificate, x509.load_der_x509_certificate):
        try:
            return loader(data)
        except ValueError:
            continue
    return None


def spki(cert: x509.Certificate) -> bytes:
    return cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def scan_keys(d: Path) -> KeyScan:
    """Public halves of the private keys in the key folders (unencrypted PEM/DER only)."""
    scan = KeyScan()
    for f in _files(d, KEY_DIRS):
        data = f.read_bytes()
        key = None
        for loader in (load_pem_private_key, load_der_private_key):
            try:
                key = loader(data, password=None)
                break
            except (ValueError, TypeError):
                continue
        if key is None:
            scan.unreadable.append(str(f))
            continue
        scan.public_keys.add(key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo))
        del key
    return scan


def find_cert(d: Path, name: str) -> Path | None:
    """A ``certs``/``cacerts`` value as swanctl resolves it: absolute, or relative to its folder."""
    p = Path(name)
    if p.is_absolute():
        return p if p.is_file() else None
    for sub in (*CERT_DIRS, *CA_DIRS):
        if (d / sub / name).is_file():
            return d / sub / name
    return None


def ca_files(d: Path) -> list[Path]:
    return _files(d, CA_DIRS)
