"""``ikedoctor catalog`` and ``ikedoctor explain ID``: the known failures, in words."""

from __future__ import annotations

import difflib
import json

from typing import TYPE_CHECKING

import typer

from . import EXIT_INPUT, app
from .common import OutputFormat, err, user_errors

if TYPE_CHECKING:
    from ..catalog.model import Pattern


@app.command(help="List the catalog of known iOS/macOS <-> strongSwan failures.")
def catalog(format: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f", help="Output format.")) -> None:
    with user_errors():
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        from ..catalog.model import load_catalog
        from ..report.safe_text import md_cell, md_code

        pats = load_catalog()
        if format is OutputFormat.json:
            typer.echo(json.dumps([{"id": p.id, "title": p.title, "sides": p.sides,
                                    "evidence_status": p.evidence_status, "affects": p.affects} for p in pats],
                                  indent=2))
            return
        if format is OutputFormat.markdown:
            rows = [f"| {md_code(p.id)} | {md_cell(p.title)} | {md_cell(', '.join(p.sides))} | "
                    f"{md_cell(p.evidence_status)} |" for p in pats]
            typer.echo("\n".join(["| id | title | seen from | status |", "|---|---|---|---|", *rows]))
            return
        console = Console()
        id_width = max((len(p.id) for p in pats), default=2)
        if console.width < id_width + 50:  # too narrow for a table: one entry per line, the id whole
            for p in pats:
                console.print(Text(p.id, style="bold"), soft_wrap=True)
                console.print(Text(f"  {p.title} ({', '.join(p.sides)}; {p.evidence_status})"))
            return
        table = Table("id", "title", "seen from", "status", box=None)
        for col in (0, 2, 3):  # an id is typed back into `explain`: never cut or folded
            table.columns[col].no_wrap = True
        table.columns[1].overflow = "fold"
        for p in pats:
            table.add_row(Text(p.id, style="bold"), Text(p.title), Text(", ".join(p.sides)), Text(p.evidence_status))
        console.print(table)


def find_pattern(pattern_id: str, pats: "list[Pattern]") -> "Pattern | None":
    """The entry whatever the case and surrounding blanks (`NO-CERTREQ`, `no_certreq `)."""
    want = pattern_id.strip().lower().replace("_", "-")
    return next((p for p in pats if p.id.lower() == want), None)


@app.command(help="Explain one catalog entry in full: cause, evidence rules, fix, references.")
def explain(pattern_id: str = typer.Argument(..., metavar="ID"),
            format: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f", help="Output format.")) -> None:
    with user_errors():
        from ..catalog.describe import describe_markdown, describe_pattern
        from ..catalog.model import load_catalog
        from ..report.safe_text import printable

        pats = load_catalog()
        p = find_pattern(pattern_id, pats)
        if p is None:
            close = difflib.get_close_matches(pattern_id.strip().lower(), [q.id for q in pats], n=1, cutoff=0.5)
            hint = f"did you mean `{close[0]}`? " if close else ""
            err(f"unknown catalog id {pattern_id!r}; {hint}`ikedoctor catalog` lists them")
            raise typer.Exit(EXIT_INPUT)
        if format is OutputFormat.json:
            typer.echo(json.dumps(p.raw, indent=2, default=str))
        elif format is OutputFormat.markdown:
            typer.echo(describe_markdown(p))
        else:
            typer.echo(printable(describe_pattern(p)))
