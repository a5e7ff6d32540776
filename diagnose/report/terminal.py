"""The human report: verdict first, then ranked findings with proof and fix."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from .model import Finding, Report
from .safe_text import printable

_LEXERS = {"swanctl": "ini", "ipsec.conf": "ini", "strongswan.conf": "ini", "shell": "bash", "sh": "bash",
           "plist": "xml", "xml": "xml", "text": "text"}


def _t(text: str, style: str = "") -> Text:
    return Text(printable(text), style=style)


def render_terminal(report: Report, console: Console, verbose: bool = False) -> None:
    color = "red" if report.findings else ("green" if report.verdict.startswith("HEALTHY") else "yellow")
    console.print(_t(report.verdict, f"bold {color}"))
    console.print(_t(f"status: {report.status}", "dim"))
    for w in report.warnings:
        console.print(_t(f"warning: {w}", "yellow"))
    inputs = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for col in ("input", "format", "side", "lines", "events", "unparsed"):
        inputs.add_column(col, overflow="fold")
    for i in report.inputs:
        inputs.add_row(_t(i.path), _t(i.format), _t(i.side), str(i.lines), str(i.events), str(i.unparsed))
    console.print(inputs)
    for i in report.inputs:
        for e in i.errors:
            console.print(_t(f"  {i.path}: {e}", "yellow"))
    if not report.findings:
        established = [s for s in report.sessions if s.outcome == "established"]
        console.print(_t(f"{len(report.sessions)} session(s), {len(established)} established."))
    for rank, f in enumerate(report.findings, 1):
        console.print(_finding_panel(rank, f, verbose))
    _notable_block(report, console)
    _next_steps_block(report, console)


def _notable_block(report: Report, console: Console) -> None:
    """Error and warning lines no finding cites, with their meaning: never an empty answer."""
    if not report.notable_lines:
        return
    console.print(Text("Lines no finding explains:", style="bold"))
    for n in report.notable_lines:
        line = Text(" ! " if n.severity == "error" else " ? ", style="red" if n.severity == "error" else "yellow")
        line.append(printable(f"{n.path}:{n.line}"), style="cyan")
        line.append("  ")
        line.append(printable(n.text.strip()[:300]))
        if n.count > 1:
            line.append(f"  (and {n.count - 1} more like it)", style="dim")
        console.print(line)
        console.print(_t(f"     {n.meaning}"))
        if n.look_at:
            console.print(_t(f"     look at: {'; '.join(n.look_at)}", "dim"))


def _next_steps_block(report: Report, console: Console) -> None:
    if not report.next_steps:
        return
    console.print(Text("Next steps:", style="bold"))
    for i, step in enumerate(report.next_steps, 1):
        console.print(_t(f" {i}. {step}"))


def _finding_panel(rank: int, f: Finding, verbose: bool) -> Panel:
    parts: list = []
    head = Text()
    head.append(f"{f.id}", style="bold")
    head.append(f"  confidence {f.confidence:.0%}  seen from {f.side}")
    if f.evidence_status == "unverified":
        head.append("  [unverified pattern]", style="yellow")
    parts.append(head)
    parts.append(_t(f.root_cause))
    if f.evidence:
        parts.append(Text("Evidence:", style="bold"))
        for ev in f.evidence[: None if verbose else 8]:
            mark = {"contradicting": "✗", "supporting": "+", "config": "⚙"}.get(ev.role, "•")
            line = Text(f" {mark} ")
            line.append(printable(f"{ev.path}:{ev.line}"), style="cyan")
            line.append("  ")
            line.append(printable(ev.text.strip()[:300]))
            parts.append(line)
    for note in f.notes:
        parts.append(_t(f"note: {note}", "dim"))
    parts.append(Text("Fix:", style="bold"))
    parts.append(_t(f.fix))
    for snip in f.fix_snippets:
        if snip.get("title"):
            parts.append(_t(snip["title"], "italic"))
        parts.append(Syntax(printable(snip["text"].rstrip()), _LEXERS.get(snip.get("lang", "text"), "text"),
                            theme="ansi_dark", background_color="default", word_wrap=True))
    if f.references:
        parts.append(_t("References: " + ", ".join(f.references), "dim"))
    return Panel(Group(*parts), title=_t(f"#{rank} {f.title}"), title_align="left",
                 border_style="red" if f.confidence >= 0.6 else "yellow")
