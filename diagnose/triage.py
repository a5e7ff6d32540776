"""Never empty-handed: the report's status, the lines no finding explains, and what to collect next.

A catalog finding is the best answer, but real pastes are often about something the catalog
does not know, or stop before the outcome. Then the report still says which of these it is
(``status``), which error and warning lines it saw that no finding cites, what they mean and
which settings to look at (``notable_lines``, from ``diagnose.knowledge``), and what to paste
next (``next_steps``), specific to what was missing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from operator import attrgetter

from .events import Event
from .knowledge import Meaning, knowledge
from .report.model import NotableLine, Report
from .sessions import FAILURE_KINDS, Session, outcome_of

MAX_NOTABLE = 20
#: kinds that happen without any IKE traffic (the daemon's own life, the client's UI)
NOT_IKE = frozenset({"daemon_start", "daemon_stop", "log_notable"})
#: the kinds ``_notable`` can find a line in (an IKE message only with an error notify)
_MAY_BE_NOTABLE = (FAILURE_KINDS | {"log_notable", "message"}) - {"overlapping_sa", "proposal_mismatch"}
#: a failure event of one of these alone is part of a normal negotiation (the client retries)
#: (a rekey collision answers TEMPORARY_FAILURE / CHILD_SA_NOT_FOUND and is retried)
_BENIGN_NOTIFIES = frozenset({"INVALID_KE_PAYLOAD", "INVALID_KE", "COOKIE", "TEMPORARY_FAILURE", "CHILD_SA_NOT_FOUND"})
GATEWAY_LOG_STEP = ("the gateway's log for this client at `ike 2, cfg 2` (strongswan.conf: charon { filelog { "
                    "<name> { path = /var/log/charon.log, default = 1, ike = 2, cfg = 2 } } }, or `journalctl -u "
                    "strongswan` on systemd), from before the client connects until it gives up")
CLIENT_LOG_STEP = ("the Mac's log for the same minutes (admin account): `log show --style ndjson --info --debug "
                   "--last 30m --predicate 'process == \"NEIKEv2Provider\" OR process == \"nesessionmanager\" OR "
                   "process == \"neagent\" OR process == \"racoon\"'` (or `ikedoctor collect` on the Mac)")
PROFILE_STEP = ("the gateway's configuration and the Apple profile: `ikedoctor check --server swanctl.conf "
                "--cert server.pem --profile vpn.mobileconfig` compares them")


@dataclass(slots=True)
class Triage:
    status: str
    stops_at: str | None = None
    notable: list[NotableLine] = field(default_factory=list)
    next_steps: list[str] = field(default_factory=list)


class TriageCollector:
    """What the triage needs of each session, taken while the session still has its events.

    The in-memory diagnosis feeds every session at the end; the streaming one feeds each
    session when it is judged, just before its events are dropped, so both give the same report.
    """

    MAX_OCCURRENCES = 10_000  # per distinct message: lines kept to tell cited ones apart

    def __init__(self) -> None:
        self.any_ike = False
        self.failed: list[tuple[str, tuple]] = []  # (peer, start order) of failed sessions
        self.established: dict[str, list[tuple]] = {}  # peer -> start orders of established sessions
        self.last_message: Event | None = None
        self.shown: dict[str, NotableLine] = {}
        self.where: dict[str, list[tuple[str, int]]] = {}
        self.extra: dict[str, int] = {}  # occurrences beyond MAX_OCCURRENCES
        #: per peer, its latest session: (start order, outcome, last event)
        self.last_by_peer: dict[str, tuple[tuple, str, Event]] = {}

    def feed(self, s: Session) -> None:
        events = s.events
        kinds = {e.kind for e in events}
        overcome = _overcome(s, kinds)
        if kinds - NOT_IKE:  # daemon chatter is no IKE session
            self.any_ike = True
            first = events[0]
            order = (first.time is not None, first.time or first.line, first.path, first.line)
            outcome = outcome_of(kinds)
            if _failed(s, kinds, overcome):
                self.failed.append((s.peer or s.path, order))
            elif outcome == "established":
                self.established.setdefault(s.peer or s.path, []).append(order)
            latest = self.last_by_peer.get(s.peer or s.path)
            if latest is None or order > latest[0]:
                self.last_by_peer[s.peer or s.path] = (order, outcome, events[-1])
        k = knowledge()
        for e in events:
            kind = e.kind
            if kind not in _MAY_BE_NOTABLE or (kind == "message" and not e.attrs.get("error_notify")):
                continue
            found = _notable(e, k)
            if found is None:
                continue
            key, meaning, severity = found
            earliest = self.shown.get(key)  # the earliest line stands for its message, whatever the feed order
            if earliest is None or (e.path, e.line) < (earliest.path, earliest.line):
                # built only for the line that is shown: a busy log repeats its few messages
                self.shown[key] = _notable_line(e, meaning, "warning" if id(e) in overcome else severity)
            occ = self.where.setdefault(key, [])
            if len(occ) < self.MAX_OCCURRENCES:
                occ.append((e.path, e.line))
            else:
                self.extra[key] = self.extra.get(key, 0) + 1
        messages = [e for e in events if e.kind == "message"]
        if messages:
            self.last_message = _latest(self.last_message, messages)

    def finish(self, report: Report) -> Triage:
        cited = {(e.path, e.line) for f in report.findings for e in f.evidence}
        notable = self._notable(cited)
        established = [s for s in report.sessions if s.outcome == "established"]
        stops_at = None
        if report.findings:
            status = "failure"
        elif (not self.any_ike and not any(i.sa_lines for i in report.inputs)
              and not any(n.severity == "error" for n in notable)):
            status = "no-ike"
            spans = [(i.first_time, i.last_time) for i in report.inputs if i.side == "server" and i.first_time]
            if spans:
                a, b = spans[0][0], spans[-1][1]
                when = f"from {a} to {b}" if a != b else f"at {a}"
                stops_at = (f"nothing reached the gateway: charon logged {when}, but no IKE packet arrived "
                            "from any client")
        elif self._unrecovered() or (not established and any(n.severity == "error" for n in notable)):
            status = "unidentified-failure"
        elif established and not (pending := self._pending()):
            status = "healthy"
        elif established:
            status = "inconclusive"  # a client's latest IKE_SA is still being set up where the log ends
            e = pending[-1]
            stops_at = (f"the log stops while a new IKE_SA{' with ' + e.peer if e.peer else ''} is being set up "
                        f"(last line {e.path}:{e.line}), after an earlier one was established")
        else:
            status = "inconclusive"
            stops_at = _where_it_stops(self.last_message) or _where_it_stops_quiet(self._pending())
        return Triage(status, stops_at, notable, _next_steps(report, status, stops_at, notable))

    def _unrecovered(self) -> bool:
        """A failed session after which its client never got an IKE_SA up (a retry that worked,
        like the INVALID_KE round trip or a second password attempt, is no failure of the log)."""
        return any(not any(o > order for o in self.established.get(peer, ())) for peer, order in self.failed)

    def _pending(self) -> list[Event]:
        """Last events of peers whose latest session neither came up nor failed nor ended."""
        return sorted((last for _, outcome, last in self.last_by_peer.values() if outcome == "incomplete"),
                      key=lambda e: (e.path, e.line))

    def _notable(self, cited: set[tuple[str, int]]) -> list[NotableLine]:
        out = []
        for key, shown in self.shown.items():
            if any(o in cited for o in self.where[key]):
                continue  # a message a finding cites once is explained however often it repeats
            out.append(replace(shown, count=len(self.where[key]) + self.extra.get(key, 0)))
        out.sort(key=lambda n: (n.severity != "error", n.path, n.line))
        return out[:MAX_NOTABLE]


_BY_TIME = attrgetter("time", "path", "line")


def _latest(last: Event | None, messages: list[Event]) -> Event:
    """``last`` replaced by each message ``_later`` than it, in turn.

    When every time is known, ``_later`` is the order of (time, path, line) and the fold is
    one ``max`` (its first maximum, as the fold keeps the first of equals), compared with
    ``last`` once: a dense log has a message on most of its lines. A missing time makes
    ``_later`` fall back to the line, which is no order across times, so then it folds (as
    it does when naive and aware times meet, to fail as the fold fails).
    """
    if (last is None or last.time is not None) and all(e.time is not None for e in messages):
        try:
            best = max(messages, key=_BY_TIME)
            return best if last is None or _later(best, last) else last
        except TypeError:
            pass
    for e in messages:
        if last is None or _later(e, last):
            last = e
    return last


def _later(a: Event, b: Event) -> bool:
    return (a.time is not None and b.time is not None and a.time > b.time) or (
        (a.time is None or b.time is None or a.time == b.time) and (a.path, a.line) > (b.path, b.line))


def _failed(s: Session, kinds: set[str], overcome: set[int]) -> bool:
    """Failed, and not by a benign retry alone or a step the session got over (``_overcome``);
    an established session is not failed."""
    if "ike_established" in kinds:
        return False
    for e in s.events:
        kind = e.kind
        if kind in FAILURE_KINDS:
            if not _benign(e) and id(e) not in overcome:
                return True
        elif kind == "message":
            if e.attrs.get("error_notify") and not _benign(e):
                return True
        elif kind == "log_notable" and e.attrs.get("severity") == "error":
            return True
    return False


def _overcome(s: Session, kinds: set[str]) -> set[int]:
    """Failure events the same session shows were got over: an address of one family assigned
    (the other family's "no virtual IP found" is then no failure), or a connection that did not
    fit ("peer requested EAP, config unacceptable") followed by charon switching to another."""
    out: set[int] = set()
    if "virtual_ip_failed" not in kinds and "no_matching_config" not in kinds:
        return out
    addressed = "virtual_ip" in kinds
    candidates: list[int] = []
    for e in s.events:
        if addressed and e.kind == "virtual_ip_failed":
            out.add(id(e))
        elif e.kind == "no_matching_config" and e.attrs.get("what") == "candidate":
            candidates.append(id(e))
        elif e.kind == "config_selected" and e.attrs.get("how") == "switched":
            out.update(candidates)
            candidates.clear()
    return out


def _benign(e: Event) -> bool:
    if e.kind == "notify_error":
        return str(e.attrs.get("notify", "")) in _BENIGN_NOTIFIES
    if e.kind == "message":
        return str(e.attrs.get("error_notify") or "") in _BENIGN_NOTIFIES
    return False


@lru_cache(maxsize=4096)
def _meaning_of(message: str):
    """The knowledge table's meaning of a failure line's message (a busy log repeats a few)."""
    return knowledge().match(message)


def _notable(e: Event, k) -> tuple[str, Meaning | None, str] | None:
    """(key, meaning, severity) for an error/warning event: one key per distinct message."""
    if e.kind in ("overlapping_sa", "proposal_mismatch"):
        return None
    meaning = k.by_format.get(e.attrs.get("format") or "") if e.kind == "log_notable" else None
    if e.kind == "message":  # an IKE message that carries an error notify (N(AUTH_FAILED) ...)
        notify = e.attrs.get("error_notify")
        meaning = k.notifies.get(notify) if notify and not _benign(e) else None  # keyed by the notify
        if meaning is None:
            return None
        severity = "error"
    elif meaning is not None:
        severity = meaning.severity
    elif e.kind == "log_notable":  # a line its own log marks as an error (Apple's message type)
        meaning = k.topic(e.attrs.get("topic") or "other")
        severity = e.attrs.get("severity") or "error"
    elif e.kind in FAILURE_KINDS and not _benign(e):
        meaning = _meaning_of(_message_of(e.text)) or k.notify_in(e.text)
        severity = "error"
    else:
        return None
    if meaning is not None:
        refined = k.refine(meaning, e.text)
        if refined is not meaning and refined.severity == "warning":
            severity = "warning"  # a variant of the format that is no failure by itself
        meaning = refined
        key = meaning.format or f"{e.kind}:{_message_of(e.text)[:160]}"
    else:  # an event kind the knowledge has no text for: one key per distinct attribute set
        key = f"{e.kind}:{sorted((name, str(value)) for name, value in e.attrs.items())}"
    return key, meaning, severity


def _notable_line(e: Event, meaning: Meaning | None, severity: str) -> NotableLine:
    return NotableLine(path=e.path, line=e.line, text=e.text, side=e.side.value, severity=severity,
                       meaning=meaning.meaning if meaning else _kind_meaning(e.kind),
                       look_at=list(meaning.look_at) if meaning else [])


_CHARON_BODY = re.compile(r"\d{2,}\[[A-Z]{3}[0-4]?\] (?:<[^>]*> )?")


def _message_of(text: str) -> str:
    """The bare message of a charon line (what follows ``NN[GRP] <name|N>``), else the text."""
    m = _CHARON_BODY.search(text)
    return text[m.end():] if m else text.strip()


_KIND_MEANINGS = {
    "client_error": "The Apple client reported an error.",
    "cert_problem": "A certificate could not be verified.",
    "auth_failed": "Authentication failed.",
    "notify_error": "An error notify was sent or received.",
    "no_proposal": "No acceptable proposal.",
    "child_failed": "The CHILD_SA could not be created.",
    "virtual_ip_failed": "No virtual IP could be assigned.",
    "dns_error": "The server name could not be resolved.",
}


def _kind_meaning(kind: str) -> str:
    return _KIND_MEANINGS.get(kind, "The log reports a failure here.")


def _where_it_stops(last: Event | None) -> str | None:
    if last is None:
        return None
    a = last.attrs
    verb = "received" if a.get("direction") == "in" else "sent"
    what = f"{a.get('exchange', '?')} {a.get('msg_type', 'message')}".strip()
    answer = " before its answer" if a.get("msg_type") == "request" else ""
    return f"the log stops after the {what} {verb} at {last.path}:{last.line}{answer}"


def _where_it_stops_quiet(pending: list[Event]) -> str | None:
    """Where a log with no IKE message stops: after the last thing a client's attempt logged."""
    if not pending:
        return None
    e = pending[-1]
    return f"the log stops after {e.path}:{e.line} ({e.kind.replace('_', ' ')}), before any IKE message"


def _next_steps(report: Report, status: str, stops_at: str | None, notable: list[NotableLine]) -> list[str]:
    steps: list[str] = []
    sides = {i.side for i in report.inputs}
    for f in report.findings:
        if f.basis == "decisive":
            confirm = next((n[len("to confirm: "):] for n in f.notes if n.startswith("to confirm: ")), None)
            if confirm:
                steps.append(f"to confirm {f.id}: {confirm}")
    if status == "inconclusive" and stops_at:
        steps.append(f"{stops_at}: paste the log up to at least 30 seconds later (the answer, or the timeout)")
    if status in ("unidentified-failure", "inconclusive", "no-ike") or (
            report.findings and report.findings[0].confidence < 0.5):
        if "server" not in sides:
            steps.append(GATEWAY_LOG_STEP)
        if "client" not in sides:
            steps.append(CLIENT_LOG_STEP)
    if status == "unidentified-failure":
        steps.append(PROFILE_STEP)
    if status == "no-ike":
        steps.append("no IKE message reached this log: check that the client's packets reach the gateway "
                     "(UDP 500 and 4500: `tcpdump -ni any udp port 500 or udp port 4500` on the gateway)")
    return list(dict.fromkeys(steps))
