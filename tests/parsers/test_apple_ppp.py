"""macOS ``/var/log/ppp.log`` (L2TP/IPsec): real excerpts (tests/fixtures/apple/ppp-*.log, see their
.source.toml) read into the shared event vocabulary.  Both are pasted as the README shows them,
indented by four spaces, so the paste repair is exercised too."""

from __future__ import annotations

from pathlib import Path

from diagnose.api import Options, open_input, parse_events
from diagnose.input.sources import iter_sources

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "apple"


def read(name: str):
    op = open_input(next(iter_sources([str(FIXTURES / name)])), Options())
    return op, list(parse_events(op))


def test_l2tp_server_silent_after_ipsec_is_an_l2tp_error():
    op, evs = read("ppp-aws-ec2-xl2tpd-l2tp-cannot-connect.log")
    assert op.parser.name == "apple-legacy" and op.ctx.stats.unparsed == 0
    kinds = [(e.kind, e.line) for e in evs]
    assert kinds == [("ike_start", 2), ("child_established", 5), ("ike_established", 6), ("client_error", 8)]
    assert evs[0].get("version") == 1 and evs[0].get("role") == "initiator"
    assert (evs[-1].get("domain"), evs[-1].get("code")) == ("L2TP", "l2tp-cannot-connect")
    assert all(e.time is not None and e.time.year == 2021 for e in evs)


def test_healthy_l2tp_connection_names_the_server_and_has_no_error():
    _, evs = read("ppp-aws-ec2-xl2tpd-connected.log")
    assert [e.kind for e in evs] == ["connect_start", "ike_start", "child_established", "ike_established"]
    assert evs[0].get("server") == "yyy.yyy.yyy.yyy"
    assert not any(e.kind == "client_error" for e in evs)
