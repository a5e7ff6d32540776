"""Scenario definitions: loaded from the data files in ``tests/lab/scenarios/*.toml``.

Each file describes one reproduction: the gateway's and the client's swanctl.conf, how each daemon
logs, the steps that drive the run (initiate, wait for a log line, freeze the client, ...), the
charon messages that must appear, and the ikedoctor finding ids the logs must produce.
The keys are documented in ``docs/lab.md``.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCENARIO_DIR = Path(__file__).with_name("scenarios")

# How a daemon logs. The names are also the ``style`` written into sample.toml.
LOG_STYLES = {
    "filelog-time-ikename",   # file log, time_format = %b %e %T, ike_name = yes
    "filelog-time",           # file log, time_format = %b %e %T
    "filelog-iso-ms",         # file log, time_format = %F %T, time_add_ms = yes, ike_name = yes
    "filelog-plain",          # file log without time_format and without ike_name
    "syslog-rsyslog",         # syslog() through a private rsyslogd, RSYSLOG_TraditionalFileFormat
    "stderr",                 # charon's stderr console logger (filelog "stderr"), ike_name = yes
}

STEP_ACTIONS = {
    "initiate",      # swanctl --initiate --child CHILD on SIDE (may fail when expect_ok = false)
    "wait_log",      # wait until SIDE's log contains TEXT (a charon format string or plain text)
    "sleep",         # sleep SECONDS
    "freeze",        # SIGSTOP SIDE's charon
    "thaw",          # SIGCONT SIDE's charon
    "kill",          # SIGKILL SIDE's charon (no DELETE is sent)
    "restart",       # start SIDE's charon again (appending to the same log) and load its config
    "load_conf",     # swanctl --load-all with the scenario's ``conf_after`` text for SIDE
    "firewall_drop", # nftables: drop UDP PORTS (default 500 and 4500) arriving in SIDE's namespace
}


class ScenarioError(ValueError):
    """A scenario file is malformed; the message names the file and the key."""


@dataclass(frozen=True)
class Step:
    action: str
    side: str = "client"
    child: str = ""
    text: str = ""
    seconds: float = 0.0
    timeout: float = 30.0
    expect_ok: bool = True
    ports: tuple[int, ...] = (500, 4500)


@dataclass(frozen=True)
class Side:
    swanctl: str
    log: str
    levels: dict[str, int] = field(default_factory=dict)
    charon: dict[str, Any] = field(default_factory=dict)  # extra charon.* settings (flat dotted keys)
    conf_after: str = ""
    omit_keys: tuple[str, ...] = ()  # certificates (by name) whose private key is not installed
    extra_addrs: tuple[str, ...] = ()  # more addresses (CIDR) on the side's veth, e.g. a second device


@dataclass(frozen=True)
class Scenario:
    id: str
    description: str
    apple: str
    expect: list[str]
    expect_server_only: list[str]
    gateway: Side
    client: Side
    steps: list[Step]
    server_lines: list[str]
    client_lines: list[str]
    max_seconds: float
    path: Path
    #: strongSwan major versions the scenario can be played with (a 6.x charon cannot start
    #: without openssl, so "a DH group without its plugin" is a 5.x scenario)
    strongswan: tuple[str, ...] = ("5", "6")

    @property
    def healthy(self) -> bool:
        return not self.expect

    def runs_on(self, major: str) -> bool:
        return major in self.strongswan


def _req(data: dict, key: str, kind: type, where: str) -> Any:
    if key not in data:
        raise ScenarioError(f"{where}: missing key '{key}'")
    value = data[key]
    if not isinstance(value, kind):
        raise ScenarioError(f"{where}: key '{key}' must be {kind.__name__}")
    return value


def _side(data: dict, where: str) -> Side:
    log = _req(data, "log", str, where)
    if log not in LOG_STYLES:
        raise ScenarioError(f"{where}: log = '{log}' is not one of {sorted(LOG_STYLES)}")
    known = {"swanctl", "log", "levels", "charon", "conf_after", "omit_keys", "extra_addrs"}
    unknown = set(data) - known
    if unknown:
        raise ScenarioError(f"{where}: unknown keys {sorted(unknown)}")
    return Side(
        swanctl=_req(data, "swanctl", str, where),
        log=log,
        levels=dict(data.get("levels", {})),
        charon=dict(data.get("charon", {})),
        conf_after=data.get("conf_after", ""),
        omit_keys=tuple(data.get("omit_keys", ())),
        extra_addrs=tuple(data.get("extra_addrs", ())),
    )


def _step(data: dict, where: str) -> Step:
    action = _req(data, "do", str, where)
    if action not in STEP_ACTIONS:
        raise ScenarioError(f"{where}: do = '{action}' is not one of {sorted(STEP_ACTIONS)}")
    side = data.get("side", "client")
    if side not in ("client", "server"):
        raise ScenarioError(f"{where}: side must be 'client' or 'server'")
    unknown = set(data) - {"do", "side", "child", "text", "seconds", "timeout", "expect_ok", "ports"}
    if unknown:
        raise ScenarioError(f"{where}: unknown keys {sorted(unknown)}")
    return Step(action=action, side=side, child=data.get("child", ""), text=data.get("text", ""),
                seconds=float(data.get("seconds", 0.0)), timeout=float(data.get("timeout", 30.0)),
                expect_ok=bool(data.get("expect_ok", True)),
                ports=tuple(int(p) for p in data.get("ports", (500, 4500))))


def load_scenario(path: Path) -> Scenario:
    where = str(path)
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{where}: {exc}") from exc
    sid = _req(data, "id", str, where)
    if sid != path.stem:
        raise ScenarioError(f"{where}: id '{sid}' must equal the file name")
    steps = [_step(s, f"{where} steps[{i}]") for i, s in enumerate(_req(data, "steps", list, where))]
    lines = data.get("lines", {})
    return Scenario(
        id=sid,
        description=_req(data, "description", str, where).strip(),
        apple=_req(data, "apple", str, where).strip(),
        expect=list(_req(data, "expect", list, where)),
        expect_server_only=list(_req(data, "expect_server_only", list, where)),
        gateway=_side(_req(data, "gateway", dict, where), f"{where} [gateway]"),
        client=_side(_req(data, "client", dict, where), f"{where} [client]"),
        steps=steps,
        server_lines=list(lines.get("server", [])),
        client_lines=list(lines.get("client", [])),
        max_seconds=float(data.get("max_seconds", 60)),
        path=path,
        strongswan=tuple(str(v) for v in data.get("strongswan", ("5", "6"))),
    )


def load_all(only: list[str] | None = None) -> list[Scenario]:
    scenarios = [load_scenario(p) for p in sorted(SCENARIO_DIR.glob("*.toml"))]
    if only:
        wanted = set(only)
        missing = wanted - {s.id for s in scenarios}
        if missing:
            raise ScenarioError(f"unknown scenario id(s): {', '.join(sorted(missing))}")
        scenarios = [s for s in scenarios if s.id in wanted]
    return scenarios
