"""What every sub-command shares: error handling, output choice and writing."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import traceback
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone, tzinfo
from enum import Enum
from typing import Iterator

import typer
from rich.console import Console

from ..errors import IkedoctorError
from ..focus import Focus
from ..report.markdown import render_markdown
from ..report.model import Report
from ..report.output import write_atomic
from ..report.safe_text import printable
from ..report.terminal import render_terminal
from . import EXIT_FINDINGS, EXIT_INPUT, EXIT_INTERNAL, EXIT_OK


#: --redact / --redact-key, the same in every command that prints or writes log text
REDACT_OPTION = typer.Option(False, "--redact", help="Replace user names, identities, certificate subjects, "
                             "host names and public addresses by consistent pseudonyms (keys, passwords and "
                             "PSKs are removed in every mode).")
REDACT_KEY_OPTION = typer.Option(None, "--redact-key", help="Passphrase for --redact: the same passphrase gives "
                                 "the same pseudonyms in another run.")


class OutputFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


def err(msg: str) -> None:
    """One line on stderr, whatever the message holds (file names can contain newlines and escapes)."""
    sys.stderr.write("ikedoctor: " + printable(msg, one_line=True) + "\n")
    sys.stderr.flush()


def _click_errors() -> tuple[tuple[type, ...], tuple[type, ...]]:
    """(usage errors, other click errors) of whichever click typer runs on (it may vendor its own)."""
    import importlib

    usage: list[type] = []
    other: list[type] = []
    for mod in ("typer._click.exceptions", "click.exceptions"):
        try:
            m = importlib.import_module(mod)
        except ImportError:
            continue
        usage += [getattr(m, "UsageError")] if hasattr(m, "UsageError") else []
        other += [getattr(m, n) for n in ("ClickException", "Abort") if hasattr(m, n)]
    return tuple(usage), tuple(other)


def run_app(app: typer.Typer) -> None:
    """Run the CLI with usage errors as one line and exit 2 (click prints three lines by default)."""
    usage, other = _click_errors()
    try:
        rc = app(standalone_mode=False)
    except usage as exc:  # type: ignore[misc]
        if type(exc).__name__ == "NoArgsIsHelpError":  # bare `ikedoctor`: the help text is the answer
            sys.stderr.write(exc.format_message() + "\n")  # type: ignore[attr-defined]
            sys.exit(EXIT_INPUT)
        ctx = getattr(exc, "ctx", None)
        where = ctx.command_path if ctx is not None else "ikedoctor"
        err(f"{where}: {exc.format_message()} (see `{where} --help`)")  # type: ignore[attr-defined]
        sys.exit(EXIT_INPUT)
    except other as exc:  # type: ignore[misc]
        if hasattr(exc, "format_message"):
            err(exc.format_message())
            sys.exit(getattr(exc, "exit_code", EXIT_INPUT))
        err("interrupted")
        sys.exit(130)
    except KeyboardInterrupt:
        err("interrupted")
        sys.exit(130)
    sys.exit(rc if isinstance(rc, int) else EXIT_OK)


@contextmanager
def user_errors(debug: bool = False) -> Iterator[None]:
    """One line and exit 2 for user errors; a short note and exit 3 for bugs."""
    try:
        yield
    except typer.Exit:
        raise
    except IkedoctorError as exc:
        err(str(exc))
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        err("interrupted")
        raise typer.Exit(130) from None
    except Exception:  # noqa: BLE001 - the last line of defence
        if debug:
            traceback.print_exc()
        else:
            kind = type(sys.exc_info()[1]).__name__
            try:
                fd, path = tempfile.mkstemp(prefix="ikedoctor-traceback-", suffix=".txt")
                with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as f:
                    traceback.print_exc(file=f)
                where = f"the traceback is in {path}"
            except OSError:
                where = "the traceback could not be written"
            err(f"internal error ({kind}); {where}; please report it (rerun with --debug to print it)")
        raise typer.Exit(EXIT_INTERNAL) from None


def parse_tz(value: str | None) -> tzinfo | None:
    """``--tz``: an offset (+0200, -05:00, UTC) or an IANA name (Europe/Zurich)."""
    if not value:
        return None
    if value.upper() in ("UTC", "Z", "GMT"):
        return timezone.utc
    if value[0] in "+-":
        digits = value[1:].replace(":", "")
        if digits.isdigit() and len(digits) in (2, 4):
            sign = -1 if value[0] == "-" else 1
            return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0)))
    from dateutil import tz as dtz
    zone = dtz.gettz(value)
    if zone is None:
        raise typer.BadParameter(f"unknown time zone {value!r}; use an offset such as +0100 or a name such as Europe/Zurich")
    return zone


def parse_focus(peer: str | None, client: str | None) -> Focus | None:
    """``--peer`` / ``--client``: one client of a busy gateway log (``diagnose.focus``)."""
    if peer is None and client is None:
        return None
    try:
        return Focus(peer=peer, client=client)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def emit(report: Report, fmt: OutputFormat, output: str | None, verbose: bool = False) -> None:
    """Render and write a report.  Secrets (key dumps, passwords, PSKs) are masked in every mode."""
    from ..redact import scrub_report

    report = scrub_report(report)
    if fmt is OutputFormat.json:
        text = json.dumps(report.to_dict(), indent=2, ensure_ascii=False, default=str) + "\n"
    elif fmt is OutputFormat.markdown:
        text = render_markdown(report)
    else:
        if output:
            console = Console(record=True, width=120, force_terminal=False, color_system=None)
            render_terminal(report, console, verbose)
            text = console.export_text()
        else:
            render_terminal(report, Console(highlight=False, soft_wrap=False), verbose)
            return
    # lone surrogates (from JSON escapes in a log) cannot be encoded strictly; backslashreplace
    # writes them as \udXXX, which inside a JSON string is the exact JSON escape again
    data = text.encode("utf-8", "backslashreplace")
    if output:
        write_atomic(output, data)
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()


def exit_for(report: Report) -> int:
    return EXIT_FINDINGS if report.failed else EXIT_OK


def now() -> datetime:
    return datetime.now(timezone.utc)


__all__ = ["EXIT_INPUT", "OutputFormat", "emit", "exit_for", "parse_tz", "user_errors", "err"]
