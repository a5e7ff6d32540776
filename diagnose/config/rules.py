"""The configuration rules: what in a gateway config, certificate or profile will fail.

Titles, client scopes, confidences, explanations and fix text are data in
``patterns/config-rules.toml`` (keyed by catalog id); this module holds only
the evaluation.  The three proposal rules share one generic evaluator
(``_proposal_rule``) because they are the same question asked of different
proposal lists; the others are specific functions, since each looks at
different facts.

Every rule returns ``Result``s with status ``fail``, ``pass`` or ``unknown``
(an input it needs was not given), per connection, with the config lines
that prove it.  ``check`` turns failures into findings; ``config_facts``
turns all three into confirm/contradict/unknown for ``diagnose``.
"""

from __future__ import annotations

import ipaddress
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from diagnose.report.model import Evidence

from .certs import CertInfo, cert_contains_identity, san_matches
from .model import Child, Connection, Loc, ServerConfig, Val
from .profile import Profile, VpnPayload
from .proposals import (KE, ClientProfile, Proposal, ProposalError, configured, parse_client, patterns_dir, select,
                        version_tuple)


@dataclass(slots=True)
class RuleSpec:
    """One rule's data from ``config-rules.toml``."""

    id: str
    title: str
    clients: list[str]
    needs: list[str]
    confidence: float
    root_cause: str
    fix: str
    references: list[str]
    change: dict[str, str | list[str]]  # per file syntax: one setting, or several (one per line)
    severity: str = "failure"  # failure | advisory
    extra: dict[str, Any] = field(default_factory=dict)


@lru_cache(maxsize=4)
def load_rules(path: str | None = None) -> dict[str, RuleSpec]:
    p = Path(path) if path else patterns_dir() / "config-rules.toml"
    with open(p, "rb") as fh:
        raw = tomllib.load(fh)
    known = {"title", "clients", "needs", "confidence", "root_cause", "fix", "references", "change", "severity"}
    out: dict[str, RuleSpec] = {}
    for rid, r in raw["rules"].items():
        out[rid] = RuleSpec(
            id=rid, title=r["title"], clients=list(r.get("clients", ["ios", "macos"])),
            needs=list(r.get("needs", ["server"])), confidence=float(r["confidence"]),
            root_cause=r["root_cause"].strip(), fix=r["fix"].strip(), references=list(r.get("references", [])),
            change=dict(r.get("change", {})), severity=r.get("severity", "failure"),
            extra={k: v for k, v in r.items() if k not in known},
        )
    return out


def client_matches(filters: list[str], os_name: str, version: tuple[int, ...]) -> bool:
    """``["ios>=13", "macos"]`` against ("ios", (16,))."""
    for f in filters:
        for op in (">=", "<=", "<", ">", "=="):
            if op in f:
                fos, fver = f.split(op, 1)
                if fos.strip() != os_name:
                    break
                want = version_tuple(fver)
                n = max(len(want), len(version))
                a, b = version + (0,) * (n - len(version)), want + (0,) * (n - len(want))
                if {">=": a >= b, "<=": a <= b, "<": a < b, ">": a > b, "==": a == b}[op]:
                    return True
                break
        else:
            if f.strip() == os_name:
                return True
    return False


@dataclass(slots=True)
class Context:
    """All inputs of one ``check``: parsed files and the resolved clients."""

    server: ServerConfig | None
    certs: list[CertInfo]
    profiles: list[Profile]
    clients: list[ClientProfile]
    strongswan_version: str | None = None

    @property
    def vpns(self) -> list[VpnPayload]:
        return [v for p in self.profiles for v in p.vpns]

    def clients_for(self, spec: RuleSpec) -> list[ClientProfile]:
        return [c for c in self.clients if client_matches(spec.clients, c.os, c.version)]


@dataclass(slots=True)
class Result:
    rule: str
    status: str  # fail | pass | unknown
    connection: str | None = None
    clients: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    values: dict[str, str | FixAction] = field(default_factory=dict)
    confidence: float | None = None
    notes: list[str] = field(default_factory=list)
    reason: str = ""


# ---- evidence and fix helpers ------------------------------------------------------------

def ev_loc(loc: Loc, note: str = "") -> Evidence:
    text = loc.text + (f"   [{note}]" if note else "")
    return Evidence(path=loc.path, line=loc.line, text=text, role="config", side="config")


def ev_val(val: Val | None, conn: Connection | None, what: str, section: Loc | None = None) -> Evidence | None:
    """The line a value was written on, or the section it defaults in (noted as a default)."""
    if val is not None and val.loc is not None:
        return ev_loc(val.loc)
    anchor = section or (conn.loc if conn else None)
    if anchor is None:
        return None
    shown = val.value if val is not None else "unset"
    if isinstance(shown, list):
        shown = ", ".join(shown)
    return ev_loc(anchor, f"{what} not set: default {shown}")


def _fmt(conn: Connection) -> str:
    return "ipsec" if conn.source_format == "ipsec.conf" else "swanctl"


@dataclass(frozen=True, slots=True)
class FixAction:
    """A fix as prose for the finding's box and as settings a support engineer can copy.

    It formats as its prose, so rule templates keep writing ``{action}``; ``check`` turns it into a
    snippet printed outside the box, one setting per line in the syntax of the file it is about.
    """

    prose: str
    settings: tuple[str, ...]
    lang: str  # swanctl | ipsec.conf
    where: str  # the line to change, or the section to add to, said for a reader
    path: str | None = None
    line: int = 0  # the line replaced, or the section's opening line the settings go under
    old: str | None = None  # the line being replaced

    def __str__(self) -> str:
        return self.prose

    def snippet(self) -> dict[str, str | int]:
        """A report snippet; ``mode``/``path``/``line`` let a tool apply it (tests do)."""
        replace = self.old is not None
        title = f"{self.where}: replace `{self.old}` with" if replace else f"{self.where}: add"
        snip: dict[str, str | int] = {"lang": self.lang, "title": title, "text": "\n".join(self.settings) + "\n"}
        if self.path and self.line > 0:  # a file line (what charon loaded over VICI has none)
            snip |= {"mode": "replace" if replace else "add", "path": self.path, "line": self.line}
        return snip


def action(spec: RuleSpec, conn: Connection, val: Val | None, section: Loc | None = None,
           change: str | None = None) -> FixAction:
    """'change `x` at f:l to `y`' or 'add `y` to connection 'c' (f:l)'; several settings are
    listed one per line below the instruction, each as the file it is about writes it."""
    new = change or spec.change.get(_fmt(conn), "")
    settings = (new,) if isinstance(new, str) else tuple(new)
    lang = "ipsec.conf" if _fmt(conn) == "ipsec" else "swanctl"
    if val is not None and val.loc is not None:
        old: str | None = val.loc.text.strip()
        path, line = val.loc.path, val.loc.line
        place = str(val.loc)
        head = f"change `{val.loc.text}` at {val.loc} to"
    else:
        old = None
        anchor = section or conn.loc
        path, line = (anchor.path, anchor.line) if anchor else (None, 0)
        label = f"section '{anchor.text.rstrip('{ ').strip()}'" if section and anchor else f"connection '{conn.name}'"
        place = f"{label} in {anchor}" if anchor else label
        where = f" ({anchor})" if anchor else ""
        head = f"add `{settings[0]}` to {label}{where}" if len(settings) == 1 else f"add to {label}{where} these lines"
    if len(settings) != 1:
        prose = head + ":\n" + "\n".join(f"    {s}" for s in settings)
    else:
        prose = head if old is None else f"{head} `{settings[0]}`"
    return FixAction(prose, settings, lang, place, path, line, old)


def _evs(*items: Evidence | None) -> list[Evidence]:
    return [e for e in items if e is not None]


# ---- certificates ----------------------------------------------------------------------

def gateway_certs(conn: Connection | None, ctx: Context) -> tuple[list[CertInfo], str]:
    """End-entity certificates that belong to this connection (by file name), else all given ones."""
    ee = [c for c in ctx.certs if not c.is_ca]
    if conn is None:
        return ee, ""
    names = {Path(v.value).name for v in conn.local_certs()}
    mine = [c for c in ee if Path(c.path).name in names]
    if mine:
        return mine, ""
    if ee and names:
        return ee, f"assuming {', '.join(sorted({c.path for c in ee}))} is the certificate of '{conn.name}' " \
                   f"(configured: {', '.join(sorted(names))})"
    return ee, ""


def _cert_ev(cert: CertInfo, note: str) -> Evidence:
    return Evidence(path=cert.path, line=0, text=f"{cert.subject}: {note}", role="config", side="config")


# ---- rules ---------------------------------------------------------------------------

def rule_no_certreq(spec: RuleSpec, conn: Connection, ctx: Context) -> Result:
    r = Result(spec.id, "pass", conn.name)
    if not conn.local_pubkey_rounds():
        r.reason = "the gateway does not authenticate with a certificate"
        return r
    sc = conn.send_cert
    if sc.value == "always":
        r.evidence = _evs(ev_val(sc, conn, "send_cert"))
        r.reason = "send_cert = always"
        return r
    asking = [v for v in ctx.vpns if v.server_cert_issuer_cn]
    if sc.value != "never" and asking:
        v = asking[0]
        r.reason = f"the profile sets ServerCertificateIssuerCommonName ({v.server_cert_issuer_cn}), so the client sends CERTREQ"
        r.evidence = [Evidence(v.path, v.line_of("ServerCertificateIssuerCommonName"),
                               f"ServerCertificateIssuerCommonName = {v.server_cert_issuer_cn}", "config", "config")]
        return r
    r.status = "fail"
    r.clients = [c.id for c in ctx.clients_for(spec)]
    r.evidence = _evs(ev_val(sc, conn, "send_cert"))
    r.confidence = spec.confidence if ctx.profiles else float(spec.extra.get("confidence_without_profile", spec.confidence))
    r.values = {
        "value": sc.value, "default_note": " (not set, so the default applies)" if sc.is_default else "",
        "profile_note": (", which the given profile does not" if ctx.profiles else
                         " (no profile given: this assumes it does not)"),
        "action": action(spec, conn, sc),
    }
    if sc.value == "never":
        r.values["value"] = "never"
    return r


def _checked_identity(conn: Connection | None, ctx: Context) -> tuple[str | None, str, Evidence | None]:
    """The identity the Apple client validates the certificate against, and where it comes from."""
    for v in ctx.vpns:
        if v.server_cert_cn:
            return v.server_cert_cn, "the profile's ServerCertificateCommonName", Evidence(
                v.path, v.line_of("ServerCertificateCommonName"), f"ServerCertificateCommonName = {v.server_cert_cn}", "config", "config")
        if v.remote_identifier:
            return v.remote_identifier, "the profile's RemoteIdentifier", Evidence(
                v.path, v.line_of("RemoteIdentifier"), f"RemoteIdentifier = {v.remote_identifier}", "config", "config")
    if conn is not None:
        for rnd in conn.local_pubkey_rounds():
            if rnd.id is not None:
                return rnd.id.value, "the gateway's local id, which the profile's RemoteIdentifier must equal", ev_val(rnd.id, conn, "id")
    return None, "", None


def _certificate_rule(spec: RuleSpec, conn: Connection | None, ctx: Context) -> tuple[Result, Any, str | None]:
    """Start of every rule about the gateway certificate: it passes when the gateway does not
    authenticate with one, and stays unknown when no certificate was given."""
    r = Result(spec.id, "unknown", conn.name if conn else None)
    if conn is not None and not conn.local_pubkey_rounds():
        r.status, r.reason = "pass", "the gateway does not authenticate with a certificate"
        return r, None, None
    certs, note = gateway_certs(conn, ctx)
    if not certs:
        r.reason = "no gateway certificate given (--cert)"
        return r, None, None
    return r, certs[0], note


def rule_san_mismatch(spec: RuleSpec, conn: Connection | None, ctx: Context) -> Result:
    r, cert, note = _certificate_rule(spec, conn, ctx)
    if cert is None:
        return r
    ident, source, ident_ev = _checked_identity(conn, ctx)
    if note:
        r.notes.append(note)
    local_ids = [rnd.id for rnd in (conn.local_pubkey_rounds() if conn else []) if rnd.id is not None]
    id_problems = [i for i in local_ids if not cert_contains_identity(cert, i.value)]
    failing = False
    if ident is None:
        failing = not cert.has_san
        ident = cert.subject_cn or "vpn.example.com"
        source = "the certificate's CN (no local id or profile given)"
    else:
        failing = not san_matches(cert, ident)
    if not failing and not id_problems:
        r.status = "pass"
        r.reason = f"{cert.label} carries {ident} as subjectAltName"
        r.evidence = _evs(ident_ev, _cert_ev(cert, f"SAN {', '.join(cert.san_dns + cert.san_ip + cert.san_email)}"))
        return r
    sans = cert.san_dns + cert.san_ip + cert.san_email + cert.san_uri
    san_text = ("no subjectAltName at all (only CN=" + (cert.subject_cn or "?") + ")" if not sans
                else "subjectAltName " + ", ".join(sans) + f" but not {ident}")
    r.status = "fail"
    r.clients = [c.id for c in ctx.clients_for(spec)]
    r.confidence = spec.confidence
    r.evidence = _evs(ident_ev, _cert_ev(cert, san_text), *(ev_val(i, conn, "id") for i in id_problems))
    local_note = ""
    id_action = ""
    if id_problems:
        bad = id_problems[0]
        local_note = (f" The gateway's own id '{bad.value}' is not in the certificate either, so charon "
                      "will not find a matching certificate/private key for it.")
        if conn is not None and sans:
            id_action = "Or " + action(spec, conn, bad, change=f"id = {sans[0]}") + "."
    if not failing:  # only the local id is wrong
        san_text = f"subjectAltName {', '.join(sans)}" if sans else san_text
    r.values = {"checked": ident, "checked_from": source, "cert_label": cert.label, "san_text": san_text,
                "local_id_note": local_note, "ident": ident.lstrip("@"), "id_action": id_action}
    return r


def rule_missing_serverauth_eku(spec: RuleSpec, conn: Connection | None, ctx: Context) -> Result:
    r, cert, note = _certificate_rule(spec, conn, ctx)
    if cert is None:
        return r
    old_mac = [c for c in ctx.clients if client_matches(spec.extra.get("ike_intermediate", {}).get("clients", []), c.os, c.version)]
    need_ike = bool(old_mac) and "ikeIntermediate" not in cert.ekus
    if "serverAuth" in cert.ekus and not need_ike:
        r.status, r.reason = "pass", f"{cert.label} has serverAuth"
        r.evidence = [_cert_ev(cert, "EKU " + ", ".join(cert.ekus))]
        return r
    r.status = "fail"
    if note:
        r.notes.append(note)
    r.clients = [c.id for c in ctx.clients_for(spec)] if "serverAuth" not in cert.ekus else [c.id for c in old_mac]
    eku_text = ("no extendedKeyUsage extension" if not cert.has_eku_extension
                else "extendedKeyUsage " + ", ".join(cert.ekus))
    r.confidence = spec.confidence if cert.has_eku_extension else float(spec.extra.get("confidence_no_eku_extension", spec.confidence))
    r.evidence = [_cert_ev(cert, eku_text)]
    r.values = {
        "cert_label": cert.label, "eku_text": eku_text,
        "ike_intermediate_note": (" macOS before 10.7.4 (" + ", ".join(c.id for c in old_mac) +
                                  ") also needs the IKE Intermediate EKU (1.3.6.1.5.5.8.2.2).") if need_ike else "",
        "ike_flag": " --flag ikeIntermediate" if old_mac else "",
        "ike_ext": ", 1.3.6.1.5.5.8.2.2" if old_mac else "",
    }
    return r


def _ike_selection(conn: Connection, client: ClientProfile, ctx: Context) -> Proposal | None:
    return select(configured("IKE", conn.proposals.value, conn.proposals_strict, ctx.strongswan_version), client.ike)


def _plist(props: list[Proposal]) -> str:
    return ", ".join(dict.fromkeys(str(p) for p in props))


def _proposal_rule(kind: str) -> Callable[[RuleSpec, Connection, Context], list[Result]]:
    """Generic proposal check: ``ike`` (IKE_SA_INIT), ``esp`` (IKE_AUTH, KE skipped), ``rekey`` (CREATE_CHILD_SA)."""

    def run(spec: RuleSpec, conn: Connection, ctx: Context) -> list[Result]:
        clients = ctx.clients_for(spec)
        if not clients:
            return [Result(spec.id, "unknown", conn.name, reason="no matching client requested")]
        if conn.version.value == 1:
            return [Result(spec.id, "unknown", conn.name, reason="IKEv1-only connection: the Apple IKEv2 lists do not apply")]
        targets: list[tuple[Child | None, Val[list[str]], bool]]
        if kind == "ike":
            targets = [(None, conn.proposals, conn.proposals_strict)]
        else:
            targets = [(ch, ch.esp_proposals, ch.esp_strict) for ch in conn.children]
        out: list[Result] = []
        for child, val, strict in targets:
            proto = "IKE" if kind == "ike" else "ESP"
            try:
                mine = configured(proto, val.value, strict, ctx.strongswan_version)
            except ProposalError as exc:
                out.append(Result(spec.id, "unknown", conn.name, reason=str(exc),
                                  evidence=_evs(ev_val(val, conn, "proposals"))))
                continue
            failing: list[ClientProfile] = []
            received: list[Proposal] = []
            chosen: list[str] = []
            for cl in clients:
                if kind == "ike":
                    theirs, skip = cl.ike, False
                elif kind == "esp":
                    if _ike_selection(conn, cl, ctx) is None:
                        continue  # IKE_SA_INIT already fails: ike-proposal-mismatch reports it
                    theirs, skip = cl.esp, True
                else:
                    ike_sel = _ike_selection(conn, cl, ctx)
                    esp_ok = select(mine, cl.esp, skip_ke=True)
                    if ike_sel is None or esp_ok is None:
                        continue  # fails earlier: the other rules report it
                    ke = (ike_sel.algs(KE) or [None])[0]
                    theirs, skip = cl.rekey_proposals(ke), False
                sel = select(mine, theirs, skip_ke=skip)
                if sel is None:
                    failing.append(cl)
                    received.extend(theirs)
                else:
                    chosen.append(f"{cl.id}: {sel}")
            res = Result(spec.id, "fail" if failing else "pass", conn.name)
            field_name = "proposals" if kind == "ike" else "esp_proposals"
            section = child.loc if child else None
            res.evidence = _evs(ev_val(val, conn, field_name, section))
            if not failing:
                res.reason = "; ".join(chosen) or "no client to evaluate"
                out.append(res)
                continue
            res.clients = [c.id for c in failing]
            inferred = any(c.basis == "inferred" for c in failing)
            res.confidence = float(spec.extra.get("confidence_inferred_defaults", spec.confidence)) if inferred else spec.confidence
            res.notes += [f"{c.id}: {c.basis} proposal list (since {c.data_since}; {', '.join(c.sources)})"
                          + (f"; {c.note}" if c.note else "") for c in failing]
            res.values = {
                "conn": conn.name, "child": child.name if child else "", "configured": ", ".join(val.value),
                "client_list": ", ".join(c.id for c in failing), "received": _plist(received),
                "rekey_time": f"{child.rekey_time.value}s" if child else "",
                "action": action(spec, conn, val, section),
            }
            out.append(res)
        return out

    return run


def rule_modp1536_bug(spec: RuleSpec, conn: Connection, ctx: Context) -> Result:
    r = Result(spec.id, "pass", conn.name)
    clients = ctx.clients_for(spec)
    if not clients or conn.version.value == 1:
        r.status, r.reason = "unknown", "no iOS IKEv2 client requested, or an IKEv1-only connection"
        return r
    bad = []
    for cl in clients:
        sel = _ike_selection(conn, cl, ctx)
        if sel is not None and "MODP_1536" in sel.algs(KE):
            bad.append((cl, sel))
    r.evidence = _evs(ev_val(conn.proposals, conn, "proposals"))
    if not bad:
        r.reason = "no iOS client would negotiate MODP_1536"
        return r
    r.status, r.clients, r.confidence = "fail", [c.id for c, _ in bad], spec.confidence
    r.values = {"client_list": ", ".join(c.id for c, _ in bad), "selected": str(bad[0][1]),
                "action": action(spec, conn, conn.proposals)}
    return r


def rule_macos_reauth(spec: RuleSpec, conn: Connection, ctx: Context) -> Result:
    r = Result(spec.id, "pass", conn.name)
    clients = ctx.clients_for(spec)
    cert_clients = [rnd for rnd in conn.remote if rnd.method == "pubkey" or rnd.eap_method == "tls"]
    if conn.source_format == "ipsec.conf" and conn.reauth_time.is_default:
        r.evidence = _evs(ev_loc(conn.loc, "reauth not set: default yes") if conn.loc else None)
    else:
        r.evidence = _evs(ev_val(conn.reauth_time, conn, "reauth_time"))
    if not clients:
        r.status, r.reason = "unknown", "no macOS client requested"
        return r
    if conn.reauth_time.value <= 0:
        r.reason = "reauthentication is off"
        return r
    responder = any(a in ("%any", "%any4", "%any6", "0.0.0.0/0", "::/0") for a in conn.remote_addrs.value)
    if not cert_clients and not (responder and conn.version.value != 1):
        r.reason = "clients do not authenticate with a certificate, and the connection is not an IKEv2 responder"
        return r
    r.status, r.clients, r.confidence = "fail", [c.id for c in clients], spec.confidence
    secs = conn.reauth_time.value
    r.values = {"interval": f"{secs}s" if secs < 120 else f"{secs // 60} min",
                "default_note": " (ipsec.conf's default reauth=yes)" if conn.reauth_time.is_default else "",
                "rekey_hint": ("with `reauth=no` charon rekeys the IKE_SA instead, before `ikelifetime` "
                               "(default 3h) runs out" if _fmt(conn) == "ipsec"
                               else "and rekey instead (`rekey_time = 4h`, the swanctl default)"),
                "action": action(spec, conn, conn.reauth_time)}
    return r


def _has_v6_default(ts: list[str]) -> bool:
    for t in ts:
        net = t.split("[", 1)[0]
        try:
            n = ipaddress.ip_network(net, strict=False)
        except ValueError:
            continue
        if n.version == 6 and n.prefixlen == 0:
            return True
    return False


def rule_ipv6_pool(spec: RuleSpec, conn: Connection, ctx: Context) -> list[Result]:
    v6 = [p for p in conn.pools if p.has_ipv6]
    if not v6:
        return [Result(spec.id, "pass", conn.name, reason="no IPv6 pool",
                       evidence=_evs(ev_val(conn.pool_names, conn, "pools")) if conn.pool_names.loc else [])]
    out = []
    for ch in conn.children:
        r = Result(spec.id, "pass", conn.name)
        r.evidence = _evs(ev_val(ch.local_ts, conn, "local_ts", ch.loc), ev_loc(v6[0].addrs.loc) if v6[0].addrs.loc else None)
        if _has_v6_default(ch.local_ts.value):
            r.reason = "local_ts includes ::/0"
        else:
            r.status, r.clients, r.confidence = "fail", [c.id for c in ctx.clients_for(spec)], spec.confidence
            new = ", ".join([*(t for t in ch.local_ts.value if t != "dynamic"), "::/0"])
            change = f"local_ts = {new}" if conn.source_format == "swanctl" else f"leftsubnet={new.replace(', ', ',')}"
            r.values = {"pool": f"pool '{v6[0].name}' ({', '.join(v6[0].addrs.value)})", "child": ch.name,
                        "local_ts": ", ".join(ch.local_ts.value),
                        "action": action(spec, conn, ch.local_ts, ch.loc, change=change)}
        out.append(r)
    return out


def rule_eap_method(spec: RuleSpec, conn: Connection, ctx: Context) -> Result:
    r = Result(spec.id, "pass", conn.name)
    eap = [rnd for rnd in conn.remote if rnd.eap_method]
    if not eap:
        r.reason = "no EAP authentication of the client"
        return r
    supported = set(spec.extra.get("supported", []))
    uncertain = set(spec.extra.get("uncertain", []))
    rnd = eap[0]
    method = rnd.eap_method or ""
    r.evidence = _evs(ev_val(rnd.auth, conn, "auth", rnd.loc))
    if method in supported:
        r.reason = f"eap-{method} is supported by the Apple client"
        return r
    if method in uncertain:
        r.status, r.reason = "unknown", f"'{rnd.auth.value}' depends on the backend/plugin configuration"
        return r
    r.status, r.clients, r.confidence = "fail", [c.id for c in ctx.clients_for(spec)], spec.confidence
    change = "auth = eap-mschapv2" if conn.source_format == "swanctl" else "rightauth=eap-mschapv2"
    r.values = {"method": rnd.auth.value, "action": action(spec, conn, rnd.auth, rnd.loc, change=change)}
    return r


def _full_tunnel(ts: list[str]) -> bool:
    return any(t.split("[", 1)[0] in ("0.0.0.0/0", "0.0.0.0/0.0.0.0") for t in ts)


_DOMAIN_KEYS = ("25", "internal_dns_domain", "28674")


def rule_split_dns(spec: RuleSpec, conn: Connection, ctx: Context) -> list[Result]:
    glob_attrs = ctx.server.global_attributes if ctx.server else {}
    out = []
    for pool in conn.pools or [None]:
        attrs = {**glob_attrs, **(pool.attributes if pool else {})}
        dns = attrs.get("dns")
        if not dns:
            out.append(Result(spec.id, "pass", conn.name, reason="no DNS servers pushed"))
            continue
        domain = next((attrs[k] for k in _DOMAIN_KEYS if k in attrs), None)
        for ch in conn.children:
            r = Result(spec.id, "pass", conn.name)
            r.evidence = _evs(ev_loc(dns.loc) if dns.loc else None, ev_val(ch.local_ts, conn, "local_ts", ch.loc))
            if _full_tunnel(ch.local_ts.value):
                r.reason = "full tunnel (0.0.0.0/0): the pushed DNS servers are used for everything"
            elif domain is not None:
                r.reason = "INTERNAL_DNS_DOMAIN is sent"
                if domain.loc:
                    r.evidence.append(ev_loc(domain.loc))
            else:
                r.status, r.clients, r.confidence = "fail", [c.id for c in ctx.clients_for(spec)], spec.confidence
                section = pool.loc if pool else conn.loc
                how = (_attr_plugin_action(spec) if _fmt(conn) == "ipsec" or pool is None
                       else action(spec, conn, None, section))
                r.values = {"dns": ", ".join(dns.value), "local_ts": ", ".join(ch.local_ts.value), "action": how}
            out.append(r)
    return out


def _attr_plugin_action(spec: RuleSpec) -> str:
    """ipsec.conf (or a pool-less swanctl connection) cannot send attribute 25: strongswan.conf can."""
    lines = spec.change.get("strongswan.conf", [])
    block = [lines] if isinstance(lines, str) else lines
    return ("add to strongswan.conf (the attr plugin sends it with every address; ipsec.conf has no "
            "setting for it) these lines:\n" + "\n".join(f"    {s}" for s in block))


def rule_stale_child(spec: RuleSpec, conn: Connection, ctx: Context) -> Result:
    r = Result(spec.id, "pass", conn.name)
    delay = conn.dpd_delay
    limit = int(spec.extra.get("max_dpd_delay", 300))
    ipsec = _fmt(conn) == "ipsec"  # ipsec.conf: DPD is off while dpdaction=none, whatever dpddelay says
    r.evidence = _evs(ev_val(delay, conn, "dpdaction/dpddelay" if ipsec else "dpd_delay"))
    if 0 < delay.value <= limit:
        r.reason = f"dpd_delay = {delay.value}s"
        return r
    r.status, r.clients, r.confidence = "fail", [c.id for c in ctx.clients_for(spec)], spec.confidence
    r.values = {"dpd_text": ("no dead peer detection (dpdaction not set, default none)" if ipsec and delay.value == 0
                             and delay.is_default
                             else "no dead peer detection (dpd_delay not set, default 0)" if delay.value == 0 and delay.is_default
                             else "dead peer detection disabled" if delay.value == 0
                             else f"dpd_delay = {delay.value}s"),
                "action": action(spec, conn, delay)}
    return r


def rule_ca_not_trusted(spec: RuleSpec, conn: Connection | None, ctx: Context) -> Result:
    r = Result(spec.id, "unknown", conn.name if conn else None)
    certs, _ = gateway_certs(conn, ctx)
    cas = [c for p in ctx.profiles for c in p.ca_certs]
    issuer_cns = [(v, v.server_cert_issuer_cn) for v in ctx.vpns if v.server_cert_issuer_cn]
    if not certs or not (cas or issuer_cns):
        r.reason = "needs the gateway certificate and a profile with its CA (or ServerCertificateIssuerCommonName)"
        return r
    cert = certs[0]
    chain = [c for c in ctx.certs if c.is_ca]  # intermediates/CA given with --cert
    problems: list[str] = []
    evidence: list[Evidence] = []
    if cas:
        anchors = cas
        ok = any(a.issued(cert) for a in anchors) or any(
            a.issued(i) and i.issued(cert) for a in anchors for i in chain)
        if not ok:
            problems.append(f"{cert.label} (issuer {cert.issuer}) is not issued by any CA in the profile "
                            f"({'; '.join(a.subject for a in anchors)}), so the client cannot build a trusted chain.")
            evidence += [_cert_ev(cert, f"issuer {cert.issuer}")] + [_cert_ev(a, "CA in profile") for a in anchors]
    for v, cn in issuer_cns:
        names = {cert.issuer_cn} | {i.subject_cn for i in chain if i.issued(cert)}
        if cn not in names:
            problems.append(f"The profile's ServerCertificateIssuerCommonName '{cn}' is not the issuer of "
                            f"{cert.label} ('{cert.issuer_cn}').")
            evidence.append(Evidence(v.path, v.line_of("ServerCertificateIssuerCommonName"),
                                     f"ServerCertificateIssuerCommonName = {cn}", "config", "config"))
    if not problems:
        r.status, r.reason = "pass", f"{cert.label} chains to the profile's CA"
        r.evidence = [_cert_ev(cert, f"issuer {cert.issuer}")]
        return r
    r.status, r.clients, r.confidence = "fail", [c.id for c in ctx.clients_for(spec)], spec.confidence
    r.evidence = evidence
    r.values = {"problem": " ".join(problems),
                "fix_text": ("Put the CA that issued the gateway certificate into the profile "
                             "(com.apple.security.root payload) and set ServerCertificateIssuerCommonName to "
                             f"its CN ('{cert.issuer_cn}'), or issue the gateway certificate from the CA the "
                             "clients trust.")}
    return r


# rule id -> (evaluator, scope) ; scope "connection" needs a server config, "cert" can run without one
RULES: dict[str, tuple[Callable[..., Result | list[Result]], str]] = {
    "no-certreq": (rule_no_certreq, "connection"),
    "san-mismatch": (rule_san_mismatch, "cert"),
    "missing-serverauth-eku": (rule_missing_serverauth_eku, "cert"),
    "ike-proposal-mismatch": (_proposal_rule("ike"), "connection"),
    "esp-proposal-mismatch": (_proposal_rule("esp"), "connection"),
    "pfs-rekey-mismatch": (_proposal_rule("rekey"), "connection"),
    "modp1536-bug": (rule_modp1536_bug, "connection"),
    "macos-reauth-failure": (rule_macos_reauth, "connection"),
    "ipv6-pool-no-default-ts": (rule_ipv6_pool, "connection"),
    "eap-method-unsupported": (rule_eap_method, "connection"),
    "split-dns-not-applied": (rule_split_dns, "connection"),
    "stale-child-sa-after-sleep": (rule_stale_child, "connection"),
    "ca-not-trusted": (rule_ca_not_trusted, "cert"),
}


def evaluate(ctx: Context, only: list[str] | None = None, connection: str | None = None) -> list[Result]:
    """Run every rule (or ``only`` these ids) over every connection (or just ``connection``)."""
    specs = load_rules()
    results: list[Result] = []
    conns = [c for c in (ctx.server.connections if ctx.server else []) if connection is None or c.name == connection]
    for rid, (fn, scope) in RULES.items():
        if only and rid not in only:
            continue
        spec = specs[rid]
        if "server" in spec.needs and ctx.server is None:
            results.append(Result(rid, "unknown", reason="no gateway configuration given (--server)"))
            continue
        targets: list[Connection | None] = list(conns)
        if scope == "cert" and not targets:
            targets = [None]
        if not targets:
            results.append(Result(rid, "unknown", reason="no connection in the configuration"))
        for conn in targets:
            out = fn(spec, conn, ctx)
            for r in out if isinstance(out, list) else [out]:
                if r.status == "fail" and not r.clients:
                    # the config has the cause, but none of the requested clients is affected by it
                    r.status = "pass"
                    r.reason = f"affects only {', '.join(spec.clients)}; not the requested clients"
                results.append(r)
    return results


def resolve_clients(client_ids: list[str], profiles: list[Profile]) -> list[ClientProfile]:
    """Client ids -> proposal lists; a profile that sets IKE/Child SA parameters overrides them."""
    from .proposals import client_profile, profile_client

    out = []
    vpn = next((v for p in profiles for v in p.vpns), None)
    for cid in client_ids:
        parse_client(cid)  # raises ValueError with a usable message
        base = client_profile(cid)
        if vpn is not None and (vpn.ike is not None or vpn.child is not None):
            base = profile_client(base, vpn.ike, vpn.child, vpn.enable_pfs)
        out.append(base)
    return out


# the gateway rules of issue 14 live in their own module (it imports the helpers above)
from .rules_gateway import GATEWAY_RULES  # noqa: E402

RULES.update(GATEWAY_RULES)
