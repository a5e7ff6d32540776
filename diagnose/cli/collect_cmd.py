"""``ikedoctor collect``: gather the Mac (or, with ``--server``, the strongSwan) side into one bundle.

Exit codes: 0 bundle written, 2 usage error or not a Mac, 3 internal error.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import Optional

import typer

from . import EXIT_INPUT, EXIT_INTERNAL, EXIT_OK, app
from .common import REDACT_KEY_OPTION, REDACT_OPTION


@app.command(help="Collect client logs (macOS: unified log, racoon.log, VPN status and profile, secrets removed) "
                  "or, with --server, charon logs, swanctl status and swanctl.conf into one .tar.gz bundle for "
                  "`ikedoctor diagnose`. Exit codes: 0 = bundle written, 2 = usage error or not a Mac, "
                  "3 = internal error.")
def collect(
    server: bool = typer.Option(False, "--server", help="Collect the strongSwan server side instead."),
    last: str = typer.Option("2h", "--last", help="Time window ending now: 30m, 2h, 1d."),
    start: Optional[str] = typer.Option(None, "--start", help="Window start: 'YYYY-MM-DD HH:MM:SS[+zzzz]'."),
    end: Optional[str] = typer.Option(None, "--end", help="Window end (with --start)."),
    out: Path = typer.Option(Path("."), "--out", help="Directory for the bundle."),
    log_file: Optional[Path] = typer.Option(None, "--log-file", help="--server: read charon's log from this file "
                                                                       "instead of the journal."),
    debug: bool = typer.Option(False, "--debug", help="Print tracebacks of internal errors."),
    redact: bool = REDACT_OPTION,
    redact_key: Optional[str] = REDACT_KEY_OPTION,
) -> None:
    from ..collect import CollectError, NotAMacError, collect_client, collect_server
    from ..redact import Redactor, redact_bundle

    try:
        if server:
            path = collect_server(out, last=last, start=start, end=end, log_file=log_file)
        else:
            if log_file is not None:
                raise CollectError("--log-file is for --server (charon's log); the Mac side reads the unified log")
            path = collect_client(out, last=last, start=start, end=end)
        # key dumps and passwords in collected logs are removed in every mode; --redact adds pseudonyms
        path = redact_bundle(path, Redactor.from_passphrase(redact_key) if redact or redact_key else None)
    except NotAMacError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(EXIT_INPUT)
    except CollectError as exc:
        typer.echo(f"ikedoctor collect: {exc}", err=True)
        raise typer.Exit(EXIT_INPUT)
    except Exception:  # noqa: BLE001 - an internal error must still exit 3 with a message
        typer.echo("ikedoctor collect: internal error" + ("" if debug else " (use --debug for the traceback)"),
                   err=True)
        if debug:
            traceback.print_exc(file=sys.stderr)
        raise typer.Exit(EXIT_INTERNAL)
    typer.echo(str(path))
    _summary(path, server)
    raise typer.Exit(EXIT_OK)


def _summary(path: Path, server: bool) -> None:
    """What was refused or missing, and the next command."""
    from ..collect import read_manifest

    try:
        steps = read_manifest(path).get("steps", [])
    except Exception:  # noqa: BLE001 - the summary is a courtesy
        steps = []
    for step in steps:
        if step.get("status") not in ("ok", "skipped"):
            note = step.get("note") or step.get("stderr_head", "").strip().splitlines()[:1]
            typer.echo(f"  note: {step.get('step')}: {step.get('status')}"
                       + (f" ({note if isinstance(note, str) else ' '.join(note)})" if note else ""), err=True)
    other = "client.tar.gz (from `ikedoctor collect` on the Mac)" if server else "server.log"
    typer.echo(f"next: ikedoctor diagnose {path} {other}")
