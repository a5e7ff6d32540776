"""The process pool admits cases by their memory estimates (``diagnose/batch/memory.py``)."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest

from diagnose.batch import executors
from diagnose.batch.driver import BatchOptions, run_batch
from diagnose.batch.executors import fits
from diagnose.api import STREAM_ABOVE
from diagnose.batch.memory import (BYTES_PER_LOG_BYTE, BYTES_PER_STREAMED_BYTE, WORKER_BASE, available_memory,
                                   case_estimate)
from samples_index import all_samples

LABS = [s.folder for s in all_samples() if s.folder.name.startswith("lab-")][:4]


def _tickets(tmp_path: Path) -> Path:
    root = tmp_path / "tickets"
    for i, lab in enumerate(LABS):
        (root / f"t{i}").mkdir(parents=True)
        (root / f"t{i}" / "charon.log").write_bytes((lab / "server-charon.log").read_bytes())
    return root


def _jsonl(root: Path, **kw) -> list[dict]:
    out = io.StringIO()
    run_batch([str(root)], out, BatchOptions(format="jsonl", progress=False, **kw))
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    for r in rows:
        r.pop("seconds")
    return rows


def test_estimate_grows_with_the_log_and_starts_at_the_worker_footprint():
    assert case_estimate(0) == WORKER_BASE
    assert case_estimate(10**6) == WORKER_BASE + BYTES_PER_LOG_BYTE * 10**6
    assert case_estimate(-5) == WORKER_BASE  # a size the archive lied about


def test_a_huge_case_is_estimated_as_streamed():
    huge = 4 * STREAM_ABOVE
    streamed = case_estimate(huge)
    assert streamed < (WORKER_BASE + BYTES_PER_LOG_BYTE * huge) / 2
    assert case_estimate(2 * huge) - streamed == BYTES_PER_STREAMED_BYTE * huge  # grows, but slowly
    assert case_estimate(STREAM_ABOVE - 1) < case_estimate(STREAM_ABOVE)


def test_admission_keeps_running_cases_within_the_budget_but_never_starves():
    assert fits(100, 0, None, running=3)  # no budget
    assert fits(100, 900, 1000, running=1)
    assert not fits(101, 900, 1000, running=1)
    assert fits(10**12, 0, 1000, running=0)  # too big for the budget: runs, alone


def test_available_memory_is_read_from_the_system():
    avail = available_memory()
    assert avail is None or avail > 0


def _record(spec):
    """A stand-in unit of work (inherited by forked workers) that logs when it ran."""
    from diagnose.batch.unit import run_case
    t0 = time.monotonic()
    res = run_case(spec)
    time.sleep(0.2)  # long enough for two admitted cases to overlap
    with open(Path(spec.inputs[0].container).parent / "ran", "w") as f:
        f.write(f"{t0} {time.monotonic()}")
    return res


def _spans(root: Path) -> list[tuple[float, float]]:
    return sorted(tuple(map(float, (p / "ran").read_text().split())) for p in root.iterdir())


@pytest.mark.parametrize("memory, overlap", [(None, True), (1, False)])
def test_a_budget_too_small_for_two_cases_runs_them_one_at_a_time(tmp_path, monkeypatch, memory, overlap):
    if not hasattr(__import__("os"), "fork"):
        pytest.skip("needs forked workers to see the stand-in unit of work")
    import multiprocessing
    if multiprocessing.get_start_method() != "fork":
        pytest.skip("needs forked workers to see the stand-in unit of work")
    root = _tickets(tmp_path)
    monkeypatch.setattr(executors, "run_case", _record)
    rows = _jsonl(root, jobs=2, memory=memory)
    spans = _spans(root)
    overlaps = any(b[0] < a[1] for a, b in zip(spans, spans[1:]))
    assert overlaps is overlap
    assert len(rows) == len(LABS)


def test_results_and_warnings_with_a_tiny_budget(tmp_path):
    root = _tickets(tmp_path)
    serial = _jsonl(root, executor="serial", memory=10**12)
    tight = _jsonl(root, jobs=2, memory=1)
    assert [r["findings"] for r in tight] == [r["findings"] for r in serial]
    for r in tight:
        assert any("more than the batch's budget" in w and "ran alone" in w for w in r["warnings"])
    assert not any("budget" in w for r in serial for w in r["warnings"])


def test_cli_memory_option_is_in_megabytes(tmp_path):
    import subprocess
    import sys
    root = _tickets(tmp_path)
    def run(mb: str) -> list[dict]:
        out = subprocess.run([sys.executable, "-m", "diagnose", "batch", "--format", "jsonl", "--jobs", "2",
                              "--memory", mb, str(root)], capture_output=True, text=True)
        assert out.returncode in (0, 1), out.stderr
        return [json.loads(line) for line in out.stdout.splitlines()]
    small = [w for r in run("1") for w in r["warnings"]]
    assert sum("budget of 1 MB" in w for w in small) == len(LABS)
    assert not any("budget" in w for r in run("100000") for w in r["warnings"])


def test_compressed_logs_are_estimated_expanded(tmp_path):
    """A rotated ``.gz`` log holds ~10x its size of log: memory estimates and the streaming
    threshold must see that, not the compressed size."""
    import gzip
    from diagnose.batch.cases import Discovery
    from diagnose.input.sources import LOG_EXPANSION, iter_sources
    log = (LABS[0] / "server-charon.log").read_bytes()
    folder = tmp_path / "gw"
    folder.mkdir()
    (folder / "charon.log").write_bytes(log)
    (folder / "charon.log.1.gz").write_bytes(gzip.compress(log))
    with Discovery() as disc:
        [spec] = disc.cases([str(folder)])
    gz = next(i for i in spec.inputs if i.container.endswith(".gz"))
    plain = next(i for i in spec.inputs if not i.container.endswith(".gz"))
    assert gz.compressed and not plain.compressed
    assert spec.log_size == plain.size + LOG_EXPANSION * gz.size
    [src] = list(iter_sources([str(folder / "charon.log.1.gz")]))
    assert src.compressed and src.log_size == LOG_EXPANSION * src.size
