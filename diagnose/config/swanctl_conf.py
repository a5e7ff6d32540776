"""swanctl.conf (and strongswan.conf) to the normalised ``Connection`` model.

The syntax is read by ``settings_syntax``; this module knows what the
``connections``, ``pools`` and ``charon.plugins.attr`` sections mean and fills
in swanctl's documented defaults (``shared/reference/swanctl-options.tsv``) as
values without a location, so a rule can tell "written as ifasked on line 12"
from "not written, so the default ifasked applies".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .model import AuthRound, Child, Connection, Loc, Pool, ServerConfig, Val, parse_bool, parse_time, split_list
from .settings_syntax import Section, Setting, parse_settings

# swanctl defaults (swanctl-options.tsv); seconds for times
DEFAULTS: dict[str, Any] = {
    "version": 0,
    "local_addrs": ["%any"],
    "remote_addrs": ["%any"],
    "proposals": ["default"],
    "esp_proposals": ["default"],
    "local_ts": ["dynamic"],
    "remote_ts": ["dynamic"],
    "send_cert": "ifasked",
    "send_certreq": True,
    "rekey_time": 4 * 3600,
    "reauth_time": 0,
    "dpd_delay": 0,
    "mobike": True,
    "fragmentation": "yes",
    "encap": False,
    "unique": "no",
    "child_rekey_time": 3600,
    "auth": "pubkey",
}

#: pool attribute keys swanctl knows by name, mapped to the IKEv2 CP attribute they send
POOL_ATTRS = ("dns", "nbns", "dhcp", "netmask", "server", "subnet", "split_include", "split_exclude", "p_cscf")


def _s(sec: Section, key: str, default: str) -> Val[str]:
    st = sec.get(key)
    return Val(st.value, st.loc) if st else Val(default)


def _list(sec: Section, key: str, default: list[str]) -> Val[list[str]]:
    st = sec.get(key)
    return Val(split_list(st.value), st.loc) if st else Val(list(default))


def _time(sec: Section, key: str, default: int) -> Val[int]:
    st = sec.get(key)
    if st is None:
        return Val(default)
    t = parse_time(st.value)
    return Val(default if t is None else t, st.loc)


def _bool(sec: Section, key: str, default: bool) -> Val[bool]:
    st = sec.get(key)
    if st is None:
        return Val(default)
    b = parse_bool(st.value)
    return Val(default if b is None else b, st.loc)


def _opt(sec: Section, key: str) -> Val[str] | None:
    st = sec.get(key)
    return Val(st.value, st.loc) if st else None


def _vals(st: Setting | None) -> list[Val[str]]:
    return [Val(v, st.loc) for v in split_list(st.value)] if st else []


def _auth_round(sec: Section) -> AuthRound:
    certs = _vals(sec.get("certs"))
    for name, sub in sec.sections.items():  # cert<suffix> { file = ... }
        if name.startswith("cert") and sub.get("file"):
            st = sub.get("file")
            assert st is not None
            certs.append(Val(st.value, st.loc))
    rnd = sec.get("round")
    return AuthRound(
        auth=_s(sec, "auth", str(DEFAULTS["auth"])),
        id=_opt(sec, "id"),
        certs=certs,
        cacerts=_vals(sec.get("cacerts")),
        eap_id=_opt(sec, "eap_id"),
        round=int(rnd.value) if rnd and rnd.value.isdigit() else 0,
        loc=sec.loc,
    )


def _rounds(conn: Section, prefix: str) -> list[AuthRound]:
    rounds = [_auth_round(s) for n, s in conn.sections.items() if n.startswith(prefix)]
    if not rounds:  # no section: one round with the default method
        rounds = [AuthRound(auth=Val(str(DEFAULTS["auth"])), loc=None)]
    return sorted(rounds, key=lambda r: r.round)


def _child(name: str, sec: Section) -> Child:
    return Child(
        name=name,
        loc=sec.loc,
        esp_proposals=_list(sec, "esp_proposals", DEFAULTS["esp_proposals"]),
        local_ts=_list(sec, "local_ts", DEFAULTS["local_ts"]),
        remote_ts=_list(sec, "remote_ts", DEFAULTS["remote_ts"]),
        rekey_time=_time(sec, "rekey_time", int(DEFAULTS["child_rekey_time"])),
        dpd_action=_opt(sec, "dpd_action"),
        start_action=_opt(sec, "start_action"),
    )


def connection_from_section(name: str, sec: Section) -> Connection:
    """Build a ``Connection`` from one ``connections.<name>`` section."""
    version = _s(sec, "version", "0")
    reauth = _time(sec, "reauth_time", int(DEFAULTS["reauth_time"]))
    # rekey_time "defaults to 0 if reauth_time is set"
    rekey_default = 0 if reauth.value > 0 else int(DEFAULTS["rekey_time"])
    children = sec.section("children")
    return Connection(
        name=name,
        loc=sec.loc,
        source_format="swanctl",
        version=Val(int(version.value) if version.value.isdigit() else 0, version.loc),
        local_addrs=_list(sec, "local_addrs", DEFAULTS["local_addrs"]),
        remote_addrs=_list(sec, "remote_addrs", DEFAULTS["remote_addrs"]),
        local=_rounds(sec, "local"),
        remote=_rounds(sec, "remote"),
        proposals=_list(sec, "proposals", DEFAULTS["proposals"]),
        proposals_strict=True,
        children=[_child(n, s) for n, s in children.sections.items()] if children else [],
        pool_names=_list(sec, "pools", []),
        pools=[],
        send_cert=_s(sec, "send_cert", str(DEFAULTS["send_cert"])),
        send_certreq=_bool(sec, "send_certreq", bool(DEFAULTS["send_certreq"])),
        rekey_time=_time(sec, "rekey_time", rekey_default),
        reauth_time=reauth,
        dpd_delay=_time(sec, "dpd_delay", int(DEFAULTS["dpd_delay"])),
        mobike=_bool(sec, "mobike", bool(DEFAULTS["mobike"])),
        fragmentation=_s(sec, "fragmentation", str(DEFAULTS["fragmentation"])),
        encap=_bool(sec, "encap", bool(DEFAULTS["encap"])),
        unique=_s(sec, "unique", str(DEFAULTS["unique"])),
    )


def pool_from_section(name: str, sec: Section) -> Pool:
    attrs = {k: Val(split_list(st.value), st.loc) for k, st in sec.settings.items() if k != "addrs"}
    return Pool(name=name, loc=sec.loc, addrs=_list(sec, "addrs", []), attributes=attrs)


def _attr_plugin(root: Section) -> dict[str, Val[list[str]]]:
    """strongswan.conf ``charon.plugins.attr`` (attributes sent to every client)."""
    sec = root.section("charon")
    for part in ("plugins", "attr"):
        sec = sec.section(part) if sec else None
    if sec is None:
        return {}
    return {k: Val(split_list(st.value), st.loc) for k, st in sec.settings.items()}


def load_swanctl(paths: list[Path], into: ServerConfig | None = None) -> ServerConfig:
    """Read swanctl.conf/strongswan.conf files (with includes) into a ``ServerConfig``."""
    cfg = into or ServerConfig()
    root, files = parse_settings([Path(p) for p in paths], warnings=cfg.warnings)
    cfg.files.extend(files)
    pools = root.section("pools")
    if pools:
        for n, s in pools.sections.items():
            cfg.pools[n] = pool_from_section(n, s)
    conns = root.section("connections")
    if conns:
        cfg.connections.extend(connection_from_section(n, s) for n, s in conns.sections.items())
    cfg.global_attributes.update(_attr_plugin(root))
    charon = root.section("charon")
    if charon is not None:
        if "load" in charon.settings:
            st = charon.settings["load"]
            cfg.plugins = Val(split_list(st.value), st.loc)
        if "load_modular" in charon.settings:
            st = charon.settings["load_modular"]
            cfg.load_modular = Val(bool(parse_bool(st.value)), st.loc)
    resolve_pools(cfg)
    return cfg


def resolve_pools(cfg: ServerConfig) -> None:
    """Attach the named pools to each connection (pools may live in another file)."""
    for c in cfg.connections:
        if c.source_format != "swanctl":
            continue
        c.pools = [cfg.pools[n] for n in c.pool_names.value if n in cfg.pools]


def section_loc(sec: Section | None) -> Loc | None:
    return sec.loc if sec else None
