"""Diagnose huge logs in memory that grows with their sessions, not with their lines.

The in-memory diagnosis keeps every event until the report is built: about 4.7 bytes of
memory per byte of dense gateway log, so a 3 GB ``charon.log`` would need 14 GB. A session
cannot simply be judged when it looks finished: with ``<N>`` ids any later line may still
belong to it. So this reads the log twice:

1. **Assign.** Parse each log and run the same ``SessionBuilder``, but record for every event
   only which session it went to (4 bytes), and keep per session just the few events that
   name its identities and lifetime (for ``identities()`` and ``mark_overlaps``), and the
   log's times as counts (``settle.TimeSummary``). At the end the side, each session's last
   event, its peer unit and its ``overlapping_sa`` events are known, and the year and zone
   corrections of all the inputs are settled together (``settle.plan_settlement``).
2. **Judge.** Parse the log again (parsing is deterministic: the same events in the same
   order), route each event to its session and, at the session's last event, sort it, add
   its overlap events, summarise it and evaluate the session-scope patterns on it, exactly
   as ``match_all`` would; then drop its events. A peer unit keeps only the events of the
   kinds its patterns match, plus the facts ``evaluate`` reads of the rest, until its last
   session ends.

``merge_matches`` then does what ``match_all`` does after evaluating, and the report is the
in-memory report, byte for byte (``tests/test_stream.py`` checks that on every sample and
prefix style). It costs a second parse, so ``diagnose_sources`` uses it only when the inputs
add up to ``Options.stream_above`` bytes, and never when the caller wants the sessions'
events (``timeline``). Inputs from both sides must be paired, which reads whole sessions
of both: then ``diagnose_streaming`` returns None and the caller holds them in memory.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field

from .api import OpenedInput, Options, hint_tz, open_input, parse_events, session_summary
from .catalog.engine import (MAX_EVIDENCE_PER_GROUP, Match, UnitFacts, evaluate, event_matches, fold, index_unit,
                             peer_unit, ranked, suppressed_by, survivors)
from .catalog.candidates import Candidates, candidates_for
from .catalog.model import Condition, Group, Pattern
from .errors import InputError
from .events import Event, Side
from .focus import ID_KINDS
from .input.sources import Source
from .report.model import Report, SessionSummary
from .proposal_match import proposal_mismatches
from .triage import TriageCollector
from .sessions import Session, SessionBuilder, mark_overlaps
from .settle import InputTimes, Settlement, TimeSummary, plan_settlement

#: kinds the assign pass keeps per session: what ``identities()`` and ``mark_overlaps`` read
_KEEP = frozenset({"config_lookup", "ike_established", "ike_deleted", "daemon_stop", "duplicate_replaced",
                   "delete"})
SCOPES = frozenset({"session", "peer"})


def can_stream(catalog: list[Pattern]) -> bool:
    """Only session- and peer-scope patterns can be judged unit by unit."""
    return all(pt.scope in SCOPES for pt in catalog)


@dataclass(slots=True)
class _Plan:
    """What the assign pass learnt, for the judge pass."""

    sessions: list[Session | None]  # None once judged
    assign: array  # event ordinal -> session index, -1 for events of no session (daemon starts)
    last: list[int]  # session index -> ordinal of its last event
    peer_unit: list[str]  # session index -> its peer-scope unit
    overlaps: dict[int, list[tuple[int, dict]]]  # session index -> (ordinal of the established event, attrs)
    side: Side
    times: TimeSummary
    digest: int  # of every event's (line, kind): the judge pass must read the same events
    kept: list[bool]  # session index -> judged (``Options.focus`` may leave other clients' out)


def diagnose_streaming(sources: list[Source], opts: Options, catalog: list[Pattern], report: Report,
                       triage: TriageCollector) -> tuple[list[Match], list[SessionSummary]] | None:
    """The merged matches (ranked, as ``merge_matches`` returns them) and the session summaries
    of the inputs; fills ``report.inputs`` and ``report.warnings`` as the in-memory diagnosis
    does (an unreadable input becomes a warning). None, with the report untouched, when the
    inputs turn out to come from both sides."""
    warnings: list[str] = []
    plans: list[tuple[Source, _Plan]] = []
    for src in sources:
        try:
            plans.append((src, _assign(src, opts)))
        except InputError as exc:
            warnings.append(str(exc))
    if {Side.CLIENT, Side.SERVER} <= {p.side for _, p in plans}:
        return None
    report.warnings.extend(warnings)
    settlements, notes = plan_settlement(
        [InputTimes(src.name, p.times, p.side.value, src.mtime, isinstance(src.hints.get("year"), int),
                    hint_tz(src) is not None) for src, p in plans], opts.year, opts.tz)
    report.warnings.extend(notes)
    judged: list[_Judged] = []
    for (src, plan), settlement in zip(plans, settlements):
        try:
            judged.append(_judge(src, opts, catalog, plan, settlement, report, triage))
        except InputError as exc:
            report.warnings.append(str(exc))
    return _merge(judged), [s for j in judged for s in j.summaries]


@dataclass(slots=True)
class _Judged:
    """One input's results: matches of session units folded per pattern (suppressed only
    within their unit so far), peer units' matches, session summaries in session order."""

    session_best: dict[str, Match]
    peer_matches: dict[str, list[Match]]
    summaries: list[SessionSummary]


def _merge(judged: list[_Judged]) -> list[Match]:
    """What ``merge_matches`` does, on units already folded: a peer-scope match suppresses its
    patterns in every session unit (of every input) and in the other peer units."""
    wide = [m for j in judged for ms in j.peer_matches.values() for m in ms]
    gone = suppressed_by(wide)
    merged: dict[str, Match] = {}
    for j in judged:
        for pid, m in j.session_best.items():
            if pid not in gone:
                fold(merged, m)
    for j in judged:
        for name, ms in j.peer_matches.items():
            for m in survivors(ms, [w for w in wide if w.unit != name]):
                fold(merged, m)
    return ranked(merged)


# -- pass 1 -----------------------------------------------------------------------------


def _assign(src: Source, opts: Options) -> _Plan:
    opened = open_input(src, opts, stream=True)
    assign = array("i")
    last: list[int] = []
    index: dict[int, int] = {}  # id(session) -> its index (sessions are listed in creation order)
    pending: dict[int, int] = {}  # id(event) -> ordinal, while the builder holds it in a job
    kept_ordinal: dict[int, int] = {}  # id(kept light event) -> ordinal
    light = _KEEP | ID_KINDS if opts.focus is not None else _KEEP  # a focus reads the client's names

    def attach(session: Session, ev: Event) -> None:
        i = index.setdefault(id(session), len(index))
        o = pending.pop(id(ev))
        assign[o] = i
        if i == len(last):
            last.append(o)
        else:
            last[i] = max(last[i], o)
        if ev.kind in light:  # a light copy: the attributes are shared, the line text is not kept
            copy = Event(kind=ev.kind, path=ev.path, line=ev.line, text="", attrs=ev.attrs)
            kept_ordinal[id(copy)] = o
            session.events.append(copy)

    builder = SessionBuilder(src.name, Side.UNKNOWN, attach)
    times = TimeSummary()
    n = digest = 0
    for ev in parse_events(opened):
        assign.append(-1)
        digest = hash((digest, ev.line, ev.kind))
        times.add(ev.time, ev.text)
        if ev.kind != "daemon_start":  # the builder keeps every other event in a job until it flushes
            pending[id(ev)] = n
        builder.feed(ev)
        n += 1
    builder.flush_all()
    side = opened.side()
    sessions = builder.sessions
    assert len(index) == len(sessions), "every session the builder creates gets its job's events"
    for s in sessions:
        s.side = side
        s.events.sort(key=lambda e: e.line)
    # the same derivation as build_sessions, on the kinds it reads
    mark_overlaps(sessions)
    kept = opts.focus.select(sessions) if opts.focus is not None else [True] * len(sessions)
    overlaps: dict[int, list[tuple[int, dict]]] = {}
    units: list[str] = []
    names: dict[str, str] = {}
    for i, s in enumerate(sessions):
        for e in s.events:
            if e.kind == "overlapping_sa":
                est = next(x for x in s.events if x.kind == "ike_established" and x.line == e.line)
                overlaps.setdefault(i, []).append((kept_ordinal[id(est)], e.attrs))
        name = peer_unit(s)
        units.append(names.setdefault(name, name))
        s.events = []
    return _Plan(sessions, assign, last, units, overlaps, side, times, digest, kept)


# -- pass 2 -----------------------------------------------------------------------------


@dataclass(slots=True)
class _PeerUnit:
    """A peer-scope unit while its sessions are still being read.

    A peer unit can span a whole log (one user's sessions over months), so it does not keep
    its events: per condition of the peer-scope patterns and per side only the ``keep``
    earliest matching ones. That is all ``evaluate`` can use: a group reads ``min_count``
    matches, the sides of its matches and, for evidence, at most two events per group after
    those earlier groups took.
    """

    waiting: int  # sessions of the unit not ended yet
    kept: dict[tuple[int, str], list[tuple[int, int, Event]]] = field(default_factory=dict)
    count: int = 0
    sides: set[str] = field(default_factory=set)
    peers: set[str] = field(default_factory=set)
    connection: tuple[int, str] | None = None  # (line, name) of the first gateway event naming it
    arrivals: int = 0

    def add(self, events: list[Event], conditions: dict[str, list[tuple[int, Condition]]], keep: int) -> None:
        """Fold in one ended session's events; ``conditions``: (index, condition) by event kind."""
        self.count += len(events)
        for e in events:
            side = e.side._value_
            self.sides.add(side)
            if e.peer:
                self.peers.add(e.peer)
            if side == "server" and e.ike_name and e.ike_name != "(unnamed)":
                if self.connection is None or e.line < self.connection[0]:
                    self.connection = (e.line, e.ike_name)
            self.arrivals += 1
            for i, cond in conditions.get(e.kind, ()):
                if event_matches(e, cond):
                    lst = self.kept.setdefault((i, side), [])
                    lst.append((e.line, self.arrivals, e))
                    if len(lst) > keep:
                        lst.sort(key=lambda t: t[:2])
                        del lst[keep:]

    def facts(self) -> UnitFacts:
        return UnitFacts(self.count, self.sides, self.peers, self.connection[1] if self.connection else None)

    def events(self) -> list[Event]:
        """The kept events in unit order (by line; one line's events in the order they came)."""
        seen: dict[int, tuple[int, int, Event]] = {}
        for lst in self.kept.values():
            for t in lst:
                seen[id(t[2])] = t
        return [t[2] for t in sorted(seen.values(), key=lambda t: t[:2])]


def _judge(src: Source, opts: Options, catalog: list[Pattern], plan: _Plan, settlement: Settlement,
           report: Report, triage: TriageCollector) -> _Judged:
    session_patterns = [pt for pt in catalog if pt.scope == "session"]
    peer_patterns = [pt for pt in catalog if pt.scope == "peer"]
    conditions, keep = _peer_conditions(peer_patterns)
    session_cand, peer_cand = candidates_for(session_patterns), candidates_for(peer_patterns)
    session_best: dict[str, Match] = {}  # per pattern, folded as session units are judged
    peer_matches: dict[str, list[Match]] = {}
    units: dict[str, _PeerUnit] = {}
    for name, judged in zip(plan.peer_unit, plan.kept):
        if judged:
            units.setdefault(name, _PeerUnit(0)).waiting += 1
    if report.filter is not None:
        report.filter["sessions_left_out"] += plan.kept.count(False)
    wanted = {o for i, pairs in plan.overlaps.items() if plan.kept[i] for o, _ in pairs}
    established: dict[int, Event] = {}
    open_events: dict[int, list[Event]] = {}
    summaries: dict[int, SessionSummary] = {}
    opened: OpenedInput = open_input(src, opts, stream=True)
    n = digest = 0
    events = parse_events(opened)
    for ev in events:
        if n == len(plan.assign):  # a live log grew since the first pass: judge what that pass saw
            report.warnings.append(f"{src.name}: grew while it was read; lines from {ev.line} on are not "
                                   "diagnosed (copy the log to diagnose all of it)")
            events.close()
            break
        ordinal, n = n, n + 1
        digest = hash((digest, ev.line, ev.kind))
        ev.side = plan.side
        settlement.apply(ev)
        if ordinal in wanted:
            established[ordinal] = ev
        i = plan.assign[ordinal]
        if i < 0 or not plan.kept[i]:
            continue
        open_events.setdefault(i, []).append(ev)
        if plan.last[i] == ordinal:
            session = plan.sessions[i]
            session.events = _finished(open_events.pop(i), plan.overlaps.get(i, ()), established)
            summaries[i] = session_summary(session)
            triage.feed(session)
            # suppression within the unit now; by wider (peer) matches, which cover every session
            # unit alike, at the end
            for m in survivors(_evaluate(session_patterns, session.events, session.id, session_cand), []):
                fold(session_best, m)
            name = plan.peer_unit[i]
            unit = units[name]
            unit.add(session.events, conditions, keep)
            plan.sessions[i] = None  # type: ignore[call-overload]  # judged: only its summary stays
            unit.waiting -= 1
            if unit.waiting == 0:
                done = units.pop(name)
                found = _evaluate(peer_patterns, done.events(), name, peer_cand, done.facts())
                if found:
                    peer_matches[name] = found
    if n < len(plan.assign) or digest != plan.digest:
        raise InputError(src.name, "changed while it was read (a big log is read twice)",
                         "copy the log and diagnose the copy")
    report.inputs.append(opened.summary(n))
    return _Judged(session_best, peer_matches, [summaries[i] for i in sorted(summaries)])


def _finished(events: list[Event], overlaps, established: dict[int, Event]) -> list[Event]:
    """A session's events as ``build_sessions`` leaves them: by line, then its overlap events."""
    events.sort(key=lambda e: e.line)
    for ordinal, attrs in overlaps:
        e = established.pop(ordinal)
        events.append(Event(kind="overlapping_sa", path=e.path, line=e.line, text=e.text, time=e.time,
                            side=e.side, ike_id=e.ike_id, ike_name=e.ike_name, thread=e.thread, peer=e.peer,
                            attrs=attrs))
    events.extend(proposal_mismatches(events))
    return events


def _peer_conditions(patterns: list[Pattern]) -> tuple[dict[str, list[tuple[int, Condition]]], int]:
    """The peer-scope patterns' conditions by event kind, and how many earliest matches of each
    (per side) a peer unit must keep: a group's ``min_count``, and the evidence two events a
    group may take after those all earlier groups of its pattern took."""
    by_kind: dict[str, list[tuple[int, Condition]]] = {}
    keep = 0
    i = 0
    for pt in patterns:
        groups = (*pt.required, *pt.contradicting, *pt.supporting, *(Group(d.name, d.all) for d in pt.decisive))
        keep = max(keep, MAX_EVIDENCE_PER_GROUP * len(groups))
        for g in groups:
            for c in g.any:
                by_kind.setdefault(c.event, []).append((i, c))
                keep = max(keep, c.min_count)
                i += 1
    return by_kind, keep


def _evaluate(patterns: list[Pattern], events: list[Event], unit: str, cand: Candidates | None,
              facts: UnitFacts | None = None) -> list[Match]:
    """Every pattern over one unit, as ``evaluate_units`` does (``cand``: only those it could
    match); with ``facts``, ``events`` are only those a peer unit kept, and the unit's sides
    come from the facts."""
    if cand is not None:
        bits = cand.unit_bits(events)
        patterns = [pt for pt in patterns if cand.possible(pt, bits)]
        if not patterns:
            return []
    by_kind, sides = index_unit(events)
    index = (by_kind, facts.sides if facts is not None else sides)
    memo: dict = {}  # per unit: it keys on ids of attribute dicts that die with the unit's events
    out = []
    for pt in patterns:
        m = evaluate(pt, events, unit, index, memo, facts)
        if m is not None:
            out.append(m)
    return out
