"""``ikedoctor catalog`` and ``ikedoctor explain ID``: the known failures, in words."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..catalog.describe import describe_pattern
from ..catalog.model import load_catalog
from ..report.safe_text import printable
from . import EXIT_INPUT, app
from .common import OutputFormat, err, user_errors


@app.command(help="List the catalog of known iOS/macOS <-> strongSwan failures.")
def catalog(format: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f")) -> None:
    with user_errors():
        pats = load_catalog()
        if format is OutputFormat.json:
            typer.echo(json.dumps([{"id": p.id, "title": p.title, "sides": p.sides,
                                    "evidence_status": p.evidence_status, "affects": p.affects} for p in pats],
                                  indent=2))
            return
        table = Table("id", "title", "seen from", "status", box=None)
        for p in pats:
            table.add_row(Text(p.id, style="bold"), Text(p.title), Text(", ".join(p.sides)), Text(p.evidence_status))
        Console().print(table)


@app.command(help="Explain one catalog entry in full: cause, evidence rules, fix, references.")
def explain(pattern_id: str = typer.Argument(..., metavar="ID"),
            format: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f")) -> None:
    with user_errors():
        pats = {p.id: p for p in load_catalog()}
        p = pats.get(pattern_id)
        if p is None:
            err(f"unknown catalog id {pattern_id!r}; `ikedoctor catalog` lists them")
            raise typer.Exit(EXIT_INPUT)
        text = describe_pattern(p)
        if format is OutputFormat.json:
            typer.echo(json.dumps(p.raw, indent=2, default=str))
        else:
            typer.echo(printable(text))
