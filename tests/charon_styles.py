"""Re-render a real charon file log into the other prefix styles charon's sinks produce.

The tests must not invent log lines, so every style is derived from lines the
real daemon wrote: the message text stays byte-for-byte, only the prefix that
the sink (file logger options, syslog, journald, swanctl, stroke) would put in
front of it changes, following shared/reference/charon-log-lines.md section 2.
"""

from __future__ import annotations

import json
import re
from datetime import datetime

# what the lab's file logger writes: "Mmm dd HH:MM:SS NN[GRP] <name|N> msg"
_LINE = re.compile(
    r"^(?P<ts>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) (?P<thread>\d{2,})\[(?P<group>[A-Z]{3})\] "
    r"(?:<(?:(?P<name>[^|>]*)\|)?(?P<id>\d+)> )?(?P<msg>.*)$")


def split(line: str) -> dict[str, str | None] | None:
    m = _LINE.match(line)
    return m.groupdict() if m else None


def _iso(ts: str, year: int, zone: str = "+0100", precise: bool = False) -> str:
    t = datetime.strptime(f"{year} {ts}", "%Y %b %d %H:%M:%S")
    frac = ".123456" if precise else ""
    return t.strftime("%Y-%m-%dT%H:%M:%S") + frac + zone


def render(lines: list[str], style: str, year: int = 2026) -> list[str]:
    """Render file-log lines into ``style``; lines that do not parse are dropped."""
    out: list[str] = []
    for line in lines:
        p = split(line)
        if p is None:
            continue
        ts, th, grp, msg = p["ts"], p["thread"], p["group"], p["msg"]
        ctx = f" <{p['name']}|{p['id']}>" if p["name"] else (f" <{p['id']}>" if p["id"] else "")
        body = f"{th}[{grp}]"
        if style == "filelog-time-ikename":
            out.append(f"{ts} {body}{ctx} {msg}")
        elif style == "filelog-time":
            out.append(f"{ts} {body} {msg}")
        elif style == "filelog-notime":
            out.append(f"{body} {msg}")
        elif style == "filelog-iso-ms":
            out.append(f"{_iso(ts, year, '')[:19].replace('T', ' ')}.000 {body}{ctx} {msg}")
        elif style == "filelog-loglevel":
            out.append(f"{ts} {th}[{grp}1]{ctx} {msg}")
        elif style == "syslog":
            out.append(f"{ts} gw charon: {body}{ctx} {msg}")
        elif style == "syslog-pid":
            out.append(f"{ts.replace(' ', '0', 1) if ts[4] == ' ' else ts} gw charon[2412]: {body} {msg}")
        elif style == "journal-systemd-short":
            out.append(f"{ts} gw charon-systemd[1308]: {msg}")
        elif style == "journal-systemd-short-iso":
            out.append(f"{_iso(ts, year)} gw charon-systemd[1308]: {msg}")
        elif style == "journal-systemd-short-full":
            t = datetime.strptime(f"{year} {ts}", "%Y %b %d %H:%M:%S")
            out.append(t.strftime("%a %Y-%m-%d %H:%M:%S UTC") + f" gw charon-systemd[1308]: {msg}")
        elif style == "kubectl-timestamps":
            out.append(_iso(ts, year, "Z").replace("Z", ".123456789Z") + f" {body}{ctx} {msg}")
        elif style == "docker-compose":
            out.append(f"strongswan-gw-1  | {body}{ctx} {msg}")
        elif style == "journal-systemd-short-precise":
            out.append(f"{ts}.123456 gw charon-systemd[1308]: {msg}")
        elif style == "swanctl-log":
            out.append(f"{body} {msg}")
        elif style == "swanctl-initiate":
            out.append(f"[{grp}] {msg}")
        elif style == "stroke":
            out.append(msg)
        elif style == "json":
            obj = {"time": ts, "thread": int(th), "group": grp, "level": 1}
            if p["id"]:
                obj["ikesa-uniqueid"] = p["id"]
            if p["name"]:
                obj["ikesa-name"] = p["name"]
            obj["msg"] = msg
            out.append(json.dumps(obj))
        else:
            raise ValueError(style)
    return out


STYLES = ("filelog-time-ikename", "filelog-time", "filelog-notime", "filelog-iso-ms", "filelog-loglevel",
          "syslog", "syslog-pid", "journal-systemd-short", "journal-systemd-short-iso",
          "journal-systemd-short-precise", "journal-systemd-short-full", "kubectl-timestamps", "docker-compose", "swanctl-log", "json")


def rendered_sample_logs(samples, style: str, folder):
    """Every sample's charon log re-rendered into ``style``, written under ``folder`` (paths yielded).

    A lab log already written in another style renders to nothing and is skipped.
    """
    for sample in samples:
        for f in sample.log_files():
            if not f.name.endswith("charon.log"):
                continue
            lines = render(f.read_text().splitlines(), style)
            if not lines:
                continue
            out = folder / f"{sample.name}-{f.name}-{style}.log"
            out.write_text("\n".join(lines) + "\n")
            yield out
