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
from .options import Options


def build_input(events: list[Event], path: str, side: Side, opts: Options, report: Report) -> list[Session]:
    """The sessions of one parsed input that the diagnosis keeps."""
    built = build_sessions(events, path, side)
    if opts.focus is None:
        return built
    keep = focus_keeps(built, opts)
    count_left_out(keep, report)
    return [s for s, k in zip(built, keep) if k]


def focus_keeps(sessions: list[Session], opts: Options) -> list[bool]:
    """Per session (its events still there to read names from), whether ``Options.focus`` keeps it."""
    return opts.focus.select(sessions) if opts.focus is not None else [True] * len(sessions)


def count_left_out(keep: list[bool], report: Report) -> None:
    """Count the sessions a focus left out in the report's ``filter``."""
    if report.filter is not None:
        report.filter["sessions_left_out"] += keep.count(False)
