"""Run ``run_case`` over many cases: serially, on a process pool, or on a Dask cluster.

Every executor yields results in the order of the specs it was given, whatever
order workers finish in, so a batch's output is identical for any ``--jobs`` and
any executor.  ``on_done`` is called as each case finishes (for the progress bar).
"""

from __future__ import annotations

import os
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Callable, Iterator

from .cases import CaseSpec
from .memory import case_estimate
from .unit import CaseResult, run_case

Done = Callable[[CaseResult], None]


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def run_serial(specs: list[CaseSpec], on_done: Done | None = None) -> Iterator[CaseResult]:
    for spec in specs:
        res = run_case(spec)
        if on_done:
            on_done(res)
        yield res


def fits(need: int, in_use: int, memory: int | None, running: int) -> bool:
    """Whether a case estimated at ``need`` bytes may start now; with nothing running, one always may."""
    return memory is None or running == 0 or in_use + need <= memory


def run_processes(specs: list[CaseSpec], jobs: int, on_done: Done | None = None,
                  memory: int | None = None) -> Iterator[CaseResult]:
    """A process pool, yielded in order, with at most ``2 * jobs`` cases in flight and, when
    ``memory`` (bytes) is given, only as many running as their estimates fit (one always runs)."""
    if jobs <= 1 or len(specs) <= 1:
        yield from run_serial(specs, on_done)
        return
    window = 2 * jobs
    need = [case_estimate(s.log_size) for s in specs]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        pending: dict[int, Future[CaseResult]] = {}
        ready: dict[int, CaseResult] = {}
        nxt = submitted = 0
        in_use = 0  # estimated memory of the submitted cases not finished yet
        while nxt < len(specs):
            while submitted < len(specs) and len(pending) + len(ready) < window:
                if not fits(need[submitted], in_use, memory, running=len(pending)):
                    break  # wait until running cases free enough
                pending[submitted] = pool.submit(run_case, specs[submitted])
                in_use += need[submitted]
                submitted += 1
            done, _ = wait(list(pending.values()), return_when=FIRST_COMPLETED)
            for i, fut in list(pending.items()):
                if fut in done:
                    del pending[i]
                    in_use -= need[i]
                    ready[i] = fut.result()
                    if on_done:
                        on_done(ready[i])
            while nxt in ready:
                yield ready.pop(nxt)
                nxt += 1


def run_dask(specs: list[CaseSpec], scheduler: str | None, jobs: int,
             on_done: Done | None = None) -> Iterator[CaseResult]:
    """The same unit of work on a Dask cluster (``scheduler`` address, else a local cluster)."""
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError as exc:  # pragma: no cover - depends on the optional extra
        from ..errors import InputError
        raise InputError("--executor dask", f"dask is not installed ({exc})",
                         'pip install "ikedoctor[dask]"') from None
    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    try:
        futures = client.map(run_case, specs, pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        ready: dict[int, CaseResult] = {}
        nxt = 0
        for fut in as_completed(futures):
            i = index[fut.key]
            ready[i] = fut.result()
            fut.release()
            if on_done:
                on_done(ready[i])
            while nxt in ready:
                yield ready.pop(nxt)
                nxt += 1
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def run(specs: list[CaseSpec], executor: str = "process", jobs: int | None = None,
        scheduler: str | None = None, on_done: Done | None = None,
        memory: int | None = None) -> Iterator[CaseResult]:
    """``memory`` bounds the process pool only: a serial run holds one case at a time, and a
    Dask cluster's workers have their own memory limits."""
    jobs = jobs or default_jobs()
    if executor == "serial":
        return run_serial(specs, on_done)
    if executor == "dask":
        return run_dask(specs, scheduler, jobs, on_done)
    return run_processes(specs, jobs, on_done, memory)
