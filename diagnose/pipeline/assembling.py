"""Stage 6, assembling: the report from the judged matches and the session summaries.

Findings come from the merged matches, the ``--config`` cross-check annotates them, triage
(fed every session while it still had its events) gives the status, the notable lines and the
next steps, and the verdict is the one line that says what the report found.
"""

from __future__ import annotations

from ..catalog.engine import Match, to_finding
from ..confirm import apply_config
from ..errors import InputError
from ..events import Event
from ..report.model import Report, SessionSummary
from ..sessions import Session
from ..triage import TriageCollector
from .options import Options

#: below this confidence a finding is a possible cause to check, not a failure the logs show
POSSIBLE_BELOW = 0.5


def session_summary(s: Session) -> SessionSummary:
    outcome, because = s.ending()
    return SessionSummary(
        id=s.id, side=s.side.value, path=s.path, ike_name=s.ike_name, unique_id=s.unique_id, peer=s.peer,
        local=_local(s.events), role=s.role,
        version=s.version, start=s.start.isoformat() if s.start else None,
        end=s.end.isoformat() if s.end else None, outcome=outcome, events=len(s.events),
        partner=s.partner, clock_offset_s=s.clock_offset_s, identities=s.identities(),
        not_established_because=because)


def _local(events: list[Event]) -> str | None:
    """The first local address a session's events name (a plain loop: most sessions name none,
    and a dense log has thousands of them)."""
    for e in events:
        local = e.attrs.get("local")
        if local:
            return local
    return None


def assemble(report: Report, matches: list[Match], summaries: list[SessionSummary], opts: Options,
             collector: TriageCollector) -> Report:
    """Fill the report's findings, status, notable lines, next steps and verdict."""
    report.sessions = summaries
    if opts.focus is not None and report.filter is not None:
        report.warnings.append(opts.focus.warning(len(report.sessions), report.filter["sessions_left_out"],
                                                  report.filter["lines_skipped"]))
    if not report.inputs:
        raise InputError(", ".join(w.split(":")[0] for w in report.warnings) or "input",
                         "nothing readable to diagnose", "; ".join(report.warnings) or "no input given")
    report.findings = [to_finding(m) for m in matches]
    if opts.config:
        apply_config(report, opts.config)
    found = collector.finish(report)
    report.status, report.notable_lines, report.next_steps = found.status, found.notable, found.next_steps
    report.verdict = verdict(report, found.stops_at)
    return report


def _others(report: Report) -> str:
    """What became of the sessions that did not establish: "; the other 1: an INVALID_KE ... round"."""
    why: dict[str, int] = {}
    for s in report.sessions:
        if s.outcome != "established":
            reason = s.not_established_because or s.outcome
            why[reason] = why.get(reason, 0) + 1
    if not why:
        return ""
    n = sum(why.values())
    return f"; the other{'s' if n > 1 else ''}: " + "; ".join(
        f"{k}" if c == 1 else f"{c} x {k}" for k, c in why.items())


def verdict(report: Report, stops_at: str | None = None) -> str:
    """The report's one line (``stops_at``: where an inconclusive log stops)."""
    if report.findings:
        top = report.findings[0]
        head = "FAILURE" if top.confidence >= POSSIBLE_BELOW else "POSSIBLE CAUSE"
        return f"{head}: {top.title} (confidence {top.confidence:.0%})"
    established = sum(1 for s in report.sessions if s.outcome == "established")
    errors = sum(n.count for n in report.notable_lines if n.severity == "error")
    if report.status == "unidentified-failure":
        return (f"UNIDENTIFIED FAILURE: the connection failed for a reason the catalog does not name; "
                f"{errors} error line(s) below say what the log shows")
    if report.status == "healthy":
        return (f"HEALTHY: {established} of {len(report.sessions)} IKE session(s) established"
                f"{_others(report)}; no known failure found")
    if report.status == "no-ike":
        return f"NO IKE: {stops_at or 'the logs contain no IKE exchange; nothing to diagnose'}"
    return f"INCONCLUSIVE: {stops_at or 'the log stops before any outcome'}"
