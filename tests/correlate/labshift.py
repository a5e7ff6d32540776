"""Transform real lab log lines (never write new ones): shift clocks, move addresses, renumber.

The lab records one client and one gateway on one clock.  To test pairing against several
clients, repeated attempts and a client whose clock is minutes off in another time zone,
these helpers rewrite the *prefix* of real lines (timestamp, IKE_SA unique id, thread id) and
replace addresses, keeping every message as charon wrote it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"

_BSD = re.compile(r"^(?P<ts>[A-Z][a-z]{2} {1,2}\d{1,2} \d\d:\d\d:\d\d)(?P<rest> .*)$")
_ISO = re.compile(r"^(?P<ts>\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:\.\d+)?)(?P<rest> .*)$")
_THREAD = re.compile(r"(?:(?<=^)|(?<=\s))(\d{2})\[([A-Z]{3})\] ")
_SA = re.compile(r"<(?:([^|>]*)\|)?(\d+)> ")
_NAME_ID = re.compile(r"\b([A-Za-z][\w-]*)\[(\d+)\]")
YEAR = 2026


@dataclass
class Line:
    """One real line: its time (naive, the lab's clock) and the text after the timestamp."""

    time: datetime | None
    rest: str
    raw: str


def read(path: Path, year: int = YEAR) -> list[Line]:
    out = []
    for raw in path.read_text("utf-8").splitlines():
        m = _BSD.match(raw)
        if m:
            t = datetime.strptime(f"{year} {m['ts']}", "%Y %b %d %H:%M:%S")
            out.append(Line(t, m["rest"], raw))
            continue
        m = _ISO.match(raw)
        if m:
            out.append(Line(datetime.fromisoformat(m["ts"].replace(" ", "T")), m["rest"], raw))
            continue
        out.append(Line(None, " " + raw, raw))
    return out


def has_times(path: Path) -> bool:
    return any(line.time for line in read(path))


def shift(lines: list[Line], seconds: float) -> list[Line]:
    return [Line(ln.time + timedelta(seconds=seconds) if ln.time else None, ln.rest, ln.raw) for ln in lines]


def replace(lines: list[Line], old: str, new: str) -> list[Line]:
    """Replace an address (whole token, so 192.0.2.2 does not touch 192.0.2.20)."""
    rx = re.compile(r"(?<!\d)(?<!\d\.)" + re.escape(old) + r"(?!\d)")
    return [Line(ln.time, rx.sub(new, ln.rest), ln.raw) for ln in lines]


def renumber(lines: list[Line], sa_add: int, thread_add: int) -> list[Line]:
    """Move IKE_SA unique ids and worker thread ids out of another log's range."""
    out = []
    for ln in lines:
        rest = _SA.sub(lambda m: f"<{m[1] + '|' if m[1] is not None else ''}{int(m[2]) + sa_add}> ", ln.rest)
        rest = _NAME_ID.sub(lambda m: f"{m[1]}[{int(m[2]) + sa_add}]", rest)
        rest = _THREAD.sub(lambda m: f"{int(m[1]) + thread_add:02d}[{m[2]}] " if m[1] != "00" else m[0], rest)
        out.append(Line(ln.time, rest, ln.raw))
    return out


def sa_lines(lines: list[Line]) -> list[Line]:
    """Only the lines of an IKE_SA (tagged ``<N>``/``<name|N>``): no daemon start/stop."""
    return [ln for ln in lines if _SA.search(ln.rest)]


def render_bsd(lines: list[Line]) -> str:
    return "".join(f"{ln.time:%b} {ln.time.day:2d} {ln.time:%H:%M:%S}{ln.rest}\n" if ln.time else ln.rest[1:] + "\n"
                   for ln in lines)


def render_iso(lines: list[Line], zone: timezone | None = None) -> str:
    """ISO 8601 stamps (charon ``time_format = %FT%T%z``); with a zone, the wall clock moves into it."""
    out = []
    for ln in lines:
        if ln.time is None:
            out.append(ln.rest[1:] + "\n")
            continue
        if zone is None:
            out.append(f"{ln.time:%Y-%m-%dT%H:%M:%S}{ln.rest}\n")
        else:
            t = ln.time.replace(tzinfo=timezone.utc).astimezone(zone)
            out.append(f"{t:%Y-%m-%dT%H:%M:%S%z}{ln.rest}\n")
    return "".join(out)


def merge(*logs: list[Line]) -> list[Line]:
    """Interleave logs by time; lines of one second keep their log's order."""
    tagged = [(ln.time, i, n, ln) for i, log in enumerate(logs) for n, ln in enumerate(log)]
    tagged.sort(key=lambda x: (x[0], x[1], x[2]))
    return [x[3] for x in tagged]


def lab_pairs() -> list[Path]:
    """Lab sample folders with a server and a client charon log."""
    return sorted(p for p in SAMPLES.glob("lab-*")
                  if (p / "server-charon.log").exists() and (p / "client-charon.log").exists())
