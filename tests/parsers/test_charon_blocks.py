"""The block-level front end (``diagnose/parsers/charon_blocks.py``) changes no event and no report.

The golden comparison (``golden.GoldenComparison``) runs every sample, every sample log alone
(in memory and streamed) and every prefix style with the block path and with
``charon_blocks.PER_LINE`` (the per-line parser everywhere), and compares the JSON reports;
a corpus slice adds that the block path really served its lines.  Below, real lab lines with
their prefixes disturbed (the shapes where the fast split must step aside) are compared
event by event, field by field, at block sizes that cut the input everywhere.
"""

from __future__ import annotations

import io
import json
import re

import pytest

import diagnose.parsers.charon as charon
from diagnose.input.reader import ReadStats, numbered_lines
from diagnose.parsers import charon_blocks
from diagnose.parsers.base import ParseContext
from diagnose.parsers.charon import CharonParser
from golden import SAMPLES, GoldenComparison, report_json

SWITCH = (charon_blocks, "PER_LINE")


class TestGolden(GoldenComparison):
    switch = SWITCH


def _count_per_line_calls(monkeypatch) -> dict[str, int]:
    """How many lines the per-line parser read (``calls["n"]``), however they got there."""
    calls = {"n": 0}
    real = charon._Run.one

    def counting(self, *a):
        calls["n"] += 1
        return real(self, *a)
    monkeypatch.setattr(charon._Run, "one", counting)
    return calls


@pytest.mark.parametrize("streamed", [False, True], ids=["memory", "streamed"])
def test_a_corpus_slice_gives_the_same_report_from_the_block_path(corpus_log, streamed, monkeypatch):
    calls = _count_per_line_calls(monkeypatch)
    fast = report_json([str(corpus_log)], streamed, SWITCH, False, monkeypatch)
    by_block, calls["n"] = calls["n"], 0
    per_line = report_json([str(corpus_log)], streamed, SWITCH, True, monkeypatch)
    assert fast == per_line
    assert json.loads(fast)["findings"]
    assert by_block * 10 < calls["n"]  # nine lines in ten never reach the per-line parser


def test_a_block_path_that_forgets_sa_ids_fails_the_comparison(corpus_log, monkeypatch):
    """The comparison can fail: a front end that drops the <N> of its lines changes the report."""
    monkeypatch.setattr(charon_blocks, "LINE", re.compile(
        charon_blocks.LINE.pattern.replace(r"(?:<([^|>\n]*\|)?(\d+)> )?", r"(?:<([^|>\n]*\|)?()\d+> )?"), re.M))
    assert report_json([str(corpus_log)], False, SWITCH, False, monkeypatch) != \
        report_json([str(corpus_log)], False, SWITCH, True, monkeypatch)


# -- event by event, on real lines with disturbed prefixes ----------------------------------------


def _lab_lines() -> list[bytes]:
    out: list[bytes] = []
    for s in SAMPLES:
        if s.name.startswith("lab-"):
            out += (s.folder / "server-charon.log").read_bytes().splitlines()
    return out


def _disturbed(lines: list[bytes]) -> bytes:
    """The lines, every few with a prefix the fast split must leave to the per-line parser:
    blank or whitespace-only messages, two spaces or a tab before NN[GRP], an unknown group, a
    log level, a leading space, a syslog header, no time, CRLF and lone CR line ends, a NUL, a
    bad UTF-8 byte, empty lines, a JSON record (made from the line's own parts), a syslog header
    with a tab, a mark after a tab before the real one, a line opening with a brace, a mark of an
    unknown group before the real one."""
    out = []
    for i, line in enumerate(lines):
        m = re.match(rb"^(\S+ +\S+ \S+) (\d+)\[([A-Z]{3})\] (.*)$", line)
        k = i % 21
        if m is None or k == 0:
            out.append(line)
            continue
        ts, th, grp, rest = m.groups()
        out.append({
            1: ts + b" " + th + b"[" + grp + b"] ",
            2: ts + b"  " + th + b"[" + grp + b"] " + rest,
            3: ts + b"\t" + th + b"[" + grp + b"] " + rest,
            4: ts + b" " + th + b"[XYZ] " + rest,
            5: ts + b" " + th + b"[" + grp + b"2] " + rest,
            6: b" " + line,
            7: ts + b" gw charon[12]: " + th + b"[" + grp + b"] " + rest,
            8: th + b"[" + grp + b"] " + rest,
            9: line + b"\r",
            10: line + b"\rtail",
            11: line.replace(b" ", b"\x00", 1),
            12: line + b" \xff",
            13: b"",
            14: json.dumps({"time": ts.decode(), "thread": int(th), "group": grp.decode(),
                            "msg": rest.decode()}).encode(),
            15: line + b"   ",
            16: ts + b" " + th + b"[" + grp + b"] <|" + str(i).encode() + b"> " + rest,
            17: ts + b" gw\tcharon[12]: " + th + b"[" + grp + b"] " + rest,
            18: ts + b"\t" + th + b"[" + grp + b"] x " + th + b"[" + grp + b"] " + rest,
            19: b"{" + line,
            20: ts + b" " + th + b"[XYZ] x " + th + b"[" + grp + b"] " + rest,
        }[k])
    return b"\n".join(out) + b"\n"


def _parse(data: bytes, per_line: bool, chunk: int, monkeypatch):
    monkeypatch.setattr(charon_blocks, "PER_LINE", per_line)
    monkeypatch.setattr(charon_blocks, "BLOCK_BYTES", chunk)
    ctx, rstats = ParseContext(path="t.log", year=2026), ReadStats()
    evs = list(CharonParser().parse(numbered_lines(io.BytesIO(data), rstats, chunk=chunk), ctx))
    return ([(e.kind, e.line, e.text, e.time, e.side, e.ike_id, e.ike_name, e.thread, e.peer, e.spis, e.attrs)
             for e in evs], ctx.stats, rstats, ctx.side)


@pytest.mark.parametrize("chunk", [4096, 65536, 1 << 20])
@pytest.mark.parametrize("shape", ["as-written", "disturbed", "crlf"])
def test_the_block_path_gives_the_per_line_events_and_counts(chunk, shape, monkeypatch):
    lines = _lab_lines()
    data = {"as-written": lambda: b"\n".join(lines) + b"\n", "disturbed": lambda: _disturbed(lines),
            "crlf": lambda: b"\r\n".join(lines) + b"\r\n"}[shape]()
    per_line = _parse(data, True, chunk, monkeypatch)
    by_block = _parse(data, False, chunk, monkeypatch)
    assert len(per_line[0]) > 1000
    assert by_block[0] == per_line[0]
    assert by_block[1:] == per_line[1:]


def test_streaming_contexts_get_the_same_events(monkeypatch):
    data = _disturbed(_lab_lines())
    out = []
    for per_line in (True, False):
        monkeypatch.setattr(charon_blocks, "PER_LINE", per_line)
        ctx = ParseContext(path="t.log", year=2026, stream=True)
        out.append([(e.line, e.kind, e.ike_id) for e in CharonParser().parse(numbered_lines(io.BytesIO(data)), ctx)])
    assert out[0] == out[1]


def test_a_log_that_changes_style_midway_gives_the_per_line_events(monkeypatch):
    """Blocks of journald lines (no NN[GRP]: every line per line, later blocks skip ``findall``)
    followed by file-log lines: the block path must pick the fast split up again."""
    from charon_styles import render
    lines = [ln.decode() for ln in _lab_lines()]
    data = ("\n".join(render(lines, "journal-systemd-short") + lines) + "\n").encode()
    monkeypatch.setattr(charon_blocks, "RETRY_AFTER", 2)
    calls = _count_per_line_calls(monkeypatch)
    per_line = _parse(data, True, 4096, monkeypatch)
    calls["n"] = 0
    by_block = _parse(data, False, 4096, monkeypatch)
    assert by_block == per_line
    assert calls["n"] < len(lines) * 1.2  # the file-log half was mostly read by blocks
