"""``ikedoctor timeline``: one paired session, server and client side by side on one clock."""

from __future__ import annotations

import json
import os
import re
import sys
from datetime import datetime
from typing import Optional

from typing import TYPE_CHECKING

import typer

from ..errors import IkedoctorError
from . import app
if TYPE_CHECKING:
    from ..sessions import Session
from .common import REDACT_KEY_OPTION, REDACT_OPTION, ReportFormat, parse_tz, user_errors

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?\s*$")


class UsageError(IkedoctorError):
    """A timeline option names something the logs do not have."""


def parse_window(text: str) -> float:
    """``60s``, ``5m``, ``1h``, ``500ms`` or bare seconds."""
    m = _DURATION.match(text)
    if not m:
        raise UsageError(f"--window {text!r} is not a duration; use e.g. 60s, 5m or 1h")
    unit = {"ms": 0.001, "s": 1, None: 1, "m": 60, "min": 60, "h": 3600}[m[2]]
    return float(m[1]) * unit


def parse_around(text: str, sessions: list[Session]) -> datetime:
    """An ISO timestamp, or a time of day (HH:MM[:SS]) on the day of the first session."""
    try:
        return datetime.fromisoformat(text.strip().replace(" ", "T", 1) if len(text.strip()) > 8 else text.strip())
    except ValueError:
        pass
    m = re.match(r"^\s*(\d{1,2}):(\d\d)(?::(\d\d)(?:\.(\d{1,6}))?)?\s*$", text)
    day = next((s.start for s in sessions if s.start is not None), None)
    if not m or day is None:
        raise UsageError(f"--around {text!r}: give an ISO time (2026-11-28T05:19:14) or HH:MM:SS")
    return day.replace(hour=int(m[1]), minute=int(m[2]), second=int(m[3] or 0),
                       microsecond=int((m[4] or "0").ljust(6, "0")))


def _resolve(sessions: list[Session], wanted: str) -> str:
    ids = [s.id for s in sessions]
    if wanted in ids:
        return wanted
    hits = [i for i in ids if i.endswith(wanted) or i.rsplit("/", 1)[-1] == wanted]
    if len(hits) == 1:
        return hits[0]
    known = ", ".join(i.rsplit("/", 1)[-1] for i in ids[:12])
    problem = "matches several sessions" if hits else "is not a session in these logs"
    raise UsageError(f"--session {wanted!r} {problem} (sessions: {known})")


@app.command(help="Show one session's server and client logs side by side on one clock: IKE exchanges as "
                  "arrows with their payloads, the failing step highlighted, the clock offset applied.")
def timeline(
    paths: list[str] = typer.Argument(..., help="Log files, folders, archives or bundles of both sides."),
    session: Optional[str] = typer.Option(None, "--session", help="Session id (or its tail, e.g. server.log#1.2)."),
    around: Optional[str] = typer.Option(None, "--around", help="Only rows near this time (server clock)."),
    window_: str = typer.Option("60s", "--window", help="Half-width of the --around window (60s, 5m)."),
    format: ReportFormat = typer.Option(ReportFormat.text, "--format", "-f", help="text, json, markdown or html."),
    output: Optional[str] = typer.Option(None, "--output", "-o", help="Write to this file (atomically)."),
    year: Optional[int] = typer.Option(None, "--year", help="Year for logs whose timestamps have none."),
    tz: Optional[str] = typer.Option(None, "--tz", help="Time zone of logs without one (+0100, Europe/Zurich)."),
    redact: bool = REDACT_OPTION,
    redact_key: Optional[str] = REDACT_KEY_OPTION,
    debug: bool = typer.Option(False, "--debug", help="Print tracebacks of internal errors."),
) -> None:
    zone = parse_tz(tz)  # outside user_errors: a bad --tz is a usage error (exit 2), not a bug
    with user_errors(debug):
        from rich.console import Console

        from ..api import Options, diagnose_paths  # here, not at import: `ikedoctor --help` stays fast
        from ..redact import Redactor, redact_object
        from ..report.html import timeline_page
        from ..report.output import write_atomic
        from ..timeline import build, default_session, render_plain, render_text, to_dict, window

        seconds = parse_window(window_)
        sessions: list[Session] = []
        report = diagnose_paths(paths, Options(year=year, tz=zone), sessions_out=sessions)
        if not sessions:
            raise UsageError("no IKE session in these logs; nothing to show")
        at = parse_around(around, sessions) if around else None
        sid = _resolve(sessions, session) if session else default_session(sessions, report.findings, at)
        tl = build(sessions, sid, report.findings)  # type: ignore[arg-type]
        if at is not None:
            tl = window(tl, at, seconds)
        tl.notes[:0] = report.warnings
        redactor = Redactor.from_passphrase(redact_key) if (redact or redact_key) else None
        page = timeline_page(tl, sessions, redactor) if format is ReportFormat.html else None
        if redactor is not None:
            tl = redact_object(tl, redactor)
        if page is not None:
            text = page
        elif format is ReportFormat.json:
            text = json.dumps(to_dict(tl), indent=2, ensure_ascii=False) + "\n"
        elif output or format is ReportFormat.markdown:
            text = render_plain(tl)
            if format is ReportFormat.markdown:
                text = "```text\n" + text + "```\n"
        else:
            console = Console(highlight=False, soft_wrap=False)  # a terminal's width, or $COLUMNS
            if not console.is_terminal and not os.environ.get("COLUMNS", "").isdigit():
                console = Console(highlight=False, soft_wrap=False, width=160)
            render_text(tl, console)
            text = None
        if text is not None:
            if output:
                write_atomic(output, text)
            else:
                sys.stdout.write(text)
    raise typer.Exit(0)


__all__ = ["timeline", "parse_window", "parse_around"]
