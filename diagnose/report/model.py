"""The report: what every front end (terminal, JSON, Markdown, batch) renders.

One structure serves ``diagnose``, ``check`` and ``batch`` so that a finding
means the same thing wherever it is printed; ``to_dict`` is the JSON schema
``ikedoctor.report/1`` documented in README.md.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SCHEMA = "ikedoctor.report/1"


@dataclass(slots=True)
class Evidence:
    """A line that proves (or argues against) a finding."""

    path: str
    line: int
    text: str
    role: str = "required"  # required | supporting | contradicting | config
    side: str = "unknown"
    time: str | None = None


def where(path: str, line: int) -> str:
    """``path:line``, or the path alone for evidence without a line (a VICI answer)."""
    return f"{path}:{line}" if line else path


@dataclass(slots=True)
class Finding:
    id: str
    title: str
    confidence: float
    side: str  # server | client | both | config
    root_cause: str
    fix: str
    evidence: list[Evidence] = field(default_factory=list)
    session: str | None = None
    evidence_status: str = "verified"  # verified | unverified (no real sample yet)
    #: [{lang, title, text}]; `check` adds where it goes ({mode: replace|add, path, line}) so a tool can apply it
    fix_snippets: list[dict[str, Any]] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: rule: every required group of the pattern was met; decisive: concluded from the pattern's
    #: decisive lines alone (a fragment), at a lower confidence, with what would confirm it in notes
    basis: str = "rule"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class NotableLine:
    """An error or warning line no finding cites, with what it means and where to look."""

    path: str
    line: int
    text: str
    side: str
    severity: str  # error | warning
    meaning: str
    look_at: list[str] = field(default_factory=list)
    count: int = 1  # lines of the same message (the first is shown)


@dataclass(slots=True)
class InputSummary:
    path: str
    format: str
    side: str
    lines: int
    recognised: int
    events: int
    unparsed: int
    style: str | None = None
    errors: list[str] = field(default_factory=list)
    unparsed_examples: list[dict[str, Any]] = field(default_factory=list)
    first_time: str | None = None  # the first and last time stamp, as the log prints them
    last_time: str | None = None
    sa_lines: int = 0  # lines about an IKE_SA or CHILD_SA (charon): 0 in a log nothing reached
    side_assumed: bool = False  # no line showed which end wrote the log: ``side`` is a default


def side_label(inp: InputSummary) -> str:
    """The side as the input tables print it: ``server?`` when no line showed it (assumed)."""
    return f"{inp.side}?" if inp.side_assumed else inp.side


@dataclass(slots=True)
class SessionSummary:
    id: str
    side: str
    path: str
    ike_name: str | None
    unique_id: str | None
    peer: str | None
    local: str | None
    role: str | None  # initiator | responder
    version: int | None
    start: str | None
    end: str | None
    outcome: str  # established | failed | incomplete | deleted
    events: int
    partner: str | None = None
    clock_offset_s: float | None = None
    identities: dict[str, str] = field(default_factory=dict)
    not_established_because: str | None = None  # None when established


@dataclass(slots=True)
class Report:
    inputs: list[InputSummary] = field(default_factory=list)
    sessions: list[SessionSummary] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    verdict: str = ""
    tool_version: str = ""
    warnings: list[str] = field(default_factory=list)
    #: failure | unidentified-failure | inconclusive | healthy | no-ike (diagnose.triage)
    status: str = ""
    notable_lines: list[NotableLine] = field(default_factory=list)
    next_steps: list[str] = field(default_factory=list)
    #: set when ``--peer``/``--client`` kept only some sessions (``diagnose.focus``): what was asked
    #: for and how many gateway sessions were left out; absent from the JSON otherwise
    filter: dict[str, Any] | None = None

    @property
    def failed(self) -> bool:
        """A failure was found: a catalog finding, or a failure the catalog cannot name."""
        return bool(self.findings) or self.status == "unidentified-failure"

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "tool_version": self.tool_version,
            "verdict": self.verdict,
            "status": self.status,
            "inputs": [asdict(i) for i in self.inputs],
            "sessions": [asdict(s) for s in self.sessions],
            "findings": [f.to_dict() for f in self.findings],
            "notable_lines": [asdict(n) for n in self.notable_lines],
            "next_steps": list(self.next_steps),
            "warnings": list(self.warnings),
        } | ({"filter": dict(self.filter)} if self.filter is not None else {})
