"""Which patterns a unit can match at all, before the engine scores any of them.

A dense gateway log has thousands of sessions and the catalog dozens of patterns, but few
sessions carry any line a pattern asks for. ``evaluate`` (``engine.py``) returns None for a
pattern unless every required group is met, or every condition of one ``[[decisive]]``
entry is; and it returns None whenever a veto group is met. All of that can be read off one
bitmask per unit: a bit per catalog condition, set when some event of the unit meets it.

The bits are ``event_matches`` itself, judged once per distinct attribute dict (events of
one charon message text share theirs) and per event only for conditions that read the
envelope (``peer``, ``ike_name``, ``side``). Events that carry their own identifiers (every
``ike_start``, ``delete`` or ``ike_established`` has its own dict) are judged once per
distinct value of the few attributes their kind's conditions read. The filter only skips calls that would return
None, so reports do not change: ``tests/catalog/test_candidates.py`` compares every sample
and prefix style with ``EVALUATE_ALL`` set, which evaluates every pattern on every unit.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..events import Event
from .conditions import event_matches, uses_envelope
from .model import Condition, Group, Pattern

#: the reference path: evaluate every pattern on every unit (the golden comparison sets it)
EVALUATE_ALL = False
#: distinct attribute dicts remembered (each held, so its id cannot be reused while cached)
CACHE_LIMIT = 50_000
ALWAYS = -1  # a required group that an empty unit can meet (an ``absent`` condition, min_count 0)


@dataclass(slots=True)
class _Plan:
    """One pattern's test on a unit's bitmask."""

    required: list[int]  # per required group: the bits of its conditions, or ALWAYS
    decisive: list[int]  # per decisive entry: the bits that must all be set
    veto: int  # bits that alone meet a veto group: one matching event and the pattern is out


class Candidates:
    """The catalog's conditions as bits, and per pattern what a unit's bits must show."""

    def __init__(self, patterns: list[Pattern]) -> None:
        self._bits: dict[int, int] = {}  # id(condition) -> its bit
        self._plain: dict[str, list[tuple[int, Condition]]] = {}  # by event kind: judged per attribute dict
        self._envelope: dict[str, list[tuple[int, Condition]]] = {}  # by event kind: judged per event
        self._plans: dict[int, _Plan] = {id(pt): self._plan(pt) for pt in patterns}
        self._kinds = frozenset(self._plain) | frozenset(self._envelope)
        self._cache: dict[tuple[str, str, int], tuple[int, dict]] = {}
        #: per kind, the attributes its plain conditions read (``where`` keys; ``payloads`` for has/lacks)
        self._reads = {kind: _reads(conds) for kind, conds in self._plain.items()}
        self._by_values: dict[tuple[str, str, tuple], int] = {}  # (kind, side, values read) -> bits
        self._seen: dict[tuple[int, int], bool] = {}  # (id(pattern), unit bits) -> possible
        self._among: dict[int, tuple[list[Pattern], list[Pattern]]] = {}  # bits -> (patterns, those possible)

    def _bit(self, cond: Condition) -> int:
        bit = self._bits.get(id(cond))
        if bit is None:
            bit = self._bits[id(cond)] = 1 << len(self._bits)
            table = self._envelope if uses_envelope(cond) else self._plain
            table.setdefault(cond.event, []).append((bit, cond))
        return bit

    def _group_bits(self, group: Group) -> int:
        if any(c.absent or c.min_count <= 0 for c in group.any):  # met without any matching event
            for c in group.any:
                self._bit(c)
            return ALWAYS
        bits = 0
        for c in group.any:
            bits |= self._bit(c)
        return bits

    def _plan(self, pt: Pattern) -> _Plan:
        veto = 0
        for g in pt.contradicting:
            if g.veto and not g.both_sides:
                for c in g.any:
                    if not c.absent and c.min_count == 1:
                        veto |= self._bit(c)
        decisive = []
        for d in pt.decisive:
            bits = 0
            for c in d.all:
                if not c.absent:  # an absent condition is met by a unit without the event
                    bits |= self._bit(c)
            decisive.append(bits)
        return _Plan([self._group_bits(g) for g in pt.required], decisive, veto)

    def event_bits(self, ev: Event) -> int:
        """The conditions this event meets."""
        key = (ev.kind, ev.side._value_, id(ev.attrs))
        hit = self._cache.get(key)
        if hit is None:
            bits = self._plain_bits(ev)
            if len(self._cache) >= CACHE_LIMIT:
                self._cache.clear()
            self._cache[key] = (bits, ev.attrs)
        else:
            bits = hit[0]
        for bit, cond in self._envelope.get(ev.kind, ()):
            if event_matches(ev, cond):
                bits |= bit
        return bits

    def _plain_bits(self, ev: Event) -> int:
        """The plain conditions this event meets, judged once per distinct value of what they read."""
        values = _values(ev.attrs, self._reads.get(ev.kind, ()))
        if values is not None:
            vkey = (ev.kind, ev.side._value_, values)
            bits = self._by_values.get(vkey)
            if bits is not None:
                return bits
        bits = 0
        for bit, cond in self._plain.get(ev.kind, ()):
            if event_matches(ev, cond):
                bits |= bit
        if values is not None:
            if len(self._by_values) >= CACHE_LIMIT:
                self._by_values.clear()
            self._by_values[vkey] = bits
        return bits

    def unit_bits(self, events: list[Event]) -> int:
        """The conditions some event of the unit meets."""
        kinds, cache, envelope = self._kinds, self._cache, self._envelope
        bits = 0
        for ev in events:
            kind = ev.kind
            if kind in kinds:
                hit = None if kind in envelope else cache.get((kind, ev.side._value_, id(ev.attrs)))
                bits |= hit[0] if hit is not None else self.event_bits(ev)  # the lookup inlined: most hit
        return bits

    def possible(self, pt: Pattern, bits: int) -> bool:
        """Whether ``evaluate`` could return a match for the pattern on a unit with these bits."""
        key = (id(pt), bits)  # most units share a few bitmasks (most have none)
        hit = self._seen.get(key)
        if hit is None:
            hit = self._seen[key] = _possible(self._plans[id(pt)], bits)
        return hit

    def among(self, patterns: list[Pattern], bits: int) -> list[Pattern]:
        """The patterns ``possible`` on a unit with these bits, in order: remembered per bitmask
        (for the same list), as the streaming diagnosis asks it for every session."""
        hit = self._among.get(bits)
        if hit is None or hit[0] is not patterns:
            hit = self._among[bits] = (patterns, [pt for pt in patterns if self.possible(pt, bits)])
        return hit[1]


def _reads(conds: list[tuple[int, Condition]]) -> tuple[str, ...]:
    names = {attr for _, c in conds for attr in c.where}
    if any(c.has or c.lacks for _, c in conds):
        names.add("payloads")
    return tuple(sorted(names))


def _values(attrs: dict, names: tuple[str, ...]) -> tuple | None:
    """The attributes ``names`` of an event as a key: two events with equal keys (and the same
    kind and side) meet the same plain conditions, as those read nothing else. Each value is
    keyed with its type (``1 == True``, but a condition reads ``str(value)``); None for a value
    of any other type than str, int, bool, None or a list of str, which is then not shared."""
    out = []
    for name in names:
        v = attrs.get(name)
        t = type(v)
        if v is None or t is str or t is int or t is bool:
            out.append((t, v))
        elif t is list and all(type(x) is str for x in v):
            out.append((t, tuple(v)))
        else:
            return None
    return tuple(out)


def _possible(plan: _Plan, bits: int) -> bool:
    if plan.veto & bits:
        return False
    if all(g == ALWAYS or g & bits for g in plan.required):
        return True
    return any(d & bits == d for d in plan.decisive)


def candidates_for(patterns: list[Pattern]) -> Candidates | None:
    """The filter for these patterns, or None to evaluate everything (``EVALUATE_ALL``)."""
    return None if EVALUATE_ALL else Candidates(patterns)
