"""``ikedoctor check``: what will fail for which Apple clients, before any log exists."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from . import EXIT_CODES_HELP, EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, app
from .common import OutputFormat, emit, err, user_errors


def _ask_password(path: str) -> str | None:
    """Asked only for an encrypted PKCS#12 bundle, and only on a terminal."""
    if not sys.stdin.isatty():
        return None
    return typer.prompt(f"Password for {path}", hide_input=True, default="", show_default=False)


def _is_log(path: Path) -> bool:
    """A file one of the log parsers recognises (a common mix-up: the log given to ``check``)."""
    from ..errors import InputError
    from ..input.detect import choose_parser

    try:
        with open(path, "rb") as f:
            head = f.read(64 * 1024).decode("utf-8", "replace").splitlines()
        choose_parser(str(path), head)
    except (OSError, InputError):
        return False
    return True


#: = diagnose.config.check.DEFAULT_CLIENTS (tests/test_cli.py keeps them equal), here so that
#: listing the command does not load the configuration checker
DEFAULT_CLIENTS = ["ios-16", "macos-13"]


def _clients(value: str) -> list[str]:
    from ..config.proposals import parse_client

    ids = [c.strip() for c in value.split(",") if c.strip()]
    for c in ids:
        try:
            parse_client(c)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--clients") from None
    return ids


@app.command(help="Check a gateway configuration, its certificate and the Apple profile for what will "
                  "fail, per connection and client OS, with the lines to change. Advisory findings alone "
                  "exit 0. " + EXIT_CODES_HELP)
def check(
    server: list[Path] = typer.Option([], "--server", "-s", help="swanctl.conf, strongswan.conf or ipsec.conf (repeatable)."),
    live: bool = typer.Option(False, "--live", help="Check what the running charon has loaded, over its VICI "
                                                    "socket (needs ikedoctor[live]; on the gateway, as root or "
                                                    "in the socket's group)."),
    socket: str = typer.Option("/var/run/charon.vici", "--socket", help="charon's VICI socket, for --live."),
    cert: list[Path] = typer.Option([], "--cert", "-c", help="Gateway certificate: PEM, DER or PKCS#12 (repeatable)."),
    profile: list[Path] = typer.Option([], "--profile", "-p", help="Apple .mobileconfig, signed or not (repeatable)."),
    clients: str = typer.Option(",".join(DEFAULT_CLIENTS), "--clients", help="Apple client OS versions, e.g. ios-16,macos-13."),
    strongswan_version: Optional[str] = typer.Option(None, "--strongswan-version",
                                                     help="Gateway strongSwan version (defaults differ; default: 5.9)."),
    format: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f", help="Output format."),
    output: Optional[str] = typer.Option(None, "--output", "-o", help="Write the report to this file (atomically)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show all evidence lines."),
    debug: bool = typer.Option(False, "--debug", help="Print tracebacks of internal errors."),
) -> None:
    if live:
        if server or cert:
            err("--live reads the configuration from charon: give it without --server/--cert")
            raise typer.Exit(EXIT_INPUT)
        with user_errors(debug):
            from ..config.check import check_live, is_advisory
            from ..config.vici_live import connect

            report = check_live(connect(socket), f"vici:{socket}", _clients(clients), strongswan_version,
                                profile)
            emit(report, format, output, verbose)
            code = EXIT_FINDINGS if any(not is_advisory(f) for f in report.findings) else EXIT_OK
        raise typer.Exit(code)
    if not (server or cert or profile):
        err("nothing to check: give --server, --cert and/or --profile")
        raise typer.Exit(EXIT_INPUT)
    client_ids = _clients(clients)
    for path in [*server, *profile]:
        if _is_log(path):
            err(f"{path}: this is a log, not a configuration; use `ikedoctor diagnose {path}`")
            raise typer.Exit(EXIT_INPUT)
    with user_errors(debug):
        from ..config.check import check as run_check, is_advisory

        report = run_check(server, cert, profile, client_ids, strongswan_version, ask_password=_ask_password)
        emit(report, format, output, verbose)
        code = EXIT_FINDINGS if any(not is_advisory(f) for f in report.findings) else EXIT_OK
    raise typer.Exit(code)
