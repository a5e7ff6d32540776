"""``--peer`` / ``--client`` (``diagnose/focus.py``): one client's sessions of a busy gateway log."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.corpus import build
import diagnose.pipeline.gate as gate
from diagnose.api import Options, diagnose_paths
from diagnose.events import Event, Side
from diagnose.focus import Focus
from diagnose.sessions import Session
from samples_index import all_samples


def _session(sid: str, peer: str | None, remote_id: str | None = None, side: Side = Side.SERVER,
             eap_failed: str | None = None) -> Session:
    """A synthetic session: only the events the focus reads (no log lines)."""
    events = []
    if remote_id:
        events.append(Event(kind="config_lookup", path="synthetic", line=1, text="", attrs={"remote_id": remote_id}))
    if eap_failed:
        events.append(Event(kind="eap_failed", path="synthetic", line=2, text="", attrs={"id": eap_failed}))
    return Session(id=sid, path="synthetic", side=side, peer=peer, events=events)


def test_peer_keeps_its_address_in_any_spelling_and_sessions_naming_no_client():
    sessions = [_session("a", "10.0.0.7"), _session("b", "10.0.0.8"), _session("c", None),
                _session("d", "2001:db8::7"), _session("e", "10.0.0.9", side=Side.CLIENT)]
    assert Focus(peer="10.0.0.7").select(sessions) == [True, False, True, False, True]
    assert Focus(peer="2001:DB8:0::7").select(sessions) == [False, False, True, True, True]


def test_client_keeps_its_identities_and_the_addresses_it_used():
    sessions = [_session("init-only", "10.0.0.7"),  # failed before any identity was sent
                _session("auth", "10.0.0.7", remote_id="alice@example.com"),
                _session("eap", "10.0.0.9", remote_id="10.0.0.9", eap_failed="alice@example.com"),
                _session("other", "10.0.0.8", remote_id="bob@example.com"),
                _session("other-init", "10.0.0.8")]
    assert Focus(client="alice@example.com").select(sessions) == [True, True, True, False, False]


def test_identities_seen_at_the_peer_keep_its_sessions_without_an_address():
    sessions = [_session("a", "10.0.0.7", remote_id="alice"), _session("b", None, remote_id="alice"),
                _session("c", None, remote_id="bob")]
    assert Focus(peer="10.0.0.7").select(sessions) == [True, True, False]


def test_a_peer_that_is_no_address_is_refused():
    with pytest.raises(ValueError, match="not an IP address"):
        Focus(peer="alice")


def _json(paths: list[str], focus: Focus | None, streamed: bool) -> dict:
    d = diagnose_paths(paths, Options(focus=focus, stream_above=0 if streamed else None)).to_dict()
    d.pop("tool_version", None)
    return d


@pytest.fixture(scope="module")
def corpus_log(tmp_path_factory) -> Path:
    [log] = build(tmp_path_factory.mktemp("corpus"), 2_000_000, 1)
    return log


@pytest.fixture(scope="module")
def whole(corpus_log) -> dict:
    return _json([str(corpus_log)], None, False)


def test_a_focused_report_is_that_clients_part_of_the_whole_one(corpus_log, whole, monkeypatch):
    monkeypatch.setattr(gate, "ENABLED", False)  # the session-level focus alone (tests/pipeline/test_gate.py: with it)
    assert "filter" not in whole
    by_id = {s["id"]: s for s in whole["sessions"]}
    finding = next(f for f in whole["findings"] if f["session"] in by_id and by_id[f["session"]]["peer"])
    peer = by_id[finding["session"]]["peer"]
    focused = _json([str(corpus_log)], Focus(peer=peer), False)
    assert focused == _json([str(corpus_log)], Focus(peer=peer), True)  # streamed alike, byte for byte
    assert finding["id"] in {f["id"] for f in focused["findings"]}
    assert {f["id"] for f in focused["findings"]} <= {f["id"] for f in whole["findings"]}
    kept = focused["sessions"]
    assert kept and all(s == by_id[s["id"]] for s in kept)  # the same sessions, as the whole log built them
    assert {s["peer"] for s in kept} == {peer}
    assert focused["filter"] == {"peer": peer, "client": None, "lines_skipped": 0,
                                 "sessions_left_out": len(whole["sessions"]) - len(kept)}
    assert any(w.startswith("filter:") and peer in w for w in focused["warnings"])


def test_a_client_identity_focuses_streamed_and_in_memory_alike(corpus_log, whole):
    ids = {s["identities"].get("remote_id") for s in whole["sessions"]} - {None}
    client = sorted(ids)[0]
    focused = _json([str(corpus_log)], Focus(client=client), False)
    assert focused == _json([str(corpus_log)], Focus(client=client), True)
    assert 0 < len(focused["sessions"]) < len(whole["sessions"])
    assert any(s["identities"].get("remote_id") == client for s in focused["sessions"])


def test_the_client_log_stays_when_the_gateway_log_is_focused():
    sample = next(s for s in all_samples() if s.name == "lab-no-certreq")
    focused = _json([str(sample.folder)], Focus(peer="198.51.100.254"), False)
    sides = {s["side"] for s in focused["sessions"]}
    assert sides == {"client"}
    assert focused["filter"]["sessions_left_out"] > 0


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "diagnose", *args], capture_output=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[1])


def test_cli_diagnose_and_batch_take_peer(corpus_log, whole):
    peer = whole["sessions"][0]["peer"]
    r = _cli("diagnose", "--format", "json", "--exit-zero", "--peer", peer, str(corpus_log))
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["filter"]["peer"] == peer
    r = _cli("batch", "--format", "jsonl", "--executor", "serial", "--peer", peer, str(corpus_log.parent))
    assert r.returncode in (0, 1), r.stderr
    [case] = [json.loads(line) for line in r.stdout.splitlines() if line.strip()]
    assert case["filter"]["peer"] == peer and any(w.startswith("filter:") for w in case["warnings"])
    r = _cli("diagnose", "--peer", "not-an-address", str(corpus_log))
    assert r.returncode == 2 and b"not an IP address" in r.stderr
