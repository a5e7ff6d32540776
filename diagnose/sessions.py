"""Group one input's events into IKE sessions (one per IKE_SA).

Only some charon lines name their IKE_SA (``name[N]``, ``<name|N>``).  The rest
are attributed the way charon produces them: a worker thread handles one
message of one IKE_SA at a time, from ``received packet`` (or a timer job) to
``sending packet``.  So events are gathered into *jobs* per thread; a job
belongs to the SA that any of its lines names, else to a new SA when it starts
one (``is initiating``), else to the latest SA with the same peer address.
A daemon restart resets unique ids, so it starts a new epoch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import attrgetter
from datetime import datetime
from typing import Callable, Iterable, Protocol

from .events import Event, Side
from .proposal_match import proposal_mismatches

FAILURE_KINDS = frozenset({
    "no_proposal", "no_matching_config", "auth_failed", "eap_failed", "give_up", "half_open_timeout",
    "ts_unacceptable", "child_failed", "cert_problem", "notify_error", "virtual_ip_failed", "client_error",
    "proposal_mismatch",
})


@dataclass(slots=True)
class Session:
    id: str
    path: str
    side: Side
    unique_id: str | None = None
    ike_name: str | None = None
    peer: str | None = None
    role: str | None = None
    version: int | None = None
    events: list[Event] = field(default_factory=list)
    partner: str | None = None
    clock_offset_s: float | None = None

    @property
    def start(self) -> datetime | None:
        return next((e.time for e in self.events if e.time), None)

    @property
    def end(self) -> datetime | None:
        return next((e.time for e in reversed(self.events) if e.time), None)

    @property
    def outcome(self) -> str:
        return outcome_of({e.kind for e in self.events})

    @property
    def not_established_because(self) -> str | None:
        """Why a session that did not establish is no failure, or how it ended; None if established."""
        return self.ending()[1]

    def ending(self) -> tuple[str, str | None]:
        """``outcome`` and ``not_established_because`` from one pass over the events (a report
        summarises thousands of sessions)."""
        kinds = {e.kind for e in self.events}
        outcome = outcome_of(kinds)
        if outcome == "established":
            return outcome, None
        if outcome == "incomplete" and "ke_unacceptable" in kinds:
            return outcome, ("an INVALID_KE_PAYLOAD round: the client retried with the key exchange group "
                             "the gateway asked for (normal, not a failure)")
        return outcome, {"failed": "failed", "deleted": "deleted before it was established"}.get(
            outcome, "incomplete: the log ends, or the other end stopped answering, before IKE_AUTH completed")

    def identities(self) -> dict[str, str]:
        ids: dict[str, str] = {}
        for e in self.events:
            if e.kind in ("ike_established", "config_lookup"):
                for key in ("local_id", "remote_id"):
                    v = e.attrs.get(key)
                    if v and key not in ids:
                        ids[key] = v
        return ids


def outcome_of(kinds: set[str]) -> str:
    """A session's outcome from the set of its event kinds (``Session.outcome``)."""
    if "ike_established" in kinds:
        return "established"
    if kinds & FAILURE_KINDS:
        return "failed"
    if "delete" in kinds or "ike_deleted" in kinds:
        return "deleted"
    return "incomplete"


Attach = Callable[["Session", Event], None]


class Gated(Protocol):
    """What the builder asks of the ``--peer`` gate (``pipeline.gate``), which skipped other
    clients' IKE_SA lines: the builder must place the lines it let through as in the whole log."""

    def unknown_sa(self, unique_id: str) -> bool:
        """An IKE_SA whose earlier lines were skipped (in the whole log it has a session already)."""
        ...

    def newest_sa(self, line: int) -> str | None:
        """The IKE_SA started last before ``line`` (the whole log's latest session)."""
        ...


class SessionBuilder:
    """Attributes a stream of one input's events to sessions, job by job (see the module doc).

    ``attach`` replaces the default "append the event to ``session.events``": the streaming
    diagnosis uses it to record which session each event belongs to without keeping it.
    """

    def __init__(self, path: str, side: Side, attach: Attach | None = None, gate: Gated | None = None) -> None:
        self.path, self.side = path, side
        self.attach = attach
        self.gate = gate
        self.sessions: list[Session] = []
        self.by_uid: dict[str, Session] = {}
        self.by_peer: dict[str, Session] = {}
        self.jobs: dict[str, list[Event]] = {}
        self.thread_last: dict[str, Session] = {}
        self.epoch = 0
        self.anon = 0
        #: sessions whose IKE_SA_INIT the gateway answered with SA and nothing has ended yet (few at
        #: a time), and those established, timed out or deleted (never half open again)
        self.half: dict[str, Session] = {}
        self.settled: set[str] = set()

    def new(self, peer: str | None, uid: str | None = None) -> Session:
        self.anon += 1
        s = Session(id=f"{self.path}#{self.epoch}.{uid or 'a' + str(self.anon)}", path=self.path,
                    side=self.side, unique_id=uid, peer=peer)
        self.sessions.append(s)
        if uid:
            self.by_uid[uid] = s
        if peer:
            self.by_peer[peer] = s
        return s

    def feed(self, ev: Event) -> None:
        self.feed_all((ev,))

    def feed_all(self, events: Iterable[Event]) -> None:
        """``feed`` for each event in turn, in one loop (a dense log's events are most of the work)."""
        jobs, flush = self.jobs, self.flush
        for ev in events:
            kind = ev.kind
            if kind == "daemon_start":
                self.flush_all()
                self.epoch += 1
                self.by_uid.clear()
                self.by_peer.clear()
                self.thread_last.clear()
                continue
            thread = ev.thread
            key = thread or "-"
            job = jobs.get(key)
            if kind == "packet":
                direction = ev.attrs.get("direction")
                if direction == "in":  # starts a job
                    if job:
                        flush(key)
                        job = None
                    # a message from this peer is handled after any earlier one; settle those jobs
                    # first so that an id they name attaches to the SA it belonged to at the time
                    peer = ev.peer
                    for other, pending in list(jobs.items()):
                        if other != key and any(e.peer == peer for e in pending if e.peer):
                            flush(other)
            else:
                direction = None
            if job is None:
                job = jobs[key] = [ev]
            else:
                job.append(ev)
            if thread is None or direction == "out":
                flush(key)

    def flush_all(self) -> None:
        for key in list(self.jobs):
            self.flush(key)

    def flush(self, key: str) -> None:
        job = self.jobs.pop(key, None)
        if not job:
            return
        for part in self.split_new_sa(job):
            self.place(part, key)

    def split_new_sa(self, job: list[Event]) -> list[list[Event]]:
        """A job that starts a new IKE_SA but also names an established one (a summary log without
        ``<name|N>``: "is initiating an IKE_SA", then "deleting IKE_SA name[N]" for the client's old
        SA) is two SAs' work: the lines naming the old SA go to it, the rest starts the new one."""
        if not any(e.kind == "ike_start" for e in job):
            return [job]
        old = {e.ike_id for e in job if e.ike_id and e.ike_id in self.by_uid
               and any(x.kind == "ike_established" for x in self.by_uid[e.ike_id].events)}
        if not old or any(e.kind == "ike_start" and e.ike_id in old for e in job):
            return [job]
        first = next(i for i, e in enumerate(job) if e.ike_id in old)
        # "IKE_SA deleted" names no SA: it is the end of the deletion just logged for the old one
        mine = [e.ike_id in old or (i > first and not e.ike_id and e.kind in _DELETION) for i, e in enumerate(job)]
        return [[e for e, m in zip(job, mine) if m], [e for e, m in zip(job, mine) if not m]]

    def place(self, job: list[Event], key: str) -> None:
        session = self.resolve(job, key)
        if self.attach is None:
            session.events.extend(job)
        else:
            for ev in job:
                self.attach(session, ev)
        for ev in job:
            kind = ev.kind
            if kind in _HALF_OPEN_KINDS:
                self.track_half_open(session, ev)
            elif kind == "ike_start":
                session.role = session.role or ev.attrs.get("role")
                session.version = session.version or ev.attrs.get("version")
            if ev.ike_name and not session.ike_name and ev.ike_name != "(unnamed)":
                session.ike_name = ev.ike_name
        if key != "-":
            self.thread_last[key] = session

    def track_half_open(self, session: Session, e: Event) -> None:
        if e.kind == "message":
            a = e.attrs
            if (session.id not in self.settled and a.get("exchange") == "IKE_SA_INIT"
                    and a.get("direction") == "out" and a.get("msg_type") == "response"
                    and "SA" in (a.get("payloads") or ())):
                self.half[session.id] = session
        else:  # established, timed out or deleted
            self.settled.add(session.id)
            self.half.pop(session.id, None)

    def half_open(self) -> Session | None:
        """The latest-created session still half open (its IKE_SA_INIT answered, nothing after)."""
        if not self.half:
            return None
        order = {id(s): i for i, s in enumerate(self.sessions)} if len(self.half) > 1 else None
        return max(self.half.values(), key=lambda s: order[id(s)]) if order else next(iter(self.half.values()))

    def resolve(self, job: list[Event], key: str) -> Session:
        uid = next((e.ike_id for e in job if e.ike_id), None)
        peer = next((e.peer for e in job if e.peer), None)
        starts = any(e.kind == "ike_start" for e in job)
        if uid and uid in self.by_uid:
            s = self.by_uid[uid]
        elif uid and self.gate is not None and self.gate.unknown_sa(uid):
            s = self.new(peer, uid)  # its earlier lines were skipped: in the whole log it had a session
        elif uid:
            cand = self.by_peer.get(peer) if peer else None
            if cand is None and not peer and key in self.thread_last:
                cand = self.thread_last[key]
            if cand is not None and cand.unique_id is None and not starts:
                cand.unique_id = uid
                self.by_uid[uid] = cand
                s = cand
            else:
                s = self.new(peer, uid)
        elif starts:
            s = self.new(peer)
        elif peer and peer in self.by_peer:
            s = self.by_peer[peer]
        elif any(e.kind == "half_open_timeout" for e in job) and (h := self.half_open()) is not None:
            s = h  # older charon names no SA in "deleting half open IKE_SA after timeout"
        elif key in self.thread_last and key != "-":
            s = self.thread_last[key]
        elif self.gate is not None and (newest := self.gate.newest_sa(job[0].line)) is not None:
            s = self.by_uid.get(newest) or self.new(None, newest)  # the whole log's ``sessions[-1]``
        elif self.sessions:
            s = self.sessions[-1]
        else:
            s = self.new(peer)
        if peer:
            s.peer = s.peer or peer
            self.by_peer[peer] = s
        return s


def build_sessions(events: Iterable[Event], path: str, side: Side, gate: Gated | None = None) -> list[Session]:
    """Sessions of one input, in order of first appearance (``gate``: see ``Gated``)."""
    b = SessionBuilder(path, side, gate=gate)
    b.feed_all(events)
    b.flush_all()
    for s in b.sessions:
        s.events.sort(key=by_line)
    sessions = [s for s in b.sessions if s.events]
    mark_overlaps(sessions)
    for s in sessions:
        s.events.extend(proposal_mismatches(s.events))
    return sessions


by_line = attrgetter("line")
_ENDS = frozenset({"ike_deleted", "daemon_start", "daemon_stop", "duplicate_replaced"})
_DELETION = frozenset({"delete", "ike_deleted"})
#: what moves a session in or out of being half open (SessionBuilder.track_half_open)
_HALF_OPEN_KINDS = frozenset({"message", "ike_established", "half_open_timeout", "ike_deleted"})


def mark_overlaps(sessions: list[Session]) -> None:
    """Note IKE_SAs established while an older IKE_SA of the same identity was still alive.

    A client that vanished (sleep, network change) and came back leaves its old SA on the
    gateway; telling that apart from a clean reconnect needs the SA lifetimes, which only
    the whole log shows, so the builder derives it once here.
    """
    timeline: list[tuple[int, int, Event, Session]] = []
    # the line of the last DELETE the peer sent for each session's IKE_SA: a client that deletes
    # its old IKE_SA after the new one is up replaced it on purpose (make-before-break
    # reauthentication, the 6.x default); a client that forgot its SA never deletes it
    peer_deleted: dict[str, int] = {}
    for s in sessions:  # one pass over every event of a dense log: test the kind first
        for e in s.events:
            kind = e.kind
            if kind == "ike_established":
                timeline.append((e.line, 0, e, s))
            elif kind in _ENDS:
                timeline.append((e.line, 1, e, s))
            elif kind == "delete" and e.attrs.get("what") == "ike":
                timeline.append((e.line, 1, e, s))
                if e.attrs.get("direction") == "in":
                    peer_deleted[s.id] = max(peer_deleted.get(s.id, 0), e.line)
    alive: dict[str, Session] = {}
    established_at: dict[str, Event] = {}
    for _, _, e, s in sorted(timeline, key=lambda t: (t[0], t[1])):
        if e.kind == "ike_established":
            rid = e.attrs.get("remote_id")
            if not rid or rid in ("%any", "<private>"):
                continue
            old = alive.get(rid)
            replaced = any(x.kind == "duplicate_replaced" for x in s.events)
            if old is not None and old is not s and not replaced and peer_deleted.get(old.id, 0) < e.line:
                prev = established_at[old.id]
                s.events.append(Event(kind="overlapping_sa", path=e.path, line=e.line, text=e.text, time=e.time,
                                      side=e.side, ike_id=e.ike_id, ike_name=e.ike_name, thread=e.thread,
                                      peer=e.peer, attrs={"peer_id": rid, "other": old.id,
                                                          "other_line": prev.line}))
            alive[rid] = s
            established_at[s.id] = e
        elif e.kind == "daemon_start":
            alive.clear()
        else:
            for rid, live in list(alive.items()):
                if live is s:
                    del alive[rid]
