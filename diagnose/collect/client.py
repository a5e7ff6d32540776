"""``ikedoctor collect`` on a Mac: unified log, racoon.log, VPN status and the VPN profile.

What runs, and why (mac-collect.md §2):

====================================================  ==============  =============================
command / file                                        privilege       bundle member
====================================================  ==============  =============================
``sw_vers``                                           none            manifest ``os``
``log show --style ndjson --info --debug ...``        admin account   ``logs/unified.ndjson``
``/var/log/racoon.log`` (if present)                  usually root    ``logs/racoon.log``
``/var/log/ppp.log`` (if present, L2TP)               none            ``logs/ppp.log``
``scutil --nc list`` / ``scutil --nc status <id>``    none            ``status/scutil-nc-*.txt``
``profiles show -type configuration -output           root            ``config/profiles.xml.redacted``,
stdout-xml``                                                          ``config/vpn-summary.json``
====================================================  ==============  =============================

ndjson is the one ``log show`` style that keeps full timestamps with offsets, the
message type, subsystem and multi-line messages intact.  Nothing prompts for a
password: without root the root-only steps are recorded as refused, and the
summary tells the user to re-run with ``sudo`` if they matter.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from .common import Collection, CollectError, NotAMacError, default_runner, platform_name, window_argv
from .redact import redact_plist_bytes, redact_scutil, vpn_summary
from .runner import Runner

#: apple-log-formats.md §1: the VPN processes, plus the NE subsystem for lines other processes log
PREDICATE = ('process == "NEIKEv2Provider" OR process == "nesessionmanager" OR process == "neagent" '
             'OR process == "racoon" OR process == "pppd" OR subsystem == "com.apple.networkextension"')

RACOON_LOG = Path("/var/log/racoon.log")
PPP_LOG = Path("/var/log/ppp.log")

#: scutil --nc list: `* (Disconnected)   <UUID> VPN (com.x) "Name"   [VPN:com.x]`
_NC_LINE = re.compile(r'^\s*\*?\s*\((?P<state>[^)]*)\)\s+(?P<uuid>[0-9A-Fa-f-]{36})\s+(?P<rest>.*?)\s*$')


def log_show_argv(last: str | None = "2h", start: str | None = None, end: str | None = None) -> list[str]:
    return ["log", "show", "--style", "ndjson", "--info", "--debug", *window_argv(last, start, end),
            "--predicate", PREDICATE]


def plan(last: str | None = "2h", start: str | None = None, end: str | None = None) -> list[tuple[str, str]]:
    """(command or file, privilege) in the order ``collect_client`` runs them."""
    return [
        ("sw_vers", "none"),
        (" ".join(_quote(a) for a in log_show_argv(last, start, end)), "an admin account"),
        (f"copy {RACOON_LOG} (if present)", "usually root"),
        (f"copy {PPP_LOG} (if present)", "none"),
        ("scutil --nc list, then scutil --nc status <each service>", "none"),
        ("profiles show -type configuration -output stdout-xml (secrets removed)", "root"),
    ]


def _quote(arg: str) -> str:
    return arg if re.fullmatch(r"[\w@%+=:,./-]+", arg) else "'" + arg.replace("'", "'\\''") + "'"


def nc_services(listing: str) -> list[dict[str, str]]:
    """Services from ``scutil --nc list`` (the header line and blank lines are skipped)."""
    out = []
    for line in listing.splitlines():
        m = _NC_LINE.match(line)
        if m:
            name = re.search(r'"([^"]*)"', m.group("rest"))
            out.append({"state": m.group("state"), "uuid": m.group("uuid"), "name": name.group(1) if name else ""})
    return out


def collect_client(out_dir: str | Path = ".", last: str | None = "2h", start: str | None = None,
                   end: str | None = None, redact: bool = True, runner: Runner | None = None,
                   racoon_log: Path = RACOON_LOG, ppp_log: Path = PPP_LOG, log_timeout: float = 900.0) -> Path:
    """Collect the Mac side into one bundle and return its path.

    ``redact=False`` is accepted for symmetry but secrets in profiles are always
    removed; it only keeps ``scutil`` output verbatim.  Raises :class:`NotAMacError`
    (with the plan) off macOS, :class:`CollectError` for a bad time window.
    """
    window = window_argv(last, start, end)  # validate before anything runs
    if platform_name() != "Darwin":
        lines = "\n".join(f"  {cmd}    [{priv}]" for cmd, priv in plan(last, start, end))
        raise NotAMacError(
            f"ikedoctor collect gathers the client side on macOS only (this is {platform_name()}).\n"
            f"On the Mac it would run:\n{lines}\n"
            "For an iPhone, install Apple's VPN logging profile, reproduce, take a sysdiagnose and run "
            "`log show --style ndjson --info --debug --predicate '...' system_logs.logarchive` on a Mac.\n"
            "On the strongSwan server use: ikedoctor collect --server")
    col = Collection("client", Path(out_dir), default_runner(runner))
    extra: dict[str, Any] = {"window": window, "predicate": PREDICATE}

    sw = col.run("os-version", ["sw_vers"], timeout=20)
    if sw.ok:
        extra["os"] = dict(re.findall(r"^(\w+):\s*(.+?)\s*$", sw.stdout.decode("utf-8", "replace"), re.M))
        col.tool_versions["macOS"] = extra["os"].get("ProductVersion", "")

    res = col.run("unified-log", log_show_argv(last, start, end), timeout=log_timeout, needs="an admin account")
    if res.stdout:
        col.add_file("logs/unified.ndjson", res.stdout, "log", fmt="apple-unified", source="log show")

    col.copy_file("racoon-log", racoon_log, "logs/racoon.log", "log", fmt="racoon", needs="root")
    col.copy_file("ppp-log", ppp_log, "logs/ppp.log", "log", fmt="apple-legacy")

    listing = col.run("vpn-services", ["scutil", "--nc", "list"], timeout=30)
    if listing.ok:
        text = listing.stdout.decode("utf-8", "replace")
        col.add_file("status/scutil-nc-list.txt", text, "status", source="scutil --nc list")
        services = nc_services(text)
        extra["vpn_services"] = services
        if not services:
            col.steps[-1]["note"] = ("no services listed: IKEv2 configurations made by profiles may not appear in "
                                     "scutil --nc (mac-collect.md §2 row 5); the profile and the log still tell")
        for n, svc in enumerate(services, 1):
            st = col.run(f"vpn-status-{n}", ["scutil", "--nc", "status", svc["uuid"]], timeout=30)
            if st.stdout:
                body = st.stdout.decode("utf-8", "replace")
                col.add_file(f"status/scutil-nc-status-{n}.txt", redact_scutil(body) if redact else body, "status",
                             source=f"scutil --nc status {svc['uuid']}")

    prof = col.run("vpn-profiles", ["profiles", "show", "-type", "configuration", "-output", "stdout-xml"],
                   timeout=60, needs="root")
    if prof.ok and prof.stdout.strip():
        xml, obj = redact_plist_bytes(prof.stdout)
        col.add_file("config/profiles.xml.redacted", xml, "config", source="profiles show", redacted=True)
        if obj is not None:
            summary = vpn_summary(obj)
            col.add_file("config/vpn-summary.json", json.dumps(summary, indent=2, default=str), "config", redacted=True)
            extra["vpn_profiles"] = len(summary)

    return col.finish(extra)


__all__ = ["collect_client", "plan", "PREDICATE", "NotAMacError", "CollectError", "nc_services", "log_show_argv"]
