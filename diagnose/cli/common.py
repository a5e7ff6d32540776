"""What every sub-command shares: error handling, output choice and writing."""

from __future__ import annotations

import io
import json
import os
import sys
import tempfile
import traceback
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone, tzinfo
from enum import Enum
from typing import Iterator

from typing import TYPE_CHECKING

import typer

from ..errors import IkedoctorError
from ..focus import Focus
from ..report.safe_text import printable
from . import EXIT_FINDINGS, EXIT_INPUT, EXIT_INTERNAL, EXIT_OK

if TYPE_CHECKING:  # the renderers (rich, the report model) load when a report is written, not for --help
    from ..report.model import Report


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


class ReportFormat(str, Enum):
    """``diagnose`` and ``timeline``: the formats of ``OutputFormat`` and the HTML page."""

    text = "text"
    json = "json"
    markdown = "markdown"
    html = "html"


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


def _plain_metavars(cmd: object) -> None:
    """Help shows ``--config CONFIG`` and ``PATHS...``, not typer's type names (``<list[str]>``).

    Choices keep their ``<text|json|markdown>`` list: that is what the user may type."""
    for p in getattr(cmd, "params", []):
        # typer may run on click or on its own vendored copy: read what both have
        choice = type(getattr(p, "type", None)).__name__ == "Choice" or \
            getattr(getattr(p, "type_descriptor", None), "is_choice", False)
        if choice or getattr(p, "is_flag", False) or getattr(p, "count", False):
            continue
        p.metavar = p.metavar or (p.name or "value").upper()
        if getattr(p, "param_type_name", "") == "argument":
            p.display_type_rich = lambda ctx: None  # type: ignore[method-assign]  # the name says it
    for sub in getattr(cmd, "commands", {}).values():
        _plain_metavars(sub)


def run_app(app: typer.Typer) -> None:
    """Run the CLI with usage errors as one line and exit 2 (click prints three lines by default)."""
    usage, other = _click_errors()
    try:
        cmd = typer.main.get_command(app)
        _plain_metavars(cmd)
        rc = cmd.main(prog_name="ikedoctor", standalone_mode=False)
    except usage as exc:  # type: ignore[misc]
        if type(exc).__name__ == "NoArgsIsHelpError":  # bare `ikedoctor`: the help text is the answer
            sys.stderr.write(exc.format_message() + "\n")  # type: ignore[attr-defined]
            sys.exit(EXIT_INPUT)
        ctx = getattr(exc, "ctx", None)
        path = ctx.command_path if ctx is not None else "ikedoctor"
        sub = path.split(" ", 1)[1] + ": " if " " in path else ""  # err() already says "ikedoctor: "
        err(f"{sub}{exc.format_message()} (see `{path} --help`)")  # type: ignore[attr-defined]
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
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        usage, other = _click_errors()
        if isinstance(exc, usage + other):  # a bad option value (typer.BadParameter): run_app says so, exit 2
            raise
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


def emit(report: Report, fmt: OutputFormat | ReportFormat, output: str | None, verbose: bool = False,
         extras=None) -> None:
    """Render and write a report.  Secrets (key dumps, passwords, PSKs) are masked in every mode.

    ``extras``: the HTML page's ladders and evidence context (``diagnose.report.html.prepare``)."""
    from rich.console import Console

    from ..redact import scrub_report
    from ..report.markdown import render_markdown
    from ..report.output import write_atomic
    from ..report.terminal import render_terminal

    report = scrub_report(report)
    if fmt.value == "json":
        text = json.dumps(report.to_dict(), indent=2, ensure_ascii=False, default=str) + "\n"
    elif fmt.value == "markdown":
        text = render_markdown(report)
    elif fmt.value == "html":
        from ..report.html import render_html
        text = render_html(report, extras)
    else:
        if output:
            # recorded only: -o prints nothing but errors
            console = Console(file=io.StringIO(), record=True, width=120, force_terminal=False, color_system=None)
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


__all__ = ["EXIT_INPUT", "OutputFormat", "ReportFormat", "emit", "exit_for", "parse_tz", "user_errors", "err"]
