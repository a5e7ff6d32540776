"""``ikedoctor diagnose``: logs in, root causes out."""

from __future__ import annotations

import sys
from typing import Optional

import typer

from pathlib import Path

from ..events import Side
from . import EXIT_CODES_HELP, app
from .common import (REDACT_KEY_OPTION, REDACT_OPTION, ReportFormat, emit, err, exit_for, parse_focus, parse_tz,
                     user_errors)


@app.command(help="Diagnose IKE failures from charon, macOS/iOS and racoon logs (files, folders, "
                  "archives, collect bundles, or - for stdin). " + EXIT_CODES_HELP)
def diagnose(
    paths: list[str] = typer.Argument(..., help="Log files, folders, archives or bundles; - reads stdin."),
    format: ReportFormat = typer.Option(ReportFormat.text, "--format", "-f", help="Output format."),
    output: Optional[str] = typer.Option(None, "--output", "-o", help="Write the report to this file (atomically)."),
    log_format: Optional[str] = typer.Option(None, "--log-format", help="Force the input format (e.g. charon)."),
    side: Optional[Side] = typer.Option(None, "--side", help="Force the side that wrote the logs."),
    year: Optional[int] = typer.Option(None, "--year", help="Year for logs whose timestamps have none."),
    tz: Optional[str] = typer.Option(None, "--tz", help="Time zone of logs without one (+0100, Europe/Zurich)."),
    config: list[str] = typer.Option([], "--config", help="Gateway swanctl.conf or ipsec.conf: confirms or rules out causes."),
    cert: list[str] = typer.Option([], "--cert", help="Server certificate (PEM/DER/PKCS#12) to check against the findings."),
    profile: list[str] = typer.Option([], "--profile", help="Apple .mobileconfig profile of the client."),
    live_config: bool = typer.Option(False, "--live-config", help="On the gateway: the configuration the running "
                                     "charon has loaded, read over its VICI socket, confirms or rules out causes "
                                     "(instead of --config; needs ikedoctor[live], root or the socket's group)."),
    socket: str = typer.Option("/var/run/charon.vici", "--socket", help="charon's VICI socket, for --live-config."),
    clients: Optional[str] = typer.Option(None, "--clients", help="Client OS versions, e.g. ios-16,macos-13."),
    peer: Optional[str] = typer.Option(None, "--peer", help="Only this client address's sessions (and the "
                                       "daemon's own lines): one user in a busy gateway log."),
    client: Optional[str] = typer.Option(None, "--client", help="Only this client identity's sessions (IKE or "
                                         "EAP identity, and the addresses it used)."),
    exit_zero: bool = typer.Option(False, "--exit-zero", help="Exit 0 even when failures are found "
                                   "(usage and input errors still exit 2)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show all evidence lines."),
    debug: bool = typer.Option(False, "--debug", help="Print tracebacks of internal errors."),
    redact: bool = REDACT_OPTION,
    redact_key: Optional[str] = REDACT_KEY_OPTION,
) -> None:
    if "-" in paths and sys.stdin.isatty():  # nothing piped in: the user is to paste
        err("paste the log, then press Ctrl-D on a line of its own")
    focus = parse_focus(peer, client)  # a usage error (exit 2), before user_errors would call it internal
    with user_errors(debug):
        from ..api import Options, diagnose_paths  # here, not at import: `ikedoctor --help` stays fast
        from ..confirm import ConfigInputs
        from ..redact import Redactor

        live = None
        if live_config:
            if config:
                raise typer.BadParameter("--config and --live-config both give the gateway's configuration: "
                                         "use one", param_hint="--live-config")
            from ..config.vici_live import connect, read_answers
            live = read_answers(connect(socket), f"vici:{socket}")  # before the logs: exit 2 at once without it
        cfg = ConfigInputs(server=[Path(c) for c in config], certs=[Path(c) for c in cert],
                           profiles=[Path(p) for p in profile],
                           clients=[c.strip() for c in clients.split(",")] if clients else None, live=live)
        opts = Options(log_format=log_format, side=side, year=year, tz=parse_tz(tz), config=cfg, focus=focus)
        sessions: list = []
        html = format is ReportFormat.html
        report = diagnose_paths(paths, opts, sessions_out=sessions if html else None)
        extras = None
        if html:  # the page's renderer (and Jinja2) only when a page is asked for
            from ..report.html import prepare, redact_with
            extras = prepare(report, sessions)  # ladders need the unredacted sessions
        if redact or redact_key:
            redactor = Redactor.from_passphrase(redact_key)
            if extras is not None:
                report, extras = redact_with(report, extras, redactor)
            else:
                from ..redact import redact_report
                report = redact_report(report, redactor)
        emit(report, format, output, verbose, extras)
        code = 0 if exit_zero else exit_for(report)
    raise typer.Exit(code)
