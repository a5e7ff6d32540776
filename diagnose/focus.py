"""Focus a diagnosis on one client of a busy gateway (``--peer ADDR`` / ``--client ID``).

A gateway log holds every user's sessions; a support ticket is about one. The focus keeps
the sessions of that client (its address, or its identity: the IKE remote id, or the id it
authenticated or failed to authenticate as, and then every address it used), the client
logs' sessions (one client already), and every session that names no client at all (the
daemon's own lines, or a session whose client the log does not show), so nothing the
ticket's client may have caused is dropped. It is applied to the sessions after they are
built (and after overlaps between SAs of one identity are marked), in memory and streamed
alike, and the report says so: a warning line and ``"filter"`` in the JSON report.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from .events import Side
from .sessions import Session

#: kinds naming the identity a client authenticated as (besides ``identities()``'s remote id)
ID_KINDS = frozenset({"auth_ok", "auth_failed", "eap_failed"})


@dataclass(frozen=True, slots=True)
class Focus:
    peer: str | None = None  # the client's address, as charon prints it
    client: str | None = None  # the client's identity (IKE or EAP)

    def __post_init__(self) -> None:
        if self.peer is not None and _address(self.peer) is None:
            raise ValueError(f"--peer {self.peer!r} is not an IP address")
        if self.client is not None and not self.client.strip():
            raise ValueError("--client needs an identity")

    def describe(self) -> str:
        parts = ([f"peer {self.peer}"] if self.peer else []) + ([f"client {self.client}"] if self.client else [])
        return " or ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {"peer": self.peer, "client": self.client}

    def warning(self, kept: int, left_out: int, skipped: int = 0) -> str:
        """``skipped``: lines of other clients' IKE_SAs the ``--peer`` gate skipped unparsed (their
        sessions were never built, so ``left_out`` does not count them)."""
        gated = f", {skipped} lines of other clients' IKE_SAs and of no event skipped unparsed" if skipped else ""
        return (f"filter: only the sessions of {self.describe()} and those naming no client are diagnosed "
                f"({kept} kept, {left_out} of other clients left out{gated}); drop --peer/--client to "
                "diagnose the whole log")

    def select(self, sessions: list[Session]) -> list[bool]:
        """Which of one input's sessions to keep (their events are still there to read names from).

        Addresses and identities vouch for each other: the addresses ``--client`` was seen at
        keep their sessions (those that failed before any identity was sent), and the
        identities seen at ``--peer`` keep the sessions that show no address.
        """
        names = [client_names(s) for s in sessions]
        addrs = [_address(s.peer) for s in sessions]
        wanted = {_address(self.peer)} if self.peer else set()
        ids = {self.client} if self.client else set()
        for a, n in zip(addrs, names):
            if self.client and self.client in n and a is not None:
                wanted.add(a)
            if self.peer and a is not None and a == _address(self.peer):
                ids |= n
        return [s.side is Side.CLIENT or (self.client is not None and self.client in n)
                or (a is not None and a in wanted) or (a is None and (not n or bool(n & ids)))
                for s, a, n in zip(sessions, addrs, names)]


def client_names(s: Session) -> set[str]:
    """The identities a gateway session's client used (``ID_KINDS`` events and the remote id)."""
    names = {e.attrs["id"] for e in s.events if e.kind in ID_KINDS and e.attrs.get("id")
             and (e.kind == "eap_failed" or e.attrs.get("who") == "peer")}
    rid = s.identities().get("remote_id")
    if rid:
        names.add(rid)
    return names


def _address(text: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not text:
        return None
    try:
        return ipaddress.ip_address(text.strip().strip("[]").split("%")[0])
    except ValueError:
        return None
