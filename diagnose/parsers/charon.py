"""strongSwan charon logs in every prefix style charon (or its log sink) produces.

The styles differ only in what stands before the message (see
shared/reference/charon-log-lines.md section 2):

* file log: ``[time ]NN[GRP] [<name|N> ]msg`` (time only with ``time_format``)
* syslog/journal of the above: ``Mmm dd HH:MM:SS host charon[pid]: NN[GRP] ...``
* journald via charon-systemd: ``Mmm dd HH:MM:SS host charon-systemd[pid]: msg``
  (no thread/group), also ``short-iso``/``short-precise``
* ``swanctl --log``: ``NN[GRP] msg``; ``swanctl --initiate``: ``[GRP] msg``
* stroke (``ipsec up``) and ``journalctl -o cat``: the bare message
* 6.x ``json = yes`` file log: one JSON object per line

So the parser peels the prefix into (time, thread, group, level, IKE_SA name/id)
and hands the bare message to the message table.  Side comes from the roles
the log shows: a charon that answers ``is initiating`` is the gateway.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Callable, Iterable, Iterator

import regex

from ..events import Event, Side
from ..knowledge import knowledge, wording_severity
from ..timeparse import Clock
from . import charon_blocks
from .base import ParseContext
from .charon_table import MATCH_TIMEOUT, ends_literally, expand_summary, reference, resolve_plan, table, written_by

# NN[GRP] or NN[GRP2], then optionally <name|N> / <N>
_BODY = regex.compile(
    r"(?:^|(?<=\s))(?P<thread>\d{2,})\[(?P<group>[A-Z]{3})(?P<level>[0-4])?\] "
    r"(?:<(?:(?P<name>[^|>]*)\|)?(?P<id>\d+)> )?")
# The same NN[GRP] body, anchored where it must start in the two commonest shapes: right after the
# timestamp the previous line had (file log with time_format) or at the very start (no time).
# Anchored at one position these cannot backtrack, so stdlib ``re`` serves; a miss falls back.
_BODY_AFTER_TS = re.compile(r"\s+(\d{2,})\[([A-Z]{3})[0-4]?\] (?:<(?:([^|>]*)\|)?(\d+)> )?")
_BODY_AT_START = re.compile(r"(\d{2,})\[([A-Z]{3})[0-4]?\] (?:<(?:([^|>]*)\|)?(\d+)> )?")
# syslog header after the timestamp: host tag[pid]:
_SYSLOG = regex.compile(r"^\s*(?P<host>\S+) (?P<tag>[A-Za-z0-9_.\-/]+?)(?:\[(?P<pid>\d+)\])?: ")
# a syslog header whose timestamp the Clock did not know (RFC 5424 etc.)
_SWANCTL_INIT = regex.compile(r"^\[(?P<group>[A-Z]{3})\] ")
# a log shipper's line prefix (``docker compose logs``: ``strongswan-gw-1  | ``), for rejoining
_SHIPPER = regex.compile(r"^[\w.\-]+ +\| ")
_CHARON_TAGS = ("charon", "charon-systemd", "ipsec", "charon-cmd", "charon-nm", "swanctl", "strongswan")
#: charon's log groups whose lines are about one IKE_SA or CHILD_SA, never the daemon's start-up
_SA_GROUPS = frozenset({"IKE", "ENC", "CHD"})
_GROUPS = frozenset("DMN MGR IKE CHD JOB WCH CFG KNL NET ASN ENC TNC IMC IMV PTS TLS APP ESP LIB".split())


class CharonParser:
    name = "charon"
    default_side = Side.SERVER

    # -- detection ---------------------------------------------------------
    def sniff(self, head: list[str]) -> float:
        body = bare = 0
        for line in head:
            m = _BODY.search(line)
            if m and m["group"] in _GROUPS:
                body += 1
                continue
            if line.startswith('{"') and '"msg"' in line and '"group"' in line:
                body += 1
                continue
            msg, tagged = _strip_header(line)
            if tagged:
                body += 1  # a syslog/journal line from charon itself, known message or not
            elif msg is not None and known_message(msg):
                bare += 1  # a bare message: one ikedoctor reads, or any other charon prints
        n = max(len(head), 1)
        score = (body + 0.8 * bare) / n
        if body + bare >= 3:
            score = max(score, 0.5)
        return min(1.0, score)

    def starts_record(self, line: str) -> bool:
        """Whether a line starts like a charon line (for rejoining hard-wrapped pastes).

        A timestamp, an ``NN[GRP]`` mark near the start, a JSON record, ``[GRP]`` or the
        first word of a known message; a piece cut off a longer line has none of these.
        """
        if self._prefixed(line):
            return True
        word = line.split(" ", 1)[0]
        return word in table().by_word or word in reference().by_word

    def starts_for(self, head: list[str]) -> Callable[[str], bool]:
        """The start test for one input: in a log whose lines carry prefixes, an unprefixed line
        starts a record only when it is a whole known message; a first word alone does not
        tell it from a wrapped piece (``retransmitting response``).  A paste of bare messages
        has nothing else to go by."""
        if not any(self._prefixed(h) for h in head[:200]):
            return self.starts_record

        def prefixed_start(line: str) -> bool:
            if self._prefixed(line):
                return True
            msg = line.strip()
            return table().match(msg) is not None or reference().format_of(msg) is not None
        return prefixed_start

    @staticmethod
    def _prefixed(line: str) -> bool:
        if line.startswith('{"') or _SHIPPER.match(line):
            return True
        m = _BODY.search(line[:120])
        if m and m["group"] in _GROUPS:
            return True
        if Clock().parse(line)[0] is not None:  # a fresh clock: no rollover state shared between inputs
            return True
        mi = _SWANCTL_INIT.match(line)
        if mi and mi["group"] in _GROUPS:
            return True
        return _relayed(line) is not None  # another program's tag before a whole charon message

    def reads_record(self, line: str) -> bool:
        """Whether a (rejoined) line is a charon line whose message charon prints: a known one
        (the table or any charon format), so a guessed join can be checked."""
        parsed = self._split(line, Clock(), None, None)
        if parsed is None:
            return False
        msg = parsed[-1].strip()
        return table().match(msg) is not None or reference().format_of(msg) is not None

    def complete_record(self, line: str) -> bool:
        """Whether a line already holds a whole charon message: one whose format ends in fixed
        text (``no matching peer config found``), so what follows it is no wrapped piece of it."""
        parsed = self._split(line, Clock(), None, None)
        if parsed is None:
            return False
        return ends_literally(parsed[-1].strip())

    # -- parsing -----------------------------------------------------------
    def parse(self, lines: Iterable[tuple[int, str]], ctx: ParseContext) -> Iterator[Event]:
        run = _Run(self, ctx)
        blocks = None if charon_blocks.PER_LINE else getattr(lines, "blocks", None)
        if blocks is not None:  # whole decoded blocks: split in C (``charon_blocks``)
            yield from charon_blocks.parse_blocks(run, blocks(charon_blocks.BLOCK_BYTES))
        else:
            yield from run.lines(lines)
        yield from run.finish()

    def _split(self, line: str, clock: Clock, last_text: str | None, last_ts: datetime | None):
        """Return (ts_text, time, thread, group, name, id, message) or None."""
        if line.startswith('{"'):
            return self._split_json(line, clock)
        # fast paths: exactly what the search below finds for these shapes (see _BODY_AFTER_TS)
        if last_ts is not None and line.startswith(last_text) and "[" not in last_text:  # type: ignore[arg-type]
            f = _BODY_AFTER_TS.match(line, len(last_text))  # type: ignore[arg-type]
            if f is not None:
                thread, group, name, uid = f.groups()
                if group in _GROUPS:
                    return last_text, last_ts, thread, group, name, uid, line[f.end():]
        elif line[:1].isdigit():
            f = _BODY_AT_START.match(line)
            if f is not None:
                thread, group, name, uid = f.groups()
                if group in _GROUPS:
                    return None, None, thread, group, name, uid, line[f.end():]
        m = _BODY.search(line, timeout=MATCH_TIMEOUT)
        if m and m["group"] in _GROUPS:
            head = line[: m.start()]
            ts_text, ts = self._time(head, clock, last_text, last_ts)
            # NN[GRP] with one of charon's 18 group names is charon's own mark: keep the line
            # whatever a log shipper put before it (container names, unknown time formats)
            return ts_text, ts, m["thread"], m["group"], m["name"], m["id"], line[m.end():]
        # journald/charon-systemd (no NN[GRP]), syslog without body, swanctl --initiate, bare
        ts_text, ts = self._time(line, clock, last_text, last_ts)
        rest = line
        if ts is not None:
            _, n = clock.parse(line)
            rest = line[n:]
            h = _SYSLOG.match(rest)
            if not h:
                return None
            tag = h["tag"].rsplit("/", 1)[-1]
            rest = rest[h.end():]
            if not tag.startswith(_CHARON_TAGS) and not known_message(rest):
                return None  # another program's line, unless it relays a charon message
        mi = _SWANCTL_INIT.match(rest)
        if mi and mi["group"] in _GROUPS:
            return ts_text, ts, None, mi["group"], None, None, rest[mi.end():]
        if ts is None:
            # bare message (stroke, journalctl -o cat): only known charon messages count, also
            # when another program relays them ("NetworkManager[4497]: no shared key found ...")
            if not rest.startswith((" ", "\t")) and not known_message(rest):
                relayed = _relayed(rest)
                if relayed is None:
                    return None
                rest = relayed
        return ts_text, ts, None, None, None, None, rest

    def _split_json(self, line: str, clock: Clock):
        try:
            obj = json.loads(line)
        except ValueError:
            return None
        if not isinstance(obj, dict) or "msg" not in obj:
            return None
        ts = None
        if isinstance(obj.get("time"), str):
            ts, _ = clock.parse(obj["time"])
        thread = obj.get("thread")
        try:  # hostile or hand-edited JSON: a thread of "abc" or 1e400 must not end the run
            thread = None if thread is None else f"{int(thread):02d}"
        except (TypeError, ValueError, OverflowError):
            thread = None
        name, uid = obj.get("ikesa-name"), obj.get("ikesa-uniqueid")
        return (obj.get("time"), ts, thread, obj.get("group"), None if name is None else str(name),
                None if uid is None else str(uid), str(obj["msg"]))

    @staticmethod
    def _time(head: str, clock: Clock, last_text: str | None, last_ts: datetime | None):
        head = head.lstrip()
        if not head or not head[0].isalnum():
            return None, None
        # the same second repeats on many lines: reuse the last parse
        if last_text is not None and head.startswith(last_text):
            return last_text, last_ts
        ts, n = clock.parse(head)
        if ts is None:
            return None, None
        return head[:n], ts

    def _event(self, msg: str, ctx: ParseContext, lineno: int, raw: str, ts, thread, name, ike_id,
               thread_ctx: dict[str, dict[str, Any]], cache: dict[str, "_Template | None"]) -> Event | None:
        tpl = cache.get(msg, _MISSING)
        if tpl is _MISSING:
            tpl = lookup(msg, cache)
        if tpl is None:
            return None
        # events of one message text share its attribute dict: nothing mutates an event's
        # attributes after parsing, and copies were a fifth of the parse time and memory
        attrs = tpl.attrs
        kind = tpl.kind
        if tpl.sets_ctx:
            tc = thread_ctx.setdefault(thread or "-", {})
            if kind == "no_proposal":
                exch = tc.get("exchange")
                fixed = attrs  # a message only one exchange logs names its protocol and stage itself
                attrs = dict(attrs)
                attrs["proto"] = fixed.get("proto") or tc.get("proto") or (
                    "IKE" if exch in _IKE_INIT_EXCHANGES else "ESP")
                attrs["stage"] = fixed.get("stage") or _STAGES.get(exch or "", "unknown")
            else:
                key, value = tpl.ctx_set  # type: ignore[misc]
                tc[key] = value
        return Event(
            kind=kind, path=ctx.path, line=lineno, text=raw, time=ts, side=ctx.side,
            ike_id=ike_id or tpl.env_id,  # prefixes give ids as text already
            ike_name=name or tpl.env_name, thread=thread, peer=tpl.peer, spis=tpl.spis, attrs=attrs)


class _Run:
    """One input's parse: the clock, the last time stamp, per-thread context, the template
    cache and the events held until the side is known.  ``one`` reads one line;
    ``charon_blocks`` reads most lines of a block itself and hands the rest to ``one``."""

    __slots__ = ("parser", "ctx", "clock", "stats", "thread_ctx", "last_ts_text", "last_ts", "roles", "opens",
                 "pending", "cache", "strings")

    def __init__(self, parser: "CharonParser", ctx: ParseContext) -> None:
        self.parser, self.ctx = parser, ctx
        self.clock = Clock(year=ctx.year, tz=ctx.tz)
        self.stats = ctx.stats
        self.thread_ctx: dict[str, dict[str, Any]] = {}
        self.last_ts_text: str | None = None
        self.last_ts: datetime | None = None
        self.roles = {"initiator": 0, "responder": 0}
        #: a fragment without "initiating"/"is initiating" lines: which role its messages show
        #: (``_role_of``), counted like ``roles``
        self.opens = {"initiator": 0, "responder": 0}
        self.pending: list[Event] = []
        self.cache: dict[str, _Template | None] = {}
        self.strings: dict[str | None, str | None] = {}

    def lines(self, lines: Iterable[tuple[int, str]]) -> Iterator[Event]:
        stats, one, stream, pending = self.stats, self.one, self.ctx.stream, self.pending
        for lineno, raw in lines:
            stats.lines += 1
            ev = one(lineno, raw)
            if ev is None:
                continue
            if stream:
                yield ev
            else:
                pending.append(ev)

    def one(self, lineno: int, raw: str) -> Event | None:
        """The event of one line (counted in ``stats.lines`` by the caller), or None."""
        stats = self.stats
        line = raw.rstrip()
        if not line:  # empty or only whitespace
            return None
        last_ts_text = self.last_ts_text
        parsed = self.parser._split(line, self.clock, last_ts_text, self.last_ts)
        if parsed is None:
            stats.miss(lineno, raw)
            return None
        ts_text, ts, thread, group, name, ike_id, msg = parsed
        # one string object per distinct thread/SA name/id: events keep them for the whole run
        strings = self.strings
        thread, name, ike_id = (strings.setdefault(thread, thread), strings.setdefault(name, name),
                                strings.setdefault(ike_id, ike_id))
        if ts_text is not last_ts_text:
            stats.saw_time(ts_text)
        self.last_ts_text, self.last_ts = ts_text, ts
        stats.recognised += 1
        if ike_id is not None or group in _SA_GROUPS:
            stats.sa_lines += 1
        msg = msg.strip()
        ev = self.parser._event(msg, self.ctx, lineno, raw, ts, thread, name, ike_id, self.thread_ctx, self.cache)
        if ev is None:
            return None
        if ev.kind == "ike_start":
            self.roles[ev.attrs["role"]] += 1
        else:
            tpl = self.cache.get(msg)
            if tpl is not None and tpl.role is not None:
                self.opens[tpl.role] += 1
        stats.events += 1
        return ev

    def finish(self) -> Iterator[Event]:
        """The held events, with the side the log shows (``ctx.side`` is set to it)."""
        ctx = self.ctx
        side = ctx.side
        if side is Side.UNKNOWN:
            ini, resp = self.roles["initiator"], self.roles["responder"]
            if ini == resp == 0:
                ini, resp = self.opens["initiator"], self.opens["responder"]
            ctx.side_assumed = ini == resp == 0  # most charon pastes are a gateway's
            side = Side.CLIENT if ini > resp else Side.SERVER
        for ev in self.pending:
            ev.side = side
            yield ev
        ctx.side = side


#: exchanges only the IKE_SA's initiator sends requests of (the client, for a remote access VPN)
_INITIATOR_EXCHANGES = frozenset({"IKE_SA_INIT", "ID_PROT", "AGGRESSIVE", "IKE_AUTH"})


def _role_of(kind: str, attrs: dict[str, Any]) -> str | None:
    """The role of the side that logged a message, where the protocol fixes it: requests of the
    IKE_SA's opening exchanges go from initiator to responder, and an INFORMATIONAL request
    carrying AUTHENTICATION_FAILED is the initiator rejecting the responder (RFC 7296 2.21.2).
    (Messages only one end's code writes are data: ``charon_table.written_by``.)"""
    if kind != "message":
        return None
    exchange, msg_type, direction = attrs.get("exchange"), attrs.get("msg_type"), attrs.get("direction")
    if exchange in _INITIATOR_EXCHANGES and msg_type in ("request", "response") and direction in ("in", "out"):
        return "initiator" if (msg_type == "request") == (direction == "out") else "responder"
    if exchange == "INFORMATIONAL" and msg_type == "request" and "N(AUTH_FAILED)" in (attrs.get("payloads") or ()):
        return "initiator" if direction == "out" else "responder"
    return None


_MISSING: Any = object()
_CACHE_MAX = 8192  # distinct message texts remembered per input (~0.75 KB each with their templates)
_IKE_INIT_EXCHANGES = ("IKE_SA_INIT", "ID_PROT", "AGGRESSIVE")
_STAGES = {"IKE_SA_INIT": "ike_init", "IKE_AUTH": "ike_auth", "CREATE_CHILD_SA": "rekey",
           "QUICK_MODE": "quick_mode", "ID_PROT": "ike_init", "AGGRESSIVE": "ike_init"}


@dataclass(slots=True)
class _Template:
    """Everything an event takes from its message text alone.

    Busy gateways print the same few message texts thousands of times (``parsed IKE_AUTH
    request 1 [ ... ]``), so the table match and attribute building run once per distinct
    text; only the per-thread context (``no_proposal`` needs the exchange a thread is in)
    is applied per line.  Not frozen: a frozen dataclass sets each field through
    ``object.__setattr__``, a fifth of building one per new text (nothing assigns to it).
    """

    kind: str
    attrs: dict[str, Any]  # shared by every event of this text: read-only
    peer: str | None
    spis: tuple[str, ...]
    env_id: str | None
    env_name: str | None
    sets_ctx: bool  # the event reads or updates its thread's context
    #: what it writes there (the protocol proposals are received for, or the exchange a
    #: message belongs to); None when it reads the context instead (``no_proposal``)
    ctx_set: tuple[str, Any] | None = None
    #: the IKE role of the end that wrote it, where the protocol or charon's code fixes it
    #: (``_role_of``): a fragment's side when it has no "initiating" line
    role: str | None = None


def lookup(msg: str, cache: dict[str, "_Template | None"]) -> "_Template | None":
    """Match a message text not in ``cache`` yet, and remember its template (or None)."""
    if len(cache) >= _CACHE_MAX:  # bounded: unique lines (packets with ports) must not pile up
        cache.clear()
    hit = table().match(msg)
    tpl = cache[msg] = _template(*hit) if hit is not None else _notable(msg)
    return tpl


def _template(rule, m) -> _Template:
    attrs: dict[str, Any] = {}
    envelope: dict[str, Any] = {}
    for key, is_envelope, (how, data) in rule.plan:
        if how == "lit":
            v = data
        elif how == "grp":
            v = m.group(data)
        else:
            v = resolve_plan((how, data), m)
        if is_envelope:
            envelope[key] = v
        elif v is not None:
            attrs[key] = v
    kind = rule.kind
    sets_ctx = kind in ("no_proposal", "proposals_received")
    if "_summary" in envelope:
        attrs.update(expand_summary(envelope.pop("_summary") or ""))
        sets_ctx = True
    elif kind in ("proposals_received", "proposals_configured"):
        props = [p.strip() for p in str(attrs.get("proposals", "")).split(", ") if p.strip()]
        attrs["proposals"] = props
        attrs["proto"] = props[0].split(":", 1)[0] if props and ":" in props[0] else None
    elif kind == "proposal_selected":
        prop = str(attrs.get("proposal", ""))
        attrs["proto"] = prop.split(":", 1)[0] if ":" in prop else None
        algs = prop.split(":", 1)[-1].split("/")
        ke = [a for a in algs if a.startswith(("MODP_", "ECP_", "CURVE_", "KE", "MLKEM", "NO_EXT"))]
        attrs["ke"] = next((a for a in ke if not a.startswith("NO_EXT")), None)
    elif kind in ("packet", "config_lookup", "no_matching_config"):
        for key in ("src", "dst"):
            if key in attrs:
                host, port = split_port(str(attrs[key]))
                attrs[key] = host
                if port is not None:
                    attrs[f"{key}_port"] = port
        if "size" in attrs and attrs["size"] is not None:
            attrs["size"] = int(attrs["size"])
    elif kind == "ke_unacceptable" and attrs.get("offered") and attrs.get("requested"):
        attrs["same"] = "yes" if attrs["offered"] == attrs["requested"] else "no"
    elif kind == "rekey" and attrs.get("stage") == "failed" and "IKE_SA" in m.group(0):
        attrs["what"] = "ike"
    peer = envelope.get("_peer")
    if isinstance(peer, str):
        peer = split_port(peer)[0]
    spis = tuple(str(envelope["_spis"]).split()) if envelope.get("_spis") else ()
    ctx_set = None
    if sets_ctx and kind != "no_proposal":
        ctx_set = ("proto", attrs["proto"]) if kind == "proposals_received" else ("exchange", attrs.get("exchange"))
    return _Template(kind=kind, attrs=attrs, peer=peer, spis=spis, env_id=str(envelope["_id"]) if envelope.get("_id") else None,
                     env_name=envelope.get("_name"), sets_ctx=sets_ctx, ctx_set=ctx_set,
                     role=rule.role or _role_of(kind, attrs))


def _notable(msg: str) -> "_Template | None":
    """A line the event table does not know, but the message knowledge calls an error or warning."""
    k = knowledge()
    known = k.match(msg)
    if known is None and (printed := k.formats.respaced(msg)) is not None:  # spaces lost or doubled
        known = k.match(printed)
    if known is not None:
        attrs = {"severity": known.severity, "topic": known.topic, "format": known.format}
    else:
        # a message of a release or frontend the reference does not have ("received netlink
        # error: ...", the Android app's "failed to load private key."): judged by its wording
        severity = wording_severity(msg)
        if severity is None or reference().format_of(msg) is not None:
            return None
        attrs = {"severity": severity, "topic": "other", "format": ""}
    return _Template(kind="log_notable", attrs=attrs, peer=None, spis=(), env_id=None, env_name=None,
                     sets_ctx=False, role=written_by().get(attrs["format"]))


def known_message(msg: str) -> bool:
    """A bare message charon prints: one the event table reads, or any format of charon's source."""
    return table().match(msg.strip()) is not None or reference().knows(msg)


@lru_cache(maxsize=4096)
def split_port(value: str) -> tuple[str, int | None]:
    """``1.2.3.4[500]`` -> (``1.2.3.4``, 500); a masked port (``[port]``) is no number; a masked
    address in brackets (``[redacted]``) is the address, not a port.  Remembered: a client's
    address and port recur in every packet line of its session (each a new message text)."""
    if value.endswith("]"):
        i = value.rfind("[")
        if i > 0:
            port = value[i + 1:-1]
            return value[:i], int(port) if port.isdigit() else None
    return value, None


def _strip_header(line: str) -> tuple[str | None, bool]:
    """The message part of a line without the NN[GRP] body (journald or bare), and whether
    a syslog/journal header names charon as the sender."""
    clock = Clock()
    ts, n = clock.parse(line)
    rest = line[n:] if ts else line
    if ts:
        h = _SYSLOG.match(rest)
        if not h:
            return None, False
        if not h["tag"].rsplit("/", 1)[-1].startswith(("charon", "ipsec")):
            return rest[h.end():], False  # counts only if it is a charon message (relayed)
        return rest[h.end():], True
    mi = _SWANCTL_INIT.match(rest)
    if mi:
        return rest[mi.end():], False
    return _relayed(rest) or rest, False


#: another program's syslog tag in front of a message it relays from charon (NetworkManager's
#: l2tp/strongswan plugins): "NetworkManager[4497]: ", optionally after a host name
_RELAY = regex.compile(r"^(?:\S+ )?[A-Za-z][\w.\-]*(?:\[\d+\])?: ")


def _relayed(rest: str) -> str | None:
    """The charon message another program's line relays, or None."""
    m = _RELAY.match(rest)
    if m is None:
        return None
    msg = rest[m.end():]
    return msg if known_message(msg) else None


def time_text(line: str) -> str | None:
    """The time stamp of one line as ``CharonParser.parse`` records it (``ParseStats.saw_time``),
    or None for a line it would not place or that has no time: for readers that skip lines."""
    parsed = CharonParser()._split(line.rstrip(), Clock(), None, None) if line.strip() else None
    return parsed[0] if parsed is not None else None


def yields_event(message: str) -> bool:
    """Whether ``CharonParser.parse`` makes an event of a line with this message (the text after
    its prefix): one the event table reads or the message knowledge calls an error or warning."""
    msg = message.strip()
    return table().match(msg) is not None or knowledge().match(msg) is not None
