"""charon lines as people paste them: prefix cut to ``NN[GRP]`` or to the bare message, text
elided with dots, addresses masked.  Every line is cut from a real lab sample; only the
damage a paste does is applied to it."""

from __future__ import annotations

import pytest

from charon_styles import render
from diagnose.api import Options, open_input, parse_events
from diagnose.input.sources import iter_sources
from diagnose.parsers.charon_table import reference, table
from samples_index import SAMPLES

SERVER = SAMPLES / "lab-no-certreq" / "server-charon.log"
REAL = SERVER.read_text("utf-8").split("\n")


def opened(tmp_path, lines: list[str], fmt: str | None = None):
    f = tmp_path / "paste.log"
    f.write_text("\n".join(lines) + "\n", "utf-8")
    op = open_input(next(iter_sources([str(f)])), Options(log_format=fmt))
    events = list(parse_events(op))
    return op, events


def bare_unknown_to_table() -> list[str]:
    """Real messages, prefix removed, that ikedoctor's table makes no event of."""
    bare = render(REAL, "stroke")
    return [m for m in bare if table().match(m) is None and reference().knows(m)]


@pytest.mark.parametrize("n", [1, 2, 3])
def test_a_few_bare_charon_messages_are_detected_as_charon(n, tmp_path):
    lines = bare_unknown_to_table()[:n]
    assert len(lines) == n
    op, _ = opened(tmp_path, lines)
    assert op.parser.name == "charon"
    assert op.ctx.stats.recognised == n and op.ctx.stats.unparsed == 0


def test_bare_lines_forced_as_charon_are_read_not_unparsed(tmp_path):
    lines = bare_unknown_to_table()[:3]
    op, _ = opened(tmp_path, lines, "charon")
    assert op.ctx.stats.recognised == 3


def test_prose_is_no_charon_message():
    for text in ("the VPN does not connect since the update", "I restarted the server twice"):
        assert not reference().knows(text)


@pytest.mark.parametrize("style", ["swanctl-log", "stroke"])
def test_stripped_prefixes_give_the_events_of_the_file_log(style, tmp_path):
    cut = REAL[40:70]
    _, want = opened(tmp_path, cut)
    _, got = opened(tmp_path, render(cut, style))
    assert [e.kind for e in got] == [e.kind for e in want] and want


def _line(needle: str) -> str:
    return next(render([ln], "stroke")[0] for ln in REAL if needle in ln)


@pytest.mark.parametrize("needle,keep", [
    ("received packet: from", "received packet: from"),
    ("initiating EAP_IDENTITY method", "initiating EAP_IDENTITY"),
    ("looking for peer configs matching", "looking for peer configs matching"),
])
def test_elided_message_is_still_that_message(needle, keep, tmp_path):
    real = _line(needle)
    _, want = opened(tmp_path, [real])
    for elided in (keep + ".........", keep + " ...", keep + "\u2026"):
        _, got = opened(tmp_path, [elided])
        assert [e.kind for e in got] == [e.kind for e in want], elided


def test_ambiguous_elision_stays_unmatched():
    # "selected peer config '%s'" and "... '%s' unacceptable: %s" mean opposite things
    real = _line("selected peer config")
    assert table().match(real) is not None
    assert table().match(real[:len("selected peer config")] + ".........") is None


MASKS = ["*CLIENT_IP", "<CLIENT.IP>", "xxx.xxx.xxx.xxx", "x.x.x.x", "1.2.3.4", "[redacted]", "<my-server>",
         "<my server>"]


@pytest.mark.parametrize("mask", MASKS)
def test_masked_addresses_are_opaque_values(mask, tmp_path):
    for needle in ("received packet: from", "looking for peer configs matching", "sending packet: from"):
        real = _line(needle)
        addr = real.split("from ", 1)[1].split("[", 1)[0] if "from " in real else \
            real.split("matching ", 1)[1].split("[", 1)[0]
        _, want = opened(tmp_path, [real])
        masked = real.replace(addr, mask)
        _, got = opened(tmp_path, [masked])
        assert [e.kind for e in got] == [e.kind for e in want], masked
        if got[0].kind == "packet":
            assert mask in (got[0].get("src"), got[0].get("dst"))


def test_masked_port_is_no_number(tmp_path):
    real = _line("received packet: from")
    masked = real.replace("[500]", "[port]").replace("[4500]", "[port]")
    assert masked != real
    _, got = opened(tmp_path, [masked])
    assert got[0].kind == "packet" and got[0].get("src_port") is None and got[0].get("size") is not None


def test_dots_that_are_not_an_elision_claim_no_message():
    # ipsec starter's own "..." (a real line of corpus case 026): no charon message opens so
    # (a short fixed piece such as " to " in a format must not make it one)
    real = next(ln for ln in (SAMPLES / "public-026-ios-split-tunnel-dns" / "server-charon.log")
                .read_text("utf-8").split("\n") if ln.startswith("Attempting to start charon"))
    assert table().match(real) is None and not reference().knows(real)
