"""Render Apple log records into each ``log show --style`` the way ``log`` prints them.

Used to check that one real excerpt gives the same events in every style.  The
layouts follow apple-log-formats.md §3 (column header, padding, ``(sender)
[subsystem:category]``, compact's two-letter type and ``[pid:tid]``, syslog's two
spaces before the host, json's ``"key" : value`` with escaped slashes).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

PREDICATE = ('process == "NEIKEv2Provider" OR process == "nesessionmanager" OR process == "neagent" '
             'OR subsystem == "com.apple.networkextension"')
IMAGE = {
    "NEIKEv2Provider": "/System/Library/Frameworks/NetworkExtension.framework/PlugIns/NEIKEv2Provider.appex/Contents/MacOS/NEIKEv2Provider",
    "nesessionmanager": "/usr/libexec/nesessionmanager",
    "neagent": "/usr/libexec/neagent",
    "racoon": "/usr/sbin/racoon",
}
SENDER = "/System/Library/Frameworks/NetworkExtension.framework/Versions/A/NetworkExtension"
COMPACT_TYPE = {"Default": "Df", "Info": "I ", "Debug": "Db", "Error": "E ", "Fault": "F "}


@dataclass
class Rec:
    time: datetime  # aware
    process: str
    pid: int
    tid: int
    type: str
    message: str
    subsystem: str = "com.apple.networkextension"
    category: str = ""


def _ts(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S.%f%z")


def default(recs: list[Rec], header: bool = True, footer: bool = True, ttl: bool = True) -> list[str]:
    out = []
    if header:
        out.append(f'Filtering the log data using "{PREDICATE}"')
        out.append("Timestamp                       Thread     Type        Activity             PID    TTL  ")
    for r in recs:
        ttl_col = f"{0:<4} " if ttl else ""
        first, *more = r.message.split("\n")
        out.append(f"{_ts(r.time)} {hex(r.tid):<10} {r.type:<11} {'0x0':<20} {r.pid:<6} {ttl_col}"
                   f"{r.process}: (NetworkExtension) [{r.subsystem}:{r.category}] {first}")
        out.extend(more)
    if footer:
        out.append("-" * 116)
        out.append("Log      - Default:          2, Info:                0, Debug:             0, Error:          0, Fault:          0")
        out.append("Activity - Create:           0, Transition:          0, Actions:           0")
    return out


def compact(recs: list[Rec], header: bool = True) -> list[str]:
    out = []
    if header:
        out.append(f'Filtering the log data using "{PREDICATE}"')
        out.append("Timestamp               Ty Process[PID:TID]")
    for r in recs:
        first, *more = r.message.split("\n")
        t = r.time.strftime("%Y-%m-%d %H:%M:%S.") + f"{r.time.microsecond // 1000:03d}"
        out.append(f"{t} {COMPACT_TYPE[r.type]} {r.process}[{r.pid}:{r.tid:x}] [{r.subsystem}:{r.category}] {first}")
        out.extend(more)
    return out


def syslog(recs: list[Rec], header: bool = True) -> list[str]:
    out = []
    if header:
        out.append(f'Filtering the log data using "{PREDICATE}"')
        out.append("Timestamp                       (process)[PID]    ")
    for r in recs:
        first, *more = r.message.split("\n")
        out.append(f"{_ts(r.time)}  localhost {r.process}[{r.pid}]: (NetworkExtension) [{r.subsystem}:{r.category}] {first}")
        out.extend(more)
    return out


def _obj(r: Rec) -> dict:
    return {
        "timezoneName": "", "messageType": r.type, "eventType": "logEvent", "source": None,
        "formatString": "%{public}@", "userID": 0, "activityIdentifier": 0, "subsystem": r.subsystem,
        "category": r.category, "threadID": r.tid, "senderImageUUID": "00000000-0000-0000-0000-000000000000",
        "backtrace": {"frames": [{"imageOffset": 12345, "imageUUID": "00000000-0000-0000-0000-000000000000"}]},
        "bootUUID": "", "processImagePath": IMAGE.get(r.process, "/usr/libexec/" + r.process),
        "senderImagePath": SENDER, "timestamp": _ts(r.time), "machTimestamp": 2030766390595,
        "eventMessage": r.message, "processImageUUID": "00000000-0000-0000-0000-000000000000",
        "traceID": 1, "processID": r.pid, "senderProgramCounter": 1, "parentActivityIdentifier": 0,
    }


def _apple_json(value: object, indent: int) -> str:
    """NSJSONSerialization-like pretty printing: ``"key" : value``, 2-space indent, ``\\/``."""
    pad = "  " * indent
    if isinstance(value, dict):
        items = [f'{pad}  {json.dumps(k)} : {_apple_json(v, indent + 1).lstrip()}' for k, v in value.items()]
        return pad + "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list):
        return pad + "[\n" + ",\n".join(_apple_json(v, indent + 1) for v in value) + "\n" + pad + "]"
    return pad + json.dumps(value).replace("/", "\\/")


def json_array(recs: list[Rec]) -> list[str]:
    body = "},{".join(_apple_json(_obj(r), 0)[1:-1] for r in recs)
    return ("[{" + body + "}]").split("\n")


def ndjson(recs: list[Rec], header: bool = True) -> list[str]:
    out = [f'Filtering the log data using "{PREDICATE}"'] if header else []
    out.extend(json.dumps(_obj(r)).replace("/", "\\/") for r in recs)
    return out


STYLES = {"default": default, "compact": compact, "syslog": syslog, "json": json_array, "ndjson": ndjson}
