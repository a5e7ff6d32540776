"""Pair each client-side IKE session with the gateway session(s) that served it.

Neither side's log names the other's session, so pairing rests on what both
logs print about the same packets: an IKE message one side *generated* is the
one the other side *parsed* (same exchange, message ID, payload list), a UDP
packet has the same size on both ends, and the IKE_SA starts when the client's
first request arrives.  Those observations are compared under one clock offset
per (client input, server input) — the machines' clocks differ by minutes or
by a time zone, but by the same amount for every exchange — which is found by
voting over all candidate observation pairs.  Facts that need no clock add to a
pair's score: CHILD_SA SPIs (charon prints them swapped on the two ends), IKE
SPIs (Apple logs them), identities, and the client's address as the gateway saw
it (different behind NAT, so agreement helps but disagreement does not hurt).

Pairs are then taken greedily, best score first, one server session per client
session.  A server session left over that explains client observations the
primary partner does not (the gateway's half-open SA that answered
INVALID_KE_PAYLOAD or a COOKIE before the client retried) is attached to that
client session as a *secondary*: its ``partner`` names the client session,
while the client's ``partner`` names the primary.  The clock offset (client
minus server) is the median over the matched exchanges of the whole group,
with the two directions averaged so the network delay cancels.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Iterable

from .events import Event, Side
from .sessions import Session

#: seconds a matched observation may stray from the offset (logs print whole seconds)
TOLERANCE_S = 2.0
#: stop voting after this many candidate observation pairs (huge server logs)
VOTE_BUDGET = 2_000_000
#: a pair needs at least this score (a matched IKE message is worth 2-3)
MIN_SCORE = 5.0
#: share of a secondary server session's observations the client must explain
SECONDARY_SHARE = 0.6
#: extra cost, in seconds, of matching two messages whose payload lists differ
PAYLOAD_MISMATCH_COST = 1.5


@dataclass(slots=True)
class Obs:
    """One thing both ends can see: a message, a packet, or the SA's start."""

    key: tuple  # ("msg", flow, exchange, mid) | ("pkt", flow, size) | ("start",)
    t: float | None  # POSIX seconds on this log's own clock (naive times read as UTC)
    event: Event
    rank: int = 0  # position among this session's observations of the same key
    msg_type: str | None = None
    payloads: tuple[str, ...] | None = None

    @property
    def weight(self) -> float:
        return {"msg": 2.0, "pkt": 1.0}.get(self.key[0], 1.0)


@dataclass(slots=True)
class Match:
    """A client observation and the server observation of the same thing."""

    client: Obs
    server: Obs

    @property
    def flow(self) -> str:
        return self.client.key[1] if self.client.key[0] != "start" else "c2s"

    @property
    def delta(self) -> float | None:
        if self.client.t is None or self.server.t is None:
            return None
        return self.client.t - self.server.t


@dataclass(slots=True)
class Pair:
    client: Session
    server: Session
    score: float
    primary: bool = True
    matches: list[Match] = field(default_factory=list)


@dataclass(slots=True)
class Pairing:
    """The result: pairs, per-input-pair offsets, and the matched events (for the timeline)."""

    pairs: list[Pair] = field(default_factory=list)
    input_offsets: dict[tuple[str, str], float | None] = field(default_factory=dict)
    matches: dict[str, list[Match]] = field(default_factory=dict)  # client session id -> group matches

    def partners_of(self, session_id: str) -> list[str]:
        out = []
        for p in self.pairs:
            if p.client.id == session_id:
                out.append(p.server.id)
            elif p.server.id == session_id:
                out.append(p.client.id)
        return out

    @property
    def offset_s(self) -> float | None:
        """One offset for the whole report when every input pair agrees within the tolerance."""
        vals = [v for v in self.input_offsets.values() if v is not None]
        if vals and max(vals) - min(vals) <= TOLERANCE_S:
            return round(statistics.median(vals), 3)
        return None


# -- observations ---------------------------------------------------------------------------

def _seconds(dt: datetime | None) -> float | None:
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()


def _is_fragment(payloads: list[str]) -> bool:
    return bool(payloads) and all(p.startswith("EF(") or p.startswith("EF ") for p in payloads)


def observations(s: Session) -> list[Obs]:
    """What of this session the other end's log could also show, in log order."""
    client = s.side is Side.CLIENT
    out: list[Obs] = []
    started = False
    for e in s.events:
        t = _seconds(e.time)
        if e.kind == "message":
            payloads = list(e.attrs.get("payloads") or [])
            if _is_fragment(payloads) or e.attrs.get("exchange") is None:
                continue
            sent = e.attrs.get("direction") == "out"
            flow = "c2s" if sent == client else "s2c"
            out.append(Obs(("msg", flow, e.attrs.get("exchange"), e.attrs.get("mid")), t, e,
                           msg_type=e.attrs.get("msg_type"),
                           payloads=tuple(payloads) if "payloads" in e.attrs else None))
        elif e.kind == "packet" and e.attrs.get("size"):
            sent = e.attrs.get("direction") == "out"
            flow = "c2s" if sent == client else "s2c"
            out.append(Obs(("pkt", flow, int(e.attrs["size"])), t, e))
        elif e.kind == "ike_start" and not started:
            started = True
            out.append(Obs(("start",), t, e))
    counts: dict[tuple, int] = {}
    for o in out:
        o.rank = counts.get(o.key, 0)
        counts[o.key] = o.rank + 1
    return out


# -- facts that need no clock -----------------------------------------------------------------

@dataclass(slots=True)
class Facts:
    spis: set[str]
    own: set[str]  # this end's own addresses
    other: set[str]  # the other end's addresses as this end saw them
    local_id: str | None
    remote_id: str | None


def facts(s: Session) -> Facts:
    spis: set[str] = set()
    own: set[str] = set()
    other: set[str] = {s.peer} if s.peer else set()
    for e in s.events:
        spis.update(x.lower().lstrip("0") for x in e.spis if x and len(x) >= 8)
        for key in ("spi_i", "spi_o"):
            v = e.attrs.get(key)
            if isinstance(v, str) and len(v) >= 8:
                spis.add(v.lower().lstrip("0"))
        if e.kind == "packet":
            mine, theirs = ("src", "dst") if e.attrs.get("direction") == "out" else ("dst", "src")
            if e.attrs.get(mine):
                own.add(str(e.attrs[mine]))
            if e.attrs.get(theirs):
                other.add(str(e.attrs[theirs]))
        elif e.kind in ("ike_established", "config_lookup"):
            if e.attrs.get("local"):
                own.add(str(e.attrs["local"]))
            if e.attrs.get("remote"):
                other.add(str(e.attrs["remote"]))
    ids = s.identities()
    local_id, remote_id = ids.get("local_id"), ids.get("remote_id")
    for e in s.events:
        if e.kind == "identity" and e.attrs.get("id"):
            if e.attrs.get("role") == "local" and not local_id:
                local_id = str(e.attrs["id"])
            elif e.attrs.get("role") == "remote" and not remote_id:
                remote_id = str(e.attrs["id"])
    return Facts(spis, own, other, local_id, remote_id)


def static_score(c: Facts, s: Facts) -> float:
    """Evidence for (positive) or against (negative) a pair that needs no clock."""
    score = 0.0
    if c.spis & s.spis:
        score += 10.0
    if c.own & s.other:
        score += 3.0  # the gateway saw the client's own address: no NAT in between
    if c.other & s.own:
        score += 1.0
    if c.local_id and s.remote_id:
        score += 2.0 if c.local_id == s.remote_id else -2.0
    if c.remote_id and s.local_id and c.remote_id == s.local_id:
        score += 1.0
    return score


# -- matching under an offset -----------------------------------------------------------------

def _compatible(c: Obs, s: Obs) -> bool:
    return c.msg_type is None or s.msg_type is None or c.msg_type == s.msg_type


def _cost(c: Obs, s: Obs, offset: float | None) -> float | None:
    """How badly two observations of the same key disagree; None when they cannot be one."""
    if not _compatible(c, s):
        return None
    cost = 0.0
    if offset is not None and c.t is not None and s.t is not None:
        miss = abs((c.t - s.t) - offset)
        if miss > TOLERANCE_S:
            return None
        cost = miss
    if c.payloads is not None and s.payloads is not None and c.payloads != s.payloads:
        cost += PAYLOAD_MISMATCH_COST
    return cost + 0.01 * abs(c.rank - s.rank)


def match(cobs: list[Obs], sobs: list[Obs], offset: float | None) -> list[Match]:
    """Disjoint observation pairs of equal keys, cheapest first (a greedy assignment)."""
    by_key: dict[tuple, list[Obs]] = {}
    for o in sobs:
        by_key.setdefault(o.key, []).append(o)
    cands: list[tuple[float, int, int, Obs, Obs]] = []
    for i, c in enumerate(cobs):
        for j, s in enumerate(by_key.get(c.key, ())):
            cost = _cost(c, s, offset)
            if cost is not None:
                cands.append((cost, i, id(s), c, s))
    cands.sort(key=lambda x: (x[0], x[1]))
    used_c: set[int] = set()
    used_s: set[int] = set()
    out: list[Match] = []
    for _, i, sid, c, s in cands:
        if i in used_c or sid in used_s:
            continue
        used_c.add(i)
        used_s.add(sid)
        out.append(Match(c, s))
    return out


def _score(matches: list[Match], offset: float | None) -> float:
    """Matched observations, each worth less the further it strays from the offset."""
    total = 0.0
    for m in matches:
        w = m.client.weight
        if m.client.payloads is not None and m.client.payloads == m.server.payloads:
            w += 1.0
        d = m.delta
        if offset is not None and d is not None:
            w *= 1.0 - 0.5 * min(1.0, abs(d - offset) / TOLERANCE_S)
        total += w
    return total


def estimate_offset(matches: list[Match]) -> float | None:
    """Client clock minus server clock: the median per direction, averaged so delay cancels."""
    c2s = [m.delta for m in matches if m.delta is not None and m.flow == "c2s"]
    s2c = [m.delta for m in matches if m.delta is not None and m.flow == "s2c"]
    if c2s and s2c:
        return round((statistics.median(c2s) + statistics.median(s2c)) / 2, 3)
    both = c2s or s2c
    return round(statistics.median(both), 3) if both else None


# -- the clock offset of two inputs -----------------------------------------------------------

def vote_offset(clients: list[tuple[Session, list[Obs], Facts]],
                servers: list[tuple[Session, list[Obs], Facts]]) -> float | None:
    """The offset most observation pairs agree on, weighting pairs whose static facts fit."""
    index: dict[tuple, list[tuple[Obs, float]]] = {}
    for s, obs, f in servers:
        for o in obs:
            if o.t is not None:
                index.setdefault(o.key, []).append((o, 0.0))
    weights: dict[tuple[str, str], float] = {}
    work: list[tuple[int, Obs, Session, Facts]] = []
    for c, obs, cf in clients:
        for o in obs:
            if o.t is not None and o.key in index:
                work.append((len(index[o.key]), o, c, cf))
    if not work:
        return None
    server_of = {id(o): (s, f) for s, obs, f in servers for o in obs}
    work.sort(key=lambda w: w[0])  # rare keys first: they carry the most information
    bins: dict[int, float] = {}
    spent = 0
    for n, co, c, cf in work:
        if spent + n > VOTE_BUDGET:
            break
        spent += n
        for so, _ in index[co.key]:
            if not _compatible(co, so):
                continue
            s, sf = server_of[id(so)]
            key = (c.id, s.id)
            w = weights.get(key)
            if w is None:
                w = weights[key] = 1.0 + max(0.0, static_score(cf, sf))
            d = co.t - so.t  # type: ignore[operator]
            b = round(d)
            bins[b] = bins.get(b, 0.0) + w * co.weight
    if not bins:
        return None
    # a bin plus half its neighbours: a true offset near x.5 s splits its votes over two bins
    best = max(bins, key=lambda b: (bins[b] + 0.5 * (bins.get(b - 1, 0.0) + bins.get(b + 1, 0.0)), -abs(b)))
    return float(best)


# -- pairing ----------------------------------------------------------------------------------

def _group_by_path(items: Iterable[tuple[Session, list[Obs], Facts]]):
    out: dict[str, list[tuple[Session, list[Obs], Facts]]] = {}
    for it in items:
        out.setdefault(it[0].path, []).append(it)
    return out


def correlate(sessions: list[Session]) -> Pairing:
    """Compute the pairing without touching the sessions."""
    result = Pairing()
    if not ({Side.CLIENT, Side.SERVER} <= {s.side for s in sessions}):
        return result  # one side only (the usual batch case): nothing to pair, skip the work
    prepared = [(s, observations(s), facts(s)) for s in sessions if s.side in (Side.CLIENT, Side.SERVER)]
    clients = _group_by_path(p for p in prepared if p[0].side is Side.CLIENT)
    servers = _group_by_path(p for p in prepared if p[0].side is Side.SERVER)
    if not clients or not servers:
        return result
    candidates: list[Pair] = []
    for cpath, cl in clients.items():
        for spath, sv in servers.items():
            offset = vote_offset(cl, sv)
            result.input_offsets[(cpath, spath)] = offset
            for c, cobs, cf in cl:
                for s, sobs, sf in sv:
                    ms = match(cobs, sobs, offset)
                    static = static_score(cf, sf)
                    if not ms and static < 10:
                        continue
                    score = _score(ms, offset) + static
                    if score >= MIN_SCORE and (any(m.client.key[0] == "msg" for m in ms) or static >= 10):
                        candidates.append(Pair(c, s, score, matches=ms))
    candidates.sort(key=lambda p: (-p.score, p.client.id, p.server.id))
    taken_c: set[str] = set()
    taken_s: set[str] = set()
    for p in candidates:
        if p.client.id in taken_c or p.server.id in taken_s:
            continue
        taken_c.add(p.client.id)
        taken_s.add(p.server.id)
        result.pairs.append(p)
    _attach_secondaries(result, candidates, taken_s, prepared)
    return result


def _attach_secondaries(result: Pairing, candidates: list[Pair], taken_s: set[str],
                        prepared: list[tuple[Session, list[Obs], Facts]]) -> None:
    """Left-over server sessions that answered observations the primary partner did not."""
    obs_of = {s.id: obs for s, obs, _ in prepared}
    facts_of = {s.id: f for s, _, f in prepared}
    primary = {p.client.id: p for p in result.pairs}
    for p in candidates:
        if p.server.id in taken_s or p.client.id not in primary:
            continue
        prim = primary[p.client.id]
        if not facts_of[p.server.id].other & facts_of[prim.server.id].other:
            continue  # one attempt reaches the gateway from one address (one NAT mapping)
        server_obs = obs_of[prim.server.id] + [o for q in result.pairs
                                                if not q.primary and q.client.id == p.client.id
                                                for o in obs_of[q.server.id]]
        offset = result.input_offsets.get((p.client.path, p.server.path))
        explained = {id(m.client) for m in match(obs_of[p.client.id], server_obs, offset)}
        rest = [o for o in obs_of[p.client.id] if id(o) not in explained]
        extra = match(rest, obs_of[p.server.id], offset)
        # the secondary's own traffic must be this client's: most of it matched, a message included
        own = len(obs_of[p.server.id])
        if sum(1 for m in extra if m.client.key[0] == "msg") >= 1 and len(extra) >= max(2, SECONDARY_SHARE * own):
            taken_s.add(p.server.id)
            result.pairs.append(Pair(p.client, p.server, p.score, primary=False, matches=extra))
    # the group matching: every observation of the client against all its partners at once
    for cid, prim in primary.items():
        group = [q.server for q in result.pairs if q.client.id == cid]
        offset = result.input_offsets.get((prim.client.path, prim.server.path))
        result.matches[cid] = match(obs_of[cid], _reranked([o for s in group for o in obs_of[s.id]]), offset)


def _reranked(obs: list[Obs]) -> list[Obs]:
    """Observations of several sessions of one log, ranked per key in log order (ties break by order)."""
    out = sorted((Obs(o.key, o.t, o.event, 0, o.msg_type, o.payloads) for o in obs),
                 key=lambda o: (o.event.path, o.event.line))
    counts: dict[tuple, int] = {}
    for o in out:
        o.rank = counts.get(o.key, 0)
        counts[o.key] = o.rank + 1
    return out


def pair_sessions(sessions: list[Session]) -> Pairing:
    """Set ``partner`` and ``clock_offset_s`` on paired sessions; return the pairing.

    A client session's ``partner`` is its primary server session; every server session of
    its group (primary and secondaries) names the client session.  ``clock_offset_s`` is
    client clock minus server clock in seconds, the same on all sessions of a group.
    Unpaired sessions keep ``partner = None``.
    """
    result = correlate(sessions)
    for p in result.pairs:
        p.server.partner = p.client.id
        if p.primary:
            p.client.partner = p.server.id
    for cid, ms in result.matches.items():
        offset = estimate_offset(ms)
        for p in result.pairs:
            if p.client.id == cid:
                p.client.clock_offset_s = offset
                p.server.clock_offset_s = offset
    return result
