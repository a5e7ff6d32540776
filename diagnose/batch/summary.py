"""Fold case results into the batch summary, one case at a time.

Only counters and a short worst-cases list are kept, so summarising a million
cases costs the same memory as summarising ten.  ``filter_result`` applies
``--since/--until/--finding`` to one result before it is counted or written.
"""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from .unit import CaseResult

WORST = 10


def finding_time(f: dict[str, Any]) -> str | None:
    """When a finding happened: its earliest timed evidence line (ISO text)."""
    times = [e["time"] for e in f.get("evidence", []) if e.get("time")]
    return min(times) if times else None


def _naive(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text).replace(tzinfo=None)
    except ValueError:
        return None


@dataclass(slots=True)
class Filters:
    since: datetime | None = None
    until: datetime | None = None
    finding: set[str] = field(default_factory=set)

    @property
    def active(self) -> bool:
        return bool(self.since or self.until or self.finding)

    def in_range(self, text: str | None) -> bool:
        if not (self.since or self.until):
            return True
        t = _naive(text) if text else None
        if t is None:
            return False
        return (self.since is None or t >= self.since) and (self.until is None or t <= self.until)


def filter_result(res: CaseResult, flt: Filters) -> CaseResult | None:
    """The case as the filters see it; None when ``--finding`` is given and the case lacks it."""
    if not flt.active:
        return res
    findings = [f for f in res.findings if (not flt.finding or f["id"] in flt.finding)
                and flt.in_range(finding_time(f))]
    if flt.finding and not findings:
        return None
    rows = [r for r in res.session_rows if flt.in_range(r[0] or None)] if (flt.since or flt.until) \
        else res.session_rows
    return replace(res, findings=findings, session_rows=rows)


def week_of(day: str) -> str:
    try:
        y, w, _ = date.fromisoformat(day).isocalendar()
    except ValueError:
        return ""
    return f"{y}-W{w:02d}"


@dataclass(slots=True)
class Summary:
    cases: int = 0
    with_findings: int = 0
    errors: int = 0
    internal_errors: int = 0  # of ``errors``, those that are ikedoctor's bugs
    bytes: int = 0
    seconds: float = 0.0
    sessions: int = 0
    findings: Counter = field(default_factory=Counter)  # id -> cases
    titles: dict[str, str] = field(default_factory=dict)
    clients: dict[str, Counter] = field(default_factory=dict)  # client -> sessions/failed/<finding ids>
    gateways: dict[str, Counter] = field(default_factory=dict)
    days: dict[str, Counter] = field(default_factory=dict)
    weeks: dict[str, Counter] = field(default_factory=dict)
    _worst: list[tuple[tuple[int, float, int], int, str, list[str]]] = field(default_factory=list)

    def add(self, res: CaseResult) -> None:
        self.cases += 1
        self.bytes += res.bytes
        self.seconds += res.seconds
        if res.error:
            self.errors += 1
            self.internal_errors += res.internal
        if res.findings:
            self.with_findings += 1
        self.sessions += len(res.session_rows)
        for day, client, gateway, outcome in res.session_rows:
            failed = int(outcome == "failed")
            for table, key in ((self.clients, client or "(unknown)"), (self.gateways, gateway or "(unknown)"),
                               (self.days, day or "(undated)"), (self.weeks, week_of(day) or "(undated)")):
                c = table.setdefault(key, Counter())
                c["sessions"] += 1
                c["failed"] += failed
        for f in res.findings:
            fid = f["id"]
            self.findings[fid] += 1
            self.titles.setdefault(fid, f.get("title", ""))
            client = res.unit_clients.get(f.get("session") or "", "") or "(unknown)"
            self.clients.setdefault(client, Counter())[fid] += 1
            gateway = res.unit_gateways.get(f.get("session") or "", "") or "(unknown)"
            self.gateways.setdefault(gateway, Counter())[fid] += 1
            when = (finding_time(f) or "")[:10]
            self.days.setdefault(when or "(undated)", Counter())[fid] += 1
            self.weeks.setdefault(week_of(when) or "(undated)", Counter())[fid] += 1
        score = (len(res.findings), max((f["confidence"] for f in res.findings), default=0.0),
                 res.outcomes.get("failed", 0))
        if res.findings or res.error:
            item = (score, -self.cases, res.case, [f["id"] for f in res.findings] or [f"error: {res.error}"])
            if len(self._worst) < WORST:
                heapq.heappush(self._worst, item)
            else:
                heapq.heappushpop(self._worst, item)

    @property
    def worst(self) -> list[dict[str, Any]]:
        return [{"case": case, "findings": ids, "failed_sessions": score[2]}
                for score, _, case, ids in sorted(self._worst, reverse=True)]

    def to_dict(self) -> dict[str, Any]:
        def plain(d: dict[str, Counter]) -> dict[str, dict[str, int]]:
            return {k: dict(v) for k, v in sorted(d.items())}
        return {
            "cases": self.cases, "cases_with_findings": self.with_findings, "cases_with_errors": self.errors,
            "cases_with_internal_errors": self.internal_errors,
            "bytes": self.bytes, "sessions": self.sessions,
            "findings": [{"id": k, "title": self.titles.get(k, ""), "cases": n}
                         for k, n in sorted(self.findings.items(), key=lambda kv: (-kv[1], kv[0]))],
            "clients": plain(self.clients), "gateways": plain(self.gateways),
            "days": plain(self.days), "weeks": plain(self.weeks), "worst_cases": self.worst,
        }
