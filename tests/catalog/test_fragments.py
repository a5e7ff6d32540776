"""Every catalog entry concluded from its decisive lines alone, cut from a real sample.

Real pastes are fragments; ``fragments.toml`` names, per pattern, the lines a strongSwan expert
would conclude it from. Pasted alone they must rank the pattern first; and no decisive
condition may match a line of a healthy sample (decisive lines are failure lines).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from diagnose.api import Options, diagnose_paths
from diagnose.events import Side
from diagnose.catalog.engine import event_matches
from diagnose.catalog.model import load_catalog
from samples_index import SAMPLES, all_samples

ROWS = tomllib.loads((Path(__file__).with_name("fragments.toml")).read_text("utf-8"))["fragment"]


def _cut(row: dict, tmp_path: Path) -> Path:
    src = SAMPLES / row["sample"]
    lines = src.read_bytes().splitlines(keepends=True)
    out = tmp_path / src.name  # keep the file name: it tells the side, as a poster's file would
    out.write_bytes(b"".join(lines[n - 1] for n in row["lines"]))
    return out


@pytest.mark.parametrize("row", ROWS, ids=[f"{r['pattern']}:{r['sample'].split('/')[0]}:{r['lines']}" for r in ROWS])
def test_decisive_lines_alone_rank_the_pattern_first(row, tmp_path):
    # which end wrote the lines is what the poster says ("my gateway log"): --side, from sample.toml
    folder, name = row["sample"].split("/", 1)
    side = next((s.files.get(name, {}).get("side") for s in all_samples() if s.name == folder), None)
    opts = Options(side=Side(side)) if side else Options()
    findings = diagnose_paths([str(_cut(row, tmp_path))], opts).findings
    assert findings, f"{row['pattern']}: its decisive lines alone gave no finding"
    assert findings[0].id == row["pattern"], [(f.id, f.confidence) for f in findings]


def test_every_verified_entry_has_a_fragment():
    covered = {r["pattern"] for r in ROWS}
    missing = [p.id for p in load_catalog() if p.evidence_status == "verified" and p.id not in covered]
    assert not missing, f"catalog entries without a fragment row in fragments.toml: {missing}"


def _healthy_sessions():
    from diagnose.api import parse_source
    from diagnose.input.sources import iter_sources
    from diagnose.sessions import build_sessions
    for s in all_samples():
        if s.expect or getattr(s, "status", None) not in (None, "healthy"):
            continue
        for src in iter_sources([str(p) for p in s.log_files()], []):
            parsed = parse_source(src, Options())
            for session in build_sessions(parsed.events, src.name, parsed.side):
                yield s.name, session


def test_no_decisive_entry_is_met_in_a_healthy_session():
    healthy = list(_healthy_sessions())
    assert healthy
    for p in load_catalog():
        for d in p.decisive:
            for name, session in healthy:
                met = all(any(event_matches(e, c) for e in session.events) for c in d.all)
                assert not met, f"{p.id}: decisive '{d.name}' is met in healthy {name} ({session.id})"
