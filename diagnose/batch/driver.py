"""One batch run: discover cases, run them, filter, write, summarise, show progress.

Kept apart from the CLI so tests and other tools can run a batch in-process.
The progress bar (bytes and cases, via rich) is drawn only when stderr is a
terminal; piped or redirected runs print nothing but their output.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import IO

from .cases import Discovery
from .executors import run
from .memory import case_estimate, default_budget, too_big_warning
from .output import writer_for
from .summary import Filters, Summary, filter_result
from .unit import CaseResult


@dataclass(slots=True)
class BatchOptions:
    format: str = "text"
    jobs: int | None = None
    executor: str = "process"  # serial | process | dask
    scheduler: str | None = None
    filters: Filters = field(default_factory=Filters)
    log_format: str | None = None
    side: str | None = None
    year: int | None = None
    tz_offset_s: int | None = None
    tz_name: str | None = None  # an IANA zone name: each worker looks it up (tzinfo objects pickle poorly)
    progress: bool | None = None  # None: only when stderr is a terminal
    redact_key: bytes | None = None
    memory: int | None = None  # bytes the running cases may take together; None: most of what is available
    focus_peer: str | None = None  # --peer / --client in every case (``diagnose.focus``)
    focus_client: str | None = None


def run_batch(paths: list[str], out: IO[str], opts: BatchOptions | None = None) -> Summary:
    opts = opts or BatchOptions()
    summary = Summary()
    # workers of a remote Dask scheduler cannot see this machine's temp folder: no member copies for them
    with Discovery(copy_members=not (opts.executor == "dask" and opts.scheduler)) as disc:
        specs = disc.cases(paths)
        budget = opts.memory if opts.memory is not None else default_budget()
        for s in specs:
            s.log_format, s.side, s.year, s.tz_offset_s = opts.log_format, opts.side, opts.year, opts.tz_offset_s
            s.tz_name = opts.tz_name
            s.redact_key = opts.redact_key
            s.focus_peer, s.focus_client = opts.focus_peer, opts.focus_client
            if budget is not None and case_estimate(s.log_size) > budget:
                s.warnings.append(too_big_warning(s.log_size, budget))
        writer = writer_for(opts.format, out)
        show = sys.stderr.isatty() if opts.progress is None else opts.progress
        with _Progress(show, len(specs), sum(s.size for s in specs)) as bar:
            for res in run(specs, opts.executor, opts.jobs, opts.scheduler, bar.advance, budget):
                kept = filter_result(res, opts.filters)
                if kept is None:
                    continue
                summary.add(kept)
                writer.case(kept)
        writer.close(summary)
    return summary


class _Progress:
    """A rich progress bar on stderr (bytes and cases), or nothing."""

    def __init__(self, show: bool, cases: int, total_bytes: int) -> None:
        self.show, self.cases, self.total = show, cases, total_bytes
        self._p = None

    def __enter__(self) -> "_Progress":
        if self.show:
            from rich.console import Console
            from rich.progress import (BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn,
                                       TransferSpeedColumn)
            self._p = Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                               TransferSpeedColumn(), TimeRemainingColumn(),
                               console=Console(stderr=True), transient=True)
            self._p.start()
            self._done = 0
            self._task = self._p.add_task(f"0/{self.cases} cases", total=self.total or None)
        return self

    def advance(self, res: CaseResult) -> None:
        if self._p is not None:
            self._done += 1
            self._p.update(self._task, advance=res.bytes, description=f"{self._done}/{self.cases} cases")

    def __exit__(self, *exc: object) -> None:
        if self._p is not None:
            self._p.stop()
