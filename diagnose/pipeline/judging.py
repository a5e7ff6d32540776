"""Stage 5, judging: the sessions against the failure catalog (``patterns/``).

In memory every session is held: sessions of both sides are paired (``correlate``), then each
unit (a session, or all sessions of one client for peer-scope patterns) is evaluated and the
matches merged (``judge_sessions``). The streaming path judges each unit as soon as its last
event has been read: ``evaluate_unit`` on one session, ``PeerUnit`` gathering what a peer unit's
patterns can use until its last session ends, and ``merge_units`` doing at the end what
``merge_matches`` does. The catalog semantics are all in ``diagnose/catalog/engine.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..catalog.candidates import Candidates
from ..catalog.engine import (MAX_EVIDENCE_PER_GROUP, Match, UnitFacts, WideSuppression, evaluate, evaluate_units,
                              event_matches, fold, index_unit, index_with_facts, merge_matches, ranked,
                              suppressed_by, survivors_outside)
from ..catalog.model import Condition, Group, Pattern
from ..correlate import pair_sessions
from ..events import Event
from ..sessions import Session


def judge_sessions(catalog: list[Pattern], sessions: list[Session]) -> list[Match]:
    """Every session held in memory: paired across sides, evaluated, matches merged and ranked."""
    pair_sessions(sessions)
    return merge_matches(evaluate_units(catalog, sessions))


def evaluate_unit(patterns: list[Pattern], events: list[Event], unit: str, cand: Candidates | None,
                  facts: UnitFacts | None = None) -> list[Match]:
    """Every pattern over one unit, as ``evaluate_units`` does (``cand``: only those it could
    match); with ``facts``, ``events`` are only those a peer unit kept, and the unit's sides
    come from the facts."""
    if cand is not None:
        patterns = cand.among(patterns, cand.unit_bits(events))
        if not patterns:
            return []
    if facts is None:
        index, facts = index_with_facts(events)
    else:
        index = (index_unit(events)[0], facts.sides)
    memo: dict = {}  # per unit: it keys on ids of attribute dicts that die with the unit's events
    out = []
    for pt in patterns:
        m = evaluate(pt, events, unit, index, memo, facts)
        if m is not None:
            out.append(m)
    return out


@dataclass(slots=True)
class PeerUnit:
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


def peer_conditions(patterns: list[Pattern]) -> tuple[dict[str, list[tuple[int, Condition]]], int]:
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


@dataclass(slots=True)
class JudgedUnits:
    """One input's judged units: matches of session units folded per pattern (suppressed only
    within their unit so far), and the peer units' matches."""

    session_best: dict[str, Match]
    peer_matches: dict[str, list[Match]]


def merge_units(judged: list[JudgedUnits]) -> list[Match]:
    """What ``merge_matches`` does, on units already folded: a peer-scope match suppresses its
    patterns in every session unit (of every input) and in the other peer units."""
    wide = [m for j in judged for ms in j.peer_matches.values() for m in ms]
    gone = suppressed_by(wide)
    by_others = WideSuppression(wide)
    merged: dict[str, Match] = {}
    for j in judged:
        for pid, m in j.session_best.items():
            if pid not in gone:
                fold(merged, m)
    for j in judged:
        for name, ms in j.peer_matches.items():
            for m in survivors_outside(ms, by_others.outside(name)):
                fold(merged, m)
    return ranked(merged)
