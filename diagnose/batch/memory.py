"""How much memory a case needs, and how much a batch may use at once.

A case keeps every event of its logs until its report is built (year settling, the
session builder, cross-side pairing and the catalog all need the whole set), so a
worker's peak grows with the case's size. A case of at least ``STREAM_ABOVE`` bytes of logs
is read twice instead (``diagnose.pipeline.streaming``) and keeps a summary per session, a sixth as
much. So
the process pool admits a case only while the estimates of the cases running fit a
budget (``--memory``, default: most of the memory available when the batch starts). A case
larger than the whole budget still runs, alone, with a warning.
"""

from __future__ import annotations

import os

from ..api import STREAM_ABOVE

#: a worker's own footprint (interpreter, libraries, the compiled catalog and message table)
WORKER_BASE = 64 * 1024**2
#: peak resident bytes per byte of log: 4.6-4.9 measured on dense charon logs of 5-100 MB
#: (``python -m benchmarks.bench_memory``), with a margin for other formats
BYTES_PER_LOG_BYTE = 6
#: the share of the memory available at start that a batch takes when not told
DEFAULT_SHARE = 0.75


#: the same for a single log big enough to be diagnosed in two streaming passes
#: (``diagnose.pipeline.streaming``): 0.6 measured, it keeps a summary per session, not the events
BYTES_PER_STREAMED_BYTE = 1


def case_estimate(size: int) -> int:
    """Expected peak memory of the worker that diagnoses a case of ``size`` log bytes.

    (A case with logs of both sides past the threshold is paired in memory: the estimate
    is low for it; such cases are rare, client logs being small.)
    """
    size = max(0, size)
    if size >= STREAM_ABOVE:
        return WORKER_BASE + BYTES_PER_LOG_BYTE * STREAM_ABOVE + BYTES_PER_STREAMED_BYTE * size
    return WORKER_BASE + BYTES_PER_LOG_BYTE * size


def available_memory() -> int | None:
    """Memory available to new processes now (Linux ``MemAvailable``), else physical memory."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def default_budget() -> int | None:
    avail = available_memory()
    return int(avail * DEFAULT_SHARE) if avail else None


def too_big_warning(size: int, budget: int) -> str:
    return (f"this case needs about {case_estimate(size) // 1024**2} MB of memory, more than the batch's "
            f"budget of {budget // 1024**2} MB: it ran alone (raise --memory, or split the log)")
