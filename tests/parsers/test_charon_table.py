"""The message table reads a message whose spaces a poster lost or doubled (``Table.match_loose``)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from diagnose.api import Options, diagnose_paths
from diagnose.events import Side
from diagnose.parsers.charon import table
from samples_index import SAMPLES, all_samples

ROWS = tomllib.loads((Path(__file__).parents[1] / "catalog" / "fragments.toml").read_text("utf-8"))["fragment"]
#: ``NN[GRP] [<name|N>] `` after any time or syslog head: the message follows
_BODY = re.compile(r"^(.*?\d+\[[A-Z]{3}\] (?:<[^>]*> )?)(.*)$")


def squeeze(message: str) -> str:
    """A retyped message: no space before a quote or bracket, none after a closing quote."""
    return re.sub(r" (?=['(\[])|(?<=') ", "", message)


def double(message: str) -> str:
    return message.replace(" ", "  ")


def _damaged(row: dict, damage, tmp_path: Path) -> Path:
    lines = (SAMPLES / row["sample"]).read_text().splitlines()
    out = []
    for n in row["lines"]:
        m = _BODY.match(lines[n - 1])
        out.append(m.group(1) + damage(m.group(2)) if m else lines[n - 1])
    path = tmp_path / "fragment.log"
    path.write_text("\n".join(out) + "\n")
    return path


CHARON_ROWS = [r for r in ROWS if r["sample"].endswith("charon.log")]


@pytest.mark.parametrize("damage", [squeeze, double], ids=["lost", "doubled"])
@pytest.mark.parametrize("row", CHARON_ROWS, ids=[f"{r['pattern']}:{r['lines']}" for r in CHARON_ROWS])
def test_decisive_lines_with_damaged_spaces_still_rank_their_pattern_first(row, damage, tmp_path):
    folder, name = row["sample"].split("/", 1)
    side = next(s.files[name]["side"] for s in all_samples() if s.name == folder)
    findings = diagnose_paths([str(_damaged(row, damage, tmp_path))], Options(side=Side(side))).findings
    assert findings and findings[0].id == row["pattern"], [(f.id, f.confidence) for f in findings]


def test_a_message_with_lost_spaces_gets_the_same_reading():
    line = (SAMPLES / "lab-san-mismatch" / "client-charon.log").read_text().splitlines()[32]
    message = _BODY.match(line).group(2)
    rule, m = table().match(message)
    rule2, m2 = table().match(squeeze(message))
    assert squeeze(message) != message and rule2 is rule and m2.groups() == m.groups()


def test_every_word_of_the_format_must_still_be_there():
    line = (SAMPLES / "lab-san-mismatch" / "client-charon.log").read_text().splitlines()[32]
    message = squeeze(_BODY.match(line).group(2))
    words = message.split()
    for i in range(len(words)):
        cut = " ".join(words[:i] + words[i + 1:])
        hit = table().match(cut)
        assert hit is None or hit[0].kind != table().match(message)[0].kind, cut
