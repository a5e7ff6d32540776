"""``batch --format html``: the batch summary as one self-contained page with inline SVG charts.

Findings per week, per client and per gateway, and sessions per gateway (failed or not), drawn as horizontal stacked bars
(one colour per finding id, the same in every chart), and the worst cases linked to their reports
on the same page (the file stays self-contained: a link to another file would break when the
page is mailed).  Only the worst cases' results are kept (a bounded heap), so the writer costs
the same memory for ten cases or a million.  Case texts were redacted in the workers when
``--redact`` is given; the page escapes them like every HTML page (``html.py``).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import IO, Any

from ..batch.output import Writer
from ..batch.summary import WORST, Summary
from ..batch.unit import CaseResult
from ..redact import scrub_text
from .html import _render

PALETTE = ("#1f5fa8", "#c62828", "#2e7d32", "#b26a00", "#6a1b9a", "#00838f", "#ad1457", "#5d4037",
           "#455a64", "#9e9d24")
OTHER = "#9aa4ae"
LABEL_W, BAR_W, ROW_H = 230, 560, 22
MAX_ROWS = 25


@dataclass(slots=True)
class Segment:
    key: str
    value: int
    x: int
    width: int
    colour: str


@dataclass(slots=True)
class Bar:
    label: str
    total: int
    y: int
    segments: list[Segment] = field(default_factory=list)


@dataclass(slots=True)
class Chart:
    anchor: str
    title: str
    unit: str
    bars: list[Bar] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)
    height: int = 0
    width: int = LABEL_W + BAR_W + 60
    left_out: int = 0


def _score(res: CaseResult) -> tuple[int, float, int]:
    """As the summary ranks its worst cases: findings, best confidence, failed sessions."""
    return (len(res.findings), max((f.get("confidence", 0.0) for f in res.findings), default=0.0),
            res.outcomes.get("failed", 0))


def chart(anchor: str, title: str, unit: str, rows: list[tuple[str, dict[str, int]]],
          colours: dict[str, str]) -> Chart:
    """Stacked horizontal bars; ``rows`` are (label, {segment key: value}) in display order."""
    c = Chart(anchor, title, unit)
    shown = rows[:MAX_ROWS]
    c.left_out = len(rows) - len(shown)
    top = max((sum(v.values()) for _, v in shown), default=0) or 1
    used: dict[str, str] = {}
    for i, (label, values) in enumerate(shown):
        bar = Bar(label, sum(values.values()), 8 + i * ROW_H)
        x = LABEL_W
        for key, value in sorted(values.items(), key=lambda kv: (-kv[1], kv[0])):
            if value <= 0:
                continue
            w = max(1, round(BAR_W * value / top))
            colour = colours.get(key, OTHER)
            used[key] = colour
            bar.segments.append(Segment(key, value, x, w, colour))
            x += w
        c.bars.append(bar)
    c.legend = sorted(used.items())
    c.height = 16 + len(shown) * ROW_H
    return c


def _findings_of(counter: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in counter.items() if k not in ("sessions", "failed")}


def charts(s: Summary) -> list[Chart]:
    colours = {fid: PALETTE[i] if i < len(PALETTE) else OTHER
               for i, (fid, _) in enumerate(sorted(s.findings.items(), key=lambda kv: (-kv[1], kv[0])))}
    weeks = [(w, _findings_of(c)) for w, c in sorted(s.weeks.items())]
    clients = sorted(((k, _findings_of(c)) for k, c in s.clients.items()),
                     key=lambda kv: (-sum(kv[1].values()), kv[0]))
    clients = [c for c in clients if c[1]]
    gateways = sorted(((k, _findings_of(c)) for k, c in s.gateways.items()),
                      key=lambda kv: (-sum(kv[1].values()), kv[0]))
    gateways = [g for g in gateways if g[1]]
    session_colours = {"failed": PALETTE[1], "not failed": PALETTE[2]}
    sessions = sorted(((k, {"failed": c["failed"], "not failed": c["sessions"] - c["failed"]})
                       for k, c in s.gateways.items() if c["sessions"]), key=lambda kv: (-kv[1]["failed"], kv[0]))
    return [chart("chart-weeks", "Findings per week", "findings", weeks, colours),
            chart("chart-clients", "Findings per client (identity or address)", "findings", clients, colours),
            chart("chart-gateways", "Findings per gateway", "findings", gateways, colours),
            chart("chart-gateway-sessions", "IKE sessions per gateway", "sessions", sessions, session_colours)]


class HtmlWriter(Writer):
    """Keeps the results that may be among the worst cases; writes the page at ``close``."""

    def __init__(self, out: IO[str]) -> None:
        super().__init__(out)
        self._kept: list[tuple[tuple[int, float, int], int, CaseResult]] = []
        self._n = 0

    def case(self, res: CaseResult) -> None:
        if not (res.findings or res.error):
            return
        self._n += 1
        item = (_score(res), -self._n, res)
        if len(self._kept) < 2 * WORST:
            heapq.heappush(self._kept, item)
        else:
            heapq.heappushpop(self._kept, item)

    def close(self, summary: Summary) -> None:
        self.out.write(render_batch_html(summary, [r for _, _, r in self._kept]))


def render_batch_html(s: Summary, results: list[CaseResult]) -> str:
    by_case = {r.case: r for r in results}
    worst: list[dict[str, Any]] = []
    for i, w in enumerate(s.worst, 1):
        res = by_case.get(w["case"])
        worst.append({**w, "anchor": f"case-{i}", "result": None if res is None else _case_view(res)})
    findings = [{"id": k, "title": s.titles.get(k, ""), "cases": n}
                for k, n in sorted(s.findings.items(), key=lambda kv: (-kv[1], kv[0]))]
    return _render("batch.html.j2", s=s, charts=charts(s), findings=findings, worst=worst,
                   title="ikedoctor batch summary")


def _case_view(res: CaseResult) -> dict[str, Any]:
    """The case's report as the page shows it (secrets scrubbed: they never reach a page)."""
    return {"verdict": scrub_text(res.verdict), "error": res.error, "warnings": [scrub_text(w) for w in res.warnings],
            "findings": [{"id": f.get("id", ""), "title": f.get("title", ""), "confidence": f.get("confidence", 0.0),
                          "root_cause": f.get("root_cause", ""), "fix": f.get("fix", ""),
                          "evidence": [{"path": e.get("path", ""), "line": e.get("line", 0),
                                        "text": scrub_text(str(e.get("text", "")))}
                                       for e in f.get("evidence", [])[:8]]}
                         for f in res.findings]}


__all__ = ["HtmlWriter", "render_batch_html", "chart", "charts"]
