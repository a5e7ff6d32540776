"""``ikedoctor batch``: diagnose many cases (tickets, bundles, rotated logs) in one run.

The pieces, each small and separately testable:

* ``cases``    — walk folders and archives and group inputs into picklable ``CaseSpec``s
* ``rotation`` — order rotated files of one log oldest first
* ``unit``     — ``run_case(spec) -> CaseResult``: the pure unit of work (same pipeline as ``diagnose``)
* ``executors``— run the unit serially, on a process pool or on a Dask cluster, in stable order
* ``summary``  — fold results into counts per finding, client, gateway, day/week and worst cases
* ``output``   — text, json, jsonl and csv writers
"""

from .cases import CaseSpec, InputRef, discover
from .unit import CaseResult, run_case

__all__ = ["CaseSpec", "InputRef", "discover", "CaseResult", "run_case"]
