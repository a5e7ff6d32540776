"""Legacy ipsec.conf (stroke/starter) to the normalised ``Connection`` model.

Many gateways that Apple clients reach still run ipsec.conf, whose defaults
differ from swanctl's in ways that matter here (``reauth=yes`` with
``ikelifetime=3h``/``margintime=9m``; DPD off while ``dpdaction=none``; an
``ike=``/``esp=`` list gets the daemon defaults appended unless it ends in
``!``).  Those defaults come from ``swanctl-options.tsv`` (column
``ipsec_conf_default``) and from ``stroke_config.c`` as noted there.

``left`` is taken as the gateway (local) side, as in strongSwan's roadwarrior
examples.  ``also=`` and ``conn %default`` are applied as starter does: the
conn's own keys win over ``also`` sections, which win over ``%default``.
"""

from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import ConfigError
from .model import AuthRound, Child, Connection, Loc, Pool, ServerConfig, Val, parse_bool, parse_time, split_list

IPSEC_DEFAULTS = {
    "keyexchange": "ike",
    "ikelifetime": "3h",
    "margintime": "9m",
    "lifetime": "1h",
    "reauth": "yes",
    "rekey": "yes",
    "dpddelay": "30s",
    "dpdaction": "none",
    "mobike": "yes",
    "fragmentation": "yes",
    "forceencaps": "no",
    "leftsendcert": "ifasked",
    "authby": "pubkey",
}

_ALIASES = {"keylife": "lifetime", "rekeymargin": "margintime", "ikelifetime": "ikelifetime"}


@dataclass(slots=True)
class _Sect:
    kind: str  # conn | ca | config
    name: str
    loc: Loc
    kv: dict[str, tuple[str, Loc]] = field(default_factory=dict)


def _unquote(v: str) -> str:
    v = v.strip()
    if len(v) >= 2 and v[0] == v[-1] == '"':
        return v[1:-1]
    return v


def _strip_comment(line: str) -> str:
    out, q = [], False
    for ch in line:
        if ch == '"':
            q = not q
        if ch == "#" and not q:
            break
        out.append(ch)
    return "".join(out).rstrip()


def _read(path: Path, sections: list[_Sect], files: list[str], warnings: list[str], depth: int = 0) -> None:
    if depth > 10:
        raise ConfigError(path, "includes nested deeper than 10", "check for an include loop")
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise ConfigError(path, f"cannot read: {exc.strerror or exc}", "pass a readable ipsec.conf") from None
    files.append(str(path))
    cur: _Sect | None = None
    for no, raw in enumerate(text.splitlines(), 1):
        line = _strip_comment(raw)
        if not line.strip():
            continue
        loc = Loc(str(path), no, raw.strip())
        if not line[0].isspace():
            words = line.split()
            if words[0] == "include" and len(words) >= 2:
                pat = words[1] if os.path.isabs(words[1]) else str(path.parent / words[1])
                matches = sorted(glob.glob(pat))
                if not matches and not glob.has_magic(words[1]):
                    warnings.append(f"{path}:{no}: include '{words[1]}' not found")
                for m in matches:
                    _read(Path(m), sections, files, warnings, depth + 1)
                cur = None
                continue
            if words[0] in ("conn", "ca") and len(words) == 2:
                cur = _Sect(words[0], words[1], loc)
                sections.append(cur)
                continue
            if words[0] == "config" and len(words) == 2 and words[1] == "setup":
                cur = _Sect("config", "setup", loc)
                sections.append(cur)
                continue
            if words[0] == "version":
                continue
            raise ConfigError(path, f"line {no}: '{line.strip()}' is not 'conn <name>', 'ca <name>', "
                              "'config setup' or 'include'", "indent parameters under their section")
        if cur is None:
            raise ConfigError(path, f"line {no}: parameter outside of a section", "put it under a 'conn' section")
        if "=" not in line:
            raise ConfigError(path, f"line {no}: expected 'key=value'", "add '='")
        key, _, val = line.strip().partition("=")
        key = _ALIASES.get(key.strip(), key.strip())
        cur.kv[key] = (_unquote(val), loc)


def looks_like_ipsec_conf(text: str) -> bool:
    """ipsec.conf has unindented ``conn x``/``config setup`` lines and no braces."""
    return bool(re.search(r"^(conn\s+\S+|config\s+setup)\s*(#.*)?$", text, re.M)) and "{" not in text


def _effective(conn: _Sect, by_name: dict[str, _Sect], default: _Sect | None) -> dict[str, tuple[str, Loc | None]]:
    """%default < also= sections (in order, recursively) < the conn's own keys."""
    eff: dict[str, tuple[str, Loc | None]] = {}
    if default:
        eff.update(default.kv)

    def apply(sect: _Sect, seen: set[str]) -> None:
        if "also" in sect.kv:
            for ref in split_list(sect.kv["also"][0]):
                if ref in by_name and ref not in seen:
                    seen.add(ref)
                    apply(by_name[ref], seen)
        eff.update({k: v for k, v in sect.kv.items() if k != "also"})

    apply(conn, {conn.name})
    return eff


def _get(eff: dict[str, tuple[str, Loc | None]], key: str) -> tuple[str, Loc | None]:
    if key in eff:
        return eff[key]
    return IPSEC_DEFAULTS.get(key, ""), None


def _auth(eff: dict, side: str, suffix: str = "") -> str | None:
    v, _ = _get(eff, f"{side}auth{suffix}")
    if v:
        return v
    if suffix:
        return None
    authby, _ = _get(eff, "authby")
    return {"secret": "psk", "psk": "psk", "rsasig": "pubkey", "ecdsasig": "pubkey", "pubkey": "pubkey",
            "xauthpsk": "psk", "xauthrsasig": "pubkey", "never": "never"}.get(authby, "pubkey")


def _round(eff: dict, side: str, suffix: str = "") -> AuthRound | None:
    method = _auth(eff, side, suffix)
    if method is None:
        return None
    _, aloc = _get(eff, f"{side}auth{suffix}")
    if aloc is None:
        _, aloc = _get(eff, "authby")
    idv, idloc = _get(eff, f"{side}id{suffix}")
    cert, cloc = _get(eff, f"{side}cert{suffix}")
    ca, caloc = _get(eff, f"{side}ca{suffix}")
    eap, eloc = _get(eff, "eap_identity")
    return AuthRound(
        auth=Val(method, aloc),
        id=Val(idv.lstrip("@"), idloc) if idv else None,
        certs=[Val(c, cloc) for c in split_list(cert)] if cert else [],
        cacerts=[Val(ca, caloc)] if ca else [],
        eap_id=Val(eap, eloc) if (eap and side == "right" and method.startswith("eap")) else None,
        round=1 if suffix else 0,
        loc=idloc or cloc or aloc,
    )


def _proposals(value: str, loc: Loc | None) -> tuple[Val[list[str]], bool]:
    if not value:  # unset: only the daemon defaults (stroke_config.c)
        return Val(["default"]), True
    strict = value.rstrip().endswith("!")
    return Val(split_list(value.rstrip().rstrip("!")), loc), strict


def _to_connection(conn: _Sect, eff: dict, setup: _Sect | None) -> Connection:
    def t(key: str) -> tuple[int, Loc | None]:
        v, loc = _get(eff, key)
        return parse_time(v) or 0, loc

    ike, ike_strict = _proposals(*_get(eff, "ike"))
    esp, esp_strict = _proposals(*_get(eff, "esp"))
    life, life_loc = t("ikelifetime")
    margin, margin_loc = t("margintime")
    reauth_v, reauth_loc = _get(eff, "reauth")
    rekey_v, rekey_loc = _get(eff, "rekey")
    interval = max(life - margin, 0)
    if parse_bool(rekey_v) is False:
        reauth_time, rekey_time = Val(0, rekey_loc), Val(0, rekey_loc)
    elif parse_bool(reauth_v) is False:
        reauth_time, rekey_time = Val(0, reauth_loc), Val(interval, life_loc)
    else:  # reauth=yes is ipsec.conf's default
        reauth_time, rekey_time = Val(interval, reauth_loc), Val(0, reauth_loc)
    dpdaction, dpd_loc = _get(eff, "dpdaction")
    delay, delay_loc = t("dpddelay")
    dpd = Val(0, dpd_loc) if dpdaction in ("none", "") else Val(delay, delay_loc or dpd_loc)
    keylife, kl_loc = t("lifetime")
    kx, kx_loc = _get(eff, "keyexchange")
    left, left_loc = _get(eff, "left")
    right, right_loc = _get(eff, "right")
    lsub, lsub_loc = _get(eff, "leftsubnet")
    rsub, rsub_loc = _get(eff, "rightsubnet")
    sendcert, sc_loc = _get(eff, "leftsendcert")
    rsendcert, _ = _get(eff, "rightsendcert")
    srcip, srcip_loc = _get(eff, "rightsourceip")
    dns, dns_loc = _get(eff, "rightdns")

    pools: list[Pool] = []
    pool_names: list[str] = []
    if srcip:
        addrs = [a for a in split_list(srcip) if not a.startswith("%")]
        named = [a[1:] for a in split_list(srcip) if a.startswith("%") and a not in ("%config", "%config4", "%config6", "%modeconfig", "%modecfg")]
        pool_names = named
        if addrs:
            attrs = {"dns": Val(split_list(dns), dns_loc)} if dns else {}
            pools.append(Pool(name=conn.name, loc=srcip_loc, addrs=Val(addrs, srcip_loc), attributes=attrs))

    local = [r for r in (_round(eff, "left"), _round(eff, "left", "2")) if r]
    remote = [r for r in (_round(eff, "right"), _round(eff, "right", "2")) if r]
    uniq: tuple[str, Loc | None] = setup.kv.get("uniqueids", ("yes", None)) if setup else ("yes", None)
    return Connection(
        name=conn.name,
        loc=conn.loc,
        source_format="ipsec.conf",
        version=Val({"ikev1": 1, "ikev2": 2}.get(kx, 0), kx_loc),
        local_addrs=Val(["%any"] if left in ("", "%defaultroute", "%any") else split_list(left), left_loc),
        remote_addrs=Val(["%any"] if right in ("", "%any") else split_list(right), right_loc),
        local=local,
        remote=remote,
        proposals=ike,
        proposals_strict=ike_strict,
        children=[Child(
            name=conn.name,
            loc=conn.loc,
            esp_proposals=esp,
            local_ts=Val(split_list(lsub), lsub_loc) if lsub else Val(["dynamic"]),
            remote_ts=Val(split_list(rsub), rsub_loc) if rsub else Val(["dynamic"]),
            rekey_time=Val(max(keylife - margin, 0), kl_loc or margin_loc),
            esp_strict=esp_strict,
            dpd_action=Val(dpdaction, dpd_loc),
        )],
        pool_names=Val(pool_names, srcip_loc),
        pools=pools,
        send_cert=Val({"yes": "always", "no": "never"}.get(sendcert, sendcert) or "ifasked", sc_loc),
        send_certreq=Val(rsendcert != "never"),
        rekey_time=rekey_time,
        reauth_time=reauth_time,
        dpd_delay=dpd,
        mobike=Val(parse_bool(_get(eff, "mobike")[0]) is not False, _get(eff, "mobike")[1]),
        fragmentation=Val(*_get(eff, "fragmentation")),
        encap=Val(parse_bool(_get(eff, "forceencaps")[0]) is True, _get(eff, "forceencaps")[1]),
        unique=Val(uniq[0] or "yes", uniq[1]),
    )


def load_ipsec_conf(paths: list[Path], into: ServerConfig | None = None) -> ServerConfig:
    """Read ipsec.conf files (with includes) into a ``ServerConfig``."""
    cfg = into or ServerConfig()
    sections: list[_Sect] = []
    for p in paths:
        _read(Path(p), sections, cfg.files, cfg.warnings)
    conns = [s for s in sections if s.kind == "conn"]
    by_name = {s.name: s for s in conns}
    default = by_name.get("%default")
    setup = next((s for s in sections if s.kind == "config"), None)
    loaded, ignored = [], []
    for c in conns:
        if c.name == "%default":
            continue
        eff = _effective(c, by_name, default)
        # starter loads only conns with auto=add|route|start; auto=ignore (the default) ones
        # are templates for also= or unused
        (ignored if eff.get("auto", ("ignore", None))[0] == "ignore" else loaded).append((c, eff))
    if not loaded and ignored:
        cfg.warnings.append(f"{paths[0]}: no conn has auto=add/route/start; checking all of them")
        loaded = ignored
    for c, eff in loaded:
        cfg.connections.append(_to_connection(c, eff, setup))
    return cfg
