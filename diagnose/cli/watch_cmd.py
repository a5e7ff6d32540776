"""``ikedoctor watch``: findings from the running charon's log, as its sessions fail."""

from __future__ import annotations

import json
import sys
from enum import Enum

import typer

from . import EXIT_OK, app
from .common import err, user_errors


class WatchFormat(str, Enum):
    text = "text"
    jsonl = "jsonl"


@app.command(help="Watch the running charon's log over its VICI socket and print one line per failure "
                  "finding as each session fails (needs ikedoctor[live]; on the gateway, as root or in the "
                  "socket's group). Reconnects when charon restarts; Ctrl-C exits 0.")
def watch(
    socket: str = typer.Option("/var/run/charon.vici", "--socket", help="charon's VICI socket."),
    format: WatchFormat = typer.Option(WatchFormat.text, "--format", "-f",
                                       help="text: one line per finding; jsonl: one JSON finding per line."),
    settle: float = typer.Option(2.0, "--settle", min=0.1,
                                 help="Seconds of quiet log after which the sessions seen are judged."),
    debug: bool = typer.Option(False, "--debug", help="Print tracebacks of internal errors."),
) -> None:
    from ..config.vici_live import connect
    from ..watch import format_finding, watch as run_watch

    def emit(f) -> None:
        line = json.dumps(f.to_dict(), ensure_ascii=False) if format is WatchFormat.jsonl else format_finding(f)
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    with user_errors(debug):
        try:
            run_watch(lambda: connect(socket), emit, err, settle=settle)
        except KeyboardInterrupt:
            err("stopped")
    raise typer.Exit(EXIT_OK)
