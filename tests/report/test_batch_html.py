"""batch --format html: charts drawn from the summary counts, worst cases linked, text escaped."""

from __future__ import annotations

import io
import re

from diagnose.batch.summary import WORST, Summary
from diagnose.batch.unit import CaseResult
from diagnose.report.batch_html import HtmlWriter, chart


def result(i: int, fids: list[str], day: str, client: str, failed: int = 1) -> CaseResult:
    findings = [{"id": f, "title": f"title of {f}", "confidence": 0.5 + i / 1000, "session": "u",
                 "evidence": [{"path": "s.log", "line": 3, "text": "line <script>x()</script>", "time": day}]}
                for f in fids]
    gateway = f"192.0.2.{1 + i % 3}"
    return CaseResult(case=f"case-{i}<i>", findings=findings, verdict="FAILURE <b>", outcomes={"failed": failed},
                      session_rows=[(day[:10], client, gateway, "failed" if failed else "established")],
                      unit_clients={"u": client}, unit_gateways={"u": gateway})


def test_bars_are_proportional_and_stacked_per_key():
    c = chart("a", "t", "findings", [("w1", {"x": 2, "y": 1}), ("w2", {"x": 6})], {"x": "#111", "y": "#222"})
    w1, w2 = c.bars
    assert (w1.total, w2.total) == (3, 6)
    assert sum(s.width for s in w1.segments) * 2 == sum(s.width for s in w2.segments)
    assert w1.segments[1].x == w1.segments[0].x + w1.segments[0].width  # stacked
    assert c.legend == [("x", "#111"), ("y", "#222")]


def test_page_counts_weeks_links_worst_cases_and_escapes():
    s, out = Summary(), io.StringIO()
    w = HtmlWriter(out)
    cases = [result(i, ["no-certreq"] * (1 + i % 2) if i % 3 else ["san-mismatch"], f"2026-11-{10 + i % 14:02d}T10:00:00",
                    f"user{i % 4}") for i in range(3 * WORST)]
    for r in cases:
        s.add(r)
        w.case(r)
    w.close(s)
    html = out.getvalue()
    assert len(w._kept) <= 2 * WORST
    weeks = re.search(r'data-chart="chart-weeks"(.*?)</svg>', html, re.S).group(1)
    totals = [int(t) for t in re.findall(r'data-total="(\d+)"', weeks)]
    assert sum(totals) == sum(len(r.findings) for r in cases) and len(totals) == len(s.weeks)
    gateways = re.search(r'data-chart="chart-gateways"(.*?)</svg>', html, re.S).group(1)
    per_gateway = dict(re.findall(r'data-label="([^"]+)" data-total="(\d+)"', gateways))
    assert per_gateway == {f"192.0.2.{g}": str(sum(len(r.findings) for i, r in enumerate(cases) if i % 3 == g - 1))
                           for g in (1, 2, 3)}
    anchors = re.findall(r'<a href="#(case-\d+)">', html)
    assert len(anchors) == len(s.worst) and all(f'id="{a}"' in html for a in anchors)
    assert "<script>x()" not in html and "&lt;script&gt;x()" in html and "<i>" not in html
