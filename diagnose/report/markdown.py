"""A Markdown report for pasting into a ticket.

Every text that can carry log content (paths, evidence, warnings, rendered
root causes and fixes with captured identities) goes through ``safe_text``'s
Markdown helpers, so a log line cannot inject links, HTML or terminal escapes
into the ticket.
"""

from __future__ import annotations

import regex

from .model import Report, side_label, where
from .safe_text import md_cell, md_code, md_fence, md_text

_URL = regex.compile(r"^https?://[^\s<>`\x00-\x1f\x7f-\x9f]+$")


def _link(ref: str) -> str:
    """A plain URL as an autolink (clickable); anything else as escaped text."""
    return f"<{ref}>" if _URL.match(ref) else md_text(ref)


def render_markdown(report: Report) -> str:
    out = ["# ikedoctor report", "", f"**{md_text(report.verdict)}**", "", f"Status: {md_code(report.status)}", ""]
    out += ["| input | format | side | lines | events | unparsed |", "|---|---|---|---|---|---|"]
    for i in report.inputs:
        out.append(f"| {md_code(i.path)} | {md_cell(i.format)} | {md_cell(side_label(i))} | {i.lines} | {i.events} "
                   f"| {i.unparsed} |")
    for i in report.inputs:
        for e in i.errors:
            out.append(f"\n> note: {md_code(i.path)}: {md_text(e)}")
    for w in report.warnings:
        out.append(f"\n> warning: {md_text(w)}")
    for rank, f in enumerate(report.findings, 1):
        kind = "Possible cause: " if f.confidence < 0.5 else ""
        out += ["", f"## {rank}. {kind}{md_text(f.title)} ({md_code(f.id)}, confidence {f.confidence:.0%}, "
                    f"seen from {md_text(f.side)})", ""]
        if f.evidence_status == "unverified":
            out.append("_Pattern not yet verified on a real log._\n")
        out += [md_text(f.root_cause), "", "**Evidence**", ""]
        for ev in f.evidence:
            out.append(f"- {md_text(ev.role)}: {md_code(where(ev.path, ev.line))} {md_code(ev.text.strip()[:300])}")
        for note in f.notes:
            out.append(f"- note: {md_text(note)}")
        out += ["", "**Fix**", "", md_text(f.fix), ""]
        for snip in f.fix_snippets:
            if snip.get("title"):
                out.append(f"_{md_text(snip['title'])}_\n")
            out += [*md_fence(snip["text"], snip.get("lang", "")), ""]
        if f.references:
            out.append("References: " + ", ".join(_link(r) for r in f.references))
    if report.notable_lines:
        out += ["", "## Lines no finding explains", ""]
        for n in report.notable_lines:
            more = f" (and {n.count - 1} more like it)" if n.count > 1 else ""
            out.append(f"- {md_text(n.severity)}: {md_code(f'{n.path}:{n.line}')} {md_code(n.text.strip()[:300])}{more}")
            out.append(f"  - {md_text(n.meaning)}")
            if n.look_at:
                out.append(f"  - look at: {md_text('; '.join(n.look_at))}")
    if report.next_steps:
        out += ["", "## Next steps", ""]
        out += [f"{i}. {md_text(step)}" for i, step in enumerate(report.next_steps, 1)]
    return "\n".join(out) + "\n"
