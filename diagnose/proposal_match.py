"""Compare the proposals a session's log shows when it does not show the selection.

A paste often holds just the two lines ``received proposals: …`` and ``configured proposals: …``.
charon's verdict line (``received proposals unacceptable``) or the selected proposal may be cut
off, but the two lists are enough to tell a strongSwan expert what happened: nothing in common
(a proposal mismatch, naming what each side lacks), or everything in common but the key
exchange, which the client left out (PFS required on a rekey macOS sends without a DH group).
This derives that as one ``proposal_mismatch`` event, using the same selection model as
``check`` (``diagnose.config.proposals``).
"""

from __future__ import annotations

from .config.proposals import ENCR, INTEG, KE, NONE, PRF, Proposal, parse_charon, select
from .events import Event

_TYPES = ((ENCR, "encryption"), (INTEG, "integrity"), (PRF, "PRF"), (KE, "DH group"))


def proposal_mismatches(events: list[Event]) -> list[Event]:
    """One derived event per protocol whose last received and configured lists cannot match."""
    last: dict[tuple[str, str], Event] = {}  # (kind, proto) -> its last event, in one pass
    selected: dict[str, int] = {}  # proto -> line of its last selection
    for e in events:
        kind = e.kind
        if kind not in _READ:  # one test for most events: every session of a busy log passes here
            continue
        proto = e.attrs.get("proto")
        if kind == "proposal_selected":
            if e.line > selected.get(proto, 0):
                selected[proto] = e.line
        else:
            last[(kind, proto)] = e
    out = []
    for proto in ("IKE", "ESP", "AH"):
        received = last.get(("proposals_received", proto))
        configured = last.get(("proposals_configured", proto))
        if received is None or configured is None or selected.get(proto, 0) > received.line:
            continue
        ev = _compare(proto, received, configured)
        if ev is not None:
            out.append(ev)
    return out


_READ = frozenset({"proposals_received", "proposals_configured", "proposal_selected"})


def _parse(ev: Event) -> list[Proposal]:
    return [parse_charon(p) for p in ev.attrs.get("proposals") or [] if ":" in p]


def _compare(proto: str, received: Event, configured: Event) -> Event | None:
    theirs, mine = _parse(received), _parse(configured)
    if not theirs or not mine or select(mine, theirs) is not None:
        return None
    ke_only = proto != "IKE" and select(mine, theirs, skip_ke=True) is not None
    later = max(received, configured, key=lambda e: e.line)
    return Event(kind="proposal_mismatch", path=later.path, line=later.line, text=later.text, time=later.time,
                 side=later.side, ike_id=later.ike_id, ike_name=later.ike_name, thread=later.thread,
                 peer=later.peer, attrs={"proto": proto, "ke_only": ke_only, "detail": _detail(theirs, mine, ke_only)})


def _detail(theirs: list[Proposal], mine: list[Proposal], ke_only: bool) -> str:
    """What keeps the lists apart, per transform type, in charon's algorithm names."""
    parts = []
    for ttype, label in _TYPES:
        if ke_only and ttype != KE:
            continue
        sent = _union(theirs, ttype)
        allowed = _union(mine, ttype)
        if ttype == KE and ke_only:
            parts.append(f"{label}: the client proposes {', '.join(sent) or 'none'}, "
                         f"the gateway requires one of {', '.join(allowed)}")
        elif sent and allowed and not set(sent) & set(allowed):
            parts.append(f"{label}: the client proposes {', '.join(sent)}, the gateway allows {', '.join(allowed)}")
    return "; ".join(parts) or "no proposal of the client matches one of the gateway's as a whole"


def _union(props: list[Proposal], ttype: str) -> list[str]:
    seen: dict[str, None] = {}
    for p in props:
        for a in p.algs(ttype):
            if a != NONE:
                seen.setdefault(a, None)
    return list(seen)
