"""A fragment that does not show which end wrote it, read the other way too.

charon writes the same words on both ends: ``constraint check failed: certificate does not
confirm identity`` is the gateway rejecting a client's certificate, or a client (the Android
app, a Linux road warrior) rejecting the gateway's.  A log that says who opened the IKE_SA
("initiating IKE_SA", requests of the opening exchanges) settles it; the three lines a poster
quotes often do not, and are then read as the gateway's, where most charon pastes come from.
When that guess decides the answer, the report says so, with what the client's reading would
conclude and the option that settles it, and a finding that only the guess supports is no more
than a possible cause: its confidence measures the evidence, not which end wrote it. When only
the other end's reading names a cause (the client's "received NO_PROPOSAL_CHOSEN notify error"),
that reading is the report, marked the same way.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable

from ..events import Side
from ..input.sources import Source
from ..report.model import Report
from .assembling import POSSIBLE_BELOW, verdict
from .options import Options

#: a log this big is no fragment: reading it twice would double the run for a rare case
MAX_EVENTS = 2_000
#: the most a finding that rests on the assumed side can claim: a possible cause
ASSUMED_SIDE_CONFIDENCE = POSSIBLE_BELOW - 0.05
WHOSE = {Side.SERVER: "the gateway's", Side.CLIENT: "the client's"}


def read_both_ways(report: Report, sources: list[Source], opts: Options,
                   diagnose: Callable[[list[Source], Options], Report]) -> Report:
    """The report, or the other end's reading when only that one names a cause; with a warning
    when a lone input's side was assumed and the other side reads differently."""
    if opts.side is not None or opts.focus is not None or len(report.inputs) != 1:
        return report
    inp = report.inputs[0]
    if not inp.side_assumed or inp.events > MAX_EVENTS:
        return report
    assumed = Side(inp.side)
    other_side = Side.CLIENT if assumed is Side.SERVER else Side.SERVER
    other = diagnose(sources, replace(opts, side=other_side))
    mine = report.findings[0] if report.findings else None
    theirs = other.findings[0] if other.findings else None
    if theirs is None or (mine is not None and mine.id == theirs.id):
        return report
    if mine is None:  # only the other reading names a cause: it is the better guess
        other.inputs[0].side_assumed = True
        _only_possible(other, set(), other_side)
        other.warnings.append(
            f"{inp.path}: no line shows which end wrote this log. Read as {WHOSE[assumed]}, it shows no "
            f"known failure; read as {WHOSE[other_side]}, it does, so that reading is shown: if the log "
            f"is {WHOSE[assumed]}, run again with --side {assumed.value}.")
        return other
    _only_possible(report, {f.id for f in other.findings}, assumed)
    report.warnings.append(
        f"{inp.path}: no line shows which end wrote this log, so it was read as {WHOSE[assumed]}. "
        f"Read as {WHOSE[other_side]}, the first finding is {theirs.title!r} ({theirs.id}, confidence "
        f"{theirs.confidence:.0%}): if the log is {WHOSE[other_side]}, run again with --side {other_side.value}.")
    return report


def _only_possible(report: Report, also_other: set[str], side: Side) -> None:
    """Cap the findings the other reading does not share: they rest on the guessed side."""
    for f in report.findings:
        if f.id not in also_other and f.confidence > ASSUMED_SIDE_CONFIDENCE:
            f.confidence = ASSUMED_SIDE_CONFIDENCE
            f.notes.append(f"read as {WHOSE[side]} log, which no line shows: a possible cause until the side is known")
    report.findings.sort(key=lambda f: (-f.confidence, f.id))
    report.verdict = verdict(report)
