"""``check --live``: the configuration charon has actually loaded, read over VICI.

charon's control socket answers ``list-conns``, ``get-pools``, ``list-certs`` and
``list-authorities``; this module maps those answers onto the same ``ServerConfig``/``CertInfo``
the file readers build, so the same rules run.  Evidence points at the VICI command and the
connection (``vici list-conns [rw]``) instead of a file line.

``get-algorithms`` (the algorithms charon can compute, and the plugin implementing each) and the
``plugins`` list of ``stats`` (VICI has no ``get-plugins`` command) feed the key exchange rule in
its live form (``LIVE_RULES``): with the connections' IKE proposals unknown, it can only pass
(every method the requested clients offer is implemented) or name the offered methods charon
cannot compute and stay not evaluated.

``list-conns`` does not report everything swanctl.conf can say (strongSwan 5.9/6.0 omit the IKE
and ESP proposals, a connection's pools, send_cert/send_certreq, mobike, fragmentation, encap),
and some rules read files on disk (the swanctl key and CA directories).  Those rules are
reported as not evaluated, never evaluated against guessed defaults: ``VICI_RULES`` lists the
ones whose every input VICI reports.
"""

from __future__ import annotations

import grp
import os
import pwd
import socket
import stat
from dataclasses import dataclass, field
from typing import Any, Protocol

from . import ConfigError
from .certs import CertInfo, describe
from .model import AuthRound, Child, Connection, Loc, ServerConfig, Val
from .swanctl_conf import DEFAULTS

DEFAULT_SOCKET = "/var/run/charon.vici"

#: rules whose inputs are all in the VICI answers (connection timers, DPD, authentication
#: classes, loaded certificates); every other rule stays "not evaluated" on a live check
VICI_RULES = frozenset({
    "macos-reauth-failure", "eap-method-unsupported", "stale-child-sa-after-sleep",
    "san-mismatch", "missing-serverauth-eku", "ca-not-trusted",
})
NOT_OVER_VICI = ("needs settings charon does not report over VICI (proposals, a connection's pools, "
                 "send_certreq, fragmentation) or files on the gateway's disk; run `check --server` "
                 "on its swanctl.conf for these")

_UNIQUE = {"UNIQUE_NO": "no", "UNIQUE_NEVER": "never", "UNIQUE_REPLACE": "replace", "UNIQUE_KEEP": "keep"}


class ViciSession(Protocol):
    """The part of ``vici.Session`` used here (tests pass recorded answers instead)."""

    def version(self) -> dict: ...
    def stats(self) -> dict: ...
    def get_algorithms(self) -> dict: ...
    def list_conns(self, filters: dict | None = None) -> Any: ...
    def get_pools(self, options: dict | None = None) -> dict: ...
    def list_certs(self, filters: dict | None = None) -> Any: ...
    def list_authorities(self, filters: dict | None = None) -> Any: ...


@dataclass(slots=True)
class LiveAnswers:
    """What charon answered, decoded to str (VICI values arrive as bytes)."""

    source: str
    version: dict[str, Any] = field(default_factory=dict)
    conns: dict[str, Any] = field(default_factory=dict)
    pools: dict[str, Any] = field(default_factory=dict)
    certs: list[dict[str, Any]] = field(default_factory=list)
    authorities: dict[str, Any] = field(default_factory=dict)
    #: get-algorithms: algorithm type (``dh`` in 5.x, ``ke`` in 6.x, ``encryption``, ...) ->
    #: algorithm name -> the plugin implementing it; None when charon did not answer
    algorithms: dict[str, dict[str, str]] | None = None
    #: the loaded plugins (``stats``); None when charon did not answer
    plugins: list[str] | None = None
    #: commands charon refused or does not know, with its error
    unanswered: dict[str, str] = field(default_factory=dict)


def _dec(v: Any) -> Any:
    """bytes -> str recursively; DER certificate data stays bytes (key ``data``)."""
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, dict):
        return {k: (x if k == "data" else _dec(x)) for k, x in v.items()}
    if isinstance(v, list):
        return [_dec(x) for x in v]
    return v


def _merge(items: Any) -> dict[str, Any]:
    """Streamed answers (one ``{name: {...}}`` message each) into one dict."""
    out: dict[str, Any] = {}
    for item in items:
        out.update(_dec(dict(item)))
    return out


def read_answers(session: ViciSession, source: str) -> LiveAnswers:
    """Ask charon for everything ``check`` needs."""
    ans = LiveAnswers(source=source, version=_dec(dict(session.version())))
    ans.conns = _merge(session.list_conns())
    ans.pools = _dec(dict(session.get_pools()))
    ans.certs = [{k: (v if k == "data" else _dec(v)) for k, v in dict(c).items()} for c in session.list_certs()]
    ans.authorities = _merge(session.list_authorities())
    algs = _optional(ans, "get-algorithms", session.get_algorithms)
    if algs is not None:
        ans.algorithms = {str(k): {str(a): str(p) for a, p in v.items()}
                          for k, v in _dec(dict(algs)).items() if isinstance(v, dict)}
    stats = _optional(ans, "stats", session.stats)
    if stats is not None and isinstance(_dec(dict(stats)).get("plugins"), list):
        ans.plugins = [str(p) for p in _dec(dict(stats))["plugins"]]
    return ans


def _optional(ans: LiveAnswers, command: str, call: Any) -> Any:
    """A command an older or restricted charon may not answer: its error is kept, not raised."""
    try:
        return call()
    except Exception as exc:  # noqa: BLE001 - the vici client raises CommandException and kin
        if not type(exc).__module__.startswith("vici"):
            raise
        ans.unanswered[command] = str(exc) or type(exc).__name__
        return None


# ---- mapping ---------------------------------------------------------------------------------

def _loc(conn: str, text: str) -> Loc:
    return Loc(path=f"vici list-conns [{conn}]", line=0, text=text)


def _int(d: dict, key: str, conn: str, default: int) -> Val[int]:
    """A reported number with its VICI location; absent = charon left it out (0/unset)."""
    raw = d.get(key)
    if raw is None or not str(raw).isdigit():
        return Val(default)
    return Val(int(raw), _loc(conn, f"{key} = {raw}"))


def _auth(conn: str, name: str, d: dict) -> AuthRound:
    """A ``local-N``/``remote-N`` section: its ``class`` (and ``eap-type``) to swanctl's ``auth``."""
    cls = str(d.get("class", "")).lower()
    if cls == "eap":
        eap = str(d.get("eap-type", "")).lower().removeprefix("eap_")
        auth = f"eap-{eap}" if eap else "eap"
    elif cls.startswith("xauth"):
        auth = "xauth"
    elif cls == "pre-shared key":
        auth = "psk"
    else:
        auth = "pubkey"
    text = f"{name}.class = {d.get('class', '')}" + (f", eap-type = {d['eap-type']}" if "eap-type" in d else "")
    loc = _loc(conn, text)
    vals = lambda key: [Val(str(v), _loc(conn, f"{name}.{key} = {v}")) for v in d.get(key, []) or []]  # noqa: E731
    return AuthRound(auth=Val(auth, loc),
                     id=Val(str(d["id"]), _loc(conn, f"{name}.id = {d['id']}")) if "id" in d else None,
                     certs=vals("certs"), cacerts=vals("cacerts"),
                     eap_id=Val(str(d["eap_id"]), _loc(conn, f"{name}.eap_id = {d['eap_id']}")) if "eap_id" in d else None,
                     round=int(name.rsplit("-", 1)[-1]) if name.rsplit("-", 1)[-1].isdigit() else 0, loc=loc)


def _child(conn: str, name: str, d: dict) -> Child:
    where = f"children.{name}"

    def ts(key: str) -> Val[list[str]]:
        vals = [str(v) for v in d.get(key, []) or []]
        return Val(vals, _loc(conn, f"{where}.{key} = {', '.join(vals)}")) if vals else Val(["dynamic"])

    return Child(name=name, loc=_loc(conn, where),
                 esp_proposals=Val(list(DEFAULTS["esp_proposals"])),  # not reported: ESP rules are not run
                 local_ts=ts("local-ts"), remote_ts=ts("remote-ts"),
                 rekey_time=_int(d, "rekey_time", conn, int(DEFAULTS["child_rekey_time"])),
                 dpd_action=Val(str(d["dpd_action"]), _loc(conn, f"{where}.dpd_action = {d['dpd_action']}"))
                 if "dpd_action" in d else None)


def connection_from_vici(name: str, d: dict) -> Connection:
    """One ``list-conns`` entry as a ``Connection``; fields VICI omits keep swanctl's defaults
    without a location and are read by no rule in ``VICI_RULES``."""
    d = _dec(dict(d))
    ver = str(d.get("version", ""))
    version = 2 if ver == "IKEv2" else 1 if ver == "IKEv1" else 0
    rounds = {p: sorted((_auth(name, k, v) for k, v in d.items() if k.startswith(p + "-") and isinstance(v, dict)),
                        key=lambda r: r.round) for p in ("local", "remote")}
    addrs = lambda key: Val([str(a) for a in d.get(key, [])], _loc(name, f"{key} = {', '.join(map(str, d.get(key, [])))}"))  # noqa: E731
    unique = str(d.get("unique", ""))
    return Connection(
        name=name, loc=_loc(name, f"connection {name}"), source_format="swanctl",
        version=Val(version, _loc(name, f"version = {ver}")),
        local_addrs=addrs("local_addrs"), remote_addrs=addrs("remote_addrs"),
        local=rounds["local"] or [AuthRound(auth=Val("pubkey"))],
        remote=rounds["remote"] or [AuthRound(auth=Val("pubkey"))],
        proposals=Val(list(DEFAULTS["proposals"])), proposals_strict=True,
        children=[_child(name, n, c) for n, c in (d.get("children") or {}).items()],
        pool_names=Val([]), pools=[],
        send_cert=Val(str(DEFAULTS["send_cert"])), send_certreq=Val(bool(DEFAULTS["send_certreq"])),
        rekey_time=_int(d, "rekey_time", name, int(DEFAULTS["rekey_time"])),
        reauth_time=_int(d, "reauth_time", name, 0),
        dpd_delay=_int(d, "dpd_delay", name, 0),  # charon omits dpd_delay when it is 0
        mobike=Val(bool(DEFAULTS["mobike"])), fragmentation=Val(str(DEFAULTS["fragmentation"])),
        encap=Val(bool(DEFAULTS["encap"])),
        unique=Val(_UNIQUE.get(unique, unique.lower()), _loc(name, f"unique = {unique}")) if unique else None,
    )


def server_from_answers(ans: LiveAnswers) -> ServerConfig:
    cfg = ServerConfig(files=[ans.source])
    cfg.connections = [connection_from_vici(n, d) for n, d in ans.conns.items() if isinstance(d, dict)]
    return cfg


def certs_from_answers(ans: LiveAnswers) -> tuple[list[CertInfo], list[str]]:
    """X.509 entries of ``list-certs`` (DER) as ``CertInfo``; other types are skipped with a note."""
    from cryptography import x509

    out: list[CertInfo] = []
    notes: list[str] = []
    for i, c in enumerate(ans.certs):
        if c.get("type") != "X509" or not isinstance(c.get("data"), bytes):
            notes.append(f"vici list-certs: entry {i} of type {c.get('type')!r} not checked")
            continue
        try:
            out.append(describe(x509.load_der_x509_certificate(c["data"]), "vici list-certs", i))
        except ValueError as exc:
            notes.append(f"vici list-certs: entry {i} unreadable ({exc})")
    return out, notes


# ---- the socket --------------------------------------------------------------------------------

def _owner(path: str) -> str:
    try:
        st = os.stat(path)
        user = pwd.getpwuid(st.st_uid).pw_name
        group = grp.getgrgid(st.st_gid).gr_name
    except (OSError, KeyError):
        return ""
    return f"{user}:{group} {stat.filemode(st.st_mode)}"


def connect(path: str) -> ViciSession:
    """A VICI session on ``path``; a ``ConfigError`` (exit 2) saying what is missing otherwise."""
    try:
        import vici
    except ImportError:
        raise ConfigError(path, "the Python package 'vici' (strongSwan's VICI client) is not installed",
                          "pip install 'ikedoctor[live]'") from None
    sock = socket.socket(socket.AF_UNIX)
    sock.settimeout(10)
    try:
        sock.connect(path)
    except FileNotFoundError:
        sock.close()
        raise ConfigError(path, "no VICI socket here: charon is not running on this machine, or its vici "
                                "plugin listens elsewhere",
                          "pass --socket with charon.plugins.vici.socket of strongswan.conf; "
                          f"the default is {DEFAULT_SOCKET}") from None
    except PermissionError:
        sock.close()
        owner = _owner(path)
        group = owner.split(":")[1].split()[0] if ":" in owner else "the socket's group"
        raise ConfigError(path, f"permission denied on the VICI socket ({owner or 'owner unknown'})",
                          f"run as root (sudo), or add your user to group '{group}' "
                          f"(usermod -aG {group} $USER) and log in again") from None
    except ConnectionRefusedError:
        sock.close()
        raise ConfigError(path, "nothing listens on this VICI socket: charon is not running",
                          "start strongSwan (systemctl start strongswan) or give the right --socket") from None
    except OSError as exc:
        sock.close()
        raise ConfigError(path, f"cannot connect: {exc.strerror or exc}",
                          "give --socket with charon's VICI socket path") from None
    return vici.Session(sock)


# ---- rules in their live form ------------------------------------------------------------------

#: get-algorithms' key exchange section: ``dh`` up to 5.9, ``ke`` from 6.0
KE_SECTIONS = ("ke", "dh")


def rule_dh_live(spec: Any, conn: Connection, ctx: Any, ans: LiveAnswers) -> Any:
    """dh-group-unsupported on what charon can compute (get-algorithms) rather than on its plugin
    list: a pass when every key exchange method the requested clients offer is implemented (then
    no proposal can select one that is not); otherwise not evaluated, naming those methods, as the
    connection's IKE proposals that decide the selection are not reported over VICI."""
    from .proposals import KE
    from .rules import Result
    from .rules_gateway import providers
    from ..report.model import Evidence

    r = Result(spec.id, "unknown", conn.name)
    section = next((k for k in KE_SECTIONS if ans.algorithms and k in ans.algorithms), None)
    if section is None:
        why = ans.unanswered.get("get-algorithms", "no key exchange section in its answer")
        r.reason = f"charon did not report its key exchange methods (vici get-algorithms: {why})"
        return r
    implemented = ans.algorithms[section]  # type: ignore[index]
    clients = ctx.clients_for(spec)
    if not clients:
        r.reason = "no matching client requested"
        return r
    if conn.version.value == 1:
        r.reason = "IKEv1-only connection: the Apple IKEv2 lists do not apply"
        return r
    offered: dict[str, list[str]] = {}
    for cl in clients:
        for p in cl.ike:
            for m in p.algs(KE):
                offered.setdefault(m, [])
                if cl.id not in offered[m]:
                    offered[m].append(cl.id)
    missing = {m: cls for m, cls in offered.items() if m not in implemented}
    have = ", ".join(f"{m} ({implemented[m]})" for m in offered if m in implemented)
    r.evidence = [Evidence(path="vici get-algorithms", line=0, role="config", side="config",
                           text=f"{section}: {have or 'none of the offered methods'}")]
    if ans.plugins is not None:
        r.evidence.append(Evidence(path="vici stats", line=0, role="config", side="config",
                                   text="plugins: " + " ".join(ans.plugins)))
    if not missing:
        r.status = "pass"
        r.reason = ("every key exchange method the requested clients offer is implemented "
                    f"({', '.join(offered)}), whatever the proposals select")
        return r
    table = {k: list(v) for k, v in spec.extra.get("ke_plugins", {}).items()}
    parts = []
    for m, cls in missing.items():
        prov = providers(m, table)
        parts.append(f"{m} (offered by {', '.join(cls)}" + (f"; implemented by {', '.join(prov)}" if prov else "") + ")")
    r.reason = (f"charon cannot compute {'; '.join(parts)} (vici get-algorithms); whether a client gets it "
                "depends on the connection's IKE proposals, which charon does not report over VICI: "
                "run `check --server` on its swanctl.conf and strongswan.conf")
    return r


#: rules evaluated by a live form of their own, on the answers instead of a configuration file
LIVE_RULES = {"dh-group-unsupported": rule_dh_live}
