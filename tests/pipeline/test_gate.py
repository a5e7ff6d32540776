"""The ``--peer`` literal gate (``diagnose/pipeline/gate.py``) changes no focused report.

Every sample gateway log re-rendered in every prefix style, and a slice of the benchmark
corpus (many clients, one dense log), is diagnosed with ``--peer`` once with the gate and
once with it off (every line parsed, the session-level focus alone), for each client address
the log shows and one it does not. The JSON reports must be identical except what the gate's
report contract says differs: ``inputs[].events`` counts only the parsed lines' events,
``filter.sessions_left_out`` only the other clients' sessions that were built (the gate's
skipped IKE_SAs never are), and ``filter.lines_skipped`` says how many lines were skipped.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import diagnose.pipeline.gate as gate
import diagnose.pipeline.run as run
from benchmarks.corpus import build
from charon_styles import STYLES, rendered_sample_logs
from diagnose.api import Options, diagnose_paths
from diagnose.focus import Focus
from interleaved import interleave
from samples_index import all_samples

run_gated = run._gated
ABSENT = "203.0.113.254"  # a documentation address no sample uses
#: styles whose prefix carries the SA id (``ike_name = yes``): the gate must apply there
GATED_STYLES = {"filelog-time-ikename", "filelog-iso-ms", "filelog-loglevel", "syslog", "kubectl-timestamps",
                "docker-compose"}


def _report(path: str, peer: str | None, gated: bool, streamed: bool, monkeypatch) -> dict:
    monkeypatch.setattr(gate, "ENABLED", gated)
    # a gated log is diagnosed in memory however big; streamed, it must give the same report
    monkeypatch.setattr(run, "_gated", lambda src, opts: not streamed and run_gated(src, opts))
    focus = Focus(peer=peer) if peer else None
    d = diagnose_paths([path], Options(focus=focus, stream_above=0 if streamed else None)).to_dict()
    d.pop("tool_version", None)
    return d


def _comparable(d: dict) -> str:
    """The report without what the gate's contract lets differ: the events of skipped lines and the
    sessions of other clients (never built behind the gate), as counted and in the filter warning."""
    d = json.loads(json.dumps(d, default=str))
    for i in d["inputs"]:
        i.pop("events")
    for key in ("lines_skipped", "sessions_left_out"):
        d["filter"].pop(key)
    d["warnings"] = [w.split(" (")[0] if w.startswith("filter:") else w for w in d["warnings"]]
    return json.dumps(d, indent=2, ensure_ascii=False)


def _same(path: str, peer: str, monkeypatch, streamed: bool = False) -> int:
    """Compare the gated and the ungated report; the lines the gate skipped."""
    gated = _report(path, peer, True, streamed, monkeypatch)
    whole = _report(path, peer, False, streamed, monkeypatch)
    assert whole["filter"]["lines_skipped"] == 0
    assert _comparable(gated) == _comparable(whole), (path, peer)
    skipped = gated["filter"]["lines_skipped"]
    assert [i["lines"] for i in gated["inputs"]] == [i["lines"] for i in whole["inputs"]]
    assert sum(i["events"] for i in gated["inputs"]) <= sum(i["events"] for i in whole["inputs"])
    return skipped


def _peers(path: str, monkeypatch) -> list[str]:
    whole = _report(path, None, False, False, monkeypatch)
    return sorted({s["peer"] for s in whole["sessions"] if s["peer"] and s["side"] == "server"}) + [ABSENT]


@pytest.mark.parametrize("style", STYLES)
def test_every_rendered_gateway_log_gives_the_focused_report(style, tmp_path, monkeypatch):
    skipped = 0
    logs = list(rendered_sample_logs(all_samples(), style, tmp_path))  # client logs too: never gated
    assert logs
    for log in logs:
        for peer in _peers(str(log), monkeypatch):
            skipped += _same(str(log), peer, monkeypatch)
    assert (skipped > 0) == (style in GATED_STYLES)


@pytest.fixture(scope="module")
def corpus_log(tmp_path_factory) -> Path:
    [log] = build(tmp_path_factory.mktemp("corpus"), 2_000_000, 1)
    return log


@pytest.fixture(scope="module")
def interleaved_log(corpus_log, tmp_path_factory) -> Path:
    return interleave(corpus_log, tmp_path_factory.mktemp("interleaved") / "charon.log")


def test_clients_whose_lines_interleave_give_the_focused_report(interleaved_log, monkeypatch):
    """Two halves of the corpus played at once: other clients' jobs run between a client's lines
    on other threads, so a gate that kept or dropped a line of the wrong job would show here."""
    peers = _peers(str(interleaved_log), monkeypatch)
    assert len(peers) > 100
    lines = sum(1 for _ in interleaved_log.open("rb"))
    for peer in peers[::8] + ["192.0.2.3", ABSENT]:  # every 8th client, and one in many copies
        assert _same(str(interleaved_log), peer, monkeypatch) > 0.9 * lines, peer


def test_a_gated_log_above_the_streaming_size_is_held_in_memory(corpus_log, monkeypatch):
    calls = []
    monkeypatch.setattr(run.streaming, "diagnose_streaming", lambda *a: calls.append(a))
    diagnose_paths([str(corpus_log)], Options(focus=Focus(peer=ABSENT), stream_above=0))
    assert calls == []
    monkeypatch.setattr(gate, "ENABLED", False)  # ungated, the same log is streamed (tried first)
    diagnose_paths([str(corpus_log)], Options(focus=Focus(peer=ABSENT), stream_above=0))
    assert len(calls) == 1


@pytest.mark.parametrize("streamed", [False, True], ids=["memory", "streamed"])
def test_a_corpus_slice_gives_the_focused_report_parsing_a_fraction(corpus_log, streamed, monkeypatch):
    peers = _peers(str(corpus_log), monkeypatch)
    lines = sum(1 for _ in corpus_log.open("rb"))
    for peer in [peers[0], peers[len(peers) // 2], peers[-2], ABSENT]:
        skipped = _same(str(corpus_log), peer, monkeypatch, streamed)
        assert skipped > 0.9 * lines, peer  # one client of many: nearly every line skipped


class _Every:
    """A picker wanting the given line numbers (1-based), as ``Gate`` does."""

    def __init__(self, wanted: set[int]) -> None:
        self.wanted, self.seen = wanted, 0

    def skips(self, count: int) -> bool:
        if any(self.seen < n <= self.seen + count for n in self.wanted):
            return False
        self.seen += count
        return True

    def pick(self, lines: list[bytes]) -> list[int]:
        base, self.seen = self.seen, self.seen + len(lines)
        return [i for i in range(len(lines)) if base + i + 1 in self.wanted]


@pytest.mark.parametrize("nul", [False, True], ids=["clean", "with-nul"])
def test_the_reader_numbers_every_line_and_yields_only_the_picked(nul):
    import io
    from diagnose.input.reader import ReadStats, numbered_lines
    lines = [b"synthetic line %d" % i + (b"\x00" if nul and i == 5000 else b"") for i in range(1, 40001)]
    data = b"\n".join(lines) + b"\n"
    wanted = {1, 2, 17_000, 39_999, 40_000}
    stats = ReadStats()
    got = list(numbered_lines(io.BytesIO(data), stats, chunk=64 * 1024, pick=_Every(wanted)))
    assert [n for n, _ in got] == sorted(wanted)
    assert all(t == f"synthetic line {n}" for n, t in got)
    assert stats.lines == 40_000 and stats.nul_lines == (1 if nul else 0)


def test_a_client_side_log_is_never_gated(monkeypatch):
    """The focus keeps a client's own log whole; its lines name the gateway, not the client."""
    from diagnose.events import Side
    log = next(f for s in all_samples() for f in s.log_files() if s.name == "lab-duplicate-identity"
               and f.name == "server-charon.log")
    reports = []
    for gated in (True, False):
        monkeypatch.setattr(gate, "ENABLED", gated)
        d = diagnose_paths([str(log)], Options(side=Side.CLIENT, focus=Focus(peer="192.0.2.3"))).to_dict()
        d.pop("tool_version", None)
        reports.append(d)
    assert reports[0] == reports[1] and reports[0]["filter"]["lines_skipped"] == 0
