"""How often a finding of a given confidence is right, measured on the bundled samples.

Each sample's ``sample.toml`` says which findings its logs must give (``expect``, and
``expect_server_only`` for the gateway's log alone). Every finding ikedoctor reports on a
sample folder, and on the gateway log alone where the sample says what that gives, is
counted in its confidence band as right (its id is expected) or wrong. For the public corpus
(``corpus = true``) only the first finding counts, right when it is the thread's ``first``. Prints a Markdown
table (docs/confidence.md holds the last run):

    python3 -m benchmarks.calibration
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

BANDS = ((0.9, 1.0), (0.8, 0.9), (0.7, 0.8), (0.6, 0.7), (0.5, 0.6), (0.0, 0.5))


@dataclass
class Band:
    low: float
    high: float
    right: int = 0
    wrong: int = 0

    @property
    def label(self) -> str:
        return f"under {self.high:.0%}" if self.low == 0 else f"{self.low:.0%}-{self.high:.0%}".replace(
            "-100%", "-99%")


def band_of(bands: list[Band], confidence: float) -> Band:
    return next(b for b in bands if b.low <= confidence < b.high or (b.high == 1.0 and confidence >= 1.0))


def calibrate(cases: list[tuple[list[tuple[str, float]], list[str]]]) -> list[Band]:
    """``cases``: (findings as (id, confidence), expected ids) per diagnosed case."""
    bands = [Band(lo, hi) for lo, hi in BANDS]
    for findings, expected in cases:
        for fid, conf in findings:
            b = band_of(bands, conf)
            if fid in expected:
                b.right += 1
            else:
                b.wrong += 1
    return bands


def sample_cases() -> list[tuple[list[tuple[str, float]], list[str]]]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from samples_index import all_samples

    from diagnose.api import diagnose_paths

    cases = []
    for s in all_samples():
        rep = diagnose_paths([str(s.folder)])
        if s.corpus:  # a real paste labelled by its thread: only the first finding is judged, against `first`
            cases.append(([(f.id, f.confidence) for f in rep.findings[:1]], [s.first] if s.first else []))
            continue
        cases.append(([(f.id, f.confidence) for f in rep.findings], s.expect))
        if s.expect_server_only is not None and s.server_files():
            rep = diagnose_paths([str(p) for p in s.server_files()])
            cases.append(([(f.id, f.confidence) for f in rep.findings], s.expect_server_only))
    return cases


def table(bands: list[Band]) -> str:
    rows = ["| confidence | findings | right | wrong | right share |", "|---|---:|---:|---:|---:|"]
    for b in bands:
        n = b.right + b.wrong
        share = f"{b.right / n:.0%}" if n else "–"
        rows.append(f"| {b.label} | {n} | {b.right} | {b.wrong} | {share} |")
    return "\n".join(rows)


def main() -> None:
    cases = sample_cases()
    print(f"{len(cases)} diagnosed cases (sample folders, and gateway logs alone where the sample says what "
          "they give)\n")
    print(table(calibrate(cases)))


if __name__ == "__main__":
    main()
