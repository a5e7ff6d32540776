"""Apple client message text -> typed events, as a table of rules.

Every Apple log family (``log show`` in any style, Console copies, old
``system.log``, iOS device syslog, racoon's own file) carries the same message
texts; only the line prefix differs.  So the prefix parsers reduce each line to
a :class:`Record` (time, process, message) and this module maps the message to
events once, for all of them.

The rules are data: a literal ``gate`` substring (a cheap ``in`` check done
before any regex runs), a pattern compiled with the ``regex`` module and run
with a timeout, and one or more :class:`Emit` (kind, static attributes).  Named
groups whose name is an attribute of the emitted kind are copied into it.
Texts come from apple-log-formats.md §6 and racoon-format.md §2-3; each rule
says whether the text was seen in a real log (``real``) or only read from a
format string (``src``), so tolerance can be judged per rule.

First matching rule wins; a message that matches no rule yields no event (it
is still a recognised line: knowing a line is noise is not a parse failure).
"""

from __future__ import annotations

from functools import lru_cache
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterator, Mapping

import regex

from ..events import Event, Side, check_kind

#: regex match timeout (seconds): bounds pathological backtracking on odd input
MATCH_TIMEOUT = 0.05

# --------------------------------------------------------------------------- records


@dataclass(slots=True)
class Record:
    """One log message after its prefix was parsed (continuation lines joined)."""

    line: int
    text: str  # the raw line(s) as they appeared, for evidence
    message: str  # the message part only (multi-line messages joined by "\n")
    time: datetime | None = None
    process: str | None = None
    pid: str | None = None
    level: str | None = None  # Default/Info/Debug/Error/Fault, <Notice>, ...
    thread: str | None = None
    subsystem: str | None = None
    category: str | None = None

    def add_continuation(self, raw: str) -> None:
        self.text += "\n" + raw
        self.message += "\n" + raw


# --------------------------------------------------------------------------- rule data


@dataclass(frozen=True, slots=True)
class Emit:
    """An event a rule produces: its kind and fixed attributes."""

    kind: str
    attrs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Rule:
    """``gate`` must occur literally in the message before ``pattern`` is tried."""

    id: str
    gate: str
    pattern: str
    emits: tuple[Emit, ...]
    evidence: str = "src"  # real | src | unconfirmed
    ignore_case: bool = False

    @property
    def compiled(self) -> Any:
        """The pattern, compiled when a message first passes the gate (most runs meet a few rules)."""
        return _compile(self.pattern, self.ignore_case)


@lru_cache(maxsize=None)
def _compile(pattern: str, ignore_case: bool) -> Any:
    return regex.compile(pattern, regex.IGNORECASE if ignore_case else 0)


def E(kind: str, **attrs: Any) -> Emit:  # noqa: N802 - reads like a table column
    return Emit(kind, attrs)


def R(id: str, gate: str, pattern: str, *emits: Emit, evidence: str = "src", icase: bool = False) -> Rule:  # noqa: N802,A002
    gate_cmp = gate.lower() if icase else gate
    return Rule(id, gate_cmp, pattern, emits, evidence, icase)


_HEX = r"[0-9A-Fa-f#]+"
_ADDR = r"(?P<peer>[0-9A-Za-z.:_\-]+?)"

#: NEIKEv2Provider / neagent "IKEv2 Plugin" / nesessionmanager texts.
NE_RULES: tuple[Rule, ...] = (
    # ---- profile problems (real: jawj/IKEv2-setup#133)
    R("ne.missing-eap", "missing eap protocol", r"missing eap protocol",
      E("client_error", code="profile-invalid", detail="missing eap protocol"), evidence="real"),
    R("ne.empty-proposals", "empty ike proposals array", r"empty ike proposals array",
      E("client_error", code="profile-invalid", detail="empty ike proposals array"), evidence="real"),
    # ---- transport: peer silent (real: algo#362; "IKE Auth" variant quoted in a work log)
    R("ne.no-init-reply", "Failed to receive IKE SA Init packet", r"Failed to receive IKE SA Init packet",
      E("give_up"), E("client_error", code="PeerDidNotRespond", domain="NEIKEv2ErrorDomain",
                      detail="no IKE_SA_INIT response"), evidence="real"),
    R("ne.no-auth-reply", "Failed to receive IKE Auth packet", r"Failed to receive IKE Auth packet",
      E("give_up"), E("client_error", code="PeerDidNotRespond", domain="NEIKEv2ErrorDomain",
                      detail="no IKE_AUTH response"), evidence="real"),
    R("ne.no-delete-reply", "Failed to receive Delete packet", r"Failed to receive Delete packet",
      E("client_error", code="PeerDidNotRespond", domain="NEIKEv2ErrorDomain", detail="no Delete response")),
    # ---- error notifies received (src: NEIKEv2 format strings)
    R("ne.notify-init", "received notify error", r"Initiator init received notify error (?P<notify>\S+)",
      E("notify_error", direction="in"), evidence="src"),
    R("ne.notify-auth", "received notify error", r"Initiator auth received notify error (?P<notify>\S+)",
      E("notify_error", direction="in"), evidence="src"),
    R("ne.notify-rekey-child", "received notify error", r"Rekey child received notify error (?P<notify>\S+)",
      E("notify_error", direction="in"), E("rekey", what="child", stage="failed"), evidence="src"),
    R("ne.notify-other", "received notify error", r"received notify error (?P<notify>\S+)",
      E("notify_error", direction="in"), evidence="src"),
    # ---- proposals (src)
    R("ne.child-proposal-count", "child SA proposals", r"Received (?P<reason>\d+ child SA proposals, require 1)",
      E("no_proposal", proto="ESP", stage="ike_auth")),
    R("ne.child-proposal-mismatch", "Received child proposal",
      r"Received child proposal (?P<reason>.+ does not match config.*)",
      E("no_proposal", proto="ESP", stage="ike_auth")),
    R("ne.proposal-count", "SA proposals, require 1", r"Received (?P<reason>\d+ SA proposals, require 1)",
      E("no_proposal", proto="IKE", stage="ike_init")),
    R("ne.proposal-invalid", "Received invalid SA proposal", r"Received (?P<reason>invalid SA proposal.*)",
      E("no_proposal", proto="IKE", stage="ike_init")),
    R("ne.proposal-mismatch", "does not match config", r"Received proposal (?P<reason>.+ does not match config.*)",
      E("no_proposal", proto="IKE", stage="ike_init")),
    R("ne.no-ke", "Did not receive KE payload", r"Did not receive KE payload",
      E("client_error", code="PeerInvalidSyntax", domain="NEIKEv2ErrorDomain", detail="no KE payload")),
    R("ne.no-remote-spi", "Received no remote SPI on SA_INIT", r"Received no remote SPI on SA_INIT",
      E("client_error", code="PeerInvalidSyntax", domain="NEIKEv2ErrorDomain",
        detail="no remote SPI on SA_INIT"), evidence="real"),
    R("ne.redirect", "Received notify server redirect", r"Received notify server redirect",
      E("client_error", code="redirect", detail="server redirect")),
    # ---- authentication (real: rlyeh wiki; the rest src)
    R("ne.auth-method-mismatch", "Initiator packet authentication method",
      r"Initiator packet authentication method(?s:.*?Authentication Protocol = (?P<method>\w+))?"
      r"(?s:.*?does not match proposal (?P<reason>\w+))?",
      E("auth_failed", who="peer"), evidence="real"),
    R("ne.eap-verify", "EAP authentication data could not be verified",
      r"EAP authentication data could not be verified", E("eap_failed", reason="EAP authentication data could not be verified")),
    R("ne.eap-incomplete", "EAP only authentication incomplete", r"EAP only authentication incomplete",
      E("eap_failed", reason="EAP only authentication incomplete")),
    R("ne.eap-not-psk", "Authentication method for EAP was not shared key",
      r"Authentication method for EAP was not shared key", E("eap_failed", reason="EAP method was not shared key")),
    R("ne.auth-validate", "failed to validate remote authentication data",
      r"failed to validate remote authentication data",
      E("auth_failed", who="peer", reason="remote authentication data not valid")),
    R("ne.auth-verify", "Authentication data could not be verified", r"Authentication data could not be verified",
      E("auth_failed", who="peer", reason="authentication data could not be verified")),
    R("ne.ppk", "No PPK ID notify received", r"No PPK ID notify received",
      E("auth_failed", who="peer", reason="no PPK ID notify with mandatory PPK")),
    # ---- certificates (src)
    R("ne.no-cert", "No certificate payload received", r"No certificate payload received",
      E("cert_problem", problem="missing", detail="no CERT payload received")),
    R("ne.cert-missing-data", "Certificate missing data", r"Certificate missing data",
      E("cert_problem", problem="missing", detail="certificate missing data")),
    R("ne.cert-chain", "Certificate chain could not be verified", r"Certificate chain could not be verified",
      E("cert_problem", problem="untrusted", detail="certificate chain could not be verified")),
    # ---- processing failures (real: rlyeh wiki)
    R("ne.process-failed", "Failed to process", r"Failed to process (?P<detail>IKE [\w ]+(?:\(EAP\) )?packet(?: \(\w+\))?)",
      E("client_error", code="process-failed"), evidence="real"),
    R("ne.parse-failed", "Failed to parse", r"Failed to parse (?P<detail>.+)",
      E("client_error", code="PeerInvalidSyntax", domain="NEIKEv2ErrorDomain"), evidence="real"),
    # ---- packets (real: libreswan#1450 "Sending 4 datagrams for packet (message 1)")
    R("ne.send", "datagram", r"Sending (?P<count>\d+) datagrams? for packet \(message (?P<mid>\d+)\)",
      E("message", direction="out"), evidence="real"),
    R("ne.recv", "Received", r"Received (?:\d+ datagrams? for )?packet \(message (?P<mid>\d+)\)",
      E("message", direction="in"), evidence="unconfirmed"),
    # ---- SA objects (real: libreswan#1450 "Created IKEv2IKESA[2.1, ...] to HOST:500 with configuration")
    R("ne.ike-created", "Created IKEv2IKESA", r"Created IKEv2IKESA\[[^\]]*\] to (?P<peer>\S+?)(?::\d+)? with configuration",
      E("ike_start", role="initiator", version=2), evidence="real"),
    # ---- DNS (real: openradar 22735440)
    R("ne.dns", "dns_callback: Error", r"dns_callback: Error (?P<code>-?\d+)", E("dns_error"), evidence="real"),
    # ---- nesessionmanager session lifecycle (real: algo#362, monodot, algo#14844)
    R("nesm.stop-reason", "last stop reason", r"status changed to disconnected, last stop reason (?P<reason>.+?)\s*$",
      E("disconnect"), evidence="real"),
    R("nesm.disconnected-with", "disconnected with reason", r"disconnected with reason (?P<reason>.+?)\s*$",
      E("disconnect"), evidence="real"),
    R("nesm.status", "status changed to", r"status changed to (?P<status>\w+)", E("client_status"), evidence="real"),
    R("neagent.ike-status", "IKE Status:", r"received notif IKE Status: (?P<status>\w+)", E("client_status"), evidence="real"),
    R("nesm.start", "Received a start command", r"Received a start command from (?P<detail>.+?)\s*$",
      E("connect_start"), evidence="real"),
    R("ne.start-tunnel", "startTunnelWithOptions Invoked", r"startTunnelWithOptions Invoked", E("connect_start")),
    R("ne.stop-tunnel", "stopTunnelWithReason Invoked", r"stopTunnelWithReason Invoked",
      E("client_status", status="stopping")),
    R("ne.config-change", "Stopping tunnel due to config change", r"Stopping tunnel due to config change",
      E("disconnect", reason="config change")),
    # ---- IKEv1 "IPSec Controller" in nesessionmanager (src: ppp ipsec_manager.c)
    R("ctl.xauth-reauth-dialog", "XAuth reauthentication dialog required",
      r"XAuth reauthentication dialog required", E("reauth", stage="failed", initiator="peer"),
      E("xauth", result="no-answer")),
    R("ctl.xauth-assert-dialog", "XAuth dialog required", r"session asserting but XAuth dialog required",
      E("reauth", stage="failed", initiator="peer"), E("xauth", result="no-answer")),
    R("ctl.xauth-reauth-failed", "XAuth reauthentication failed", r"XAuth reauthentication failed",
      E("reauth", stage="failed", initiator="peer"), E("xauth", result="failed")),
    R("ctl.reauthinfo", "REAUTHINFO", r"REAUTHINFO", E("reauth", stage="start", initiator="peer")),
    R("ctl.xauth-failed", "XAuth authentication failed", r"XAuth authentication failed", E("xauth", result="failed")),
    R("ctl.connection-failed", "IKE Error", r"connection failed <IKE Error (?P<num>\d+) \((?P<hex>0x[0-9a-fA-F]+)\) (?P<code>[^>]+)>",
      E("client_error", domain="IKE Error")),
    R("ctl.ip-missing", "Internal IP Address missing", r"Internal IP Address missing",
      E("virtual_ip_failed", reason="INTERNAL_IP4_ADDRESS missing from Mode Config")),
    R("ctl.internal-ip", "INTERNAL-IP4-ADDRESS", r"INTERNAL-IP4-ADDRESS = (?P<address>[0-9.]+)",
      E("virtual_ip", family="ipv4")),
    R("ctl.ph1-established", "PH1 ESTABLISHED", r"PH1 ESTABLISHED", E("ike_established")),
    R("ctl.ph2-established", "PH2 ESTABLISHED", r"PH2 ESTABLISHED", E("child_established")),
    R("ctl.ike-failed", "IKE FAILED", r"IKE FAILED\. phase (?P<detail>\d+)", E("client_error", code="ike-failed", domain="IPSec Controller")),
    R("ctl.ph1-established-short", "IPSec Phase1 established", r"IPSec Phase1 established", E("ike_established"), evidence="src"),
    R("ctl.ph2-established-short", "IPSec Phase2 established", r"IPSec Phase2 established", E("child_established"), evidence="src"),
    R("ctl.xauth-requesting", "IPSec requesting Extended Authentication",
      r"IPSec requesting Extended Authentication", E("xauth", result="requested")),
    # ---- L2TP/IPsec: pppd's L2TP plugin in /var/log/ppp.log (``Wed Jan  6 01:22:58 2021 : msg``);
    # texts from real ppp.log excerpts (alexzhangs/aws-ec2-xl2tpd README, tests/fixtures/apple/ppp-*)
    R("l2tp.connecting", "L2TP connecting to server", r"L2TP connecting to server '(?P<server>[^']*)'",
      E("connect_start"), evidence="real"),
    R("l2tp.ph1-client-started", "IPSec phase 1 client started", r"IPSec phase 1 client started",
      E("ike_start", role="initiator"), evidence="real"),
    # printed when racoon reports the connection up, after "IPSec phase 2 established": both SAs exist
    R("l2tp.established", "IPSec connection established", r"IPSec connection established",
      E("ike_established"), evidence="real"),
    R("l2tp.cannot-connect", "L2TP cannot connect to the server", r"L2TP cannot connect to the server",
      E("client_error", code="l2tp-cannot-connect", domain="L2TP"), evidence="real"),
    R("l2tp.shared-secret", "incorrect user shared secret", r"L2TP: incorrect user shared secret found",
      E("client_error", code="incorrect-shared-secret", domain="L2TP"), evidence="real"),
    R("l2tp.lcp-timeout", "LCP: timeout sending Config-Requests", r"LCP: timeout sending Config-Requests",
      E("client_error", code="lcp-timeout", domain="PPP"), evidence="real"),
    R("l2tp.failed", "IPSec connection failed", r"IPSec connection failed(?: <IKE Error (?P<num>\d+) \((?P<hex>0x[0-9a-fA-F]+)\) (?P<code>[^>]+)>)?",
      E("client_error", domain="IKE Error"), evidence="real"),
    # ---- generic NSError text, last so specific texts win (real fragments: work log, macOS 26 write-up)
    R("ne.nserror", "Domain=", r"Error Domain=(?P<domain>[\w.]+) Code=(?P<num>-?\d+)(?: \"(?P<code>\w+)(?::\s*(?P<detail>[^\"]*))?\")?",
      E("client_error"), evidence="real"),
    R("ne.nserror-short", "ErrorDomain Code=", r"(?P<domain>\w+ErrorDomain) Code=(?P<num>-?\d+)(?: (?P<code>[A-Z]\w+))?",
      E("client_error"), evidence="real"),
)

#: racoon (Apple fork and upstream ipsec-tools) texts; case-insensitive because the
#: two dialects differ in capitalisation ("Phase 1" vs "phase1").
RACOON_RULES: tuple[Rule, ...] = (
    # ---- start
    R("racoon.connecting", "connecting to server", r"IPSec connecting to server (?P<server>\S+)",
      E("connect_start"), evidence="real", icase=True),
    R("racoon.initiate-ph1", "new phase 1 negotiation",
      r"(?P<role>initiate|respond) new phase 1 negotiation: (?P<local>[^\s\[]+)\[\d+\]<=>(?P<peer>[^\s\[]+)\[\d+\]",
      E("ike_start", version=1), evidence="real", icase=True),
    R("racoon.ph1-started", "phase 1 started", r"IPSec Phase 1 started \(Initiated by (?P<role>me|peer)\)",
      E("ike_start", version=1), evidence="real", icase=True),
    R("racoon.begin-mode", "mode.", r"^begin (?P<mode>Identity Protection|Aggressive|Main) mode\.",
      E("ike_start", version=1), evidence="real", icase=True),
    # ---- IKE packet tracer (real on OS X 10.11)
    R("racoon.tx", "IKE Packet: transmit success",
      r"IKE Packet: transmit success\. \((?:Initiator|Responder), (?P<exchange>Main|Aggressive)-Mode message (?P<mid>\d+)\)",
      E("message", direction="out"), evidence="real", icase=True),
    R("racoon.tx-retransmit", "Retransmit", r"IKE Packet: transmit success\. \(Phase (?P<ph>\d) Retransmit\)",
      E("retransmit"), evidence="real", icase=True),
    R("racoon.rx-failed", "IKE Packet: receive failed",
      r"IKE Packet: receive failed\. \((?:Initiator|Responder), (?P<exchange>Main|Aggressive)-Mode Message (?P<mid>\d+)\)",
      E("client_error", code="receive-failed", domain="racoon"), evidence="real", icase=True),
    R("racoon.rx", "IKE Packet: receive success",
      r"IKE Packet: receive success\. \((?:Initiator|Responder), (?P<exchange>Main|Aggressive)-Mode Message (?P<mid>\d+)\)",
      E("message", direction="in"), icase=True),
    R("racoon.resend", "Resend Phase", r"Resend Phase (?P<ph>\d) packet(?: (?P<spi>[0-9a-f]{16}:[0-9a-f]{16})(?::(?P<msgid>[0-9a-f]+))?)?",
      E("retransmit"), evidence="real", icase=True),
    # ---- PSK / certificates
    R("racoon.no-psk", "couldn't find the pskey for", r"couldn't find the pskey for (?P<peer>[^\s]+?)\.?$",
      E("auth_failed", who="self", method="psk", reason="pre-shared key not found"), evidence="real", icase=True),
    R("racoon.no-psk-id", "couldn't find pskey by peer's ID", r"couldn't find pskey by peer's ID",
      E("auth_failed", who="self", method="psk", reason="pre-shared key not found for peer ID"), icase=True),
    R("racoon.cert-not-verified", "certificate is not verified", r"the peer's certificate is not verified",
      E("cert_problem", problem="untrusted", detail="the peer's certificate is not verified"), icase=True),
    R("racoon.id-mismatch-cert", "ID mismatched with", r"ID mismatched with (?P<detail>certificate subjectName|ASN1 SubjectName|subjectAltName)",
      E("cert_problem", problem="san"), icase=True),
    R("racoon.cert-eval", "Error evaluating certificate", r"Error evaluating certificate",
      E("cert_problem", problem="other", detail="error evaluating certificate"), icase=True),
    R("racoon.cert-date", "failed date verification", r"certificate failed date verification",
      E("cert_problem", problem="expired", detail="host certificate failed date verification"), icase=True),
    R("racoon.srv-cert-expired", "certificate is expired", r">>> Server's certificate is expired",
      E("cert_problem", problem="expired", detail="server certificate expired"), icase=True),
    R("racoon.srv-cert-premature", "certificate is pre-mature", r">>> Server's certificate is pre-mature",
      E("cert_problem", problem="other", detail="server certificate not yet valid"), icase=True),
    R("racoon.srv-cert-name", "name not valid", r">>> Server's certificate (?P<detail>subject (?:alternate name|name) not valid)",
      E("cert_problem", problem="san"), icase=True),
    R("racoon.cli-cert-expired", "client's certificate is expired", r"Server reports client's certificate is expired",
      E("cert_problem", problem="expired", detail="server reports client certificate expired"), icase=True),
    # ---- proposals
    R("racoon.pfs-mismatch", "pfs group mismatched", r"(?P<reason>pfs group mismatched: my:\d+ peer:\d+)",
      E("no_proposal", proto="ESP", stage="quick_mode"), icase=True),
    R("racoon.lifetime-mismatch", "lifetime mismatched", r"(?P<reason>lifetime mismatched.*)",
      E("no_proposal", proto="ESP", stage="quick_mode"), icase=True),
    R("racoon.encmode-mismatch", "encmode mismatched", r"(?P<reason>encmode mismatched.*)",
      E("no_proposal", proto="ESP", stage="quick_mode"), icase=True),
    R("racoon.qm-no-proposal", "proposal", r"(?P<reason>no proposal chosen|failed to select proposal|failed to validate SA proposal)",
      E("no_proposal", proto="ESP", stage="quick_mode"), icase=True),
    R("racoon.ph1-no-proposal", "proposal",
      r"(?P<reason>no suitable proposal found|no Proposal found|no proposal received|proposal mismathed|failed to get valid proposal)",
      E("no_proposal", proto="IKE", stage="ike_init"), icase=True),
    # ---- notifies
    R("racoon.fatal-notify", "notify messsage", r"Fatal (?P<notify>\S+) notify messsage", E("notify_error", direction="in"), icase=True),
    R("racoon.notification-received", "notification", r"notification (?P<notify>[A-Z][A-Z0-9-]+) received",
      E("notify_error", direction="in"), icase=True),
    R("racoon.notification-receveid", "notification receveid", r"message with (?P<notify>\S+) notification receveid",
      E("notify_error", direction="in"), icase=True),
    # ---- configuration lookup (upstream responder)
    R("racoon.no-config", "no configuration found for", r"no configuration found for (?P<remote>\S+?)\.?$",
      E("no_matching_config", what="ike"), icase=True),
    R("racoon.no-sainfo", "failed to get sainfo", r"failed to get sainfo", E("no_matching_config", what="child"), icase=True),
    R("racoon.no-policy", "no policy found", r"no policy found: (?P<reason>.+)", E("no_matching_config", what="child"), icase=True),
    # ---- XAuth
    R("racoon.xauth-requested", "Extended Authentication requested", r"IPSec Extended Authentication requested",
      E("xauth", result="requested"), evidence="real", icase=True),
    R("racoon.xauth-request-up", "Sending Xauth request", r"Sending Xauth request", E("xauth", result="requested"), icase=True),
    R("racoon.xauth-passed", "Extended Authentication Passed", r"IPSec Extended Authentication Passed",
      E("xauth", result="ok"), evidence="real", icase=True),
    R("racoon.xauth-ok-tracer", "XAUTH: success", r"IKEv1 XAUTH: success", E("xauth", result="ok"), icase=True),
    R("racoon.xauth-failed", "Extended Authentication Failed", r"IPSec Extended Authentication Failed",
      E("xauth", result="failed"), icase=True),
    R("racoon.xauth-failed-tracer", "XAUTH: failed", r"IKEv1 XAUTH: failed", E("xauth", result="failed"), icase=True),
    R("racoon.xauth-failed-up", "Xauth authentication failed", r"Xauth authentication failed", E("xauth", result="failed"), icase=True),
    R("racoon.xauth-login-failed", "login failed for user", r"login failed for user \"(?P<user>[^\"]*)\"",
      E("xauth", result="failed"), icase=True),
    R("racoon.xauth-message", "XAUTH Message:", r"XAUTH Message: '(?P<value>.*)'", E("attribute", name="XAUTH_MESSAGE"), icase=True),
    # ---- phase 1 established / failed / rekey / expiry
    R("racoon.isakmp-established", "ISAKMP-SA established",
      r"ISAKMP-SA established(?: (?P<local>[^\s\[]+)\[\d+\]-(?P<peer>[^\s\[]+)\[\d+\])? spi:(?P<spi>\S+)",
      E("ike_established"), evidence="real", icase=True),
    R("racoon.ph1-established", "Phase 1 established", r"IPSec Phase 1 established", E("ike_established"), icase=True),
    R("racoon.ph1-timeup", "negotiation failed due to time up", r"phase ?1 negotiation failed due to time up",
      E("give_up"), icase=True),
    R("racoon.ph1-failed", "negotiation failed", r"phase ?1 negotiation failed",
      E("client_error", code="phase1-failed", domain="racoon"), icase=True),
    R("racoon.ph1-rekey-failed", "rekey", r"Phase 1 rekey(?: retry)? Failed|ISAKMP-SA rekey failed",
      E("rekey", what="ike", stage="failed"), icase=True),
    R("racoon.ph1-rekey-start", "rekey", r"Begin Phase 1 rekey|ISAKMP-SA rekey-timer expired",
      E("rekey", what="ike", stage="start"), icase=True),
    R("racoon.renegotiate", "renegotiating phase1", r"renegotiating phase1 to (?P<peer>\S+) due to active phase2",
      E("rekey", what="ike", stage="start"), icase=True),
    R("racoon.isakmp-expired", "ISAKMP-SA expired", r"ISAKMP-SA expired", E("ike_deleted", reason="expired"), icase=True),
    R("racoon.isakmp-deleted", "ISAKMP-SA deleted", r"ISAKMP-SA deleted(?: (?P<local>[^\s\[]+)\[\d+\]-(?P<peer>[^\s\[]+)\[\d+\])?",
      E("ike_deleted", reason="deleted"), icase=True),
    R("racoon.sleep-expired", "expired while sleeping", r"Phase (?P<ph>\d) .*expired while sleeping",
      E("ike_deleted", reason="expired while sleeping"), icase=True),
    # ---- DPD
    R("racoon.dpd-sent", "R-U-There sent", r"DPD R-U-There sent", E("dpd", stage="sent"), icase=True),
    R("racoon.dpd-dead", "seems to be dead", r"DPD: remote .*seems to be dead", E("dpd", stage="timeout"), icase=True),
    R("racoon.dpd-max", "Dead-Peer-Detection: maximum retransmits", r"Dead-Peer-Detection: maximum retransmits",
      E("dpd", stage="timeout"), icase=True),
    # ---- phase 2
    R("racoon.ph2-established", "Phase 2 established", r"IPSec Phase 2 established", E("child_established"), icase=True),
    R("racoon.ipsec-sa-established", "IPsec-SA established",
      r"IPsec-SA established(?: \((?:add|update)\))?:? .*?spi=(?P<spi>(?:0x)?[0-9a-fA-F]+)(?:\((?P<spihex>0x[0-9a-f]+)\))?",
      E("child_established"), evidence="real", icase=True),
    R("racoon.ph2-failed", "negotiation failed", r"phase ?2 negotiation failed\.?(?: (?P<reason>.+))?", E("child_failed"), icase=True),
    R("racoon.ph2-giveup", "give up to get IPsec-SA", r"give up to get IPsec-SA", E("child_failed", reason="time up waiting for IPsec-SA"), icase=True),
    R("racoon.ph2-cannot", "Cannot start Phase 2", r"Cannot start Phase 2 - (?P<reason>.+)", E("child_failed"), icase=True),
    R("racoon.ipsec-sa-expired", "IPsec-SA expired", r"IPsec-SA expired.*?spi=(?P<spi>(?:0x)?[0-9a-fA-F]+)(?:\((?P<spihex>0x[0-9a-f]+)\))?",
      E("delete", what="child", direction="local"), evidence="real", icase=True),
    R("racoon.ph2-sa-gone", "Phase 2 sa", r"Phase 2 sa (?:expired|deleted)", E("delete", what="child", direction="local"), icase=True),
    R("racoon.purging-isakmp", "purging ISAKMP-SA", r"purging ISAKMP-SA spi=(?P<spi>[0-9a-fA-F:]+)", E("delete", what="ike", direction="local"), icase=True),
    R("racoon.purged-ipsec", "purged IPsec-SA", r"purged IPsec-SA (?:proto_id=\w+ )?(?:sibling )?spi=(?P<spi>\d+)",
      E("delete", what="child", direction="local"), evidence="real", icase=True),
    # ---- mode config
    R("racoon.modecfg-ip", "INTERNAL_IP4_ADDRESS", r"INTERNAL_IP4_ADDRESS\s*[=:]?\s*(?P<address>[0-9.]+)", E("virtual_ip", family="ipv4"), icase=True),
    # ---- NAT
    R("racoon.nat", "NAT detected", r"NAT detected", E("nat"), icase=True),
    # ---- disconnect
    R("racoon.disconnecting", "disconnecting from server", r"IPSec disconnecting from server (?P<peer>\S+)",
      E("delete", what="ike", direction="local"), evidence="real", icase=True),
)

ALL_RULES: tuple[Rule, ...] = NE_RULES + RACOON_RULES


# --------------------------------------------------------------------------- IKE SA context

#: IKEv2Session[1, D05FD7061CC5892B-77EB65D1CB956898] / IKEv2IKESA[2.1, ISPI-RSPI] /
#: [IKE_AUTH R resp1 ISPI-RSPI]  (real: libreswan#1450, rlyeh wiki)
_SA_PREFIX = regex.compile(
    r"(?:IKEv2Session\[\d+, |IKEv2IKESA\[\d+\.\d+, |\[(?P<exch>[A-Z_]+) (?P<ir>[IR]) (?P<rr>req|resp)(?P<mid>\d+) )"
    r"(?P<ispi>" + _HEX + r")-(?P<rspi>" + _HEX + r")\]")
_EXCHANGE_DUMP = regex.compile(r"^\s*Exchange = (?P<x>[A-Z_]+)\s*$", regex.MULTILINE)
_PAYLOAD_DUMP = regex.compile(r"^\s*Payload Type = (?P<p>[\w ]+?)\s*$", regex.MULTILINE)
_PROPOSALS_DUMP = regex.compile(r"\{(?P<body>[^{}]*)\}")
_SESSION = regex.compile(r"NESM\w+Session\[(?P<label>[^\]]*)\]")
_TUNNEL_ROLE = regex.compile(r"^(?:Primary|Fallback) Tunnel:")
_UUID_TAIL = regex.compile(r":[0-9A-Fa-fX<>]{8}-[^:\]]*(?::\(null\))?$|:<a UUID>$")

#: NEIKEv2ProtocolErrorDomain codes are IKE notify numbers (RFC 7296 §3.10.1)
_NOTIFY_NUMBERS = {7: "INVALID_SYNTAX", 14: "NO_PROPOSAL_CHOSEN", 17: "INVALID_KE_PAYLOAD",
                   24: "AUTHENTICATION_FAILED", 34: "SINGLE_PAIR_REQUIRED", 35: "NO_ADDITIONAL_SAS",
                   36: "INTERNAL_ADDRESS_FAILURE", 37: "FAILED_CP_REQUIRED", 38: "TS_UNACCEPTABLE",
                   43: "TEMPORARY_FAILURE", 44: "CHILD_SA_NOT_FOUND"}

#: follow-up events an error notify implies, by notify name and exchange stage
_NOTIFY_FOLLOWUPS: dict[str, Emit] = {
    "NO_PROPOSAL_CHOSEN": E("no_proposal", proto="IKE", reason="NO_PROPOSAL_CHOSEN received"),
    "AUTHENTICATION_FAILED": E("auth_failed", who="self", reason="AUTHENTICATION_FAILED received"),
    "TS_UNACCEPTABLE": E("ts_unacceptable"),
    "INVALID_KE_PAYLOAD": E("ke_unacceptable"),
    "NO-PROPOSAL-CHOSEN": E("no_proposal", proto="IKE", stage="ike_init", reason="NO-PROPOSAL-CHOSEN received"),
    "AUTHENTICATION-FAILED": E("auth_failed", who="self", reason="AUTHENTICATION-FAILED received"),
}

#: "connection failed <IKE Error N (0x..) TEXT>" texts (ppp ipsec_manager.c) -> follow-up event
_IKE_ERROR_FOLLOWUPS: dict[str, Emit] = {
    "No proposal chosen": E("no_proposal", proto="IKE", stage="ike_init", reason="No proposal chosen"),
    "Authentication Failed": E("auth_failed", who="self", reason="Authentication Failed"),
    "Invalid certificate": E("cert_problem", problem="other", detail="Invalid certificate"),
    "Invalid cert authority": E("cert_problem", problem="untrusted", detail="Invalid cert authority"),
    "Certificate unavailable": E("cert_problem", problem="missing", detail="Certificate unavailable"),
    "Certificate expired": E("cert_problem", problem="expired", detail="Certificate expired"),
    "Server certificate expired": E("cert_problem", problem="expired", detail="Server certificate expired"),
    "Server certificate subjectName invalid": E("cert_problem", problem="san", detail="Server certificate subjectName invalid"),
    "Server certificate subjectAltName invalid": E("cert_problem", problem="san", detail="Server certificate subjectAltName invalid"),
    "Dead Peer": E("dpd", stage="timeout"),
}

_EXCHANGE_V1 = {"main": "ID_PROT", "identity protection": "ID_PROT", "aggressive": "AGGRESSIVE"}
_MODE_V1 = {"main": "main", "identity protection": "main", "aggressive": "aggressive"}


_CAMEL = regex.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def normalise_notify(name: str) -> str:
    """``NoProposalChosen`` / ``(14)`` / ``NO_PROPOSAL_CHOSEN,`` -> ``NO_PROPOSAL_CHOSEN``."""
    name = name.strip("()[],.:;\"'")
    if name.isdigit():
        return _NOTIFY_NUMBERS.get(int(name), name)
    if "_" in name or "-" in name or name.isupper():
        return name
    return _CAMEL.sub("_", name).upper()


@dataclass(slots=True)
class SAContext:
    ike_id: str | None = None
    spis: tuple[str, ...] = ()
    exchange: str | None = None
    msg_type: str | None = None
    mid: int | None = None


def sa_context(message: str) -> SAContext:
    """IKE SA key from the IKEv2Session/IKEv2IKESA/packet prefixes (ISPI lower-cased).

    The initiator SPI is the key because it is the one value both ends print
    from the first packet on; a redacted ``###`` SPI gives no key at all.
    """
    ctx = SAContext()
    m = sa_search(message)
    if m is None:
        return ctx
    ispi, rspi = m.group("ispi"), m.group("rspi")
    if "#" not in ispi:
        ctx.ike_id = ispi.lower()
        ctx.spis = (ispi.lower(),) if (("#" in rspi) or set(rspi) == {"0"}) else (ispi.lower(), rspi.lower())
    if m.group("exch"):
        ctx.exchange = m.group("exch")
        ctx.mid = int(m.group("mid"))
        ctx.msg_type = "request" if m.group("rr") == "req" else "response"
    return ctx


def sa_search(message: str) -> Any:
    if "[" not in message or "-" not in message:
        return None
    try:
        return _SA_PREFIX.search(message, timeout=MATCH_TIMEOUT)
    except TimeoutError:
        return None


def session_profile(message: str) -> str | None:
    """``NESMIKEv2VPNSession[Primary Tunnel:Algo VPN:UUID:(null)]`` -> ``Algo VPN``."""
    if "Session[" not in message:
        return None
    m = _SESSION.search(message)
    if not m:
        return None
    label = _TUNNEL_ROLE.sub("", m.group("label"))
    return _UUID_TAIL.sub("", label) or None


# --------------------------------------------------------------------------- proposal dumps

#: NEIKEv2 transform names -> the names charon prints, so proposals compare across sides.
#: Unknown names are kept as they are.
_TRANSFORM_NAMES: dict[str, str] = {
    "AESGCM16_128": "AES_GCM_16_128", "AESGCM16_256": "AES_GCM_16_256",
    "AESCBC_128": "AES_CBC_128", "AESCBC_256": "AES_CBC_256", "AESCBC_192": "AES_CBC_192",
    "3DES": "3DES_CBC", "ChaCha20Poly1305": "CHACHA20_POLY1305",
    "MODP1024": "MODP_1024", "MODP1536": "MODP_1536", "MODP2048": "MODP_2048", "MODP3072": "MODP_3072",
    "MODP4096": "MODP_4096", "RandomECP256": "ECP_256", "RandomECP384": "ECP_384", "RandomECP521": "ECP_521",
    "Curve25519": "CURVE_25519", "Curve448": "CURVE_448",
}
_PRF_NAMES = {"HMACSHA1": "PRF_HMAC_SHA1", "HMACSHA2256": "PRF_HMAC_SHA2_256",
              "HMACSHA2384": "PRF_HMAC_SHA2_384", "HMACSHA2512": "PRF_HMAC_SHA2_512"}
_INTEG_NAMES = {"HMACSHA1": "HMAC_SHA1_96", "HMACSHA2256": "HMAC_SHA2_256_128",
                "HMACSHA2384": "HMAC_SHA2_384_192", "HMACSHA2512": "HMAC_SHA2_512_256"}
_DUMP_FIELD = regex.compile(r"(?P<k>Encryption|Integrity|PRF|DH)\s*=\s*\((?P<v>[^)]*)\)")


def proposals_from_dump(message: str) -> list[str]:
    """``Proposals = ({ Number = 1 Encryption = (AESGCM16_256,) ... })`` -> charon-style strings.

    charon prints ``IKE:AES_GCM_16_256/PRF_HMAC_SHA2_256/ECP_256``; producing the
    same spelling lets a catalog rule compare the client's offer with the
    server's configured proposals.
    """
    if "Proposals = (" not in message:
        return []
    start = message.index("Proposals = (")
    out: list[str] = []
    for block in _PROPOSALS_DUMP.finditer(message, start):
        parts: list[str] = []
        fields: dict[str, list[str]] = {}
        for f in _DUMP_FIELD.finditer(block.group("body")):
            fields[f.group("k")] = [v.strip() for v in f.group("v").split(",") if v.strip()]
        for v in fields.get("Encryption", []):
            parts.append(_TRANSFORM_NAMES.get(v, v))
        for v in fields.get("Integrity", []):
            parts.append(_INTEG_NAMES.get(v, v))
        for v in fields.get("PRF", []):
            parts.append(_PRF_NAMES.get(v, v))
        for v in fields.get("DH", []):
            parts.append(_TRANSFORM_NAMES.get(v, v))
        if parts:
            out.append("IKE:" + "/".join(parts))
    return out


# --------------------------------------------------------------------------- matching


@dataclass(slots=True)
class Hit:
    rule: Rule
    kind: str
    attrs: dict[str, Any]
    peer: str | None = None
    spis: tuple[str, ...] = ()
    ike_id: str | None = None


def _match_rule(rule: Rule, message: str, folded: str | None) -> Any:
    hay = folded if rule.ignore_case else message
    if rule.gate not in hay:  # type: ignore[operator]
        return None
    try:
        return rule.compiled.search(message, timeout=MATCH_TIMEOUT)
    except TimeoutError:
        return None


def classify(message: str, rules: tuple[Rule, ...] = ALL_RULES) -> list[Hit]:
    """The events one message implies (first matching rule wins); [] if none."""
    folded = message.lower()
    for rule in rules:
        m = _match_rule(rule, message, folded)
        if m is None:
            continue
        return _hits(rule, m, message)
    return []


def _hits(rule: Rule, m: Any, message: str) -> list[Hit]:
    groups = {k: v for k, v in m.groupdict().items() if v is not None}
    peer = groups.get("peer")
    spis: tuple[str, ...] = ()
    ike_id = None
    if "spi" in groups:
        if ":" in groups["spi"]:  # IKEv1 cookie pair "icookie:rcookie" keys the ISAKMP SA
            spis = tuple(c.lower() for c in groups["spi"].split(":")[:2])
            ike_id = spis[0]
        else:
            spis = (_spi_hex(groups["spi"], groups.get("spihex")),)
    hits: list[Hit] = []
    for emit in rule.emits:
        attrs = dict(emit.attrs)
        allowed = _allowed(emit.kind)
        for key, value in groups.items():
            if key in allowed and key not in attrs:
                attrs[key] = value
        if emit.kind == "delete" and spis and ike_id is None:
            attrs["spi"] = spis[0]
        elif emit.kind == "delete" and ike_id:
            attrs["spi"] = ike_id
        if emit.kind == "ike_established" and peer:
            attrs.setdefault("remote", peer)
        _refine(rule, emit.kind, attrs, groups, message)
        hits.append(Hit(rule, emit.kind, attrs, peer, spis, ike_id))
    hits.extend(_followups(rule, hits, groups))
    return hits


def _allowed(kind: str) -> tuple[str, ...]:
    from ..events import KINDS
    return KINDS[kind]


def _spi_hex(spi: str, spihex: str | None) -> str:
    if spihex:
        return spihex.lower().removeprefix("0x").zfill(8)
    if spi.lower().startswith("0x"):
        return spi.lower()[2:].zfill(8)
    if spi.isdigit():
        return format(int(spi), "08x")
    return spi.lower()


def _refine(rule: Rule, kind: str, attrs: dict[str, Any], groups: dict[str, str], message: str) -> None:
    """Per-kind attribute clean-up that a flat table cannot express."""
    if "notify" in attrs:
        attrs["notify"] = normalise_notify(attrs["notify"])
    if kind == "message":
        if "mid" in attrs:
            attrs["mid"] = int(attrs["mid"])
        if "exchange" in attrs:
            attrs["exchange"] = _EXCHANGE_V1.get(attrs["exchange"].lower(), attrs["exchange"])
        else:
            x = _EXCHANGE_DUMP.search(message)
            if x:
                attrs["exchange"] = x.group("x")
        payloads = [p.group("p") for p in _PAYLOAD_DUMP.finditer(message)]
        if payloads:
            attrs["payloads"] = payloads
    elif kind == "ike_start":
        role = groups.get("role", "")
        if role:
            attrs["role"] = "responder" if role.lower() in ("respond", "peer") else "initiator"
        attrs.setdefault("role", "initiator")
        if "mode" in attrs:
            attrs["mode"] = _MODE_V1.get(attrs["mode"].lower(), attrs["mode"].lower())
    elif kind == "retransmit":
        if "ph" in groups:
            attrs["exchange"] = "QUICK_MODE" if groups["ph"] == "2" else "phase1"
    elif kind == "client_error":
        if "num" in groups and "code" not in attrs:
            attrs["code"] = groups["num"]
        if groups.get("domain", "").endswith("ProtocolErrorDomain") and "num" in groups:
            attrs["code"] = _NOTIFY_NUMBERS.get(int(groups["num"]), groups["num"])
        if "exchange" in groups:
            attrs["detail"] = f"{groups['exchange']} mode message {groups.get('mid', '?')}"
        attrs.setdefault("code", "unknown")
        if rule.id == "l2tp.failed" and "code" not in groups:
            attrs["code"] = "ipsec-failed"
    elif kind == "auth_failed" and rule.id == "ne.auth-method-mismatch":
        if "reason" in attrs:
            attrs["reason"] = f"AUTH method does not match proposal {attrs['reason']}"
    elif kind == "client_status" and "status" in attrs:
        attrs["status"] = attrs["status"].lower()
    elif kind == "dns_error" and "code" in attrs:
        attrs["code"] = int(attrs["code"])
    elif kind == "no_proposal" and rule.id.startswith("racoon.ph1"):
        attrs["reason"] = attrs.get("reason", "").rstrip(".")


def _followups(rule: Rule, hits: list[Hit], groups: dict[str, str]) -> list[Hit]:
    out: list[Hit] = []
    for hit in hits:
        if hit.kind == "notify_error":
            f = _NOTIFY_FOLLOWUPS.get(hit.attrs.get("notify", ""))
            if f:
                attrs = dict(f.attrs)
                if f.kind == "no_proposal" and "stage" not in attrs:
                    attrs["stage"] = {"ne.notify-init": "ike_init", "ne.notify-auth": "ike_auth",
                                      "ne.notify-rekey-child": "rekey"}.get(rule.id, "ike_init")
                    if attrs["stage"] != "ike_init":
                        attrs["proto"] = "ESP"
                out.append(Hit(rule, f.kind, attrs, hit.peer, hit.spis))
        elif hit.kind == "client_error" and hit.attrs.get("domain") == "IKE Error":
            f = _IKE_ERROR_FOLLOWUPS.get(hit.attrs.get("code", "").strip())
            if f:
                out.append(Hit(rule, f.kind, dict(f.attrs), hit.peer, hit.spis))
        elif hit.kind == "client_error" and hit.attrs.get("domain", "").endswith("ProtocolErrorDomain"):
            f = _NOTIFY_FOLLOWUPS.get(hit.attrs.get("code", ""))
            if f:
                attrs = dict(f.attrs)
                if f.kind == "no_proposal":
                    attrs.setdefault("stage", "ike_init")
                out.append(Hit(rule, f.kind, attrs, hit.peer, hit.spis))
    return out


# --------------------------------------------------------------------------- record -> events

#: kinds that a single IKEv1 attempt logs several times (nesessionmanager and racoon
#: both report the milestone, and OS X 10.11 racoon writes most lines twice); a repeat
#: is suppressed until a terminal event closes the attempt.
#: unified log message types (and syslog's <Error>) that mark a line the client itself calls bad
_LEVEL_SEVERITY = {"error": "error", "fault": "error", "e": "error", "f": "error", "err": "error",
                   "warning": "warning"}
_MILESTONES = frozenset({"connect_start", "ike_start", "ike_established"})
_TERMINAL = frozenset({"disconnect", "give_up", "ike_deleted"})


@dataclass(slots=True)
class Emitter:
    """Turns records into events for one input; keeps the small cross-line state."""

    path: str
    side: Side
    open_milestones: dict[str, int] = field(default_factory=dict)  # kind -> line
    closed: set[str] = field(default_factory=set)  # terminal kinds seen since the last milestone
    last_key: tuple[Any, ...] | None = None

    def events(self, rec: Record) -> Iterator[Event]:
        key = (rec.process, rec.pid, rec.time, rec.message)
        if key == self.last_key and rec.time is not None:
            return  # the same line written twice (OS X 10.11 racoon)
        self.last_key = key
        hits = classify(rec.message)
        if not hits:
            severity = _LEVEL_SEVERITY.get((rec.level or "").strip("<> ").lower())
            if severity is not None:  # the log itself calls it an error: never read as nothing
                yield Event(kind="log_notable", path=self.path, line=rec.line, text=rec.text, time=rec.time,
                            side=self.side, thread=rec.thread,
                            attrs={"severity": severity, "topic": "apple", "format": None})
            return
        sa = sa_context(rec.message)
        profile = session_profile(rec.message)
        for hit in hits:
            kind, attrs = hit.kind, hit.attrs
            v1 = _is_v1(rec, hit)
            version = 1 if v1 else 2 if kind == "ike_start" else None
            if kind in _MILESTONES:
                if v1 and kind in self.open_milestones:
                    continue
                self.open_milestones[kind] = rec.line
                self.closed.clear()
                if kind == "ike_start":
                    self.open_milestones.pop("ike_established", None)
                elif kind == "ike_established":
                    self.open_milestones.pop("ike_start", None)
            elif kind in _TERMINAL or (kind == "delete" and attrs.get("what") == "ike"):
                if v1 and kind in self.closed:
                    continue  # nesessionmanager and racoon both report the teardown
                self.open_milestones.clear()
                self.closed.add(kind)
            if kind == "ike_start" and version == 1:
                attrs.setdefault("version", 1)
            if kind == "connect_start":
                if profile:
                    attrs.setdefault("profile", profile)
                attrs.pop("detail", None)
            if kind == "client_status" and profile:
                attrs.setdefault("profile", profile)
            if kind == "message":
                if sa.exchange and "exchange" not in attrs:
                    attrs["exchange"] = sa.exchange
                if sa.msg_type:
                    attrs.setdefault("msg_type", sa.msg_type)
            if hit.peer and kind in _allowed_kinds_with("peer"):
                attrs.setdefault("peer", hit.peer)
            check_kind(kind, attrs)
            yield self._event(rec, kind, attrs, sa, hit)
            if kind == "ike_start" and version != 1:
                props = proposals_from_dump(rec.message)
                if props:
                    yield self._event(rec, "proposals_configured", {"proto": "IKE", "proposals": props}, sa, hit)

    def _event(self, rec: Record, kind: str, attrs: dict[str, Any], sa: SAContext, hit: Hit) -> Event:
        peer = hit.peer if hit.peer and "<" not in hit.peer else None
        return Event(kind=kind, path=self.path, line=rec.line, text=rec.text, time=rec.time, side=self.side,
                     ike_id=sa.ike_id or hit.ike_id, thread=rec.thread, peer=peer, spis=sa.spis or hit.spis, attrs=attrs)


def _is_v1(rec: Record, hit: Hit) -> bool:
    return hit.rule.id.startswith(("racoon.", "ctl.", "l2tp.")) or (rec.process or "") in ("racoon", "pppd")


def _allowed_kinds_with(attr: str) -> frozenset[str]:
    from ..events import KINDS
    return frozenset(k for k, v in KINDS.items() if attr in v)

