"""``ikedoctor batch``: many cases (tickets, bundles, rotated logs) in one run, with a summary."""

from __future__ import annotations

import io
import sys
from datetime import datetime
from enum import Enum
from typing import Optional

import typer

from ..events import Side
from . import EXIT_CODES_HELP, EXIT_FINDINGS, EXIT_INTERNAL, EXIT_OK, app
from .common import REDACT_KEY_OPTION, REDACT_OPTION, err, parse_focus, parse_tz, user_errors


class BatchFormat(str, Enum):
    text = "text"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    html = "html"


class Executor(str, Enum):
    serial = "serial"
    process = "process"
    dask = "dask"


def _when(value: Optional[str], name: str, end: bool = False) -> Optional[datetime]:
    if not value:
        return None
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{name}: use a date (2024-01-31) or date and time (2024-01-31T12:00)") from None
    if end and len(value) == 10:  # a bare date includes that whole day
        t = t.replace(hour=23, minute=59, second=59, microsecond=999999)
    return t.replace(tzinfo=None)


@app.command(help="Diagnose many cases at once: folders of tickets, archives, collect bundles and rotated "
                  "logs; prints counts per finding, client, gateway and week, and the worst cases. "
                  + EXIT_CODES_HELP)
def batch(
    paths: list[str] = typer.Argument(..., help="Folders, archives (tar, tar.gz, zip) and log files."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1, help="Parallel workers (default: CPUs)."),
    format: BatchFormat = typer.Option(BatchFormat.text, "--format", "-f", help="Output format."),
    output: Optional[str] = typer.Option(None, "--output", "-o", help="Write the output to this file (atomically)."),
    since: Optional[str] = typer.Option(None, "--since", help="Only findings/sessions from this date or time on."),
    until: Optional[str] = typer.Option(None, "--until", help="Only findings/sessions up to this date or time."),
    finding: Optional[list[str]] = typer.Option(None, "--finding", help="Only cases with this finding id (repeatable)."),
    executor: Executor = typer.Option(Executor.process, "--executor", help="Where cases run."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Dask scheduler address (with --executor dask)."),
    log_format: Optional[str] = typer.Option(None, "--log-format", help="Force the input format (e.g. charon)."),
    side: Optional[Side] = typer.Option(None, "--side", help="Force the side that wrote the logs."),
    year: Optional[int] = typer.Option(None, "--year", help="Year for logs whose timestamps have none."),
    tz: Optional[str] = typer.Option(None, "--tz", help="Time zone of logs without one (+0100, Europe/Zurich)."),
    peer: Optional[str] = typer.Option(None, "--peer", help="In every case, only this client address's "
                                       "sessions (and the daemon's own lines)."),
    client: Optional[str] = typer.Option(None, "--client", help="In every case, only this client identity's "
                                         "sessions (IKE or EAP identity, and the addresses it used)."),
    memory: Optional[int] = typer.Option(
        None, "--memory", min=1, help="MB the running cases may use together (default: 3/4 of the memory "
                                      "available); larger cases wait, one too big for it runs alone."),
    redact: bool = REDACT_OPTION,
    redact_key: Optional[str] = REDACT_KEY_OPTION,
    debug: bool = typer.Option(False, "--debug", help="Print tracebacks of internal errors."),
) -> None:
    focus = parse_focus(peer, client)  # checked once, here, as a usage error (exit 2), not in every worker
    with user_errors(debug):
        from ..batch.driver import BatchOptions, run_batch  # here, not at import: `--help` stays fast
        from ..batch.summary import Filters
        from ..redact import Redactor
        from ..report.output import write_atomic

        zone = parse_tz(tz)
        offset = zone.utcoffset(None) if zone is not None else None  # None for a named zone with DST
        opts = BatchOptions(
            format=format.value, jobs=jobs, executor=executor.value, scheduler=scheduler,
            filters=Filters(_when(since, "--since"), _when(until, "--until", end=True), set(finding or ())),
            log_format=log_format, side=side.value if side else None, year=year,
            tz_offset_s=int(offset.total_seconds()) if offset is not None else None,
            tz_name=tz if zone is not None and offset is None else None,
            redact_key=Redactor.from_passphrase(redact_key).key if (redact or redact_key) else None,
            memory=memory * 1024**2 if memory else None,
            focus_peer=focus.peer if focus else None, focus_client=focus.client if focus else None)
        if output:
            buf = io.StringIO()
            summary = run_batch(paths, buf, opts)
            write_atomic(output, buf.getvalue())
        else:
            summary = run_batch(paths, sys.stdout, opts)
        code = EXIT_FINDINGS if summary.with_findings else EXIT_OK
        if summary.internal_errors:
            err(f"{summary.internal_errors} case(s) hit an internal error; please report it "
                "(rerun one with `ikedoctor diagnose --debug CASE` for the traceback)")
            code = EXIT_INTERNAL
    raise typer.Exit(code)
