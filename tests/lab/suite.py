"""Running several scenarios at once (they only sleep most of the time, so a few run in parallel)."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from .pki import make_pki
from .runner import LabError, RunResult, run_scenario
from .samples import missing_lines
from .scenario import Scenario


@dataclass
class Outcome:
    scenario: Scenario
    result: RunResult | None
    error: str | None        # lab failure, or marker messages missing from the logs


def run_all(scenarios: list[Scenario], workroot: Path, jobs: int = 3) -> Iterator[Outcome]:
    """Run ``scenarios`` (one shared PKI) and yield their outcomes in order."""
    pki = make_pki(workroot / "pki")

    def one(sc: Scenario) -> Outcome:
        try:
            result = run_scenario(sc, workroot / sc.id, pki)
        except LabError as exc:
            return Outcome(sc, None, f"lab error: {exc}")
        problems = missing_lines(sc, result)
        return Outcome(sc, result, "; ".join(problems) if problems else None)

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        yield from pool.map(one, scenarios)
