"""A self-contained HTML report: verdict, findings, the IKE ladder per failed session.

A ticket is read by people who will not read a log, so this renders the same ``Report`` as the
text/JSON/Markdown front ends, plus the ladder diagram (``ladder.py``) drawn from the timeline
model.  Log lines are hostile input: the page is built with Jinja2 with autoescaping on (never
by string concatenation), log text also goes through ``printable`` (escape codes made visible),
links are only our own ``#anchors`` or http(s) references, and a Content-Security-Policy allows
no network access and no script but the page's own (by hash).  Styles and the one small script
are inline, so the file opens anywhere, offline, and prints.

``prepare`` reads the unredacted report and sessions (to find the evidence in the logs);
``redact_extras`` then applies ``--redact`` with the report's redactor, so pseudonyms agree.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import regex
from ..redact import Redactor, redact_object, redact_report, scrub_text
from .ladder import Ladder, events_by_line, from_timeline
from .model import Report
from .safe_text import printable

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATES = Path(__file__).with_name("templates")
CONTEXT_LINES = 3  # lines shown before and after each evidence line
MAX_LADDERS = 12
_URL = regex.compile(r"^https?://[^\s<>\"'`\x00-\x1f\x7f-\x9f]+$")


@dataclass(slots=True)
class ContextLine:
    line: int
    text: str
    target: bool = False


@dataclass(slots=True)
class Context:
    """An evidence line with a few log lines around it (the anchor the ladder links to)."""

    anchor: str
    path: str
    line: int
    side: str
    lines: list[ContextLine] = field(default_factory=list)


@dataclass(slots=True)
class Extras:
    """What the HTML shows beyond the ``Report``: ladders and evidence in context."""

    ladders: list[Ladder] = field(default_factory=list)
    contexts: list[Context] = field(default_factory=list)
    #: per finding, per evidence line: the anchor of its context
    evidence_anchors: list[list[str | None]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def prepare(report: Report, sessions: list | None) -> Extras:
    """Ladders of the failed sessions and the evidence lines in context, from the unredacted run."""
    from ..timeline import build  # the timeline imports the report model: import when used

    ex = Extras()
    sessions = sessions or []
    by_line = events_by_line(sessions)
    per_path = _texts_by_path(by_line)
    anchors: dict[tuple[str, int], str] = {}
    for f in report.findings:
        row: list[str | None] = []
        for e in f.evidence:
            key = (e.path, e.line)
            if key not in anchors:
                anchors[key] = f"ctx-{len(anchors) + 1}"
                ex.contexts.append(_context(anchors[key], e.path, e.line, e.side, e.text, per_path.get(e.path, [])))
            row.append(anchors[key])
        ex.evidence_anchors.append(row)
    if not sessions:
        if report.sessions:
            ex.notes.append("no ladder diagram: the sessions were not kept (streamed input)")
        return ex
    ids = {s.id for s in sessions}
    wanted = [f.session for f in report.findings if f.session in ids]
    wanted += [s.id for s in sessions if s.outcome in ("failed", "incomplete") and s.id not in wanted]
    if not report.failed:
        wanted = []
    shown: set[tuple] = set()
    for sid in wanted:
        first = [f for f in report.findings if f.session == sid]
        tl = build(sessions, sid, first + [f for f in report.findings if f not in first])
        key = (tl.client_session, tuple(tl.server_sessions))
        if key in shown:
            continue
        if len(ex.ladders) == MAX_LADDERS:
            ex.notes.append(f"only the first {MAX_LADDERS} failed sessions are drawn")
            break
        shown.add(key)
        ex.ladders.append(from_timeline(tl, by_line, f"ladder-{len(ex.ladders) + 1}", anchors, scrub_text))
    return ex


def _context(anchor: str, path: str, line: int, side: str, text: str, lines: list[tuple[int, str]]) -> Context:
    ctx = Context(anchor, path, line, side)
    at = next((i for i, (n, _) in enumerate(lines) if n == line), None)
    if at is None:
        ctx.lines.append(ContextLine(line, scrub_text(text), True))
        return ctx
    for n, t in lines[max(0, at - CONTEXT_LINES): at + CONTEXT_LINES + 1]:
        ctx.lines.append(ContextLine(n, scrub_text(t), n == line))
    return ctx


def _log_texts(ex: Extras):
    for lad in ex.ladders:
        yield from lad.notes
        for s in lad.steps:
            yield from (s.title, s.detail, s.full)
    for c in ex.contexts:
        yield from (ln.text for ln in c.lines)


def redact_extras(ex: Extras, redactor: Redactor) -> Extras:
    """``--redact``: the same pseudonyms as the report redacted with ``redactor``.

    Every text is learned from before any is rewritten: an identity quoted in a context line
    must also be replaced in the ladder step drawn before it."""
    for text in _log_texts(ex):
        redactor.learn_from_text(text)
    out = redact_object(ex, redactor)
    for new, old in zip(out.ladders, ex.ladders):  # anchors are ours, not log text
        new.anchor = old.anchor
        for ns, os_ in zip(new.steps, old.steps):
            for nr, orf in zip(ns.refs, os_.refs):
                nr.anchor, nr.label = orf.anchor, orf.label
    for new, old in zip(out.contexts, ex.contexts):
        new.anchor = old.anchor
    out.evidence_anchors = ex.evidence_anchors
    return out


def redact_with(report: Report, extras: Extras | None, redactor: Redactor) -> tuple[Report, Extras | None]:
    """Redact the report and its page extras with one redactor, having learned from both first."""
    if extras is not None:
        for text in _log_texts(extras):
            redactor.learn_from_text(text)
    report = redact_report(report, redactor)
    return report, (redact_extras(extras, redactor) if extras is not None else None)


# -- rendering ---------------------------------------------------------------------------------

def _safe_url(ref: str) -> str | None:
    return ref if _URL.match(ref) else None


def _short(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def environment() -> "Environment":
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape  # only to render a page

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(default=True,
                      default_for_string=True, enabled_extensions=("html", "j2", "svg")),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["p"] = lambda s: printable("" if s is None else str(s))
    env.filters["url"] = _safe_url
    env.filters["short"] = lambda s: printable(_short(str(s or "")))
    env.filters["pct"] = lambda x: f"{float(x):.0%}"
    env.filters["trim_to"] = lambda s, n: s if len(s) <= n else s[: n - 1] + "…"
    env.globals["script_src"] = _SCRIPT
    return env


_SCRIPT = (TEMPLATES / "page.js").read_text(encoding="utf-8")


def _csp() -> str:
    digest = base64.b64encode(hashlib.sha256(_SCRIPT.encode("utf-8")).digest()).decode()
    return (f"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-{digest}'; "
            "base-uri 'none'; form-action 'none'")


def _render(template: str, **values: Any) -> str:
    env = environment()
    return env.get_template(template).render(csp=_csp(), generated=datetime.now(timezone.utc)
                                             .strftime("%Y-%m-%d %H:%M UTC"), **values)


def render_html(report: Report, extras: Extras | None = None) -> str:
    """The whole report page."""
    ex = extras or Extras()
    anchors = ex.evidence_anchors or [[None] * len(f.evidence) for f in report.findings]
    return _render("report.html.j2", report=report, ex=ex, anchors=anchors, title="ikedoctor report")


def render_timeline_html(ladder: Ladder, contexts: list[Context], rows: list[dict[str, Any]],
                         notes: list[str]) -> str:
    """``timeline --format html``: one ladder and every row of the two logs."""
    return _render("timeline.html.j2", ladder=ladder, contexts=contexts, rows=rows, notes=notes,
                   title="ikedoctor timeline")


def _texts_by_path(by_line: dict) -> dict[str, list[tuple[int, str]]]:
    """Each input's event lines in order, as (line, text): what an evidence line's context comes from."""
    per_path: dict[str, list[tuple[int, str]]] = {}
    for (path, line), ev in by_line.items():
        per_path.setdefault(path, []).append((line, ev.text))
    for v in per_path.values():
        v.sort()
    return per_path


def timeline_page(tl, sessions: list, redactor: Redactor | None = None) -> str:
    """``timeline --format html`` from a built ``Timeline`` and the sessions it came from."""
    by_line = events_by_line(sessions)
    per_path = _texts_by_path(by_line)
    anchors: dict[tuple[str, int], str] = {}
    contexts: list[Context] = []
    for r in tl.rows:
        if not r.highlight:
            continue
        for c in (r.server, r.client):
            if c is not None and (c.path, c.line) not in anchors:
                anchors[(c.path, c.line)] = f"ctx-{len(anchors) + 1}"
                side = "server" if c is r.server else "client"
                ev = by_line.get((c.path, c.line))
                contexts.append(_context(anchors[(c.path, c.line)], c.path, c.line, side,
                                         ev.text if ev else c.text, per_path.get(c.path, [])))
    ladder = from_timeline(tl, by_line, "ladder-1", anchors, scrub_text)
    rows = [{"time": r.time.strftime("%H:%M:%S.%f")[:-3] if r.time else "", "highlight": r.highlight,
             "server": None if r.server is None else {"line": r.server.line, "text": scrub_text(r.server.text)},
             "client": None if r.client is None else {"line": r.client.line, "text": scrub_text(r.client.text)},
             "message": r.message, "flow": r.flow} for r in tl.rows]
    ex = Extras(ladders=[ladder], contexts=contexts)
    if redactor is not None:
        ex = redact_extras(ex, redactor)
        rows = redact_object(rows, redactor)
    return render_timeline_html(ex.ladders[0], ex.contexts, rows, [scrub_text(n) for n in tl.notes])


def write_html(report: Report, sessions: list | None, redactor: Redactor | None,
               finish: Callable[[Report], Report]) -> str:
    """The CLI's path: prepare from the raw report, then redact/scrub both the same way."""
    ex = prepare(report, sessions)
    report = finish(report)
    if redactor is not None:
        ex = redact_extras(ex, redactor)
    return render_html(report, ex)


__all__ = ["prepare", "redact_extras", "redact_with", "render_html", "timeline_page", "write_html", "Extras", "Context"]
