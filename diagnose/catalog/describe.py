"""Say a pattern's rules in words, for ``explain`` and the docs."""

from __future__ import annotations

from .engine import render
from .model import Condition, Group, Pattern


def _cond(c: Condition) -> str:
    bits = [c.event]
    if c.side:
        bits.append(f"on the {c.side} side")
    for k, v in c.where.items():
        if isinstance(v, dict) and "not" in v:
            bits.append(f"{k} not {v['not']}")
        elif isinstance(v, list):
            bits.append(f"{k} one of {', '.join(map(str, v))}")
        else:
            bits.append(f"{k} = {v}")
    if c.has:
        bits.append("with " + ", ".join(c.has))
    if c.lacks:
        bits.append("without " + ", ".join(c.lacks))
    if c.min_count > 1:
        bits.append(f"at least {c.min_count} times")
    text = " ".join(bits[:1]) + (" (" + "; ".join(bits[1:]) + ")" if len(bits) > 1 else "")
    return ("no " + text) if c.absent else text


def _group(g: Group, kind: str) -> str:
    extra = " [veto]" if g.veto else (f" [{g.weight:+.2f}]" if kind != "required" and g.weight else "")
    return f"  - {g.name}{extra}: " + " OR ".join(_cond(c) for c in g.any)


def describe_pattern(p: Pattern) -> str:
    lines = [f"{p.id}: {p.title}", "", f"Seen from: {', '.join(p.sides)}   scope: {p.scope}   "
             f"base confidence: {p.base_confidence:.2f}   evidence: {p.evidence_status}", ""]
    if p.affects:
        lines += ["Affects:"] + [f"  - {a}" for a in p.affects] + [""]
    lines += ["Root cause:", render(p.root_cause, {}), "", "Evidence rules (all required groups must be met):"]
    lines += [_group(g, "required") for g in p.required]
    if p.supporting:
        lines += ["Supporting:"] + [_group(g, "supporting") for g in p.supporting]
    if p.contradicting:
        lines += ["Contradicting:"] + [_group(g, "contradicting") for g in p.contradicting]
    if p.single_side_confidence:
        lines += ["", "One side's log: " + render(p.single_side_confidence, {})]
    if p.confirming_evidence:
        lines += ["Confirmed by: " + render(p.confirming_evidence, {})]
    if p.suppresses:
        lines += ["Explains away: " + ", ".join(p.suppresses)]
    lines += ["", "Fix:", render(p.fix, {})]
    for s in p.snippets:  # values a report takes from the log read as <placeholders> here
        lines += ["", f"[{render(s.title, {}) or s.lang}]", render(s.text, {}).rstrip()]
    if p.references:
        lines += ["", "References:"] + [f"  - {r}" for r in p.references]
    return "\n".join(lines)


def describe_markdown(p: Pattern) -> str:
    """The same as ``describe_pattern``, as Markdown for a ticket or a wiki."""
    from ..report.safe_text import md_fence, md_text

    out = [f"## `{p.id}`: {md_text(p.title)}", "",
           f"Seen from: {md_text(', '.join(p.sides))}; scope: {p.scope}; base confidence: "
           f"{p.base_confidence:.2f}; evidence: {p.evidence_status}", ""]
    if p.affects:
        out += ["**Affects**", ""] + [f"- {md_text(a)}" for a in p.affects] + [""]
    out += ["**Root cause**", "", md_text(render(p.root_cause, {}).strip()), "",
            "**Evidence rules** (all required groups must be met)", ""]
    out += [f"- required: {md_text(_group(g, 'required').strip()[2:])}" for g in p.required]
    out += [f"- supporting: {md_text(_group(g, 'supporting').strip()[2:])}" for g in p.supporting]
    out += [f"- contradicting: {md_text(_group(g, 'contradicting').strip()[2:])}" for g in p.contradicting]
    out += ["", "**Fix**", "", md_text(render(p.fix, {}).strip()), ""]
    for s in p.snippets:
        out += [f"_{md_text(render(s.title, {}) or s.lang)}_", "", *md_fence(render(s.text, {}).strip("\n"), s.lang), ""]
    if p.references:
        out += ["**References**", ""] + [f"- <{r}>" for r in p.references]
    return "\n".join(out).rstrip() + "\n"
