"""One diagnosis, top to bottom: choose a composition of the stages, then assemble the report.

    sources → in memory (``in_memory``) or in two streaming passes (``streaming``)
            → assemble (``assembling``)

Both compositions run the same stages (``opening``, ``parsing``, ``settling``, ``building``,
``judging``) and give the same matches and session summaries, byte for byte.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterable, Iterator

from .. import __version__
from ..catalog.model import Pattern, load_catalog
from ..errors import InputError
from ..input.sources import Source, iter_sources
from ..report.model import Report
from ..sessions import Session
from ..triage import TriageCollector
from .assembling import assemble
from .in_memory import diagnose_in_memory
from .opening import open_input
from .options import Options
from .other_reading import read_both_ways
from . import gate, streaming


def diagnose_paths(paths: list[str], opts: Options | None = None,
                   sessions_out: list[Session] | None = None) -> Report:
    """Diagnose log files, folders and archives (every log they hold, as one ticket)."""
    warnings: list[str] = []
    sources = list(iter_sources(paths, warnings))
    if not sources:
        raise InputError(", ".join(paths), "no log files found",
                         "; ".join(warnings) or "name log files, folders or archives")
    return diagnose_sources(sources, opts, warnings, sessions_out)


def diagnose_sources(sources: Iterable[Source], opts: Options | None = None,
                     warnings: list[str] | None = None, sessions_out: list[Session] | None = None) -> Report:
    """Diagnose the given sources as one ticket; ``sessions_out`` receives the sessions with their events."""
    sources = list(sources)
    opts = opts or Options()
    with collector_paused():
        try:
            report = _diagnose(sources, opts, warnings, sessions_out)
        finally:
            gate.forget()
    if sessions_out is None:
        report = read_both_ways(report, sources, opts, diagnose_sources)
    return report


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause CPython's cyclic garbage collector for one diagnosis.

    A diagnosis allocates an event object, its attribute dict and lists for most log lines
    and keeps them all until the report is built; none of them form reference cycles, so
    every automatic collection rescans a growing heap and finds nothing: on a dense 5 MB
    gateway log that was a third of the run time. Reference counting still frees everything;
    the collector resumes (as it was) when the diagnosis ends.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _diagnose(sources: list[Source], opts: Options, warnings: list[str] | None,
              sessions_out: list[Session] | None) -> Report:
    report = Report(tool_version=__version__, warnings=warnings if warnings is not None else [])
    catalog = opts.catalog if opts.catalog is not None else load_catalog()
    if opts.focus is not None:
        report.filter = opts.focus.to_dict() | {"sessions_left_out": 0, "lines_skipped": 0}  # counted per input
    collector = TriageCollector()  # fed each session while it still has its events
    judged = None
    if sessions_out is None and _streams(sources, opts, catalog):
        judged = streaming.diagnose_streaming(sources, opts, catalog, report, collector)
    if judged is None:
        held: list[Session] = sessions_out if sessions_out is not None else []
        judged = diagnose_in_memory(sources, opts, catalog, report, held)
        for s in held:
            collector.feed(s)
    matches, summaries = judged
    return assemble(report, matches, summaries, opts, collector)


def _streams(sources: list[Source], opts: Options, catalog: list[Pattern]) -> bool:
    """Inputs big enough together that holding their events would cost more than reading them
    twice, unless the ``--peer`` gate lets only a few of their lines through."""
    sizes = [s.log_size for s in sources]
    return (bool(sources) and opts.stream_above is not None and None not in sizes
            and sum(sizes) >= opts.stream_above and streaming.can_stream(catalog)  # type: ignore[arg-type]
            and not (opts.focus is not None and opts.focus.peer and all(_gated(s, opts) for s in sources)))


def _gated(src: Source, opts: Options) -> bool:
    """Whether the ``--peer`` gate applies to a source (its plan is kept for the read that follows)."""
    try:
        opened = open_input(src, opts)
    except InputError:
        return False
    opened.stream.close()
    return opened.gate is not None
