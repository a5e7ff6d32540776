"""Build a large benchmark corpus from the real lab gateway logs.

Every line of the corpus is a line of ``samples/lab-*/server-charon.log``,
transformed so that repeated copies stay distinct sessions of one long-running
daemon: timestamps are shifted forward (same shape as written), the client
address ``192.0.2.2`` becomes a per-copy address, and IKE_SA unique ids
(``<N>``, ``<name|N>``, ``name[N]``) are offset per copy.  Daemon lines
(``[DMN]``: start/stop) are kept only in a ticket's first copy, as a daemon
that runs for weeks writes them once.  No line is invented.

The corpus is a folder of ticket folders (``ticket-NNN/charon.log``) so that
``batch --jobs N`` has cases to spread; sizes are approximate (whole copies).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_BSD = re.compile(rb"^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d):(\d\d):(\d\d)")
_ISO = re.compile(rb"^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)")
_MON = [b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec"]
_UID = re.compile(rb"(<(?:[^|>\s]*\|)?)(\d+)>|(?<![:\w.-])([A-Za-z][\w-]*)\[(\d+)\]")
_CLIENT = b"192.0.2.2"


@dataclass(slots=True)
class Template:
    """One sample log, pre-split, with its timestamps as offsets from its first one."""

    name: str
    lines: list[bytes]
    offsets: list[float | None]  # seconds after the file's first timestamp
    duration: float


def _stamp(line: bytes) -> tuple[str, datetime] | None:
    m = _BSD.match(line)
    if m:
        mon = _MON.index(m[1]) + 1
        return "bsd", datetime(2026, mon, int(m[2]), int(m[3]), int(m[4]), int(m[5]))
    m = _ISO.match(line)
    if m:
        return "iso", datetime(*(int(g) for g in m.groups()))  # type: ignore[misc]
    return None


def load_templates(root: Path = ROOT) -> list[Template]:
    """The lab gateway logs, in name order."""
    out = []
    for path in sorted(root.glob("samples/lab-*/server-charon.log")):
        lines = path.read_bytes().splitlines(keepends=True)
        stamps = [_stamp(line) for line in lines]
        first = next((s[1] for s in stamps if s), None)
        offs = [((s[1] - first).total_seconds() if s and first else None) for s in stamps]
        dur = max((o for o in offs if o is not None), default=0.0)
        out.append(Template(path.parent.name, lines, offs, dur))
    if not out:
        raise SystemExit("no samples/lab-*/server-charon.log found")
    return out


def _render_time(line: bytes, when: datetime) -> bytes:
    m = _BSD.match(line)
    if m:
        return b"%s %2d %s" % (_MON[when.month - 1], when.day, when.strftime("%H:%M:%S").encode()) + line[m.end():]
    m = _ISO.match(line)
    if m:
        return when.strftime("%Y-%m-%d %H:%M:%S").encode() + line[m.end():]
    return line


def copy_of(t: Template, rep: int, start: datetime, first_copy: bool) -> bytes:
    """One transformed copy of a template."""
    client = b"10.%d.%d.%d" % ((rep >> 16) & 255, (rep >> 8) & 255, (rep & 255) or 1)
    uid_base = rep * 100

    def uid(m: re.Match[bytes]) -> bytes:
        if m[1] is not None:
            return m[1] + str(int(m[2]) + uid_base).encode() + b">"
        return m[3] + b"[" + str(int(m[4]) + uid_base).encode() + b"]"

    out = []
    for line, off in zip(t.lines, t.offsets):
        if not first_copy and b"[DMN]" in line:
            continue
        if off is not None:
            line = _render_time(line, start + timedelta(seconds=off))
        line = _UID.sub(uid, line.replace(_CLIENT, client))
        out.append(line)
    return b"".join(out)


def write_log(path: Path, size: int, templates: list[Template], seed: int = 0) -> int:
    """Write about ``size`` bytes of transformed copies to ``path``; return the bytes written."""
    # one style per log: a gateway writes one prefix style, so use the templates sharing the first's shape
    start = datetime(2026, 3, 1) + timedelta(days=seed)
    written, rep = 0, seed * 100_000
    with open(path, "wb") as f:
        first = True
        while written < size:
            for t in templates:
                data = copy_of(t, rep, start, first)
                first = False
                f.write(data)
                written += len(data)
                start += timedelta(seconds=t.duration + 1)
                rep += 1
                if written >= size:
                    break
    return written


def build(out: Path, total: int, tickets: int, root: Path = ROOT) -> list[Path]:
    """``tickets`` folders of about ``total / tickets`` bytes each; reuse an existing corpus of the same size."""
    templates = load_templates(root)
    # the dominant style (plain file log with time and <N> ids) keeps each log in one prefix style
    styles: dict[bytes, list[Template]] = {}
    for t in templates:
        first = t.lines[0]
        key = b"bsd" if _BSD.match(first) and b"charon:" not in first[:40] else first[:4]
        styles.setdefault(key, []).append(t)
    chosen = max(styles.values(), key=len)
    marker = out / f".built-{total}-{tickets}-{len(chosen)}"
    paths = [out / f"ticket-{i:03d}" / "charon.log" for i in range(tickets)]
    if marker.exists() and all(p.exists() for p in paths):
        return paths
    out.mkdir(parents=True, exist_ok=True)
    for i, p in enumerate(paths):
        p.parent.mkdir(exist_ok=True)
        write_log(p, total // tickets, chosen, seed=i)
    marker.write_text("ok\n")
    return paths
