"""Issue 13, "Done when": every sample, re-rendered as people paste it, gives its first finding.

The renderings (``tests/paste_render.py``) keep every real line and only add the damage a
paste suffers: wrapped at 72 columns (cut, and word-wrapped), non-breaking spaces,
markdown backticks, ``> `` quoting, charon prefixes cut to ``NN[GRP]``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from diagnose.api import diagnose_paths
from diagnose.input.sources import NOT_LOGS
from paste_render import RENDERINGS
from samples_index import all_samples

SAMPLES = all_samples()


def _logs(sample) -> list[Path]:
    if sample.files:
        return [sample.folder / f for f in sample.files]
    return sorted(p for p in sample.folder.iterdir() if p.is_file() and p.suffix not in NOT_LOGS)


def first_finding(paths: list[Path]) -> str | None:
    findings = diagnose_paths([str(p) for p in paths]).findings
    return findings[0].id if findings else None


@pytest.mark.parametrize("rendering", sorted(RENDERINGS))
@pytest.mark.parametrize("sample", SAMPLES, ids=[s.name for s in SAMPLES])
def test_pasted_sample_keeps_its_first_finding(sample, rendering, tmp_path):
    render = RENDERINGS[rendering]
    out = []
    for src in _logs(sample):
        lines = src.read_text("utf-8", errors="replace").split("\n")
        dst = tmp_path / src.name
        dst.write_text("\n".join(render(lines)), "utf-8")
        out.append(dst)
    # the same first finding as the original paste (lab samples: their expect; corpus cases: whatever
    # the undamaged paste gives, right or wrong: damage must not change the answer)
    assert first_finding(out) == first_finding(_logs(sample))
