"""The typed vocabulary that every parser emits and the catalog matches on.

Parsers for charon, NEIKEv2Provider and racoon all speak this one vocabulary so
that a catalog rule ("the responder sent no CERT", "the client logged a
certificate error") can be written once and evaluated against either side.
Kinds are deliberately few and coarse; detail lives in ``attrs`` with the keys
documented beside each kind in ``KINDS``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any


class Side(str, Enum):
    """Which end of the tunnel wrote the log."""

    SERVER = "server"
    CLIENT = "client"
    UNKNOWN = "unknown"


#: kind -> documented attribute keys.  The catalog loader rejects rules that
#: name a kind or attribute not listed here, so typos fail at load time.
KINDS: dict[str, tuple[str, ...]] = {
    # lifecycle of the daemon / process that wrote the log
    "daemon_start": ("version", "product"),
    "daemon_stop": ("reason",),
    # start of an IKE_SA (role: initiator|responder; version: 1|2; mode: main|aggressive)
    "ike_start": ("role", "peer", "version", "mode"),
    # an IKE message parsed or generated.  direction: in|out; kind: request|response;
    # payloads: list of payload tokens as charon prints them (N(NO_PROP) -> "N(NO_PROP)");
    # notifies: list of notify short names; error_notify: the first error notify, if any
    "message": ("direction", "exchange", "msg_type", "mid", "payloads", "notifies", "error_notify"),
    # a UDP packet (addresses with ports)
    "packet": ("direction", "src", "src_port", "dst", "dst_port", "size"),
    "retransmit": ("count", "mid", "exchange"),
    # the responder received a request again that it had answered: its response was lost on the
    # way back (answered: yes = it sent the response again, no = it had none to send)
    "retransmit_received": ("mid", "answered"),
    "give_up": ("count",),  # initiator gave up: peer not responding
    "half_open_timeout": ("peer",),
    # proposals.  proto: IKE|ESP|AH; list: list of proposal strings
    "proposals_received": ("proto", "proposals"),
    "proposals_configured": ("proto", "proposals"),
    "proposal_selected": ("proto", "proposal", "ke"),
    "no_proposal": ("proto", "stage", "reason"),  # stage: ike_init|ike_auth|rekey|quick_mode
    # INVALID_KE_PAYLOAD handling; same: the group asked for is the one offered (the responder
    # selected it but cannot compute it: no plugin implements it)
    "ke_unacceptable": ("offered", "requested", "same"),
    # this charon has no implementation of a key exchange method it negotiated, was configured
    # with or was asked for (6.x "... key exchange method %N not supported", 5.x "... DH group ...")
    "ke_unsupported": ("method", "stage"),
    # configuration selection (responder)
    "config_lookup": ("local", "local_id", "remote", "remote_id"),
    "config_selected": ("name", "how"),  # how: selected | switched (another one after the first did not fit)
    # the responder picked a CHILD_SA configuration by traffic selectors (the child's name, for fixes)
    "child_config_selected": ("name",),
    # what: ike|peer|child, or candidate: a peer config that did not fit, after which charon
    # switches to another one ("switching to peer config") or gives up ("no alternative config found")
    "no_matching_config": ("what", "local", "remote", "reason"),
    # certificates
    "certreq_received": ("issuer",),
    "certreq_sent": ("issuer",),
    "cert_sent": ("subject", "cert_type"),  # cert_type: end entity|issuer|...
    "cert_received": ("subject", "cert_type"),
    "cert_problem": ("problem", "subject", "detail"),
    "cert_trusted": ("subject", "cert_type"),  # a chain step charon accepted ("using trusted ca certificate")  # problem: untrusted|no-issuer|expired|revoked|constraint|san|eku|missing|other
    # identities
    "identity": ("role", "id"),  # role: local|remote, as configured/sent
    # authentication
    "auth_ok": ("who", "id", "method"),  # who: peer|self
    "auth_failed": ("who", "id", "method", "reason"),
    "eap_start": ("method", "eap_id"),
    "eap_nak": ("method", "requested"),
    "eap_failed": ("method", "id", "reason"),
    "eap_ok": ("method", "id"),
    "xauth": ("result", "user"),  # result: requested|ok|failed|no-answer
    # the SA lifecycle
    "ike_established": ("name", "local", "local_id", "remote", "remote_id"),
    "child_established": ("name", "spi_i", "spi_o", "local_ts", "remote_ts"),
    "child_failed": ("reason",),
    # the kernel interface refused a CHILD_SA's policy because the same policy (selectors,
    # direction) is still installed for another reqid: a stale policy of an earlier CHILD_SA
    "policy_conflict": ("local_ts", "remote_ts", "direction", "reqid", "other_reqid"),
    "ts_unacceptable": ("local_ts", "remote_ts"),
    "notify_error": ("notify", "direction"),  # an error notify received/sent
    "rekey": ("what", "stage"),  # what: ike|child; stage: start|done|failed
    "reauth": ("stage", "initiator"),  # stage: scheduled|start|done|failed|not-done
    "auth_lifetime": ("seconds",),
    "delete": ("what", "direction", "spi"),  # what: ike|child; direction: in|out|local
    "ike_deleted": ("reason",),
    "dpd": ("stage",),  # stage: sent|timeout|action
    "virtual_ip": ("address", "family", "peer_id", "pool"),
    "virtual_ip_failed": ("reason", "pool"),
    "attribute": ("name", "value"),  # configuration attributes sent/received (DNS, domain ...)
    "nat": ("where",),  # where: local|remote|both
    "duplicate_replaced": ("peer_id", "reason"),
    # derived by the session builder: this IKE_SA was established while another IKE_SA of
    # the same remote identity was still alive (never deleted) in the same log
    "overlapping_sa": ("peer_id", "other", "other_line"),
    # derived by the session builder (diagnose.proposal_match): the last received and configured
    # proposal lists of ``proto`` cannot match and no selection follows. ke_only: they would
    # match but for the key exchange (the client offered no DH group the gateway requires)
    "proposal_mismatch": ("proto", "ke_only", "detail"),
    # client-side (Apple / strongSwan initiator) outcomes
    "connect_start": ("server", "profile"),
    "disconnect": ("reason",),
    "client_error": ("code", "domain", "detail"),
    "dns_error": ("code", "host"),
    # added for the Apple side (issue 5): nesessionmanager's "status changed to X" for a
    # VPN session (status: connecting|connected|reasserting|disconnecting|disconnected|stopping);
    # profile: the configuration's name from NESM...Session[<name>:<UUID>]
    "client_status": ("status", "profile"),
    # a log line the event vocabulary has no kind for, but which says something went wrong
    # (diagnose.knowledge): severity error|warning, topic (cert, proposal, ...), charon's format
    "log_notable": ("severity", "topic", "format", "detail"),  # detail: what the message printed (an errno text)
}


@dataclass(slots=True)
class Event:
    """One thing a log says happened, with where it says so.

    ``ike_id`` is the IKE_SA unique id (charon's ``name[N]``) or any other stable
    per-SA key the log offers; ``thread`` lets the session builder attach lines
    that carry no SA reference to the SA their worker thread is handling.
    ``attrs`` is read-only once parsed: the charon parser gives every event of one message
    text the same dict (a busy log repeats a few texts thousands of times).
    """

    kind: str
    path: str
    line: int
    text: str
    time: datetime | None = None
    side: Side = Side.UNKNOWN
    ike_id: str | None = None
    ike_name: str | None = None
    thread: str | None = None
    peer: str | None = None
    spis: tuple[str, ...] = ()
    attrs: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        return self.attrs.get(key, default)


def check_kind(kind: str, attrs: dict[str, Any]) -> None:
    """Fail early when a parser emits something outside the vocabulary."""
    allowed = KINDS.get(kind)
    if allowed is None:
        raise ValueError(f"unknown event kind {kind!r}")
    extra = set(attrs) - set(allowed)
    if extra:
        raise ValueError(f"event {kind!r} has undocumented attributes {sorted(extra)}")
