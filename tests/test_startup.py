"""Start-up: listing the commands loads no pipeline, and the start-up benchmark runs (no wall-clock asserts)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("diagnose.api", "diagnose.pipeline", "diagnose.parsers", "diagnose.catalog", "diagnose.config.check",
         "diagnose.batch.driver",
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


def test_a_paste_diagnosis_imports_no_pydantic(tmp_path):
    """typer 0.29 builds a pydantic TypeAdapter per parameter on every run (~70 ms of a paste's start-up):
    the dependency pin keeps it out, and this notices if an install or a new import brings it back."""
    code = ("import sys, io, contextlib\n"
            "sys.argv = ['ikedoctor', 'diagnose', '--exit-zero', '-']\n"
            "from diagnose.cli import main\n"
            "try:\n"
            "    with contextlib.redirect_stdout(io.StringIO()):\n"
            "        main()\n"
            "except SystemExit:\n"
            "    pass\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'pydantic_core')))\n")
    paste = b"".join((ROOT / "samples" / "lab-no-certreq" / "server-charon.log").read_bytes().splitlines(True)[:40])
    r = subprocess.run([sys.executable, "-c", code], input=paste, capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().strip() == "[]"

