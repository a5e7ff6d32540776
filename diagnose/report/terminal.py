"""The human report: verdict first, then ranked findings with proof and fix.

One function per block, printed in order by ``render_terminal``. Fix snippets are printed
after their finding's box, not inside it, unstyled and never wrapped by us: a mouse copy of
them from any terminal width is the configuration itself, with no border characters and no
line broken mid-token (the terminal only soft-wraps what is wider than it).
"""

from __future__ import annotations

import re
import textwrap

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .model import Finding, Report, side_label, where
from .safe_text import printable

_FILES = {"swanctl": "swanctl.conf", "ipsec.conf": "ipsec.conf", "strongswan.conf": "strongswan.conf",
          "shell": "shell", "sh": "shell", "plist": "profile (plist)", "xml": "XML", "text": "text"}


def _t(text: str, style: str = "") -> Text:
    return Text(printable(text), style=style)


def render_terminal(report: Report, console: Console, verbose: bool = False) -> None:
    _verdict_block(report, console)
    if report.status:
        console.print(_t(f"status: {report.status}", "dim"))
    _confidence_block(report, console)
    _warnings_block(report, console)
    _inputs_block(report, console)
    if not report.findings:
        _sessions_block(report, console)
    for rank, f in enumerate(report.findings, 1):
        console.print(_finding_panel(rank, f, verbose))
        _snippets_block(rank, f, console)
    _notable_block(report, console)
    _next_steps_block(report, console)


def elide_middle(text: str, width: int) -> str:
    """``samples/lab-…/server-charon.log``: a path cut in its middle, never mid-name at the end, so
    the file name stays whole (the full path is in evidence lines and the JSON)."""
    if len(text) <= width:
        return text
    width = max(width, 5)
    head, sep, name = text.rpartition("/")
    if sep and len(name) + 4 <= width:
        keep = width - len(name) - 2  # "…/" before the name
        return text[:keep] + "…/" + name
    half = (width - 1) // 2
    return text[:half] + "…" + text[len(text) - (width - 1 - half):]


_CONFIDENCE = re.compile(r" (\(confidence \d+%\))$")


def verdict_lines(verdict: str, width: int) -> list[str]:
    """The verdict wrapped at ``width``, "(confidence 85%)" never split across lines."""
    m = _CONFIDENCE.search(verdict)
    body, tail = (verdict[:m.start()], m.group(1)) if m else (verdict, "")
    # a word wider than the terminal (a long path) still has to break; nothing else does
    lines = textwrap.wrap(body, width=max(width, 20), break_on_hyphens=False) or [""]
    if tail:
        if len(lines[-1]) + 1 + len(tail) <= width:
            lines[-1] += " " + tail
        else:
            lines.append(tail)
    return lines


def _verdict_block(report: Report, console: Console) -> None:
    color = "red" if report.findings else ("green" if report.verdict.startswith("HEALTHY") else "yellow")
    for line in verdict_lines(printable(report.verdict), console.width):
        console.print(Text(line, style=f"bold {color}"), soft_wrap=True)


#: what the confidence number means, said once under the verdict (docs/confidence.md has the calibration)
CONFIDENCE_NOTE = ("confidence = how much of this known failure's evidence the logs show: 80% or more, they show it; "
                   "50-79%, likely; under 50%, a possible cause to check. Calibration: docs/confidence.md")

#: the evidence marks, in the order the legend lists them
MARKS = {"required": ("•", "a line that defines the failure"), "supporting": ("+", "supports it"),
         "config": ("⚙", "from the configuration"), "contradicting": ("✗", "speaks against it")}


#: the same for ``check``, whose findings come from configuration, not from a log
CONFIDENCE_NOTE_CONFIG = ("confidence = how sure the configuration alone makes it that these clients fail: "
                          "80% or more, they will; 50-79%, likely; under 50%, a possible cause to check.")


def _confidence_block(report: Report, console: Console) -> None:
    if report.findings:
        from_config = all(f.side == "config" for f in report.findings)
        console.print(_t(CONFIDENCE_NOTE_CONFIG if from_config else CONFIDENCE_NOTE, "dim"))


def _warnings_block(report: Report, console: Console) -> None:
    for w in report.warnings:
        console.print(_t(f"warning: {w}", "yellow"))


def _inputs_block(report: Report, console: Console) -> None:
    inputs = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for col in ("input", "format", "side", "lines", "events", "unparsed"):
        inputs.add_column(col, no_wrap=True)
    others = (max([len("format")] + [len(i.format) for i in report.inputs])
              + max([len("side")] + [len(side_label(i)) for i in report.inputs])
              + sum(max([len(h)] + [len(str(getattr(i, h))) for i in report.inputs])
                    for h in ("lines", "events", "unparsed")) + 2 * 5)  # the other columns and the gaps
    room = console.width - others
    need = max([16] + [min(len(i.path), len(i.path.rsplit("/", 1)[-1]) + 4) for i in report.inputs])
    if room < need:  # too narrow for the table with whole file names: each input on its own lines
        for i in report.inputs:
            console.print(_t(elide_middle(i.path, console.width), "bold"), soft_wrap=True)
            console.print(_t(f"  {i.format}, {side_label(i)}: {i.lines} lines, {i.events} events, {i.unparsed} unparsed"))
        _input_errors(report, console)
        return
    for i in report.inputs:
        inputs.add_row(_t(elide_middle(i.path, room)), _t(i.format), _t(side_label(i)), str(i.lines), str(i.events),
                       str(i.unparsed))
    console.print(inputs)
    _input_errors(report, console)


def _input_errors(report: Report, console: Console) -> None:
    for i in report.inputs:
        for e in i.errors:
            console.print(_t(f"  {i.path}: {e}", "yellow"))


def _sessions_block(report: Report, console: Console) -> None:
    established = [s for s in report.sessions if s.outcome == "established"]
    console.print(_t(f"{len(report.sessions)} session(s), {len(established)} established."))


#: evidence lines shown without -v, and how much of each line
SHOWN_EVIDENCE = 8
SHOWN_CHARS = 300


def possible(f: Finding) -> bool:
    """A finding too weakly evidenced to call a failure: a possible cause to check."""
    return f.confidence < 0.5


def _evidence_lines(f: Finding, verbose: bool) -> list[Text]:
    """Each evidence line once, its mark, where it is; -v adds every line, its time, its full text."""
    seen: set[tuple[str, int, str]] = set()
    # a log line once; entries without a line number (a VICI answer: ``vici list-conns [rw]``) by text
    keys = [(ev.path, ev.line, "" if ev.line else ev.text) for ev in f.evidence]
    unique = [ev for ev, k in zip(f.evidence, keys) if k not in seen and not seen.add(k)]
    roles = [r for r in MARKS if any((ev.role if ev.role in MARKS else "required") == r for ev in unique)]
    legend = "; ".join(f"{MARKS[r][0]} {MARKS[r][1]}" for r in roles)
    out = [Text.assemble(("Evidence", "bold"), (f" ({legend}):", "dim"))]
    for ev in unique if verbose else unique[:SHOWN_EVIDENCE]:
        line = Text(f" {MARKS.get(ev.role, MARKS['required'])[0]} ")
        line.append(printable(where(ev.path, ev.line)), style="cyan")
        if verbose and ev.time:
            line.append(f"  {ev.time}", style="dim")
        line.append("  ")
        text = ev.text.strip()
        line.append(printable(text if verbose else text[:SHOWN_CHARS]))
        out.append(line)
    if not verbose and len(unique) > SHOWN_EVIDENCE:
        out.append(_t(f" … {len(unique) - SHOWN_EVIDENCE} more evidence line(s): -v shows them", "dim"))
    return out


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
    if verbose and f.session:
        head.append(f"  session {printable(f.session)}", style="dim")
    parts.append(head)
    parts.append(_t(f.root_cause))
    if f.evidence:
        parts.extend(_evidence_lines(f, verbose))
    for note in f.notes:
        parts.append(_t(f"note: {note}", "dim"))
    parts.append(Text("Fix:", style="bold"))
    parts.append(_t(f.fix))
    if f.fix_snippets:
        parts.append(_t(f"(the configuration is below this box, ready to copy: Fix #{rank})", "dim"))
    title = f"#{rank} possible cause: {f.title}" if possible(f) else f"#{rank} {f.title}"
    return Panel(Group(*parts), title=_t(title), title_align="left",
                 border_style="red" if f.confidence >= 0.6 else "yellow")


def snippet_heading(rank: int, snip: dict) -> str:
    """The one line above a snippet: which finding, which file, what it does; ends with ':'."""
    what = snip.get("title") or _FILES.get(snip.get("lang", "text"), snip.get("lang", "text"))
    return f"Fix #{rank}, {what}:"


def _snippets_block(rank: int, f: Finding, console: Console) -> None:
    """Each snippet after the box: its heading, its text exactly as rendered, a blank line.

    ``soft_wrap``: rich neither wraps nor crops these lines at any console width.
    """
    for snip in f.fix_snippets:
        console.print(_t(snippet_heading(rank, snip), "bold"), soft_wrap=True)
        console.print(Text(printable(snip["text"].strip("\n"))), soft_wrap=True, highlight=False)
        console.print()
    if f.references:
        console.print(_t("References: " + " ".join(f.references), "dim"), soft_wrap=True)
        console.print()
