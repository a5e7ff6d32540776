"""A Markdown report for pasting into a ticket."""

from __future__ import annotations

from .model import Report


def _code(text: str) -> str:
    """Inline code that survives backticks inside the text."""
    fence = "``" if "`" in text else "`"
    return f"{fence}{text.replace(chr(10), ' ')}{fence}"


def render_markdown(report: Report) -> str:
    out = [f"# ikedoctor report", "", f"**{report.verdict}**", ""]
    out += ["| input | format | side | lines | events | unparsed |", "|---|---|---|---|---|---|"]
    for i in report.inputs:
        out.append(f"| {_code(i.path)} | {i.format} | {i.side} | {i.lines} | {i.events} | {i.unparsed} |")
    for w in report.warnings:
        out.append(f"\n> warning: {w}")
    for rank, f in enumerate(report.findings, 1):
        out += ["", f"## {rank}. {f.title} (`{f.id}`, confidence {f.confidence:.0%}, seen from {f.side})", ""]
        if f.evidence_status == "unverified":
            out.append("_Pattern not yet verified on a real log._\n")
        out += [f.root_cause, "", "**Evidence**", ""]
        for ev in f.evidence:
            out.append(f"- {ev.role}: {_code(f'{ev.path}:{ev.line}')} {_code(ev.text.strip()[:300])}")
        for note in f.notes:
            out.append(f"- note: {note}")
        out += ["", "**Fix**", "", f.fix, ""]
        for snip in f.fix_snippets:
            if snip.get("title"):
                out.append(f"_{snip['title']}_\n")
            text = snip["text"].rstrip()
            fence = "````" if "```" in text else "```"
            out += [f"{fence}{snip.get('lang', '')}", text, fence, ""]
        if f.references:
            out.append("References: " + ", ".join(f.references))
    return "\n".join(out) + "\n"
