"""Evaluate catalog patterns over sessions: the generic engine behind every finding.

Nothing here knows about a particular failure.  The engine matches conditions
against events, scores a pattern from the groups it meets, keeps the lines that
prove it, drops findings another finding in the same session explains
(``suppresses``), and merges the same finding across sessions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import chain

import regex
from typing import Any, Iterable, Iterator

from ..events import Event
from ..proposals import keywords_list, without_ke
from ..report.model import Evidence, Finding
from ..sessions import Session
from .candidates import ALWAYS, Candidates, candidates_for
from .conditions import attr_value, event_matches, uses_envelope as _uses_envelope
from .model import Condition, Decisive, Group, Pattern

MAX_EVIDENCE_PER_GROUP = 2
BOTH_SIDES_BONUS = 0.15


@dataclass(slots=True)
class Match:
    pattern: Pattern
    confidence: float
    unit: str
    evidence: list[tuple[str, Event]] = field(default_factory=list)
    captures: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    sides: set[str] = field(default_factory=set)
    occurrences: int = 1
    peers: set[str] = field(default_factory=set)
    basis: str = "rule"  # rule: every required group met | decisive: concluded from decisive lines alone
    confirm: str = ""  # for a decisive match: the missing context that would confirm it


#: (id(condition), id(attrs dict)) -> whether the attributes meet the condition's where/has/lacks,
#: for conditions that read only attributes: events of one charon message text share one attribute
#: dict, so a busy log's thousands of identical ``parsed IKE_AUTH request`` lines are judged once
Memo = dict[tuple[int, int], bool]


def _found(cond: Condition, events: list[Event], by_kind: dict[str, list[Event]] | None,
           memo: Memo | None) -> list[Event]:
    """The unit's events that meet one condition (its own kind only, when the unit is indexed)."""
    pool = events if by_kind is None else by_kind.get(cond.event, ())
    if memo is None or not pool or _uses_envelope(cond):
        return [e for e in pool if event_matches(e, cond)]
    # remembered per attribute dict (``Memo``); a plain loop, as a failing unit's every message
    # passes here for each condition that names messages
    kind, side, cid = cond.event, cond.side, id(cond)
    out = []
    for e in pool:
        if e.kind != kind or (side and e.side._value_ != side):
            continue
        key = (cid, id(e.attrs))
        hit = memo.get(key)
        if hit is None:
            hit = memo[key] = event_matches(e, cond)
        if hit:
            out.append(e)
    return out


def _group_hits(group: Group, events: list[Event], by_kind: dict[str, list[Event]] | None = None,
                memo: Memo | None = None) -> tuple[bool, list[tuple[Condition, list[Event]]]]:
    """Whether the group is met, and the events behind it (per condition).

    ``by_kind`` (the unit's events grouped by kind, in order) lets a condition look only at
    events of its own kind; the result is the same as scanning ``events``. ``memo`` must live
    no longer than the events it was filled from (it keys on object ids).
    """
    hits: list[tuple[Condition, list[Event]]] = []
    met = False
    sides: set[str] = set()
    for cond in group.any:
        found = _found(cond, events, by_kind, memo)
        if cond.absent:
            if not found:
                met = True
                hits.append((cond, []))
        elif len(found) >= cond.min_count:
            met = True
            hits.append((cond, found))
            sides.update(e.side._value_ for e in found)
    if group.both_sides and not {"server", "client"} <= sides:
        return False, hits
    return met, hits


def index_unit(events: list[Event]) -> tuple[dict[str, list[Event]], set[str]]:
    """A unit's events by kind (each list in the unit's order) and the sides present."""
    return index_with_facts(events)[0]


def _required_hits(groups: list[Group], events: list[Event], by_kind: dict[str, list[Event]] | None,
                   memo: Memo | None = None) -> list[list[tuple[Condition, list[Event]]]] | None:
    """Every required group's hits (in the pattern's order), or None as soon as one is unmet.

    Groups are tried cheapest first (fewest events of their kinds in this unit), so a pattern
    whose rare event is missing is dropped before its common events are scanned; the hits
    are returned in the pattern's order, so evidence comes out the same either way.
    """
    order = range(len(groups))
    if by_kind is not None and len(groups) > 1:
        order = sorted(order, key=lambda i: sum(len(by_kind.get(c.event, ())) for c in groups[i].any))
    out: list[list[tuple[Condition, list[Event]]]] = [[] for _ in groups]
    for i in order:
        met, hits = _group_hits(groups[i], events, by_kind, memo)
        if not met:
            return None
        out[i] = hits
    return out


@dataclass(slots=True)
class UnitFacts:
    """What a pattern reads of a whole unit besides the events its conditions match.

    Built from the unit's events (``unit_facts``), or kept up by the streaming diagnosis
    (``diagnose.pipeline.streaming``), which holds only the events of the kinds a scope's patterns match.
    """

    events: int  # how many events the unit has
    sides: set[str]
    peers: set[str]
    connection: str | None  # the first gateway event's connection name, in unit order


def unit_facts(events: list[Event]) -> UnitFacts:
    return UnitFacts(len(events), {e.side._value_ for e in events}, {e.peer for e in events if e.peer},
                     next((e.ike_name for e in events if e.side._value_ == "server" and e.ike_name
                           and e.ike_name != "(unnamed)"), None))


def index_with_facts(events: list[Event]) -> tuple[tuple[dict[str, list[Event]], set[str]], UnitFacts]:
    """``index_unit`` and ``unit_facts`` in one pass: ``evaluate`` given both reads neither
    again, where without ``facts`` it would scan the unit once more for every match."""
    by_kind: dict[str, list[Event]] = {}
    sides: set[str] = set()
    peers: set[str] = set()
    connection = None
    for e in events:
        lst = by_kind.get(e.kind)
        if lst is None:
            by_kind[e.kind] = [e]
        else:
            lst.append(e)
        side = e.side._value_
        sides.add(side)
        if e.peer:
            peers.add(e.peer)
        if connection is None and side == "server" and e.ike_name and e.ike_name != "(unnamed)":
            connection = e.ike_name
    return (by_kind, sides), UnitFacts(len(events), set(sides), peers, connection)


def evaluate(pattern: Pattern, events: list[Event], unit: str,
             index: tuple[dict[str, list[Event]], set[str]] | None = None, memo: Memo | None = None,
             facts: UnitFacts | None = None) -> Match | None:
    """Score one pattern over one unit; ``index`` (from ``index_unit``) only makes it faster.

    With ``facts``, ``events`` (and ``index``) may hold only the events of the kinds the
    pattern's conditions name: everything else is read from ``facts``.
    """
    if not (facts.events if facts is not None else events):
        return None
    by_kind, sides_present = index if index is not None else (None, {e.side._value_ for e in events})
    if not sides_present & set(pattern.sides) and "unknown" not in sides_present:
        return None
    required = _required_hits(pattern.required, events, by_kind, memo)
    if required is None:
        if not pattern.decisive:
            return None
        m = _decisive_match(pattern, events, unit, by_kind, memo)
        if m is None:
            return None
    else:
        m = Match(pattern=pattern, confidence=pattern.base_confidence, unit=unit)
        for group, hits in zip(pattern.required, required):
            _collect(m, "required", group, hits)
    for group in pattern.contradicting:
        met, hits = _group_hits(group, events, by_kind, memo)
        if met:
            if group.veto:
                return None
            m.confidence -= group.weight
            _collect(m, "contradicting", group, hits)
    for group in pattern.supporting:
        met, hits = _group_hits(group, events, by_kind, memo)
        if met:
            m.confidence += group.weight
            _collect(m, "supporting", group, hits)
    req_sides = {ev.side._value_ for role, ev in m.evidence if role == "required"}
    m.sides = req_sides or sides_present
    if {"server", "client"} <= {ev.side._value_ for role, ev in m.evidence if role != "contradicting"}:
        m.confidence += BOTH_SIDES_BONUS
    ceiling = 0.99 if m.basis == "rule" else pattern.base_confidence - FRAGMENT_MARGIN
    m.confidence = round(min(ceiling, max(0.05, m.confidence)), 2)
    f = facts if facts is not None else unit_facts(events)
    m.peers = set(f.peers)
    # the gateway's connection name, so fix snippets can name it instead of a placeholder
    if f.connection:
        m.captures.setdefault("connection", f.connection)
    return m


#: attributes that say which exchange, direction or party a condition is about (not what it found
#: there): an unmet required group is *contradicted* when the unit has an event these agree on
SCOPE_ATTRS = frozenset({"exchange", "direction", "msg_type", "who", "proto", "stage", "what", "role"})
FRAGMENT_MARGIN = 0.05  # a decisive-lines finding stays below what the whole rule would give


def _decisive_match(pattern: Pattern, events: list[Event], unit: str,
                    by_kind: dict[str, list[Event]] | None, memo: Memo | None) -> Match | None:
    """The pattern concluded from its decisive lines, when the unit lacks (not contradicts) the rest.

    Real pastes are fragments: the one line the poster thought mattered. A required group the
    fragment says nothing about is *not in the log*; one whose exchange or party the log shows
    without the evidence it needs is *contradicted*, and then no conclusion is drawn.
    """
    for d in pattern.decisive:
        hits = _decisive_hits(d, events, by_kind, memo)
        if hits is None:
            continue
        missing: list[str] = []
        met_groups: list[tuple[Group, list[tuple[Condition, list[Event]]]]] = []
        for group in pattern.required:
            met, ghits = _group_hits(group, events, by_kind, memo)
            if met:
                met_groups.append((group, ghits))
            elif _contradicted(group, events, by_kind):
                return None
            else:
                missing.append(group.name)
        m = Match(pattern=pattern, confidence=d.confidence, unit=unit, basis="decisive", confirm=d.confirm)
        _collect(m, "required", Group(name=d.name, any=[c for c, _ in hits]), hits)
        for group, ghits in met_groups:
            _collect(m, "required", group, ghits)
        m.notes.append(f"concluded from the decisive line(s) alone ({render(d.name, m.captures)})"
                       + (f"; not in this log: {'; '.join(missing)}" if missing else ""))
        return m
    return None


def _decisive_hits(d: Decisive, events: list[Event], by_kind: dict[str, list[Event]] | None,
                   memo: Memo | None) -> list[tuple[Condition, list[Event]]] | None:
    """Every condition's events, or None as soon as one has none (or an ``absent`` one has some)."""
    out = []
    for cond in d.all:
        found = _found(cond, events, by_kind, memo)
        if cond.absent:
            if found:
                return None
            continue
        if len(found) < max(cond.min_count, 1):
            return None
        out.append((cond, found))
    return out


def _contradicted(group: Group, events: list[Event], by_kind: dict[str, list[Event]] | None) -> bool:
    """An unmet group whose subject the unit shows: the same exchange/party, without the evidence."""
    for cond in group.any:
        if cond.absent:  # unmet: the event it must not have is there
            return True
        scope = {k: v for k, v in cond.where.items() if k in SCOPE_ATTRS}
        if not scope or (len(scope) == len(cond.where) and not cond.has and not cond.lacks):
            # no exchange or party named: another event of the kind is no answer to this one;
            # or the condition is its own scope: unmet means simply not in the log
            continue
        probe = Condition(event=cond.event, where=scope, side=cond.side, compiled=cond.compiled)
        pool = events if by_kind is None else by_kind.get(cond.event, ())
        if any(event_matches(e, probe) for e in pool):
            return True
    return False


def _collect(m: Match, role: str, group: Group, hits: list[tuple[Condition, list[Event]]]) -> None:
    shown = 0
    for cond, evs in hits:
        if cond.absent:
            m.notes.append(f"{group.name}: no {cond.event} event {_describe(cond)} in this session")
            continue
        for key, attr in cond.capture.items():
            if key not in m.captures:
                m.captures[key] = attr_value(evs[0], attr)
        for ev in evs:
            if shown >= MAX_EVIDENCE_PER_GROUP:
                break
            if all(ev is not e and (ev.path, ev.line) != (e.path, e.line) for _, e in m.evidence):
                m.evidence.append((role, ev))
                shown += 1


def _describe(cond: Condition) -> str:
    bits = [f"{k}={v}" for k, v in cond.where.items()]
    if cond.has:
        bits.append("with " + "/".join(cond.has))
    if cond.lacks:
        bits.append("without " + "/".join(cond.lacks))
    return "(" + ", ".join(bits) + ")" if bits else ""


def _canonical(e: Event) -> tuple[bool, str, int]:
    return (e.side.value != "server", e.path, e.line)


def peer_unit(s: Session) -> str:
    """The peer-scope unit a session belongs to: its input and the client's identity (else address)."""
    return f"{s.path}#peer:{s.identities().get('remote_id') or s.peer or s.id}"


def unit_members(sessions: list[Session], scope: str) -> Iterator[tuple[str, list[Session]]]:
    """The units a pattern of this scope is evaluated on: each unit's name and its sessions."""
    if scope == "session":
        by_id = {s.id: s for s in sessions}
        done: set[str] = set()
        for s in sessions:
            if s.id in done:
                continue
            done.add(s.id)
            partner = by_id.get(s.partner) if s.partner else None
            # merge mutual pairs only: a secondary server session (e.g. the half-open SA that
            # answered INVALID_KE) names the client, whose partner is another session
            if partner is not None and partner.id not in done and partner.partner == s.id:
                done.add(partner.id)
                gateway = s if s.side.value == "server" else partner
                yield gateway.id, [s, partner]
                continue
            yield s.id, [s]
    elif scope in ("peer", "input"):
        groups: dict[str, list[Session]] = {}
        for s in sessions:
            groups.setdefault(peer_unit(s) if scope == "peer" else s.path, []).append(s)
        yield from groups.items()
    else:
        yield "all", list(sessions)


def unit_events(members: list[Session], scope: str) -> list[Event]:
    """A unit's events in the order patterns read them."""
    if scope == "session":
        if len(members) == 1:
            return list(members[0].events)
        first, second = members
        # canonical order, whichever side came first on the command line
        return sorted(first.events + second.events, key=_canonical)
    events = [e for s in members for e in s.events]
    if scope != "all":
        events.sort(key=lambda e: e.line)
    return events


def units(sessions: list[Session], scope: str) -> Iterable[tuple[str, list[Event]]]:
    """The groups of events a pattern is evaluated on, by its scope."""
    for name, members in unit_members(sessions, scope):
        yield name, unit_events(members, scope)


_FIELD = regex.compile(r"\{([a-z_][a-z0-9_]*)(?:\|([a-z]+))?\}")


def _field_value(value: Any, flt: str | None) -> str:
    if flt == "keywords":
        return keywords_list(value)
    if flt == "nopfs":
        return without_ke(value)
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


#: how a value the log did not give reads in a fix (``<...>`` so nobody takes it for a real one)
PLACEHOLDERS = {"connection": "your-connection", "child": "your-child", "offered": "client-proposals",
                "configured": "your-proposals", "expected": "server-name", "local_ts": "local-ts"}


def placeholder(name: str) -> str:
    """``<your-connection>``: what stands in a fix for a value neither log nor configuration gave."""
    return f"<{PLACEHOLDERS.get(name, name.replace('_', '-'))}>"


def render(text: str, values: dict[str, Any]) -> str:
    """Fill ``{name}`` / ``{name|filter}`` from captures, or a readable ``<placeholder>`` when the
    log gave none; every other brace (swanctl.conf sections) stays as written."""
    def sub(m: Any) -> str:
        value = values.get(m.group(1))
        out = "" if value is None else _field_value(value, m.group(2))
        return out or placeholder(m.group(1))
    return _FIELD.sub(sub, text)


def match_all(patterns: list[Pattern], sessions: list[Session]) -> list[Match]:
    """Every pattern over every unit; suppression inside a session; merge across sessions."""
    return merge_matches(evaluate_units(patterns, sessions))


def evaluate_units(patterns: list[Pattern], sessions: list[Session]) -> dict[str, list[Match]]:
    """Every pattern over every unit of its scope: the matches per unit, before merging."""
    per_unit: dict[str, list[Match]] = {}
    memo: Memo = {}  # lives only while ``sessions`` hold their events
    cand = candidates_for(patterns)
    session_bits: dict[int, int] = {}  # id(session) -> the conditions its events meet, for every scope
    scopes: dict[str, _ScopeUnits] = {}  # each scope's units are built once, not once per pattern
    for pt in patterns:
        scope = scopes.get(pt.scope)
        if scope is None:
            scope = scopes[pt.scope] = _ScopeUnits(pt.scope, sessions, cand, session_bits)
        for u in scope.candidates(pt, cand):
            index, facts = u.index()
            m = evaluate(pt, u.events(), u.name, index, memo, facts)
            if m is not None:
                per_unit.setdefault(u.name, []).append(m)
    return per_unit


@dataclass(slots=True)
class _Unit:
    """One unit; its events are gathered (and indexed) only when a pattern is evaluated on it."""

    name: str
    members: list[Session]
    scope: str
    bits: int  # the catalog conditions its events meet (``Candidates.unit_bits``)
    _events: list[Event] | None = None
    _index: tuple[tuple[dict[str, list[Event]], set[str]], UnitFacts] | None = None

    def events(self) -> list[Event]:
        if self._events is None:
            self._events = unit_events(self.members, self.scope)
        return self._events

    def index(self) -> tuple[tuple[dict[str, list[Event]], set[str]], UnitFacts]:
        """``index_with_facts`` of its events, once for all the patterns evaluated on it."""
        if self._index is None:
            self._index = index_with_facts(self.events())
        return self._index


class _ScopeUnits:
    """One scope's units, grouped by their bitmask.

    A unit's bits are those of its sessions OR-ed (a condition is met by some event of the
    unit exactly when some session of it has that event), so each session's events are read
    once for all scopes; a wider unit's events are gathered and sorted only when a pattern
    could match it. Most units share a few bitmasks (most have none), so a pattern asks the
    filter once per bitmask, not once per unit.
    """

    def __init__(self, scope: str, sessions: list[Session], cand: Candidates | None,
                 session_bits: dict[int, int]) -> None:
        self.units: list[_Unit] = []
        self._by_bits: dict[int, list[int]] = {}  # bits -> positions of its units, in unit order
        for name, members in unit_members(sessions, scope):
            bits = ALWAYS
            if cand is not None:
                bits = 0
                for s in members:
                    b = session_bits.get(id(s))
                    if b is None:
                        b = session_bits[id(s)] = cand.unit_bits(s.events)
                    bits |= b
            self._by_bits.setdefault(bits, []).append(len(self.units))
            self.units.append(_Unit(name, members, scope, bits))

    def candidates(self, pt: Pattern, cand: Candidates | None) -> list[_Unit]:
        """The units ``evaluate`` could match the pattern on, in unit order (all without a filter)."""
        if cand is None:
            return self.units
        groups = [positions for bits, positions in self._by_bits.items() if cand.possible(pt, bits)]
        if not groups:
            return []
        ordered = groups[0] if len(groups) == 1 else sorted(chain.from_iterable(groups))
        return [self.units[i] for i in ordered]


def merge_matches(per_unit: dict[str, list[Match]]) -> list[Match]:
    """Suppression inside each unit, then one finding per pattern across units."""
    merged: dict[str, Match] = {}
    for m in unit_survivors(per_unit):
        fold(merged, m)
    return ranked(merged)


def unit_survivors(per_unit: dict[str, list[Match]]) -> Iterator[Match]:
    """Each unit's matches after suppression, not folded across units (``watch`` reports every
    failing session, a log diagnosis one finding per pattern)."""
    # suppression is judged per session; patterns of wider scope suppress in every session they cover
    wide = WideSuppression([m for ms in per_unit.values() for m in ms if m.pattern.scope != "session"])
    for unit, ms in per_unit.items():
        yield from survivors_outside(ms, wide.outside(unit))


def survivors(ms: list[Match], others: list[Match]) -> list[Match]:
    """A unit's matches that neither another of its matches nor a wider match (``others``) explains."""
    return survivors_outside(ms, suppressed_by(others))


def survivors_outside(ms: list[Match], suppressed: set[str]) -> list[Match]:
    """``survivors`` with the wider matches' verdict (``suppressed_by(others)``) already taken."""
    gone = suppressed_by(ms) | suppressed
    return [m for m in ms if m.pattern.id not in gone]


def suppressed_by(matches: list[Match]) -> set[str]:
    """The patterns these matches explain away (only matches of some confidence do)."""
    return {s for m in matches for s in m.pattern.suppresses if m.confidence >= 0.3}


class WideSuppression:
    """What the matches of wider scope suppress in each unit: everything they explain away but
    the unit's own wide matches (``suppressed_by`` of the wide matches of the *other* units).

    Asking ``suppressed_by`` over the other units' matches once per unit is quadratic in the
    units: a dense log has a peer-scope match for each of thousands of clients. Per suppressed
    pattern, the units whose matches suppress it say the same: one other unit is enough.
    """

    def __init__(self, wide: list[Match]) -> None:
        self._units: dict[str, set[str]] = {}  # suppressed pattern id -> units of the matches suppressing it
        for m in wide:
            if m.confidence >= 0.3:
                for s in m.pattern.suppresses:
                    self._units.setdefault(s, set()).add(m.unit)

    def outside(self, unit: str) -> set[str]:
        """The patterns wide matches of units other than ``unit`` suppress."""
        return {s for s, units in self._units.items() if len(units) > 1 or unit not in units}


def fold(merged: dict[str, Match], m: Match) -> None:
    """Merge one unit's match into the finding of its pattern.

    Order-independent, so units can be folded as they are judged: the finding shows the best
    unit (highest confidence, then most evidence, ties to the smallest unit name), counts every
    unit and joins their peers.
    """
    best = merged.get(m.pattern.id)
    if best is None:
        merged[m.pattern.id] = m
        return
    total = best.occurrences + m.occurrences
    peers = best.peers | m.peers
    if (m.confidence, len(m.evidence), best.unit) > (best.confidence, len(best.evidence), m.unit):
        merged[m.pattern.id] = best = m
    best.occurrences = total
    best.peers = peers


def ranked(merged: dict[str, Match]) -> list[Match]:
    return sorted(merged.values(), key=lambda m: (-m.confidence, m.pattern.id))


def to_finding(m: Match) -> Finding:
    pt = m.pattern
    values = dict(m.captures)
    side = "both" if {"server", "client"} <= m.sides else next(iter(m.sides), "unknown")
    notes = list(dict.fromkeys(m.notes))
    if m.occurrences > 1:
        notes.append(f"seen in {m.occurrences} sessions")
    if pt.evidence_status == "unverified":
        notes.append("evidence_status: unverified (no real log of this failure has been matched yet)")
    if m.confirm:
        notes.append(f"to confirm: {m.confirm}")
    return Finding(
        id=pt.id, title=pt.title, confidence=m.confidence, side=side,
        root_cause=render(pt.root_cause, values), fix=render(pt.fix, values),
        evidence=[Evidence(path=e.path, line=e.line, text=e.text, role=role, side=e.side.value,
                           time=e.time.isoformat() if e.time else None) for role, e in m.evidence],
        session=m.unit, evidence_status=pt.evidence_status,
        fix_snippets=[{"lang": s.lang, "title": render(s.title, values), "text": render(s.text, values)}
                      for s in pt.snippets],
        references=list(pt.references), notes=notes, basis=m.basis)
