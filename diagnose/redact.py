"""Keep private data private when reports, timelines and bundles are shared.

Two layers:

* ``scrub_text``/``scrub_report`` remove *secrets* (key-material hex dumps,
  ``secret =``/``password:`` values, ipsec.secrets ``: PSK "…"`` lines, PEM
  bodies, plist secrets).  They run in every mode: a secret is never written.
* ``Redactor`` *pseudonymises* what identifies people and hosts when
  ``--redact`` is given: user names and EAP/XAuth identities, IKE identities,
  certificate subjects (per RDN value, so a CN still equals the host name it
  names), e-mail addresses, host names, and public IP addresses.

A pseudonym is ``HMAC-SHA256(key, value)``, cut short, in a shape that says
what it replaced (``user-1a2b3c4d``, ``host-5e6f7a8b.example``,
``240.18.3.7``, ``100::1a2b:3c4d:5e6f:7a8b``), so the same value gets the same
pseudonym everywhere in a run (sessions still pair, "the SAN does not match the
RemoteIdentifier" still reads true) and nothing about it can be recovered.  The
key is random per run unless ``--redact-key`` gives a passphrase, which makes
pseudonyms stable across runs (to compare a client and a server report made
separately).  Addresses that are not globally routable (private, CGNAT,
loopback, link-local, documentation, ULA) are kept: they identify nothing
outside the customer's network and are often the diagnosis (pools, traffic
selectors).  Connection and pool names from the configuration are kept.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import regex

from .report.model import Report

TIMEOUT = 0.5  # seconds per regex over one text; lines are at most 64 KiB

# --------------------------------------------------------------------------- secrets (every mode)

MASK = "[secret removed]"

#: ``   0: 1A 2B 3C ...  ..ascii..`` lines that follow ``… => N bytes @ 0x…`` in charon's raw logs
_HEXDUMP = regex.compile(r"((?:^|(?<=\s))\d+: )(?:[0-9A-Fa-f]{2} {1,2}){3,16}.*$")
_SECRET_KV = regex.compile(
    r"(?i)(\b(?:[\w-]*secret|password|passwd|passphrase|pass|psk|pin|private[ _-]?key|xauthpassword"
    r"|authpassword|sharedsecret)\b[\"']?\s*(?:[:=](?!>)|\bis\b)\s*)(\"[^\"]*\"|'[^']*'|\S+)")
_IPSEC_SECRETS = regex.compile(r"(?i)(:\s*(?:PSK|EAP|XAUTH|NTLM|PIN|P12|PKCS12|RSA|ECDSA|BLISS|PKCS8)\s+)"
                               r"(\"[^\"]*\"|'[^']*'|0x[0-9a-f]+|0s[A-Za-z0-9+/=]+|\S+)")
_PLIST_SECRET = regex.compile(r"(?i)(<key>\s*(?:\w*secret|\w*password|passphrase|pin|ppk|privatekey)\s*</key>\s*"
                              r"<(string|data)>)(.*?)(</\2>)")
_PEM_BODY = regex.compile(r"^[A-Za-z0-9+/]{40,}={0,2}$")


def scrub_text(text: str) -> str:
    """Remove secret values from one text (a log line, a config, a message); keep the rest."""
    if not text:
        return text
    try:
        if _HEXDUMP.search(text, timeout=TIMEOUT):
            return _HEXDUMP.sub(lambda m: m.group(1) + "[hex dump removed]", text, timeout=TIMEOUT)
        if _PEM_BODY.match(text.strip(), timeout=TIMEOUT):
            return MASK
        text = _SECRET_KV.sub(lambda m: m.group(1) + MASK, text, timeout=TIMEOUT)
        text = _IPSEC_SECRETS.sub(lambda m: m.group(1) + MASK, text, timeout=TIMEOUT)
        return _PLIST_SECRET.sub(lambda m: m.group(1) + MASK + m.group(4), text, timeout=TIMEOUT)
    except TimeoutError:
        return MASK  # cannot tell quickly what is in it: do not write it


def scrub_lines(text: str) -> str:
    """``scrub_text`` over every line of a multi-line text, line ends kept."""
    return "".join(scrub_text(line.rstrip("\r\n")) + line[len(line.rstrip("\r\n")):]
                   for line in text.splitlines(keepends=True))


def scrub_report(report: Report) -> Report:
    """A copy of the report with secrets removed from every text that came from a log."""
    out = dataclasses.replace(report)
    out.inputs = [dataclasses.replace(i, unparsed_examples=[{**e, "text": scrub_text(str(e.get("text", "")))}
                                                            for e in i.unparsed_examples])
                  for i in report.inputs]
    out.findings = [dataclasses.replace(f, evidence=[dataclasses.replace(e, text=scrub_text(e.text))
                                                     for e in f.evidence])
                    for f in report.findings]
    out.notable_lines = [dataclasses.replace(n, text=scrub_text(n.text)) for n in report.notable_lines]
    out.warnings = [scrub_text(w) for w in report.warnings]
    return out


# --------------------------------------------------------------------------- pseudonyms (--redact)

_IPV4 = regex.compile(r"(?<!\w)(?<!\w\.)(?:\d{1,3}\.){3}\d{1,3}(?!\.?\w)")
_IPV6 = regex.compile(r"(?<![\w:])(?<!\w\.)(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{0,4}|(?:\d{1,3}\.){3}\d{1,3})"
                      r"(?:%\w+)?(?![\w:])")
#: 'value' in charon messages is an identity unless the words before say it is a config/pool/plugin name
_QUOTED = regex.compile(r"(?<!(?:config|pool|plugin|file|section|CHILD_SA|child_sa|proposal|connection|"
                        r"policy|algorithm|method|job|profile) )'([^'\n]{1,256})'")
_BRACKET_ID = regex.compile(r"(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]*:[0-9A-Fa-f:.]+|%any6?)\[([^\]\n]{1,256})\]")
_DQ_DN = regex.compile(r"\"((?:[A-Za-z][\w.]*=[^\"\n]*?)(?:[,/+][^\"\n]*)?)\"")
_EMAIL = regex.compile(r"(?<![\w.+-])[\w.+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,24}(?![\w-])")
_SYSLOG_HOST = regex.compile(r"^(?:\w{3} [ \d]\d \d\d:\d\d:\d\d|\d{4}-\d\d-\d\d[T ][\d:.]+(?:Z|[+-]\d\d:?\d\d)?) "
                             r"([\w.-]{1,255}) (?=[\w./-]+(?:\[\d+\])?: )")
_TLDS = ("com net org edu gov mil int io co info biz me cloud app dev tech online site local lan corp home "
         "internal intranet example test invalid localhost vpn de ch at uk fr nl be it es se no dk fi pl cz "
         "ru cn jp kr au nz ca us br in za ie lu li eu").split()
_HOSTNAME = regex.compile(r"(?i)(?<![\w.@/-])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:" + "|".join(_TLDS)
                          + r")(?![\w-]|\.[a-z0-9])")
_DN_VALUE = regex.compile(r"(?:(?<=^)|(?<=[,/+]\s*))([A-Za-z][A-Za-z0-9.]*)=([^,/+]+)")
_SPECIAL_IDS = frozenset({"%any", "%any6", "(null)", "", "*", "%", "<private>", "myself"})
_KEEP_RDN = frozenset({"C"})


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value.split("%", 1)[0])
        return True
    except ValueError:
        return False


@dataclass
class Redactor:
    """Consistent, keyed pseudonyms for one run; see the module docstring for the design."""

    key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    _map: dict[str, str] = field(default_factory=dict)
    _taken: dict[str, str] = field(default_factory=dict)  # pseudonym -> original (collision check)
    _known: dict[str, str] = field(default_factory=dict)  # sensitive value -> shape
    _known_rx: Any = None

    @classmethod
    def from_passphrase(cls, passphrase: str | None) -> "Redactor":
        if not passphrase:
            return cls()
        return cls(key=hashlib.sha256(b"ikedoctor-redact/1\0" + passphrase.encode("utf-8")).digest())

    # -- pseudonyms ---------------------------------------------------------
    def _digest(self, shape: str, value: str, salt: int = 0) -> bytes:
        return hmac.new(self.key, f"{shape}\0{salt}\0{value}".encode("utf-8", "surrogatepass"),
                        hashlib.sha256).digest()

    def _unique(self, shape: str, value: str, make) -> str:
        cached = self._map.get(value)
        if cached is not None:
            return cached
        salt = 0
        while True:
            out = make(self._digest(shape, value, salt))
            if self._taken.get(out, value) == value:
                break
            salt += 1
        self._map[value], self._taken[out] = out, value
        return out

    def ip(self, value: str) -> str:
        """A public address -> one from 240.0.0.0/4 or 100::/64 (never routable); others unchanged."""
        bare, _, zone = value.partition("%")
        try:
            addr = ipaddress.ip_address(bare)
        except ValueError:
            return value
        if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
            return "::ffff:" + self.ip(str(addr.ipv4_mapped))
        if not addr.is_global:
            return value
        if addr.version == 4:
            return self._unique("ip4", str(addr), lambda d: str(ipaddress.IPv4Address(
                (0xF0 << 24) | int.from_bytes(d[:4], "big") & 0x0FFFFFFF)))
        return self._unique("ip6", str(addr), lambda d: str(ipaddress.IPv6Address(
            (0x0100 << 112) | int.from_bytes(d[:8], "big")))) + (f"%{zone}" if zone else "")

    def pseudonym(self, value: str) -> str:
        """The pseudonym of an identity, host name, e-mail address or DN, by its shape."""
        v = value.strip()
        if v in _SPECIAL_IDS or v.startswith(("user-", "host-", "id-")) and v in self._taken:
            return value
        if _is_ip(v):
            return self.ip(v)
        if _EMAIL.fullmatch(v):
            local, _, domain = v.rpartition("@")
            return self._unique("user", local, lambda d: "user-" + d[:4].hex()) + "@" + self.pseudonym(domain)
        if "=" in v and _DN_VALUE.search(v):
            return _DN_VALUE.sub(lambda m: m.group(0) if m.group(1) in _KEEP_RDN
                                 else f"{m.group(1)}={self.pseudonym(m.group(2))}", v)
        if _HOSTNAME.fullmatch(v) or regex.fullmatch(r"(?i)[a-z0-9-]+(?:\.[a-z0-9-]+)+", v) and any(c.isalpha() for c in v):
            return self._unique("host", v.lower(), lambda d: f"host-{d[:4].hex()}.example")
        return self._unique("id", v, lambda d: "user-" + d[:4].hex())

    # -- learning what is sensitive --------------------------------------------
    def learn(self, value: Any) -> None:
        """Remember a sensitive value so it is replaced wherever it appears later."""
        if not isinstance(value, str):
            return
        v = value.strip()
        if len(v) < 2 or v in _SPECIAL_IDS or _is_ip(v) or v in self._taken:
            return
        if v not in self._known:
            self._known[v] = "id"
            self._known_rx = None
            if "=" in v:  # a DN: its values are sensitive on their own too (a CN is a host name)
                for m in _DN_VALUE.finditer(v):
                    if m.group(1) not in _KEEP_RDN:
                        self.learn(m.group(2))
            elif "@" in v:
                self.learn(v.rpartition("@")[2])

    def learn_from_text(self, text: str) -> None:
        """Find identities, subjects, e-mail and host names in a log line and remember them."""
        try:
            for rx in (_QUOTED, _BRACKET_ID, _DQ_DN):
                for m in rx.finditer(text, timeout=TIMEOUT):
                    val = m.group(1)
                    if not (rx is _BRACKET_ID and val.isdigit()):
                        self.learn(val)
            for rx in (_EMAIL, _HOSTNAME):
                for m in rx.finditer(text, timeout=TIMEOUT):
                    self.learn(m.group(0))
            m = _SYSLOG_HOST.match(text, timeout=TIMEOUT)
            if m:
                self.learn(m.group(1))
        except TimeoutError:
            pass

    # -- replacing -------------------------------------------------------------
    def _known_regex(self) -> Any:
        if self._known_rx is None and self._known:
            alts = "|".join(regex.escape(k) for k in sorted(self._known, key=len, reverse=True))
            self._known_rx = regex.compile(r"(?<![A-Za-z0-9])(?:" + alts + r")(?![A-Za-z0-9])")
        return self._known_rx

    def replace_known(self, text: str) -> str:
        """Replace learned values and public addresses; no new guessing (for catalog-made texts, paths)."""
        if not text:
            return text
        try:
            rx = self._known_regex()
            if rx is not None:
                text = rx.sub(lambda m: self.pseudonym(m.group(0)), text, timeout=TIMEOUT)
            text = _IPV6.sub(lambda m: self.ip(m.group(0)) if _is_ip(m.group(0)) else m.group(0), text,
                             timeout=TIMEOUT)
            return _IPV4.sub(lambda m: self.ip(m.group(0)), text, timeout=TIMEOUT)
        except TimeoutError:
            return "[text removed: too complex to redact]"

    def text(self, text: str) -> str:
        """Redact one log-derived text: secrets removed, identities found, learned and replaced."""
        text = scrub_text(text)
        self.learn_from_text(text)
        return self.replace_known(text)

    def lines(self, text: str) -> str:
        """``text`` over every line of a multi-line text (a log file), line ends kept."""
        parts = text.splitlines(keepends=True)
        for p in parts:
            self.learn_from_text(p)
        return "".join(self.text(p.rstrip("\r\n")) + p[len(p.rstrip("\r\n")):] for p in parts)


# --------------------------------------------------------------------------- reports

#: report fields that are vocabulary, not data: never rewritten
_KEEP_FIELDS = frozenset({"id", "schema", "format", "side", "style", "role", "outcome", "evidence_status",
                          "references", "lang", "tool_version", "ike_name", "time", "start", "end", "status",
                          "severity", "basis", "meaning", "look_at"})
#: fields whose text is a log line (identities are looked for in it)
_LOG_FIELDS = frozenset({"text", "unparsed_examples", "warnings", "errors"})


def redact_report(report: Report, redactor: Redactor | None = None) -> Report:
    """A redacted copy of ``report``: same findings, confidences and line numbers, no identities."""
    r = redactor or Redactor()
    scrubbed = scrub_report(report)
    for s in scrubbed.sessions:
        for v in (s.identities or {}).values():
            r.learn(v)
    for text in _log_texts(scrubbed):
        r.learn_from_text(text)
    return _walk(scrubbed, r, log=False)


def _log_texts(report: Report) -> Iterable[str]:
    for f in report.findings:
        for e in f.evidence:
            yield e.text
    for n in report.notable_lines:
        yield n.text
    for i in report.inputs:
        for e in i.unparsed_examples:
            yield str(e.get("text", ""))
        yield from i.errors
    yield from report.warnings


def _walk(obj: Any, r: Redactor, log: bool) -> Any:
    if isinstance(obj, str):
        return r.text(obj) if log else r.replace_known(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        changes = {}
        for f in dataclasses.fields(obj):
            if f.name in _KEEP_FIELDS:
                continue
            changes[f.name] = _walk(getattr(obj, f.name), r, log or f.name in _LOG_FIELDS)
        return dataclasses.replace(obj, **changes)
    if isinstance(obj, dict):
        return {k: (v if k in _KEEP_FIELDS or k == "line" else _walk(v, r, log or k in _LOG_FIELDS))
                for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_walk(v, r, log) for v in obj)
    return obj


def redact_object(obj: Any, redactor: Redactor | None = None) -> Any:
    """Redact every log-derived string inside any dataclass/list/dict tree (e.g. a timeline)."""
    return _walk(obj, redactor or Redactor(), True)


def redact_text(text: str, redactor: Redactor | None = None) -> str:
    """Redact a free text (a timeline line, a batch summary cell); secrets are always removed."""
    return (redactor or Redactor()).lines(text)


# --------------------------------------------------------------------------- collect bundles

def _is_text(data: bytes) -> bool:
    return b"\x00" not in data[:8192]


def _line_map(text: str, fn) -> str:
    out = []
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        out.append(fn(body) + line[len(body):])
    return "".join(out)


def redact_bundle(path: "str | Path", redactor: Redactor | None = None) -> "Path":
    """Rewrite a ``collect`` bundle in place (atomically): secrets always removed from every text
    member; with a ``redactor`` also identities, host names (the host in member and file names too)
    and public addresses pseudonymised, and binary members (certificates, binary plists) dropped
    with a note in the manifest.  Returns the bundle's (possibly renamed) path."""
    import io
    import json
    import tarfile

    from .report.output import write_atomic

    src = Path(path)
    with tarfile.open(src, "r:*") as tar:
        members = [(m, tar.extractfile(m).read() if m.isfile() else b"") for m in tar]  # type: ignore[union-attr]
    texts = {m.name: d.decode("utf-8", "surrogateescape") for m, d in members if m.isfile() and _is_text(d)}
    manifest_name = next((n for n in texts if n.rsplit("/", 1)[-1] == "manifest.json"), None)
    manifest: Any = None
    if manifest_name:
        try:
            manifest = json.loads(texts.pop(manifest_name))
        except ValueError:
            manifest = None
    if redactor is not None:
        if isinstance(manifest, dict):
            redactor.learn(str(manifest.get("host", "")))
        for t in texts.values():
            for line in t.splitlines():
                redactor.learn_from_text(scrub_text(line))
    fix = (lambda line: redactor.replace_known(scrub_text(line))) if redactor else scrub_text
    rename = redactor.replace_known if redactor else (lambda n: n)
    dropped: list[str] = []
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        new_sizes: dict[str, int] = {}
        for m, data in members:
            if m.name == manifest_name:
                continue
            info = tarfile.TarInfo(rename(m.name))
            info.mtime, info.mode, info.type = m.mtime, m.mode, m.type
            if m.isfile():
                if m.name in texts:
                    data = _line_map(texts[m.name], fix).encode("utf-8", "surrogateescape")
                elif redactor is not None:
                    dropped.append(m.name)
                    continue
                info.size = len(data)
                new_sizes[m.name] = len(data)
                tar.addfile(info, io.BytesIO(data))
            elif m.isdir():
                tar.addfile(info)
        if manifest_name is not None and manifest is not None:
            for entry in manifest.get("files", []) if isinstance(manifest, dict) else []:
                if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                    full = next((n for n in new_sizes if n.endswith(entry["name"])), None)
                    if full is not None:
                        entry["bytes"] = new_sizes[full]
                    if any(d.endswith(entry["name"]) for d in dropped):
                        entry["dropped"] = "binary member removed by --redact"
            if isinstance(manifest, dict):
                manifest["redacted"] = "pseudonyms" if redactor else "secrets"
            data = json.dumps(_walk_json(manifest, fix, rename if redactor else None), indent=2).encode()
            info = tarfile.TarInfo(rename(manifest_name))
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    dest = src.with_name(rename(src.name))
    write_atomic(dest, out.getvalue())
    if dest != src:
        src.unlink()
    return dest


def _walk_json(obj: Any, fix, rename) -> Any:
    if isinstance(obj, str):
        return fix(obj)
    if isinstance(obj, dict):
        return {k: (v if k in ("schema", "bytes", "status", "kind", "format", "side") else _walk_json(v, fix, rename))
                for k, v in obj.items()}
    if isinstance(obj, list):
        return [_walk_json(v, fix, rename) for v in obj]
    return obj
