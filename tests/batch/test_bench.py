"""The batch benchmark runs end to end at a small size (no wall-clock assertions)."""

from __future__ import annotations

import pytest

from benchmarks.bench_batch import main, parse_size
from benchmarks.corpus import build, load_templates


def test_corpus_lines_are_transformed_sample_lines(tmp_path):
    [log] = build(tmp_path / "c", 200_000, 1)
    data = log.read_bytes()
    assert 190_000 <= len(data) <= 260_000
    assert b"192.0.2.2" not in data  # client addresses are shifted per copy
    assert data.count(b"Starting IKE charon daemon") <= 1  # one long-running daemon
    assert load_templates()


@pytest.mark.benchmark
def test_benchmark_small(tmp_path, capsys):
    assert parse_size("10M") == 10 * 1024**2
    assert main(["--sizes", "1M", "--dir", str(tmp_path), "--jobs", "1", "2", "--ticket-size", "512K"]) == 0
    out = capsys.readouterr().out
    assert "batch MB/s" in out and "control" in out and len(out.splitlines()) == 4


@pytest.mark.benchmark
def test_floor_benchmark_prints_every_step(tmp_path, capsys):
    from benchmarks.bench_floor import main as floor_main, steps
    [log] = build(tmp_path / "c", 100_000, 1)
    assert floor_main([str(log), "--repeat", "1"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in out[2:]] == list(steps([log]))
    assert out[2].split()[2] == "1.0000"  # plain reading is the baseline


@pytest.mark.benchmark
def test_memory_benchmark_reports_a_slope(tmp_path, capsys):
    from benchmarks.bench_memory import main as memory_main
    assert memory_main(["--sizes", "200K", "400K", "--dir", str(tmp_path)]) == 0
    rows = capsys.readouterr().out.splitlines()[2:]
    assert [r.split()[0] for r in rows] == ["200K", "400K"]
    assert float(rows[1].split()[4]) == float(rows[1].split()[4])  # the second size has a slope (not nan)
