"""The streaming composition: huge logs in memory that grows with their sessions, not their lines.

    assign pass: open + parse + build sessions (recording only where each event went)
    →  settle times across inputs (from counts)
    →  judge pass: open + parse again, route each event to its session, judge each unit
       as soon as its last event is read  →  (the caller assembles the report)


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

``merge_units`` then does what ``match_all`` does after evaluating, and the report is the
in-memory report, byte for byte (``tests/test_stream.py`` checks that on every sample and
prefix style). It costs a second parse, so ``pipeline.run`` uses it only when the inputs
add up to ``Options.stream_above`` bytes, and never when the caller wants the sessions'
events (``timeline``). Inputs from both sides must be paired, which reads whole sessions
of both: then ``diagnose_streaming`` returns None and the caller holds them in memory.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass

from ..catalog.candidates import candidates_for
from ..catalog.engine import Match, fold, peer_unit, survivors
from ..catalog.model import Pattern
from ..errors import InputError
from ..events import Event, Side
from ..focus import ID_KINDS
from ..input.sources import Source
from ..proposal_match import proposal_mismatches
from ..report.model import Report, SessionSummary
from ..sessions import Session, SessionBuilder, by_line, mark_overlaps
from ..settle import Settlement, TimeSummary
from ..triage import TriageCollector
from .assembling import session_summary
from .building import count_left_out, focus_keeps
from .judging import JudgedUnits, PeerUnit, evaluate_unit, merge_units, peer_conditions
from .opening import OpenedInput, open_input
from .options import Options
from .parsing import parse_events
from .settling import plan_streamed

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
    settlements, notes = plan_streamed([(src, p.times, p.side.value) for src, p in plans], opts)
    report.warnings.extend(notes)
    judged: list[_Judged] = []
    for (src, plan), settlement in zip(plans, settlements):
        try:
            judged.append(_judge(src, opts, catalog, plan, settlement, report, triage))
        except InputError as exc:
            report.warnings.append(str(exc))
    return merge_units([j.units for j in judged]), [s for j in judged for s in j.summaries]


@dataclass(slots=True)
class _Judged:
    """One input's judged units and its session summaries in session order."""

    units: JudgedUnits
    summaries: list[SessionSummary]


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

    builder = SessionBuilder(src.name, Side.UNKNOWN, attach, opened.gate)
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
        s.events.sort(key=by_line)
    # the same derivation as build_sessions, on the kinds it reads
    mark_overlaps(sessions)
    kept = focus_keeps(sessions, opts, opened.gate)
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


def _judge(src: Source, opts: Options, catalog: list[Pattern], plan: _Plan, settlement: Settlement,
           report: Report, triage: TriageCollector) -> _Judged:
    session_patterns = [pt for pt in catalog if pt.scope == "session"]
    peer_patterns = [pt for pt in catalog if pt.scope == "peer"]
    conditions, keep = peer_conditions(peer_patterns)
    session_cand, peer_cand = candidates_for(session_patterns), candidates_for(peer_patterns)
    session_best: dict[str, Match] = {}  # per pattern, folded as session units are judged
    peer_matches: dict[str, list[Match]] = {}
    units: dict[str, PeerUnit] = {}
    for name, judged in zip(plan.peer_unit, plan.kept):
        if judged:
            units.setdefault(name, PeerUnit(0)).waiting += 1
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
            for m in survivors(evaluate_unit(session_patterns, session.events, session.id, session_cand), []):
                fold(session_best, m)
            name = plan.peer_unit[i]
            unit = units[name]
            unit.add(session.events, conditions, keep)
            plan.sessions[i] = None  # type: ignore[call-overload]  # judged: only its summary stays
            unit.waiting -= 1
            if unit.waiting == 0:
                done = units.pop(name)
                found = evaluate_unit(peer_patterns, done.events(), name, peer_cand, done.facts())
                if found:
                    peer_matches[name] = found
    if n < len(plan.assign) or digest != plan.digest:
        raise InputError(src.name, "changed while it was read (a big log is read twice)",
                         "copy the log and diagnose the copy")
    report.inputs.append(opened.summary(n))
    count_left_out(plan.kept, report, opened.skipped)
    return _Judged(JudgedUnits(session_best, peer_matches), [summaries[i] for i in sorted(summaries)])


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
