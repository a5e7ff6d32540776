"""How a corpus case is scored against its thread's label (scripts/accuracy.py, tests/test_corpus.py)."""

from __future__ import annotations

from dataclasses import dataclass

from diagnose.api import diagnose_paths
from diagnose.errors import InputError
from samples_index import Sample, all_samples

FAILURES = ("failure", "unidentified-failure", "inconclusive")


@dataclass
class Scored:
    sample: Sample
    got_status: str
    got_first: str | None
    got_conf: float | None
    notable: int
    stops: bool
    error: str | None = None

    @property
    def label_status(self) -> str:
        return self.sample.status or ""

    @property
    def top1(self) -> bool | None:
        """Right first finding (failure cases with a labelled ``first``), else None."""
        if self.label_status != "failure" or not self.sample.first:
            return None
        return self.got_first == self.sample.first

    @property
    def answered(self) -> bool:
        """A failure log answered: a finding, an unidentified failure with notable lines, or an
        inconclusive report that names where the log stops."""
        return (self.got_status == "failure" or (self.got_status == "unidentified-failure" and self.notable > 0)
                or (self.got_status == "inconclusive" and self.stops))

    @property
    def correct(self) -> bool:
        if self.error:
            return False
        lab = self.label_status
        if lab == "failure" and self.sample.first:
            return bool(self.top1)
        if lab == "healthy":
            return self.got_status == "healthy"
        if lab == "no-ike":
            return self.got_status == "no-ike"
        if lab == "unidentified-failure":  # the catalog does not know the cause: naming one is wrong
            return self.got_status == "unidentified-failure" and self.notable > 0
        if lab in FAILURES:
            return self.answered and self.got_status != "healthy"
        return False


def score(sample: Sample) -> Scored:
    try:
        r = diagnose_paths([str(p) for p in sample.log_files()])
    except InputError as exc:
        return Scored(sample, "error", None, None, 0, False, error=str(exc))
    top = r.findings[0] if r.findings else None
    return Scored(sample, r.status, top.id if top else None, top.confidence if top else None,
                  len(r.notable_lines), r.verdict.startswith("INCONCLUSIVE: the log stops"))


def corpus() -> list[Sample]:
    return [s for s in all_samples() if s.corpus]
