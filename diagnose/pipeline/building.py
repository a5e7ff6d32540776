"""Stage 4, session building: one input's events grouped into IKE sessions, then focused.

The grouping rules are in ``diagnose/sessions.py`` (``SessionBuilder``: by SA id, else by
thread job); the streaming path runs the same builder and records only where each event went.
``--peer`` / ``--client`` (``diagnose/focus.py``) then keep one client's sessions; either path
counts the ones it leaves out in the report's ``filter``.
"""

from __future__ import annotations

from ..events import Event, Side
from ..report.model import Report
from ..sessions import Session, build_sessions
from .gate import Gate
from .options import Options


def build_input(events: list[Event], path: str, side: Side, opts: Options, report: Report,
                gate: Gate | None = None) -> list[Session]:
    """The sessions of one parsed input that the diagnosis keeps (``gate``: the lines it let through)."""
    built = build_sessions(events, path, side, gate)
    if opts.focus is None:
        return built
    keep = focus_keeps(built, opts, gate)
    count_left_out(keep, report, gate.skipped if gate is not None else 0)
    return [s for s, k in zip(built, keep) if k]


def focus_keeps(sessions: list[Session], opts: Options, gate: Gate | None = None) -> list[bool]:
    """Per session (its events still there to read names from), whether ``Options.focus`` keeps it;
    behind a gate, not the few lines it let through of another client's IKE_SA."""
    if opts.focus is None:
        return [True] * len(sessions)
    keep = opts.focus.select(sessions)
    if gate is not None:
        keep = [k and not gate.unknown_sa(s.unique_id) for s, k in zip(sessions, keep)]
    return keep


def count_left_out(keep: list[bool], report: Report, skipped: int = 0) -> None:
    """Count the sessions a focus left out, and the lines its gate skipped, in the report's ``filter``."""
    if report.filter is not None:
        report.filter["sessions_left_out"] += keep.count(False)
        report.filter["lines_skipped"] += skipped
