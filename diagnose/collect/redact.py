"""Removing secrets from what ``collect`` gathers, keeping what diagnosis needs.

Secret values are replaced by ``<redacted:xxxxxxxx>`` (the first 8 hex digits of
their SHA-256), so two fields that hold the same secret still compare equal
without revealing it (mac-collect.md §4).  ``<private>`` from the unified log is
never touched: it is already a placeholder.
"""

from __future__ import annotations

import hashlib
import plistlib
import re
from typing import Any

#: profile keys whose values are secrets (case-insensitive), mac-collect.md §4-5
PROFILE_SECRET_KEYS = frozenset(k.lower() for k in (
    "SharedSecret", "Password", "AuthPassword", "XAuthPassword", "PPK", "PIN", "TokenCardPIN", "PrivateKey",
    "PassPhrase", "Passphrase"))
#: payload types whose PayloadContent is key material or certificates (kept as metadata only)
KEY_PAYLOAD_TYPES = frozenset({"com.apple.security.pkcs12", "com.apple.security.pkcs1", "com.apple.security.root",
                               "com.apple.security.pem", "com.apple.security.pkcs8"})
#: the IKEv2/IPSec payload keys worth summarising (mac-collect.md §5)
VPN_SUMMARY_KEYS = (
    "RemoteAddress", "RemoteIdentifier", "LocalIdentifier", "AuthenticationMethod", "CertificateType",
    "ExtendedAuthEnabled", "ServerCertificateIssuerCommonName", "ServerCertificateCommonName",
    "IKESecurityAssociationParameters", "ChildSecurityAssociationParameters", "EnablePFS",
    "DeadPeerDetectionRate", "DisableMOBIKE", "DisableRedirect", "UseConfigurationAttributeInternalIPSubnet",
    "EnableCertificateRevocationCheck", "MTU", "XAuthEnabled", "XAuthPasswordEncryption", "LocalIdentifierType",
    "PPKMandatory", "IncludeAllNetworks", "OnDemandEnabled", "EnableFallback", "AuthName", "XAuthName")


def fingerprint(value: Any) -> str:
    raw = value if isinstance(value, bytes) else str(value).encode("utf-8", "replace")
    return f"<redacted:{hashlib.sha256(raw).hexdigest()[:8]}>"


# --------------------------------------------------------------------------- plists


def redact_plist_obj(obj: Any) -> Any:
    """Walk a plist object; replace secret values and key-material payload contents."""
    if isinstance(obj, dict):
        out: dict[str, Any] = {}
        key_payload = str(obj.get("PayloadType", "")) in KEY_PAYLOAD_TYPES
        for k, v in obj.items():
            if k.lower() in PROFILE_SECRET_KEYS and not isinstance(v, (dict, list)):
                out[k] = fingerprint(v)
            elif key_payload and k in ("PayloadContent", "Password"):
                out[k] = fingerprint(v)
            else:
                out[k] = redact_plist_obj(v)
        return out
    if isinstance(obj, list):
        return [redact_plist_obj(v) for v in obj]
    return obj


_XML_SECRET = re.compile(
    r"(<key>\s*(?:" + "|".join(sorted(PROFILE_SECRET_KEYS)) + r"|PayloadContent)\s*</key>\s*)"
    r"<(string|data)>(.*?)</\2>", re.IGNORECASE | re.DOTALL)


def redact_plist_bytes(data: bytes) -> tuple[bytes, Any]:
    """XML (or binary) plist -> redacted XML plist, and the redacted object (None if unparsable).

    When the plist does not parse (a truncated ``profiles`` output), a regex pass
    still removes ``<key>Secret</key><string>…</string>`` pairs; it redacts every
    ``PayloadContent`` string/data in that case, erring on the side of privacy.
    """
    try:
        obj = plistlib.loads(data)
    except Exception:  # plistlib raises several types on bad input
        text = data.decode("utf-8", "replace")
        return _XML_SECRET.sub(lambda m: f"{m.group(1)}<string>{fingerprint(m.group(3))}</string>", text).encode(), None
    red = redact_plist_obj(obj)
    return plistlib.dumps(red, fmt=plistlib.FMT_XML, sort_keys=False), red


def vpn_summary(obj: Any) -> list[dict[str, Any]]:
    """The VPN payloads of a (redacted) profiles plist, reduced to the keys a diagnosis uses."""
    found: list[dict[str, Any]] = []

    def walk(o: Any) -> None:
        if isinstance(o, dict):
            if str(o.get("PayloadType", "")).startswith("com.apple.vpn.managed"):
                entry: dict[str, Any] = {k: o[k] for k in ("UserDefinedName", "VPNType", "VPNSubType",
                                                            "PayloadIdentifier", "PayloadUUID") if k in o}
                for sub in ("IKEv2", "IPSec", "PPP"):
                    d = o.get(sub)
                    if isinstance(d, dict):
                        entry[sub] = {k: _jsonable(d[k]) for k in VPN_SUMMARY_KEYS if k in d}
                found.append(entry)
            for v in o.values():
                walk(v)
        elif isinstance(o, list):
            for v in o:
                walk(v)

    walk(obj)
    return found


def _jsonable(v: Any) -> Any:
    if isinstance(v, bytes):
        return fingerprint(v)
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_jsonable(x) for x in v]
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v


# --------------------------------------------------------------------------- text configs

#: racoon.conf: shared_secret use/key "<secret>"; keychain names stay (Apple cftoken.l)
_RACOON_SECRET = re.compile(r'(shared_secret\s+(?:use|key)\s+)"([^"]*)"', re.IGNORECASE)


def redact_racoon_conf(text: str) -> str:
    return _RACOON_SECRET.sub(lambda m: f'{m.group(1)}"{fingerprint(m.group(2))}"', text)


#: scutil --nc show / scutil dictionaries: "SharedSecret : value"
_SCUTIL_SECRET = re.compile(r"^(\s*(?:" + "|".join(sorted(PROFILE_SECRET_KEYS)) + r")\s*:\s*)(.+)$",
                            re.IGNORECASE | re.MULTILINE)


def redact_scutil(text: str) -> str:
    return _SCUTIL_SECRET.sub(lambda m: m.group(1) + fingerprint(m.group(2).strip()), text)


#: swanctl.conf sections whose secret/file values are credentials
_SWANCTL_SECRET_SECTIONS = re.compile(r"^(?:eap|xauth|ike|ppk|private|rsa|ecdsa|pkcs8|pkcs12|token)(?:[-_].*)?$",
                                      re.IGNORECASE)
_SWANCTL_SECRET_KEYS = frozenset({"secret", "pin", "file", "handle"})


def redact_swanctl_conf(text: str) -> str:
    """Redact ``secret = …`` (and key-file data) inside ``secrets { }`` credential sections.

    A small brace tracker is enough: swanctl.conf is ``name { … }`` blocks with
    ``key = value`` lines (strongSwan's settings syntax).  Outside ``secrets``
    nothing is changed, so proposals, ids and cert names stay readable.
    """
    out: list[str] = []
    stack: list[str] = []
    for line in text.splitlines(keepends=True):
        stripped = line.split("#", 1)[0].strip()
        opened = re.match(r"^([\w.\-]+)\s*\{\s*$", stripped)
        if opened:
            stack.append(opened.group(1))
            out.append(line)
            continue
        if stripped == "}":
            if stack:
                stack.pop()
            out.append(line)
            continue
        kv = re.match(r"^(\s*)([\w\-]+)(\s*=\s*)(.*?)(\s*)$", line.rstrip("\r\n"))
        in_secrets = "secrets" in stack
        section = stack[-1] if stack else ""
        if kv and kv.group(4) and (
                (in_secrets and _SWANCTL_SECRET_SECTIONS.match(section) and kv.group(2).lower() in _SWANCTL_SECRET_KEYS)
                or kv.group(2).lower() == "secret"):
            value = kv.group(4)
            if kv.group(2).lower() in ("file", "handle"):
                red = f"{value}  # file name kept, contents not collected"
                out.append(f"{kv.group(1)}{kv.group(2)}{kv.group(3)}{red}\n")
            else:
                out.append(f"{kv.group(1)}{kv.group(2)}{kv.group(3)}{fingerprint(value.strip(chr(34)))}\n")
            continue
        out.append(line)
    return "".join(out)
