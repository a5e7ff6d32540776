"""The unit of work: one case in, one ``CaseResult`` out.

``run_case`` is a pure, module-level function of plain data so that it pickles
to a process pool or a Dask worker.  It reopens the case's inputs itself and
runs exactly ``diagnose.api.diagnose_sources`` over them (the same pipeline and
catalog as ``ikedoctor diagnose``), then keeps only what the batch summary and
the per-case outputs need.  It never raises: an unreadable case becomes a
result with ``error`` set, so one bad ticket never stops a batch.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import asdict, dataclass, field
from datetime import timedelta, timezone
from functools import lru_cache
from typing import Any, BinaryIO

from ..api import Options, diagnose_sources
from ..catalog.model import Pattern, load_catalog
from ..errors import IkedoctorError, InputError
from ..events import Side
from ..focus import Focus
from ..input.sources import Source, decompressing, iter_sources
from .cases import CaseSpec, MemberCopy
from ..redact import Redactor, redact_report, scrub_report


@dataclass(slots=True)
class CaseResult:
    """What batch keeps of one case's report: small, plain, picklable."""

    case: str
    inputs: list[dict[str, Any]] = field(default_factory=list)  # InputSummary dicts, as diagnose's JSON
    findings: list[dict[str, Any]] = field(default_factory=list)  # Finding dicts, as diagnose's JSON
    verdict: str = ""
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    internal: bool = False  # the error is a bug in ikedoctor, not in the input: batch exits 3
    bytes: int = 0
    seconds: float = 0.0
    sessions: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    #: per session: (day "YYYY-MM-DD" or "", client identity or peer, gateway address, outcome)
    session_rows: list[tuple[str, str, str, str]] = field(default_factory=list)
    #: finding session unit -> client identity/peer, for the per-client summary
    unit_clients: dict[str, str] = field(default_factory=dict)
    #: finding session unit -> gateway address, for the per-gateway summary
    unit_gateways: dict[str, str] = field(default_factory=dict)
    filter: dict[str, Any] | None = None  # the report's ``filter`` (--peer/--client), as diagnose's JSON

    def to_dict(self) -> dict[str, Any]:
        return {"case": self.case, "verdict": self.verdict, "error": self.error, "inputs": self.inputs,
                "findings": self.findings, "warnings": self.warnings, "sessions": self.sessions,
                "outcomes": self.outcomes, "bytes": self.bytes, "seconds": round(self.seconds, 3)} \
            | ({"filter": self.filter} if self.filter is not None else {})


@lru_cache(maxsize=1)
def _catalog() -> list[Pattern]:
    return load_catalog()


def options_for(spec: CaseSpec) -> Options:
    tz = timezone(timedelta(seconds=spec.tz_offset_s)) if spec.tz_offset_s is not None else None
    if spec.tz_name:
        from dateutil import tz as dtz
        tz = dtz.gettz(spec.tz_name) or tz
    side = Side(spec.side) if spec.side else None
    focus = Focus(spec.focus_peer, spec.focus_client) if spec.focus_peer or spec.focus_client else None
    return Options(log_format=spec.log_format, side=side, year=spec.year, tz=tz, catalog=_catalog(), focus=focus)


def case_sources(spec: CaseSpec, warnings: list[str]) -> list[Source]:
    """Reopen the case's inputs, in the case's order (archives are listed once per container)."""
    listed: dict[str, dict[str, Source]] = {}
    out: list[Source] = []
    for ref in spec.inputs:
        if ref.copy is not None:
            out.append(_copied_member(ref.name, ref.size, ref.copy))
            continue
        if ref.member is None:
            out.extend(iter_sources([ref.container], warnings))
            continue
        if ref.container not in listed:
            listed[ref.container] = {s.name: s for s in iter_sources([ref.container], [])}
        src = listed[ref.container].get(ref.name)
        if src is None:
            warnings.append(f"{ref.name}: member vanished since the archive was listed")
        else:
            out.append(src)
    return out


def _copied_member(name: str, size: int, copy: MemberCopy) -> Source:
    """An archive member discovery copied to the private temp folder, read as the member itself.

    Named, sized, dated and hinted as the archive listing gave it, and opened
    through the same ``decompressing`` (cap, archive-in-archive refused), so the
    report is what reading the member in place gives.  The copy's temp path
    never shows, so it needs no ``_rename`` (which runs after redaction, and
    redaction may treat a temp path and an ``archive!member`` name differently).
    """

    def opener() -> BinaryIO:
        try:
            return open(copy.path, "rb")
        except OSError as exc:
            raise InputError(name, f"cannot read its copy in the temporary folder ({exc.strerror})") from None

    return Source(name, lambda: decompressing(opener, name, size), size=size, mtime=copy.mtime,
                  hints=dict(copy.hints))


def run_case(spec: CaseSpec) -> CaseResult:
    """Diagnose one case exactly as ``ikedoctor diagnose`` would; never raises."""
    t0 = time.perf_counter()
    res = CaseResult(case=spec.name, bytes=spec.size)
    warnings = list(spec.warnings)
    try:
        if spec.error:
            raise _CaseError(spec.error)
        if not spec.inputs:
            raise _CaseError("no log files in this case")
        sources = case_sources(spec, warnings)
        report = scrub_report(diagnose_sources(sources, options_for(spec), warnings))
        if spec.redact_key is not None:
            report = redact_report(report, Redactor(key=spec.redact_key))
        # as Report.to_dict() has them, without serialising every session (batch needs only counts)
        res.inputs = [asdict(i) for i in report.inputs]
        res.findings = [f.to_dict() for f in report.findings]
        res.verdict = report.verdict
        res.warnings = list(report.warnings)
        res.filter = dict(report.filter) if report.filter is not None else None
        res.sessions = len(report.sessions)
        by_id: dict[str, str] = {}
        gateway_of: dict[str, str] = {}
        for s in report.sessions:
            res.outcomes[s.outcome] = res.outcomes.get(s.outcome, 0) + 1
            if s.side == "client":  # the client's own log: it is the local end, the gateway the peer
                client, gateway = s.identities.get("local_id") or s.local or "", s.peer or ""
            else:
                client, gateway = s.identities.get("remote_id") or s.peer or "", s.local or ""
            by_id[s.id], gateway_of[s.id] = client, gateway
            res.session_rows.append(((s.start or "")[:10], client, gateway, s.outcome))
        for f in res.findings:
            unit = f.get("session") or ""
            res.unit_clients[unit] = by_id.get(unit) or _peer_of_unit(unit)
            res.unit_gateways[unit] = gateway_of.get(unit, "")
    except (IkedoctorError, _CaseError) as exc:
        res.error, res.warnings = str(exc), warnings
    except Exception as exc:  # noqa: BLE001 - one broken case must not stop a batch of thousands
        tb = traceback.format_exception_only(type(exc), exc)[-1].strip()
        res.error, res.warnings, res.internal = f"internal error: {tb}", warnings, True
    res.seconds = time.perf_counter() - t0
    if spec.rename:
        _rename(res, *spec.rename)
    return res


class _CaseError(Exception):
    pass


def _peer_of_unit(unit: str) -> str:
    """A peer-scope finding's unit is ``path#peer:<identity>``."""
    return unit.rsplit("#peer:", 1)[1] if "#peer:" in unit else ""


def _rename(res: CaseResult, tmp: str, shown: str) -> None:
    """Show a nested archive's members as ``outer!inner!member``, not by the private temp path."""

    def fix(v: Any) -> Any:
        if isinstance(v, str):
            return v.replace(tmp, shown)
        if isinstance(v, list):
            return [fix(x) for x in v]
        if isinstance(v, tuple):
            return tuple(fix(x) for x in v)
        if isinstance(v, dict):
            return {fix(k): fix(x) for k, x in v.items()}
        return v

    res.inputs, res.findings, res.warnings = fix(res.inputs), fix(res.findings), fix(res.warnings)
    res.unit_clients = fix(res.unit_clients)
    res.unit_gateways = fix(res.unit_gateways)
    if res.error:
        res.error = fix(res.error)
