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
from ..report.markdown import render_markdown
from ..report.model import Report
from ..report.output import write_atomic
from ..report.safe_text import printable
from ..report.terminal import render_terminal
from . import EXIT_FINDINGS, EXIT_INPUT, EXIT_INTERNAL, EXIT_OK


class OutputFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


def err(msg: str) -> None:
    sys.stderr.write("ikedoctor: " + printable(msg) + "\n")


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
            fd, path = tempfile.mkstemp(prefix="ikedoctor-traceback-", suffix=".txt")
            with os.fdopen(fd, "w") as f:
                traceback.print_exc(file=f)
            err(f"internal error; the traceback is in {path} (rerun with --debug to print it)")
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


def emit(report: Report, fmt: OutputFormat, output: str | None, verbose: bool = False) -> None:
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
    if output:
        write_atomic(output, text)
    else:
        sys.stdout.write(text)


def exit_for(report: Report) -> int:
    return EXIT_FINDINGS if report.findings else EXIT_OK


def now() -> datetime:
    return datetime.now(timezone.utc)


__all__ = ["EXIT_INPUT", "OutputFormat", "emit", "exit_for", "parse_tz", "user_errors", "err"]
