"""A real multi-line NEIKEv2Provider record (libreswan#1450, see the fixture's .source.toml) read
whole, however it was pasted: its client proposals become one ``proposals_configured`` event in
the proposal syntax the engine compares (charon's)."""

from __future__ import annotations

from pathlib import Path

import pytest

from diagnose.api import Options, open_input, parse_events
from diagnose.config.proposals import configured, parse_charon, select
from diagnose.input.sources import iter_sources
from paste_render import RENDERINGS

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "apple" / "libreswan-1450-neikev2-ikesa-config.log"
LINES = FIXTURE.read_text("utf-8").split("\n")


def events(tmp_path: Path, lines: list[str]):
    f = tmp_path / "paste.log"
    f.write_text("\n".join(lines), "utf-8")
    return list(parse_events(open_input(next(iter_sources([str(f)])), Options())))


def test_the_whole_record_is_one_ike_start_with_its_four_proposals(tmp_path):
    evs = events(tmp_path, LINES)
    assert [e.kind for e in evs] == ["ike_start", "proposals_configured"]
    props = evs[1].get("proposals")
    assert len(props) == 4 and evs[1].get("proto") == "IKE"
    # the engine's own parser reads them; ECP_256 (RandomECP256) and MODP_2048 as charon names
    parsed = [parse_charon(p) for p in props]
    assert {tuple(p.algs("KE")) for p in parsed} == {("ECP_256",), ("MODP_2048",)}
    # and they are compared like charon's: a gateway offering aes256-sha256-modp2048 selects one
    assert select(configured("IKE", ["aes256-sha256-modp2048"]), parsed)


@pytest.mark.parametrize("rendering", sorted(RENDERINGS))
def test_record_survives_every_paste_rendering(rendering, tmp_path):
    want = [(e.kind, e.get("proposals")) for e in events(tmp_path, LINES)]
    got = [(e.kind, e.get("proposals")) for e in events(tmp_path, RENDERINGS[rendering](LINES))]
    assert got == want


def test_message_column_only_is_still_read_whole(tmp_path):
    # Console or a chat paste keeps only the message text: the prefix of the header line is gone
    head = LINES[1].split("] ", 1)[1]
    evs = events(tmp_path, [head, *LINES[2:]])
    assert [e.kind for e in evs] == ["ike_start", "proposals_configured"]
    assert len(evs[1].get("proposals")) == 4
