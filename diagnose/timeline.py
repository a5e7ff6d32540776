"""One paired session as a two-column (server | client) timeline on the server's clock.

The root cause often shows only side by side: the gateway sent its IKE_AUTH response without
a CERT, and a second later the client could not authenticate the gateway.  ``build`` takes the
sessions of one pairing group (a client session and every gateway session that served it),
puts the client's times on the server clock (minus the estimated offset), joins each IKE
message the two logs both show into one arrow row, and marks the lines that prove the top
finding.  Rows are merged in log order on each side, with a matched message acting as a
barrier (both ends have reached it), so equal whole-second timestamps still read causally.

Renderers: ``render_text`` (rich ``Text`` only — log text is never markup and goes through
``printable``) and ``to_dict`` (JSON, ``ikedoctor.timeline/1``, exact text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from rich.console import Console
from rich.text import Text

from .correlate import Pairing, correlate
from .events import Event, Side
from .report.model import Finding
from .report.safe_text import printable
from .sessions import Session

SCHEMA = "ikedoctor.timeline/1"
_PREFIX = re.compile(r"\d{2,}\[[A-Z]{3}\d?\] (?:<[^>]*> )?")
_STAMP = re.compile(r"^\s*(?:\d{4}-\d\d-\d\d[T ])?(?:[A-Z][a-z]{2} {1,2}\d{1,2} )?\d\d:\d\d:\d\d(?:[.,]\d+)?"
                    r"(?:Z|[+-]\d\d:?\d\d)?\s*")


@dataclass(slots=True)
class Cell:
    """One side's line in a row."""

    path: str
    line: int
    kind: str
    text: str  # the log message without its prefix
    time: datetime | None  # on its own log's clock


@dataclass(slots=True)
class Row:
    time: datetime | None  # on the server clock
    server: Cell | None = None
    client: Cell | None = None
    message: str | None = None  # "IKE_AUTH request 1 [ IDi ... ]" for IKE messages
    flow: str | None = None  # c2s | s2c
    highlight: bool = False


@dataclass(slots=True)
class Timeline:
    server_sessions: list[str]
    client_session: str | None
    clock_offset_s: float | None
    rows: list[Row] = field(default_factory=list)
    finding: Finding | None = None
    notes: list[str] = field(default_factory=list)


# -- building ----------------------------------------------------------------------------------

def message_text(ev: Event) -> str:
    a = ev.attrs
    head = " ".join(str(x) for x in (a.get("exchange"), a.get("msg_type"), a.get("mid")) if x is not None)
    payloads = a.get("payloads")
    return f"{head} [ {' '.join(payloads)} ]" if payloads else head


def bare_text(ev: Event) -> str:
    """The message part of a log line: no timestamp, host, thread or IKE_SA prefix."""
    m = _PREFIX.search(ev.text)
    if m:
        return ev.text[m.end():].strip()
    return _STAMP.sub("", ev.text, count=1).strip()


def _shown(ev: Event) -> bool:
    if ev.kind == "packet":
        return False
    if ev.kind == "message":
        payloads = ev.attrs.get("payloads") or []
        return not (payloads and all(p.startswith("EF(") for p in payloads))
    return True


def _flow(ev: Event) -> str:
    out = ev.attrs.get("direction") == "out"
    return "c2s" if out == (ev.side is Side.CLIENT) else "s2c"


def group_of(sessions: list[Session], session_id: str) -> tuple[Session | None, list[Session]]:
    """(client session, its server sessions) for any member id of a pairing group."""
    by_id = {s.id: s for s in sessions}
    s = by_id[session_id]
    client = s if s.side is Side.CLIENT else (by_id.get(s.partner) if s.partner else None)
    if client is None:
        return None, [s]
    servers = [x for x in sessions if x.side is Side.SERVER and x.partner == client.id]
    return client, servers


def build(sessions: list[Session], session_id: str, findings: list[Finding] | None = None,
          pairing: Pairing | None = None) -> Timeline:
    """The merged timeline of the pairing group that ``session_id`` belongs to."""
    client, servers = group_of(sessions, session_id)
    offset = client.clock_offset_s if client is not None else None
    shift = timedelta(seconds=offset or 0.0)
    tl = Timeline(server_sessions=[s.id for s in servers], client_session=client.id if client else None,
                  clock_offset_s=offset)
    if client is not None and not servers:
        tl.notes.append("no gateway session was paired with this client session")
    if client is None:
        tl.notes.append("no client session was paired with this gateway session")
    pairing = pairing if pairing is not None else correlate(sessions)
    link: dict[int, Event] = {}
    if client is not None:
        for m in pairing.matches.get(client.id, []):
            if m.client.key[0] == "msg":
                link[id(m.client.event)] = m.server.event
                link[id(m.server.event)] = m.client.event
    sev = sorted((e for s in servers for e in s.events if _shown(e)), key=lambda e: e.line)
    cev = [e for e in (client.events if client else []) if _shown(e)]
    evidence = _evidence_lines(findings or [], sev + cev)
    tl.finding = evidence[0]
    marked = evidence[1]

    def cell(e: Event) -> Cell:
        return Cell(e.path, e.line, e.kind, message_text(e) if e.kind == "message" else bare_text(e), e.time)

    def on_server_clock(e: Event) -> datetime | None:
        if e.time is None:
            return None
        return e.time - shift if e.side is Side.CLIENT else e.time

    def row_for(e: Event) -> Row:
        r = Row(time=on_server_clock(e), highlight=(e.path, e.line) in marked)
        if e.side is Side.CLIENT:
            r.client = cell(e)
        else:
            r.server = cell(e)
        if e.kind == "message":
            r.message, r.flow = message_text(e), _flow(e)
        return r

    i = j = 0
    while i < len(sev) or j < len(cev):
        s = sev[i] if i < len(sev) else None
        c = cev[j] if j < len(cev) else None
        if s is not None and c is not None and link.get(id(s)) is c:
            sender = c if _flow(c) == "c2s" else s
            r = Row(time=on_server_clock(sender), server=cell(s), client=cell(c), message=message_text(c),
                    flow=_flow(c), highlight=(s.path, s.line) in marked or (c.path, c.line) in marked)
            tl.rows.append(r)
            i, j = i + 1, j + 1
            continue
        s_waits = s is not None and id(s) in link
        c_waits = c is not None and id(c) in link
        if c is None or (s is not None and (c_waits and not s_waits)):
            take_server = True
        elif s is None or (s_waits and not c_waits):
            take_server = False
        else:
            ts, tc = on_server_clock(s), on_server_clock(c)
            take_server = tc is None or (ts is not None and ts <= tc)
        if take_server:
            tl.rows.append(row_for(s))  # type: ignore[arg-type]
            i += 1
        else:
            tl.rows.append(row_for(c))  # type: ignore[arg-type]
            j += 1
    return tl


def _evidence_lines(findings: list[Finding], events: list[Event]) -> tuple[Finding | None, set[tuple[str, int]]]:
    """The best finding whose evidence lies in these events, and its evidence lines."""
    here = {(e.path, e.line) for e in events}
    for f in findings:
        lines = {(ev.path, ev.line) for ev in f.evidence}
        if lines & here:
            return f, lines
    return None, set()


def window(tl: Timeline, around: datetime, seconds: float) -> Timeline:
    """Only the rows within ``seconds`` of ``around`` (server clock)."""
    lo, hi = around - timedelta(seconds=seconds), around + timedelta(seconds=seconds)

    def inside(t: datetime | None) -> bool:
        if t is None:
            return False
        a, b, tt = lo, hi, t
        if (tt.tzinfo is None) != (a.tzinfo is None):
            a, b = (a.replace(tzinfo=tt.tzinfo), b.replace(tzinfo=tt.tzinfo)) if tt.tzinfo else \
                   (a.replace(tzinfo=None), b.replace(tzinfo=None))
        return a <= tt <= b

    kept = [r for r in tl.rows if inside(r.time)]
    out = Timeline(tl.server_sessions, tl.client_session, tl.clock_offset_s, kept, tl.finding, list(tl.notes))
    if len(kept) < len(tl.rows):
        out.notes.append(f"{len(tl.rows) - len(kept)} row(s) outside ±{seconds:g} s of {around.isoformat()} left out")
    return out


def default_session(sessions: list[Session], findings: list[Finding], around: datetime | None = None) -> str | None:
    """The session to show: the top finding's, else the one nearest ``around``, else the first paired."""
    ids = {s.id for s in sessions}
    if around is not None:
        def distance(s: Session) -> float:
            if s.start is None or s.end is None:
                return float("inf")
            a = around if (around.tzinfo is None) == (s.start.tzinfo is None) else \
                around.replace(tzinfo=s.start.tzinfo if s.start.tzinfo else None)
            shift = timedelta(seconds=s.clock_offset_s or 0) if s.side is Side.CLIENT else timedelta()
            lo, hi = s.start - shift, s.end - shift
            return 0.0 if lo <= a <= hi else min(abs((a - lo).total_seconds()), abs((a - hi).total_seconds()))
        timed = [s for s in sessions if s.start is not None]
        if timed:
            return min(timed, key=lambda s: (distance(s), s.partner is None)).id
    for f in findings:
        if f.session in ids:
            return f.session
    paired = [s for s in sessions if s.partner and s.side is Side.CLIENT]
    if paired:
        return paired[0].id
    return sessions[0].id if sessions else None


# -- rendering ---------------------------------------------------------------------------------

def to_dict(tl: Timeline) -> dict[str, Any]:
    def cell(c: Cell | None) -> dict[str, Any] | None:
        if c is None:
            return None
        return {"path": c.path, "line": c.line, "kind": c.kind, "text": c.text,
                "time": c.time.isoformat() if c.time else None}

    return {
        "schema": SCHEMA,
        "server_sessions": tl.server_sessions,
        "client_session": tl.client_session,
        "clock_offset_s": tl.clock_offset_s,
        "finding": None if tl.finding is None else {"id": tl.finding.id, "title": tl.finding.title,
                                                     "confidence": tl.finding.confidence},
        "notes": list(tl.notes),
        "rows": [{"time": r.time.isoformat() if r.time else None, "server": cell(r.server), "client": cell(r.client),
                  "message": r.message, "flow": r.flow, "highlight": r.highlight} for r in tl.rows],
    }


def _fit(text: str, width: int) -> str:
    text = printable(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def _clock(t: datetime | None) -> str:
    if t is None:
        return "--:--:--.---"
    return t.strftime("%H:%M:%S.") + f"{t.microsecond // 1000:03d}"


def render_text(tl: Timeline, console: Console, width: int | None = None) -> None:
    """Two columns, server left and client right; IKE messages as arrows across both."""
    total = max(80, width or console.width or 120)
    col = (total - 15 - 3 - 16) // 2  # time+mark, the " │ " divider, the s:/c: line references
    span = 2 * col + 3
    name = lambda p: printable(p.rsplit("/", 1)[-1])  # noqa: E731
    console.print(Text("server: " + (", ".join(name(s) for s in tl.server_sessions) or "—") + "    client: "
                       + (name(tl.client_session) if tl.client_session else "—"), style="bold"))
    if tl.clock_offset_s is not None:
        console.print(Text(f"clock offset (client − server): {tl.clock_offset_s:+.3f} s; "
                           "client times are shown on the server clock"))
    elif tl.client_session and tl.server_sessions:
        console.print(Text("clock offset unknown (a log without times); rows in log order"))
    if tl.finding is not None:
        console.print(Text(f"highlighted (!): the lines proving “{printable(tl.finding.title)}” "
                           f"({printable(tl.finding.id)}, {tl.finding.confidence:.0%})", style="bold red"))
    for n in tl.notes:
        console.print(Text("note: " + printable(n), style="yellow"))
    console.print(Text(f"{'time (server)':<15}{'server':<{col}} │ client", style="bold"))
    for r in tl.rows:
        style = "bold red" if r.highlight else ""
        line = Text(f"{_clock(r.time):<13}{'!' if r.highlight else ' '} ", style=style)
        if r.message is not None:
            line.append(_arrow_cells(r, col, span), style=style or "cyan")
            refs = [f"s:{r.server.line}"] if r.server else []
            refs += [f"c:{r.client.line}"] if r.client else []
            line.append(" " + " ".join(refs), style="dim")
        else:
            left = f"{r.server.line}: {r.server.text}" if r.server else ""
            right = f"{r.client.line}: {r.client.text}" if r.client else ""
            line.append(f"{_fit(left, col):<{col}} │ {_fit(right, col)}", style=style)
        console.print(line, overflow="ellipsis", no_wrap=True, soft_wrap=False, crop=True)


def _arrow_cells(r: Row, col: int, span: int) -> str:
    """An IKE message: across both columns when both logs show it, else in its own column."""
    width = span if (r.server and r.client) else col
    body = _fit(r.message or "", width - 6)
    if r.flow == "c2s":
        arrow = f"◄── {body} ".ljust(width, "─")
    else:
        arrow = f" {body} ──►".rjust(width, "─")
    if r.server and r.client:
        return arrow
    return f"{arrow} │ {'':<{col}}" if r.server else f"{'':<{col}} │ {arrow}"


def render_plain(tl: Timeline, width: int = 140) -> str:
    console = Console(record=True, width=width, force_terminal=False, color_system=None, file=_Null())
    render_text(tl, console, width)
    return console.export_text()


class _Null:
    def write(self, _: str) -> int:
        return 0

    def flush(self) -> None:
        pass
