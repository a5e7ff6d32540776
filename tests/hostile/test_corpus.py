"""The hostile corpus through the real command line: no crash, no hang, no stray file, documented messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hostile.corpus import CASES, INJECT, Case

ROOT = Path(__file__).resolve().parents[2]


def _listing(*dirs: Path) -> set[str]:
    out: set[str] = set()
    for d in dirs:
        for root, subdirs, files in os.walk(d):
            out.update(os.path.join(root, n) for n in subdirs + files)
    return out


def run(args: list[str], cwd: Path, tmp: Path, fmt: str = "text") -> subprocess.CompletedProcess:
    env = {**os.environ, "TMPDIR": str(tmp), "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "diagnose", "diagnose", "-f", fmt, *args], cwd=cwd, env=env,
                          capture_output=True, timeout=300)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_hostile_input(case: Case, tmp_path: Path) -> None:
    inputs, work, tmp = tmp_path / "in", tmp_path / "cwd", tmp_path / "tmp"
    for d in (inputs, work, tmp):
        d.mkdir()
    args = case.build(inputs)
    before = _listing(inputs, work, tmp)
    r = run(args, work, tmp)
    assert _listing(inputs, work, tmp) == before, "a file was written outside the report"
    assert not (tmp_path / "escape.log").exists() and not Path("/tmp/abs-escape.log").exists()
    out, err = r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace")
    assert r.returncode in case.codes, (r.returncode, err[-2000:])
    assert "Traceback" not in err and "internal error" not in err
    if r.returncode == 2:
        assert err.count("\n") == 1 and err.startswith("ikedoctor: "), err
    assert case.message in out + err, (out[-1500:], err[-1500:])
    # nothing from a hostile log may reach the terminal as a control sequence
    assert not any(c in r.stdout + r.stderr for c in (b"\x1b", b"\x07", "\u202e".encode()))


def test_injection_is_literal_in_text_and_markdown_and_exact_in_json(tmp_path: Path) -> None:
    from hostile.corpus import injection

    (tmp_path / "t").mkdir()
    args = injection(tmp_path)
    text = run(args, tmp_path, tmp_path / "t").stdout
    md = run(args, tmp_path, tmp_path / "t", "markdown").stdout
    for out in (text, md):
        assert b"\x1b" not in out and b"\x07" not in out and "\u202e".encode() not in out
    assert b"\\x1b" in md
    doc = json.loads(run(args, tmp_path, tmp_path / "t", "json").stdout)
    assert doc["inputs"][0]["path"] == args[0]
    assert INJECT in [v for s in doc["sessions"] for v in s["identities"].values()]
    evidence = [e["text"] for f in doc["findings"] for e in f["evidence"]]
    assert all("\x1b" not in t or INJECT in t for t in evidence)
