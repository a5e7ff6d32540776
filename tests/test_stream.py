"""The two-pass streaming diagnosis (``diagnose/pipeline/streaming.py``) gives the in-memory report, byte for byte."""

from __future__ import annotations

import os
import tracemalloc
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import diagnose.pipeline.streaming as stream
from benchmarks.corpus import build
from charon_styles import rendered_sample_logs
from correlate.labshift import SAMPLES, read, render_iso
from diagnose.api import Options, diagnose_paths, diagnose_sources
from diagnose.input.sources import Source
from diagnose.timeparse import is_yearless
from samples_index import all_samples

LOGS = [f for s in all_samples() for f in s.log_files() if f.is_file()]
STYLES = ("syslog", "journal-systemd-short-iso", "json", "filelog-notime")


def _report(path: Path, streamed: bool) -> dict:
    d = diagnose_paths([str(path)], Options(stream_above=0 if streamed else None)).to_dict()
    d.pop("tool_version", None)
    return d


@pytest.fixture
def spy(monkeypatch):
    """The inputs of every streaming diagnosis, and whether it went through (False: fell back)."""
    calls: list[tuple[list[str], bool]] = []
    real = stream.diagnose_streaming

    def counting(sources, *a, **k):
        out = real(sources, *a, **k)
        calls.append(([s.name for s in sources], out is not None))
        return out

    monkeypatch.setattr(stream, "diagnose_streaming", counting)
    return calls


@pytest.mark.parametrize("log", LOGS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_sample_log_streams_to_the_same_report(log, spy):
    assert _report(log, True) == _report(log, False)
    # every streamed diagnosis went through (a fragment whose side was assumed is read twice:
    # pipeline.other_reading)
    assert spy and all(call == ([str(log)], True) for call in spy)


@pytest.mark.parametrize("style", STYLES)
def test_rendered_styles_stream_to_the_same_report(style, tmp_path):
    for out in rendered_sample_logs(all_samples(), style, tmp_path):
        assert _report(out, True) == _report(out, False), out.name


@pytest.fixture(scope="module")
def corpus_log(tmp_path_factory) -> Path:
    """About 3 MB of a long-running gateway: identities recur, SAs overlap, peer units span the file."""
    [log] = build(tmp_path_factory.mktemp("corpus"), 3_000_000, 1)
    return log


def test_a_long_gateway_log_streams_to_the_same_report(corpus_log, spy):
    streamed, held = _report(corpus_log, True), _report(corpus_log, False)
    assert streamed == held
    assert held["findings"] and len(held["sessions"]) > 500
    assert any("overlapping" in str(f) or f["id"] == "stale-child-sa-after-sleep" for f in held["findings"])
    assert spy == [([str(corpus_log)], True)]


def test_a_shifted_year_is_applied_the_same_way(tmp_path):
    """A yearless log with no file date, whose month lies ahead of today: settle_times moves
    it a year back. Only the timestamps of real lines are changed (to next month's first day)."""
    now = datetime.now()
    if now.month == 12 and now.day >= 30:
        pytest.skip("next month's first day is next year")
    ahead = datetime(now.year, now.month % 12 + 1, 1) if now.month < 12 else datetime(now.year, 12, 31)
    log = next(f for f in LOGS if f.name == "server-charon.log" and is_yearless(f.read_text().splitlines()[0]))
    text = "\n".join(ahead.strftime("%b %d") + line[6:] for line in log.read_text().splitlines()) + "\n"
    path = tmp_path / "ahead.log"
    path.write_text(text)

    def report(streamed: bool) -> dict:
        src = Source(str(path), lambda: open(path, "rb"), size=path.stat().st_size, mtime=None)
        d = diagnose_sources([src], Options(stream_above=0 if streamed else None)).to_dict()
        d.pop("tool_version", None)
        return d
    streamed, held = report(True), report(False)
    assert streamed == held
    assert any(f"set to {now.year - 1} from today's date" in w for w in held["warnings"])


def test_streaming_holds_much_less_than_the_events(tmp_path):
    [log] = build(tmp_path / "corpus", 6_000_000, 1)  # big enough that events outweigh fixed caches

    def peak(streamed: bool) -> int:
        tracemalloc.start()
        try:
            diagnose_paths([str(log)], Options(stream_above=0 if streamed else None))
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak(True) < peak(False) / 2


def test_inputs_stream_when_they_add_up_to_the_threshold(spy):
    sample = next(s for s in all_samples() if len(s.log_files()) == 2)
    a, b = sample.log_files()
    size = a.stat().st_size
    diagnose_paths([str(a)], Options(stream_above=size + 1))
    assert spy == []
    diagnose_paths([str(a)], Options(stream_above=size))
    assert spy == [([str(a)], True)]
    spy.clear()
    diagnose_paths([str(a)], Options(stream_above=0), sessions_out=[])  # the caller wants the events
    assert spy == []


def test_both_sides_fall_back_to_memory_for_pairing(spy):
    sample = next(s for s in all_samples() if s.name == "lab-no-certreq")
    streamed, held = _report(sample.folder, True), _report(sample.folder, False)
    assert streamed == held
    assert [ok for _, ok in spy] == [False]
    assert any(s["partner"] for s in held["sessions"])


def _two_gateway_logs(tmp_path: Path, zone: timezone | None = None) -> list[Path]:
    """Two real gateway logs: one year-less with a misleading file date, one with full dates."""
    first = SAMPLES / "lab-healthy-eap-mschapv2" / "server-charon.log"
    second = SAMPLES / "lab-no-certreq" / "server-charon.log"
    a, b = tmp_path / "a-charon.log", tmp_path / "b-charon.log"
    a.write_text(first.read_text())
    when = datetime(2030, 6, 1).timestamp()
    os.utime(a, (when, when))
    b.write_text(render_iso(read(second, year=2026), zone))
    return [a, b]


@pytest.mark.parametrize("zone", [None, timezone(timedelta(hours=1))])
def test_several_inputs_settle_years_and_zones_together(tmp_path, spy, zone):
    paths = _two_gateway_logs(tmp_path, zone)

    def report(streamed: bool) -> dict:
        d = diagnose_paths([str(p) for p in paths], Options(stream_above=0 if streamed else None)).to_dict()
        d.pop("tool_version", None)
        return d
    streamed, held = report(True), report(False)
    assert streamed == held
    assert [ok for _, ok in spy] == [True]
    assert any("a-charon.log" in w and "other inputs" in w for w in held["warnings"])
    assert any("assumed UTC+01:00" in w for w in held["warnings"]) is (zone is not None)


def test_an_unreadable_single_input_is_reported_as_in_memory(tmp_path):
    junk = tmp_path / "junk.log"
    junk.write_bytes(b"\x00\x01\x02" * 1000)
    with pytest.raises(Exception) as streamed:
        diagnose_paths([str(junk)], Options(stream_above=0))
    with pytest.raises(Exception) as held:
        diagnose_paths([str(junk)], Options(stream_above=None))
    assert str(streamed.value) == str(held.value)


def _second_pass_sees(monkeypatch, change) -> None:
    """Run ``change(path)`` between the two passes."""
    real = stream._assign

    def assign_then_change(src, opts):
        plan = real(src, opts)
        change(Path(src.name))
        return plan
    monkeypatch.setattr(stream, "_assign", assign_then_change)


def test_a_log_that_grows_between_the_passes_is_judged_as_first_read(tmp_path, monkeypatch):
    log = next(f for f in LOGS if f.name == "server-charon.log")
    copy = tmp_path / "live.log"
    copy.write_bytes(log.read_bytes())
    before = _report(copy, False)
    _second_pass_sees(monkeypatch, lambda p: p.write_bytes(p.read_bytes() + log.read_bytes()))
    after = _report(copy, True)
    assert after["findings"] == before["findings"] and after["sessions"] == before["sessions"]
    assert any("grew while it was read" in w for w in after["warnings"])


def test_a_log_that_changes_between_the_passes_is_refused(tmp_path, monkeypatch):
    from diagnose.errors import InputError
    log = next(f for f in LOGS if f.name == "server-charon.log")
    copy = tmp_path / "rotated.log"
    copy.write_bytes(log.read_bytes())
    _second_pass_sees(monkeypatch, lambda p: p.write_bytes(b"\n".join(log.read_bytes().splitlines()[5:])))
    with pytest.raises(InputError, match="changed while it was read"):
        diagnose_paths([str(copy)], Options(stream_above=0))


def test_a_compressed_log_counts_its_expanded_size(tmp_path, spy):
    import gzip
    log = next(f for f in LOGS if f.name == "server-charon.log")
    gz = tmp_path / "charon.log.1.gz"
    gz.write_bytes(gzip.compress(log.read_bytes()))
    streamed = diagnose_paths([str(gz)], Options(stream_above=gz.stat().st_size + 1)).to_dict()
    assert spy == [([str(gz)], True)]
    held = diagnose_paths([str(gz)], Options(stream_above=None)).to_dict()
    assert {k: v for k, v in streamed.items() if k != "tool_version"} == \
        {k: v for k, v in held.items() if k != "tool_version"}
