"""The IKE ladder diagram of one session group, laid out for an inline SVG.

Engineers explain a failed negotiation by drawing it: client on the left, gateway on the
right, one arrow per IKE message.  ``from_timeline`` turns a ``diagnose.timeline.Timeline``
(both logs already on the server clock, matched messages joined) into ``Step``s with their
coordinates; the HTML template only draws them.

Which arrows mean what:

* a message both logs show is a solid arrow; one the sender logged and the receiver's log
  (which is present) does not is drawn to the middle and marked "not in the … log";
* with one side's log only, the other side's arrows are *inferred* from what the logged side
  received and drawn dashed;
* retransmits are extra arrows from their sender, timeouts (give up, half-open timeout) and
  evidence lines that are no message are markers on their side's lifeline;
* the *failure marker* sits on the last message the finding's evidence names: an evidence
  line that is the message, or a retransmit/give-up of it (a retransmit names the request
  with its message ID, a received retransmit the response the responder sent again, a
  give-up the last request its side sent).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from ..events import Event
from ..timeline import Row, Timeline

#: notifies every exchange carries that explain nothing about a failure (shown in the tooltip)
ROUTINE_PAYLOADS = frozenset({
    "No", "N(NATD_S_IP)", "N(NATD_D_IP)", "N(FRAG_SUP)", "N(HASH_ALG)", "N(REDIR_SUP)", "N(CHDLESS_SUP)",
    "N(MULT_AUTH)", "N(MOBIKE_SUP)", "N(ADD_4_ADDR)", "N(ADD_6_ADDR)", "N(EAP_ONLY)", "N(MSG_ID_SYN_SUP)",
    "N(INIT_CONTACT)", "N(IKE_REAUTH_SUP)", "N(PPK_SUP)", "N(SIGN_HASH_ALGS)",
})
TIMEOUT_KINDS = frozenset({"give_up", "half_open_timeout"})

# geometry (px)
WIDTH = 960
CLIENT_X = 210
SERVER_X = 870
TIME_X = 8
TOP = 70
MESSAGE_H = 50
MARKER_H = 34


@dataclass(slots=True)
class Ref:
    """A log line a step comes from: ``s:36`` / ``c:31``, linked to its context when it has one."""

    label: str
    path: str
    line: int
    anchor: str | None = None


@dataclass(slots=True)
class Step:
    kind: str  # message | retransmit | timeout | event
    side: str  # the side that sent (message, retransmit) or logged (timeout, event): client | server
    title: str  # "IKE_AUTH response 1", or the log text of a marker
    detail: str = ""  # the payloads that matter
    full: str = ""  # everything, for the tooltip
    time: str = ""
    seen: str = ""  # both | client | server
    inferred: bool = False
    missing_at: str | None = None  # the present log that does not show this message
    evidence: bool = False
    failure: bool = False
    refs: list[Ref] = field(default_factory=list)
    y: int = 0
    x1: int = 0
    x2: int = 0
    mid: int | None = None
    msg_type: str | None = None


@dataclass(slots=True)
class Ladder:
    """One diagram: the steps in order and what the reader needs to trust it."""

    anchor: str
    client: str | None  # the client session shown, None when there is no client log
    servers: list[str]
    clock_offset_s: float | None
    finding_id: str | None
    finding_title: str | None
    notes: list[str] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    height: int = 0
    width: int = WIDTH
    client_x: int = CLIENT_X
    server_x: int = SERVER_X

    @property
    def one_side(self) -> str | None:
        """The only side whose log is here (the other is inferred), or None."""
        if self.client is None:
            return "server"
        return "client" if not self.servers else None


def _clock(t: datetime | None) -> str:
    return "" if t is None else t.strftime("%H:%M:%S.") + f"{t.microsecond // 1000:03d}"


def _cells(r: Row):
    return [(side, c) for side, c in (("server", r.server), ("client", r.client)) if c is not None]


def from_timeline(tl: Timeline, events: dict[tuple[str, int], Event], anchor: str,
                  anchors: dict[tuple[str, int], str], clean: Callable[[str], str] = str) -> Ladder:
    """Lay out ``tl``; ``events`` finds each cell's event (its attributes), ``anchors`` its context.

    ``clean`` is applied to every text that comes from a log (secrets, --redact).
    """
    lad = Ladder(anchor=anchor, client=tl.client_session, servers=list(tl.server_sessions),
                 clock_offset_s=tl.clock_offset_s, finding_id=tl.finding.id if tl.finding else None,
                 finding_title=tl.finding.title if tl.finding else None, notes=[clean(n) for n in tl.notes])
    present = {"server"} if lad.one_side == "server" else {"client"} if lad.one_side == "client" else \
        {"server", "client"}
    answered = {(side, _int(events[(c.path, c.line)].attrs.get("mid"))) for r in tl.rows for side, c in _cells(r)
                if c.kind == "retransmit_received" and (c.path, c.line) in events}
    named: set[int] = set()  # indexes of message steps the evidence names through a retransmit/give-up
    for r in tl.rows:
        cells = _cells(r)
        if not cells:
            continue
        refs = [Ref(f"{side[0]}:{c.line}", c.path, c.line, anchors.get((c.path, c.line))) for side, c in cells]
        side0, c0 = cells[0]
        ev = events.get((c0.path, c0.line))
        attrs = ev.attrs if ev is not None else {}
        step: Step | None = None
        if r.message is not None:
            sender = "client" if r.flow == "c2s" else "server"
            receiver = "server" if sender == "client" else "client"
            seen = "both" if len(cells) == 2 else side0
            payloads = [str(p) for p in attrs.get("payloads") or []]
            head = " ".join(str(x) for x in (attrs.get("exchange"), attrs.get("msg_type"), attrs.get("mid"))
                            if x is not None) or r.message
            step = Step("message", sender, clean(head), clean(" ".join(p for p in payloads if p not in ROUTINE_PAYLOADS)),
                        clean(r.message), seen=seen, inferred=sender not in present,
                        missing_at=receiver if (seen == sender and receiver in present) else None,
                        mid=_int(attrs.get("mid")), msg_type=attrs.get("msg_type"))
        elif c0.kind == "retransmit":
            what = " ".join(str(x) for x in (attrs.get("exchange"), "request", attrs.get("mid")) if x is not None)
            sent = _named_message(lad.steps, Step("retransmit", side0, "", mid=_int(attrs.get("mid"))), "retransmit")
            if not attrs.get("exchange") and sent is not None:
                what = lad.steps[sent].title  # charon names the message ID only: the request it sent before
            other = "server" if side0 == "client" else "client"
            step = Step("retransmit", side0, clean(f"retransmit {attrs.get('count', '')}".strip()), clean(what),
                        clean(c0.text), seen=side0, mid=_int(attrs.get("mid")), msg_type="request")
            # the receiver's log is here and never says it got this request again: it did not arrive
            if other in present and (other, step.mid) not in answered:
                step.missing_at = other
        elif c0.kind in TIMEOUT_KINDS:
            step = Step("timeout", side0, clean(c0.text), full=clean(c0.text), seen=side0)
        elif c0.kind == "retransmit_received" or r.highlight:
            step = Step("event", side0, clean(c0.text), full=clean(c0.text), seen=side0,
                        mid=_int(attrs.get("mid")), msg_type="response" if c0.kind == "retransmit_received" else None)
        if step is None:
            continue
        step.time, step.refs, step.evidence = _clock(r.time), refs, r.highlight
        if step.evidence and (c0.kind in ("retransmit", "retransmit_received") or c0.kind == "give_up"):
            target = _named_message(lad.steps, step, c0.kind)
            if target is not None:
                named.add(target)
        lad.steps.append(step)
    if not any(s.kind == "message" for s in lad.steps):
        lad.notes.append("these logs name no IKE message (charon prints them as 'parsed …'/'generating …' "
                         "lines); only retransmits, timeouts and evidence lines are drawn")
    _mark_failure(lad.steps, named)
    _layout(lad)
    return lad


def _int(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _named_message(steps: list[Step], marker: Step, kind: str) -> int | None:
    """The message step a retransmit, a received retransmit or a give-up is about."""
    for i in range(len(steps) - 1, -1, -1):
        s = steps[i]
        if s.kind != "message" or s.side != marker.side:
            continue
        if kind == "give_up" and s.msg_type == "request":
            return i
        if kind == "retransmit" and s.msg_type == "request" and s.mid == marker.mid:
            return i
        if kind == "retransmit_received" and s.msg_type == "response" and s.mid == marker.mid:
            return i
    return None


def _mark_failure(steps: list[Step], named: set[int]) -> None:
    candidates = [i for i, s in enumerate(steps) if s.kind == "message" and (s.evidence or i in named)]
    if not candidates:
        candidates = [i for i, s in enumerate(steps) if s.evidence]
    if candidates:
        steps[candidates[-1]].failure = True
        steps[candidates[-1]].evidence = True


def _layout(lad: Ladder) -> None:
    y = TOP
    middle = (lad.client_x + lad.server_x) // 2
    for s in lad.steps:
        if s.kind in ("message", "retransmit"):
            start, end = (lad.client_x, lad.server_x) if s.side == "client" else (lad.server_x, lad.client_x)
            if s.missing_at is not None:
                end = middle + (60 if end > start else -60)
            s.x1, s.x2, s.y = start, end, y + 36
            y += MESSAGE_H
        else:
            s.x1 = s.x2 = lad.client_x if s.side == "client" else lad.server_x
            s.y = y + 18
            y += MARKER_H
    lad.height = y + 20


def events_by_line(sessions) -> dict[tuple[str, int], Event]:
    """Every event of these sessions by (path, line)."""
    return {(e.path, e.line): e for s in sessions for e in s.events}


__all__ = ["Ladder", "Step", "Ref", "from_timeline", "events_by_line"]
