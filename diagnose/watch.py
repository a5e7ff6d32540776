"""``ikedoctor watch``: diagnose charon's log live, from its VICI events.

A VICI ``log`` event is one more input form, not a second engine: each event is rendered as
charon's file logger writes a line with ``ike_name = yes`` and no time (``NN[GRP] <name|N> text``,
one prefix per line of a multi-line message; the event carries the IKE_SA's name and unique id),
a form the charon parser already reads, and the lines go through the same parser, session builder
and catalog as a log file.  The window of the last lines is judged when the log has been quiet for
``settle`` seconds, at the latest every ``flush`` seconds, and at once (after a short grace for the
log lines still queued) when a state event says an IKE or CHILD SA went down.  Each finding is
reported once, naming the client (remote address and identity from the state events, else from
the log) rather than an internal session id.

charon's vici logger sends at most level 1 of every group, whatever the daemon's own log levels
and whoever subscribes (``vici_logger.c`` returns ``LEVEL_CTRL``; the event takes no level
argument), so there is no subscription-only level to raise: findings that need level-2 lines are
not seen here, and the state events stand in for the level-2 ``state change`` lines.
"""

from __future__ import annotations

import io
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

from .errors import InputError
from .report.model import Finding, SessionSummary

#: lines kept for a diagnosis: enough for many concurrent handshakes, bounded whatever runs
MAX_LINES = 20_000
#: findings remembered so that each is printed once, clients remembered per IKE_SA, sessions
#: known to be cut by the window's bound (oldest forgotten first)
MAX_SEEN = 10_000
BACKOFF = (1.0, 2.0, 4.0, 8.0, 15.0)
#: the VICI events watch subscribes to: the log, and the state events that say an SA went down
EVENTS = ("log", "ike-updown", "child-updown", "ike-rekey")
#: how long after a "down" event the window is judged: charon's vici logger sends log messages
#: from its own queue, so the last lines of the session may arrive just after the event
DOWN_GRACE = 0.3
#: receive timeout of the subscription (how often quiet time and due judgements are checked)
TICK = 0.25


def _s(event: dict[str, Any], key: str) -> str:
    v = event.get(key, b"")
    return v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)


#: ``ike_sa_t.get_name`` of an IKE_SA without a peer config yet (the file logger prints ``<N>``)
UNNAMED = "(unnamed)"
#: what a half-open IKE_SA reports as the peer's identity before it sent one
ANY_ID = frozenset({"%any", "%any6"})


def render(event: dict[str, Any]) -> list[str]:
    """A VICI ``log`` event as charon's file logger writes it with ``ike_name = yes`` (no time)."""
    thread, name, uid = _s(event, "thread"), _s(event, "ikesa-name"), _s(event, "ikesa-uniqueid")
    ctx = f" <{name}|{uid}>" if uid and name and name != UNNAMED else f" <{uid}>" if uid else ""
    prefix = (f"{int(thread):02d}" if thread.isdigit() else "") + f"[{_s(event, 'group')}]{ctx} "
    return [prefix + part for part in _s(event, "msg").split("\n")]


@dataclass(slots=True)
class Judged:
    """A window's diagnosis: every failing session's findings (not folded into one per pattern
    as a log diagnosis does: watch reports each client), and the sessions by IKE_SA unique id."""

    findings: list[Finding]
    sessions: dict[str, SessionSummary]


def diagnose_lines(lines: Iterable[str], name: str = "vici log") -> Judged:
    """The window of rendered lines through the ordinary parser, session builder and catalog
    (gateway side), keeping each unit's findings."""
    from .api import Options, collector_paused, parse_source, session_summary
    from .catalog.engine import evaluate_units, to_finding, unit_survivors
    from .catalog.model import load_catalog
    from .input.sources import Source
    from .sessions import build_sessions

    data = ("\n".join(lines) + "\n").encode("utf-8")
    src = Source(name=name, opener=lambda: io.BytesIO(data), size=len(data), hints={"side": "server"})
    with collector_paused():
        parsed = parse_source(src, Options())
        sessions = build_sessions(parsed.events, src.name, parsed.side)
        matches = sorted(unit_survivors(evaluate_units(load_catalog(), sessions)),
                         key=lambda m: (-m.confidence, m.pattern.id, m.unit))
        return Judged([to_finding(m) for m in matches],
                      {s.unique_id: session_summary(s) for s in sessions if s.unique_id})


@dataclass(slots=True, frozen=True)
class Client:
    """Who a finding is about: the peer's address and identity, and the IKE_SA (``name[N]``)."""

    address: str = ""
    id: str = ""
    ike_sa: str = ""

    def __str__(self) -> str:
        if self.id and self.address and self.id != self.address:
            return f"{self.id} ({self.address})"
        return self.address or self.id or "-"

    def to_dict(self) -> dict[str, str]:
        return {"address": self.address, "id": self.id, "ike_sa": self.ike_sa}


@dataclass(slots=True)
class Alert:
    """One finding as watch reports it: when, about which client."""

    finding: Finding
    client: Client
    time: float

    def to_dict(self) -> dict[str, Any]:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(self.time))
        return {"time": stamp, "client": self.client.to_dict(), **self.finding.to_dict()}


def format_alert(a: Alert) -> str:
    """One terminal line: time, client, finding, confidence, title."""
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(a.time))
    f = a.finding
    return f"{stamp}  {a.client}  {f.id}  {f.confidence:.2f}  {f.title}"


def sa_entries(event: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(name, IKE_SA)`` of a state event (``ike-updown``/``child-updown``: ``{name: sa}``;
    ``ike-rekey``: ``{name: {old: sa, new: sa}}``)."""
    for name, value in event.items():
        if not isinstance(value, dict):
            continue
        if "uniqueid" in value:
            yield (name.decode() if isinstance(name, bytes) else str(name)), value
        else:
            for sub in ("old", "new"):
                if isinstance(value.get(sub), dict) and "uniqueid" in value[sub]:
                    yield (name.decode() if isinstance(name, bytes) else str(name)), value[sub]


def client_of_sa(name: str, sa: dict[str, Any]) -> tuple[str, Client]:
    """The unique id and the client of a state event's IKE_SA (the EAP/XAuth identity when the
    client authenticated with one, else its IKE identity)."""
    uid = _s(sa, "uniqueid")
    ident = next((v for k in ("remote-eap-id", "remote-xauth-id", "remote-id")
                  if (v := _s(sa, k)) and v not in ANY_ID), "")
    return uid, Client(address=_s(sa, "remote-host"), id=ident,
                       ike_sa=f"{'' if name == UNNAMED else name}[{uid}]")


@dataclass(slots=True)
class Window:
    """The last ``max_lines`` log lines (with their IKE_SA's unique id), the clients the state
    events named, and the findings already reported.

    Everything it keeps is bounded by what the window holds, not by how long watch runs: a
    finding is remembered by the stream line of its first evidence until that line leaves the
    window, a client until its IKE_SA is gone and judged (and never more than ``MAX_SEEN``)."""

    max_lines: int = MAX_LINES
    lines: deque[tuple[str, str]] = field(default_factory=deque)
    #: (stream line of the first evidence, finding id) of what was reported, oldest first
    seen: OrderedDict[tuple, None] = field(default_factory=OrderedDict)
    clients: OrderedDict[str, Client] = field(default_factory=OrderedDict)
    #: lines per IKE_SA unique id in the window
    held: dict[str, int] = field(default_factory=dict)
    #: IKE_SAs whose first lines fell out of the window: their tail is not judged again
    cut: set[str] = field(default_factory=set)
    #: IKE_SAs a state event said are gone (down, or replaced by a rekeying): forgotten once judged
    gone: set[str] = field(default_factory=set)
    pending: bool = False
    #: judge no later than this (clock time), set by a "down" state event
    due: float | None = None
    #: lines that left the window (or went with a charon that restarted): window line N is line
    #: ``evicted + N`` of everything watch has received, a number never given twice
    evicted: int = 0

    def add(self, event: dict[str, Any]) -> None:
        uid = _s(event, "ikesa-uniqueid")
        for line in render(event):
            self.lines.append((uid, line))
            if uid:
                self.held[uid] = self.held.get(uid, 0) + 1
            if len(self.lines) > self.max_lines:
                self._evict()
        self.pending = True

    def _evict(self) -> None:
        old, _ = self.lines.popleft()
        self.evicted += 1
        if not old:
            return
        left = self.held[old] - 1
        if left:
            self.held[old] = left
            self.cut.add(old)
        else:  # its last line left: nothing of it can be judged any more
            del self.held[old]
            self.cut.discard(old)
            self.clients.pop(old, None)

    def note_state(self, label: str, event: dict[str, Any], now: float) -> None:
        """Record the clients a state event names; a "down" event makes the window due."""
        # charon sets ``up = yes`` on the way up and leaves the key out on the way down
        down = label in ("ike-updown", "child-updown") and _s(event, "up") != "yes"
        for value in event.values():
            if label == "ike-rekey" and isinstance(value, dict) and isinstance(value.get("old"), dict):
                self.gone.add(_s(value["old"], "uniqueid"))
        for name, sa in sa_entries(event):
            uid, client = client_of_sa(name, sa)
            if uid and (client.address or client.id):
                _remember(self.clients, uid, client)
            if uid and down and label == "ike-updown":
                self.gone.add(uid)
        if down:
            self.pending = True
            self.due = min(self.due, now + DOWN_GRACE) if self.due is not None else now + DOWN_GRACE

    def reset(self) -> None:
        """charon went away: its unique ids mean nothing to the next instance."""
        self.evicted += len(self.lines)
        self.lines.clear()
        for d in (self.seen, self.clients, self.held):
            d.clear()
        self.cut.clear()
        self.gone.clear()
        self.pending, self.due = False, None

    def client(self, uid: str, s: SessionSummary | None) -> Client:
        """The client of an IKE_SA: state events first, the log's own facts second."""
        known = self.clients.get(uid) if uid else None
        log_id = (s.identities.get("remote_id") or "") if s is not None else ""
        peer = (s.peer or "") if s is not None else ""
        ike_sa = f"{(s.ike_name or '') if s is not None else ''}[{uid}]" if uid else ""
        if known is None:
            return Client(address=peer, id=log_id, ike_sa=ike_sa)
        return Client(address=known.address or peer, id=known.id or log_id, ike_sa=known.ike_sa or ike_sa)

    def judge(self, diagnose: Callable[[Iterable[str]], Judged] = diagnose_lines,
              now: float | None = None) -> list[Alert]:
        """Diagnose the window; the findings not reported before, with their clients.

        A finding is the same one again when its first evidence is the same line of the stream
        (the window's line number plus the lines dropped before it): what a later, longer
        window diagnoses anew is not reported twice, while the same failure of another session
        or another client is."""
        self.pending, self.due = False, None
        if not self.lines:
            return []
        lines = list(self.lines)
        offset = self.evicted
        try:
            judged = diagnose([line for _, line in lines])
        except InputError:  # nothing charon-like yet (e.g. only start-up lines)
            return []
        stamp = time.time() if now is None else now
        new = []
        for f in judged.findings:
            first = f.evidence[0].line if f.evidence else 0
            uid = lines[first - 1][0] if 0 < first <= len(lines) else ""
            if uid and uid in self.cut:
                continue  # only its tail is left: judged (or lost) while it was whole
            key = (offset + first, f.id) if first else (offset, f.id, f.session or "")
            if key in self.seen:
                continue
            _remember(self.seen, key, None)
            new.append(Alert(f, self.client(uid, judged.sessions.get(uid)), stamp))
        for uid in self.gone:  # judged now: the log names them from here on
            self.clients.pop(uid, None)
        self.gone.clear()
        while self.seen and next(iter(self.seen))[0] <= self.evicted:
            self.seen.popitem(last=False)  # its line left the window: it cannot come back
        return new


def _remember(d: OrderedDict, key: Any, value: Any) -> None:
    d[key] = value
    d.move_to_end(key)
    if len(d) > MAX_SEEN:
        d.popitem(last=False)


def follow(events: Iterator[tuple[Any, Any]], window: Window, emit: Callable[[Alert], None],
           settle: float = 2.0, flush: float = 10.0, clock: Callable[[], float] = time.monotonic,
           diagnose: Callable[[Iterable[str]], Judged] = diagnose_lines,
           running: Callable[[], bool] = lambda: True) -> None:
    """Feed ``(label, event)`` pairs (``(None, None)`` on a receive timeout) into ``window``; judge
    it when the log has been quiet for ``settle`` s, when ``flush`` s have passed with lines
    pending, or when a "down" state event made it due."""
    last_event = last_judge = clock()
    for label, event in events:
        if not running():
            return
        now = clock()
        if isinstance(label, bytes):  # the vici client names the event type in bytes
            label = label.decode("ascii", "replace")
        if label == "log":
            window.add(event)
            last_event = now
        elif label is not None:
            window.note_state(label, event, now)
        if window.pending and (now - last_event >= settle or now - last_judge >= flush
                               or (window.due is not None and now >= window.due)):
            last_judge = now
            for a in window.judge(diagnose):
                emit(a)


def watch(connect: Callable[[], Any], emit: Callable[[Alert], None], say: Callable[[str], None],
          settle: float = 2.0, flush: float = 10.0, backoff: tuple[float, ...] = BACKOFF,
          sleep: Callable[[float], None] = time.sleep, max_lines: int = MAX_LINES,
          running: Callable[[], bool] = lambda: True) -> None:
    """Subscribe to charon's log and state events until interrupted (or ``running()`` is false);
    reconnect with ``backoff`` when charon goes away (restart), saying so.  The first
    connection's failure is raised (``InputError``)."""
    window = Window(max_lines=max_lines)
    attempt = 0
    connected_once = False
    while running():
        try:
            session = connect()
        except InputError as exc:
            if not connected_once:
                raise
            delay = backoff[min(attempt, len(backoff) - 1)]
            attempt += 1
            say(f"charon not reachable ({exc}); retrying in {delay:g}s")
            sleep(delay)
            continue
        say("reconnected to charon" if connected_once else "connected to charon; watching its log")
        connected_once, attempt = True, 0
        events = session.listen(list(EVENTS), timeout=min(settle, TICK))
        try:
            follow(events, window, emit, settle, flush, running=running)
        except (OSError, EOFError) as exc:
            say(f"lost charon ({exc}); reconnecting")
        except Exception as exc:  # noqa: BLE001 - the vici client raises its own on a closed socket
            if type(exc).__module__.startswith("vici"):
                say(f"lost charon ({exc}); reconnecting")
            else:
                raise
        finally:
            _close(events, session)
        if window.pending:  # judge what arrived before charon went away
            for a in window.judge():
                emit(a)
        window.reset()


def _close(events: Any, session: Any) -> None:
    """Unsubscribe (when charon is still there) and close the socket; a dead socket is no error."""
    try:
        events.close()
    except Exception:  # noqa: BLE001 - unregistering on a socket charon already closed
        pass
    transport = getattr(session, "transport", None)
    if transport is not None:
        try:
            transport.close()
        except OSError:
            pass
