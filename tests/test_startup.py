"""Start-up: listing the commands loads no pipeline, and the start-up benchmark runs (no wall-clock asserts)."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("diagnose.api", "diagnose.pipeline", "diagnose.parsers", "diagnose.catalog", "diagnose.config.check", "diagnose.batch.driver",
         "diagnose.redact", "diagnose.timeline", "diagnose.report.terminal", "rich", "cryptography")


def test_registering_the_commands_imports_no_pipeline():
    code = ("import sys\nfrom diagnose.cli import _register\n_register()\n"
            f"print(sorted(m for m in sys.modules if m.startswith({HEAVY!r})))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


def test_check_default_clients_match_the_checker():
    from diagnose.cli.check_cmd import DEFAULT_CLIENTS
    from diagnose.config.check import DEFAULT_CLIENTS as CHECKER
    assert DEFAULT_CLIENTS == CHECKER


@pytest.mark.benchmark
def test_startup_benchmark_prints_ratios(capsys):
    from benchmarks.bench_startup import main
    results = main(["--runs", "1"])
    out = capsys.readouterr().out
    assert "x python -c pass" in out and set(results) >= {"python -c pass", "ikedoctor --help"}
    assert all(t > 0 for t in results.values())
