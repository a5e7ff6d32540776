"""Messages only one end writes tell a fragment's side (``data/charon_roles.toml``)."""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from diagnose.api import diagnose_paths
from diagnose.parsers.charon import table
from diagnose.parsers.charon_table import written_by
from samples_index import SAMPLES

DATA = tomllib.loads(resources.files("diagnose.parsers").joinpath("data/charon_roles.toml").read_text("utf-8"))
REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "charon-messages.tsv"
_BODY = re.compile(r"^.*?\d+\[[A-Z]{3}\] (?:<[^>]*> )?(.*)$")
SIDE = {"responder": "server", "initiator": "client"}


def _examples() -> dict[str, str]:
    """Per format with a fixed end, the first real line of a bundled sample that prints it."""
    found: dict[str, str] = {}
    for log in sorted(SAMPLES.glob("*/*charon*.log")):
        for line in log.read_text(errors="replace").splitlines():
            m = _BODY.match(line)
            hit = table().match(m.group(1).strip()) if m else None
            if hit is not None and hit[0].role is not None and hit[0].format not in found:
                found[hit[0].format] = line
    return found


EXAMPLES = _examples()


def test_every_format_is_one_the_table_reads():
    formats = {r.format.strip() for r in table().rules()}
    missing = [f for e in DATA["end"] for f in e["formats"] if f not in formats]
    assert not missing


@pytest.mark.skipif(not REFERENCE.is_file(), reason="needs ../shared/reference beside the project")
def test_every_entry_has_a_format_of_charons_source():
    known = {row.split("\t")[2] for row in REFERENCE.read_text().splitlines() if row.count("\t") >= 2}
    assert all(any(f in known for f in e["formats"]) for e in DATA["end"])


def test_most_entries_have_a_real_line_in_the_samples():
    assert len(EXAMPLES) >= 12, sorted(EXAMPLES)


@pytest.mark.parametrize("fmt", sorted(EXAMPLES))
def test_the_line_alone_gives_the_side_that_writes_it(fmt, tmp_path):
    log = tmp_path / "fragment.log"
    log.write_text(EXAMPLES[fmt] + "\n")
    inp = diagnose_paths([str(log)]).inputs[0]
    assert not inp.side_assumed and inp.side == SIDE[written_by()[fmt]], EXAMPLES[fmt]
