"""Batch outputs: a summary for people (text), and json / jsonl / csv for other tools.

jsonl and csv are written case by case as results arrive (nothing is held);
json holds every case because it is one document; text prints the summary.
A case's ``findings`` are exactly the ``findings`` of ``diagnose --format json``.
"""

from __future__ import annotations

import csv
import io
import json
from typing import IO, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..report.safe_text import printable
from ..report.terminal import elide_middle
from .summary import Summary, finding_time
from .unit import CaseResult

CSV_FIELDS = ("case", "finding", "title", "confidence", "side", "session", "time", "evidence", "error")


class Writer:
    """Base: ``case`` per result, ``close`` with the summary."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out

    def case(self, res: CaseResult) -> None:
        pass

    def close(self, summary: Summary) -> None:
        pass


class JsonlWriter(Writer):
    def case(self, res: CaseResult) -> None:
        self.out.write(json.dumps(res.to_dict(), ensure_ascii=False, default=str) + "\n")


class JsonWriter(Writer):
    def __init__(self, out: IO[str]) -> None:
        super().__init__(out)
        self.cases: list[dict[str, Any]] = []

    def case(self, res: CaseResult) -> None:
        self.cases.append(res.to_dict())

    def close(self, summary: Summary) -> None:
        doc = {"schema": "ikedoctor.batch/1", "summary": summary.to_dict(), "cases": self.cases}
        self.out.write(json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n")


class CsvWriter(Writer):
    """One row per (case, finding); a case without findings gets one row with an empty finding."""

    def __init__(self, out: IO[str]) -> None:
        super().__init__(out)
        self.w = csv.writer(out)
        self.w.writerow(CSV_FIELDS)

    def case(self, res: CaseResult) -> None:
        if not res.findings:
            self.w.writerow([res.case, "", "", "", "", "", "", "", res.error or ""])
        for f in res.findings:
            ev = f["evidence"][0] if f.get("evidence") else None
            self.w.writerow([res.case, f["id"], f["title"], f["confidence"], f["side"], f.get("session") or "",
                             finding_time(f) or "", f"{ev['path']}:{ev['line']}" if ev else "", res.error or ""])


class TextWriter(Writer):
    """The summary tables; per-case lines only for cases with findings or errors."""

    def __init__(self, out: IO[str], width: int | None = None) -> None:
        super().__init__(out)
        self.width = width or output_width(out)

    def close(self, s: Summary) -> None:
        buf = io.StringIO()
        con = Console(file=buf, width=self.width, force_terminal=False, color_system=None, highlight=False)
        mb = s.bytes / 1024**2
        con.print(f"{s.cases} case(s), {mb:.1f} MiB, {s.sessions} IKE session(s); "
                  f"{s.with_findings} case(s) with findings, {s.errors} with errors"
                  + (f" ({s.internal_errors} internal: please report)" if s.internal_errors else ""))
        if s.findings:
            t = Table(title="Findings", title_justify="left")
            t.add_column("finding", overflow="fold")
            t.add_column("cases", justify="right")
            t.add_column("title", overflow="fold")
            for k, n in sorted(s.findings.items(), key=lambda kv: (-kv[1], kv[0])):
                t.add_row(_t(k), str(n), _t(s.titles.get(k, "")))
            con.print(t)
        for title, table, limit in (("Clients (identity or address)", s.clients, 20),
                                    ("Gateways", s.gateways, 20), ("Weeks", s.weeks, 60)):
            if not table:
                continue
            t = Table(title=title, title_justify="left")
            t.add_column(title.split(" ")[0].lower().rstrip("s"), overflow="fold")
            t.add_column("sessions", justify="right")
            t.add_column("failed", justify="right")
            t.add_column("findings", overflow="fold")
            rows = sorted(table.items(), key=lambda kv: (-kv[1]["failed"], -kv[1]["sessions"], kv[0]))
            if title == "Weeks":
                rows = sorted(table.items())
            for key, c in rows[:limit]:
                fids = ", ".join(f"{k}×{v}" for k, v in sorted(c.items()) if k not in ("sessions", "failed"))
                t.add_row(_t(key), str(c["sessions"]), str(c["failed"]), _t(fids))
            if len(rows) > limit:
                t.caption = f"{len(rows) - limit} more not shown (use --format json)"
            con.print(t)
        if s.worst:
            t = Table(title="Worst cases", title_justify="left")
            t.add_column("case", overflow="fold")  # a path: wrapped whole, never cut
            t.add_column("failed sessions", justify="right")
            t.add_column("findings", overflow="fold")
            longest = max((len(", ".join(w["findings"])) for w in s.worst), default=8)
            room = max(20, self.width - len("failed sessions") - min(longest, 40) - 10)  # borders, padding
            for w in s.worst:  # the path elided in its middle (the full one is in --format json)
                t.add_row(_t(elide_middle(w["case"], room)), str(w["failed_sessions"]), _t(", ".join(w["findings"])))
            con.print(t)
        self.out.write(buf.getvalue())


def _t(text: str) -> Text:
    """Log-derived text as a plain cell: no rich markup, no terminal escapes."""
    return Text(printable(text))


def output_width(out: IO[str]) -> int:
    """The terminal's width when ``out`` is one, else $COLUMNS, else 120 (files and pipes)."""
    import os
    import shutil

    try:
        if out.isatty():
            return shutil.get_terminal_size((120, 24)).columns
    except (AttributeError, ValueError, OSError):
        pass
    cols = os.environ.get("COLUMNS", "")
    return int(cols) if cols.isdigit() and int(cols) >= 40 else 120


def writer_for(fmt: str, out: IO[str]) -> Writer:
    if fmt == "html":
        from ..report.batch_html import HtmlWriter  # the report layer renders the page
        return HtmlWriter(out)
    return {"jsonl": JsonlWriter, "json": JsonWriter, "csv": CsvWriter}.get(fmt, TextWriter)(out)
