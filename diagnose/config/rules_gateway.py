"""Configuration rules about the gateway itself (issue 14): what charon can compute, how many
addresses it can hand out, whether large IKE_AUTH messages survive, and whether its own key and
the clients' CA are where swanctl loads them from.

Data (titles, texts, the key exchange method -> plugin table, pool limits) lives in
``patterns/config-rules.toml``; this module only evaluates.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

from .credentials import ca_files, find_cert, load_cert, scan_keys, spki, swanctl_dir
from .model import Connection, Pool
from .proposals import KE, configured
from .rules import Context, Result, RuleSpec, _evs, _ike_selection, action, ev_loc, ev_val


# ---- key exchange methods against the plugins charon loads -----------------------------------

def providers(method: str, table: dict[str, list[str]]) -> list[str] | None:
    """The plugins that implement ``method`` (longest matching prefix of the table), or None."""
    best = max((p for p in table if method.startswith(p)), key=len, default=None)
    return table[best] if best is not None else None


def rule_dh_plugins(spec: RuleSpec, conn: Connection, ctx: Context) -> Result:
    r = Result(spec.id, "unknown", conn.name)
    srv = ctx.server
    if srv is None or srv.plugins is None or (srv.load_modular is not None and srv.load_modular.value):
        r.reason = "needs strongswan.conf with an explicit plugin list (charon.load, load_modular = no)"
        return r
    loaded = {p.lstrip("!") for p in srv.plugins.value}
    table = {k: list(v) for k, v in spec.extra.get("ke_plugins", {}).items()}
    props = configured("IKE", conn.proposals.value, conn.proposals_strict, ctx.strongswan_version)
    missing: dict[str, list[str]] = {}
    for p in props:
        for method in p.algs(KE):
            prov = providers(method, table)
            if prov is not None and not loaded & set(prov):
                missing[method] = prov
    r.evidence = _evs(ev_val(conn.proposals, conn, "proposals"), ev_loc(srv.plugins.loc) if srv.plugins.loc else None)
    if not missing:
        r.status, r.reason = "pass", "every key exchange method of the IKE proposals has a loaded plugin"
        return r
    hit = []
    for cl in ctx.clients_for(spec):
        sel = _ike_selection(conn, cl, ctx)
        if sel is not None and set(sel.algs(KE)) & set(missing):
            hit.append((cl, sel))
    if not hit:
        r.status = "pass"
        r.reason = f"{', '.join(missing)} without a plugin, but no requested client would select it"
        return r
    method = next(m for m in hit[0][1].algs(KE) if m in missing)
    r.status, r.clients, r.confidence = "fail", [c.id for c, _ in hit], spec.confidence
    r.values = {"group": method, "plugins": ", ".join(missing[method]),
                "loaded": ", ".join(srv.plugins.value),
                "where": f"{srv.plugins.loc.path}:{srv.plugins.loc.line}" if srv.plugins.loc else "charon.load"}
    return r


# ---- pool size ---------------------------------------------------------------------------------

def pool_size(pool: Pool) -> int | None:
    """Addresses a pool hands out as charon counts them (a subnet without network and broadcast
    address, except /31, /32 and IPv6), or None for a value this does not understand."""
    total = 0
    for a in pool.addrs.value:
        try:
            if "-" in a:
                lo, hi = (ipaddress.ip_address(x.strip()) for x in a.split("-", 1))
                total += int(hi) - int(lo) + 1
                continue
            net = ipaddress.ip_network(a, strict=False)
        except ValueError:
            return None
        n = net.num_addresses
        total += n - 2 if net.version == 4 and n > 2 else n
    return total


def rule_pool_size(spec: RuleSpec, conn: Connection, ctx: Context) -> list[Result]:
    if not conn.pools:
        return [Result(spec.id, "pass", conn.name, reason="no virtual IP pool")]
    minimum = int(spec.extra.get("min_addresses", 2))
    small = int(spec.extra.get("small_pool", 16))
    unique = conn.unique.value if conn.unique is not None else "no"
    out = []
    for pool in conn.pools:
        size = pool_size(pool)
        r = Result(spec.id, "pass", conn.name)
        r.evidence = _evs(ev_loc(pool.addrs.loc) if pool.addrs.loc else None,
                          ev_val(conn.unique, conn, "unique") if conn.unique is not None else None)
        if size is None:
            r.status, r.reason = "unknown", f"pool '{pool.name}': addresses not understood"
        elif size < minimum:
            r.status, r.confidence = "fail", spec.confidence
            r.values = {"pool": pool.name, "size": str(size),
                        "why": f"it holds {size} address{'es' if size != 1 else ''}: one client at a time"
                               if size == 1 else f"it holds only {size} addresses"}
        elif unique == "never" and conn.dpd_delay.value == 0 and size <= small:
            r.status, r.confidence = "fail", spec.confidence
            r.values = {"pool": pool.name, "size": str(size),
                        "why": (f"it holds {size} addresses while `unique = never` and no DPD keep the "
                                "leases of clients that vanished without a DELETE")}
        else:
            r.reason = f"pool '{pool.name}' holds {size} addresses"
        if r.status == "fail":
            r.clients = [c.id for c in ctx.clients_for(spec)]
        out.append(r)
    return out


# ---- fragmentation -----------------------------------------------------------------------------

def rule_fragmentation(spec: RuleSpec, conn: Connection, ctx: Context) -> Result:
    r = Result(spec.id, "pass", conn.name)
    r.evidence = _evs(ev_val(conn.fragmentation, conn, "fragmentation"))
    if conn.fragmentation.value.strip().lower() not in ("no", "false", "0"):
        r.reason = f"fragmentation = {conn.fragmentation.value}"
        return r
    if not conn.local_pubkey_rounds():
        r.reason = "IKE fragmentation is off, but the gateway sends no certificate"
        return r
    r.status, r.clients, r.confidence = "fail", [c.id for c in ctx.clients_for(spec)], spec.confidence
    change = "fragmentation = yes" if conn.source_format == "swanctl" else "fragmentation=yes"
    r.values = {"action": action(spec, conn, conn.fragmentation, change=change)}
    return r


# ---- the gateway's private key and the clients' CA ------------------------------------------

def _layout(conn: Connection) -> Path | None:
    return swanctl_dir(conn.loc.path) if conn.source_format == "swanctl" and conn.loc else None


def rule_gateway_key(spec: RuleSpec, conn: Connection, ctx: Context) -> Result:
    r = Result(spec.id, "unknown", conn.name)
    d = _layout(conn)
    certs = conn.local_certs()
    if not certs:
        r.status, r.reason = "pass", "the gateway authenticates without a certificate"
        return r
    if d is None:
        r.reason = "needs swanctl.conf in its folder layout (x509/, private/ beside it)"
        return r
    keys = scan_keys(d)
    for val in certs:
        path = find_cert(d, val.value)
        cert = load_cert(path) if path else None
        if cert is None:
            r.reason = f"certificate '{val.value}' not found or unreadable beside {d}"
            continue
        if spki(cert) in keys.public_keys:
            r.status, r.reason = "pass", f"the private key of {path.name} is installed"
            r.evidence = _evs(ev_val(val, conn, "certs"))
            continue
        if keys.unreadable:
            r.status = "unknown"
            r.reason = f"no readable key matches {path.name}; encrypted or unreadable: {', '.join(keys.unreadable)}"
            continue
        r.status, r.clients, r.confidence = "fail", [c.id for c in ctx.clients_for(spec)], spec.confidence
        r.evidence = _evs(ev_val(val, conn, "certs"))
        r.values = {"cert": str(path), "key_dirs": str(d / "private")}
        return r
    return r


def rule_client_ca(spec: RuleSpec, conn: Connection, ctx: Context) -> Result:
    r = Result(spec.id, "pass", conn.name)
    rounds = [rnd for rnd in conn.remote if rnd.method == "pubkey" or rnd.eap_method == "tls"]
    if not rounds:
        r.reason = "clients do not authenticate with certificates"
        return r
    d = _layout(conn)
    if d is None:
        r.status, r.reason = "unknown", "needs swanctl.conf in its folder layout (x509ca/ beside it)"
        return r
    missing = [v for rnd in rounds for v in rnd.cacerts if find_cert(d, v.value) is None]
    if missing:
        r.status, r.confidence = "fail", spec.confidence
        r.evidence = _evs(*(ev_val(v, conn, "cacerts") for v in missing))
        r.values = {"problem": f"the CA certificate '{missing[0].value}' that `cacerts` names is not in {d / 'x509ca'}",
                    "ca_dir": str(d / "x509ca")}
    elif not any(rnd.cacerts for rnd in rounds) and not ca_files(d):
        r.status, r.confidence = "fail", spec.confidence
        anchor = rounds[0].loc or conn.loc
        r.evidence = _evs(ev_loc(anchor, "no CA certificate in x509ca/") if anchor else None)
        r.values = {"problem": f"no CA certificate is loaded ({d / 'x509ca'} is empty), so no client "
                               "certificate can be verified", "ca_dir": str(d / "x509ca")}
    else:
        r.reason = "a CA for client certificates is loaded"
    if r.status == "fail":
        r.clients = [c.id for c in ctx.clients_for(spec)]
    return r


GATEWAY_RULES = {
    "dh-group-unsupported": (rule_dh_plugins, "connection"),
    "vip-pool-exhausted": (rule_pool_size, "connection"),
    "ike-auth-lost": (rule_fragmentation, "connection"),
    "gateway-key-missing": (rule_gateway_key, "connection"),
    "client-cert-untrusted": (rule_client_ca, "connection"),
}
