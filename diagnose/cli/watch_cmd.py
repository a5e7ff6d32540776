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


@app.command(help="Watch the running charon's log and state events over its VICI socket and print one line per "
                  "failure finding as each session fails, naming the client (needs ikedoctor[live]; on the "
                  "gateway, as root or in the socket's group). Reconnects when charon restarts; Ctrl-C exits 0.")
def watch(
    socket: str = typer.Option("/var/run/charon.vici", "--socket", help="charon's VICI socket."),
    format: WatchFormat = typer.Option(WatchFormat.text, "--format", "-f",
                                       help="text: one line per finding; jsonl: one JSON object per line "
                                            "(the finding with time and client)."),
    settle: float = typer.Option(2.0, "--settle", min=0.1,
                                 help="Seconds of quiet log after which the sessions seen are judged "
                                      "(a session that goes down is judged at once)."),
    flush: float = typer.Option(10.0, "--flush", min=0.5,
                                help="Under steady traffic, judge at the latest every this many seconds "
                                     "(each judgement diagnoses the whole window: CPU against latency)."),
    exec_cmd: str = typer.Option(None, "--exec", metavar="CMD",
                                 help="Run CMD for each finding (split like a shell, run without one): the "
                                      "finding as JSON on stdin; IKEDOCTOR_FINDING_ID, IKEDOCTOR_CONFIDENCE, "
                                      "IKEDOCTOR_CLIENT, IKEDOCTOR_CLIENT_ADDRESS, IKEDOCTOR_CLIENT_ID, "
                                      "IKEDOCTOR_IKE_SA, IKEDOCTOR_TITLE in its environment. A failing or "
                                      "hanging CMD is reported on stderr and never stops watch."),
    exec_timeout: float = typer.Option(10.0, "--exec-timeout", min=0.1,
                                       help="Seconds CMD may run before it is killed."),
    debug: bool = typer.Option(False, "--debug", help="Print tracebacks of internal errors."),
) -> None:
    from ..config.vici_live import connect
    from ..watch import format_alert, watch as run_watch

    with user_errors(debug):
        hook = None
        if exec_cmd is not None:
            from ..watch_exec import Hook, parse_command

            hook = Hook(parse_command(exec_cmd), err, timeout=exec_timeout).start()

        def emit(a) -> None:
            line = json.dumps(a.to_dict(), ensure_ascii=False) if format is WatchFormat.jsonl else format_alert(a)
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
            if hook is not None:
                hook(a)

        try:
            run_watch(lambda: connect(socket), emit, err, settle=settle, flush=flush)
        except KeyboardInterrupt:
            err("stopped")
        finally:
            if hook is not None:
                hook.stop(wait=exec_timeout)
    raise typer.Exit(EXIT_OK)
