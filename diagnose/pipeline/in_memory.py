"""The in-memory composition: every stage once, holding all events until the report is built.

    open + parse each input  →  settle times across inputs  →  build sessions per input
    →  judge all sessions  →  (the caller assembles the report)

Used for inputs below ``Options.stream_above``, for logs of both sides (pairing reads whole
sessions of both) and whenever the caller wants the sessions' events (``timeline``).
"""

from __future__ import annotations

from ..catalog.engine import Match
from ..catalog.model import Pattern
from ..input.sources import Source
from ..report.model import Report, SessionSummary
from ..sessions import Session
from .assembling import session_summary
from .building import build_input
from .judging import judge_sessions
from .options import Options
from .parsing import ParsedInput, parse_source_tolerant
from .settling import settle_parsed


def diagnose_in_memory(sources: list[Source], opts: Options, catalog: list[Pattern], report: Report,
                       sessions_out: list[Session]) -> tuple[list[Match], list[SessionSummary]]:
    """The merged matches and session summaries; fills ``report.inputs`` and ``report.warnings``
    and hands every kept session (with its events) to ``sessions_out``."""
    parsed_all: list[tuple[Source, ParsedInput]] = []
    for src in sources:
        parsed = parse_source_tolerant(src, opts, report)
        if parsed is None:
            continue
        report.inputs.append(parsed.summary)
        parsed_all.append((src, parsed))
    report.warnings.extend(settle_parsed(parsed_all, opts))
    sessions: list[Session] = []
    for src, parsed in parsed_all:
        sessions.extend(build_input(parsed.events, src.name, parsed.side, opts, report, parsed.gate))
    sessions_out.extend(sessions)
    if not report.inputs:
        return [], []
    return judge_sessions(catalog, sessions), [session_summary(s) for s in sessions]
