"""The README's quick start: two one-line commands that work on a fresh machine.

The first is run here exactly as the README prints it, in a fresh copy of the repository,
with Debian's own /usr/bin/python3 when the machine has it (it refuses ``pip install`` outside
a virtual environment: PEP 668), else with this interpreter. It needs the package index.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text("utf-8")


def quick_start() -> list[str]:
    """The command lines of the shell blocks in the README's "Quick start" section."""
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", section, re.S)]


def test_quick_start_is_two_one_line_commands():
    blocks = quick_start()
    assert len(blocks) == 2 and all("\n" not in b for b in blocks)
    install, tests = blocks
    assert "python3 -m venv" in install and "pip install" in install and "diagnose" in install
    assert "pip install" not in install.split("&&")[0] and not install.startswith("python3 -m pip")
    assert tests == "./scripts/test-all"
    assert "pipx install ." in README


def _fresh_copy(dst: Path) -> Path:
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=False).stdout
    names = [n for n in files.decode().split("\0") if n] if files else []
    if not names:  # not a git checkout: everything but local state
        shutil.copytree(ROOT, dst, ignore=shutil.ignore_patterns(".venv", ".git", "__pycache__", "*.egg-info",
                                                                 ".hypothesis", ".pytest_cache"))
        return dst
    for n in names:
        if (ROOT / n).is_file():
            (dst / n).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / n, dst / n)
    return dst


@pytest.mark.slow
def test_quick_start_runs_with_the_system_python(tmp_path):
    system = "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else sys.executable
    probe = subprocess.run([system, "-c", "import venv, ensurepip"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"{system} has no venv/ensurepip (Debian: apt install python3-venv; scripts/test-all does)")
    install, _ = quick_start()
    command = re.sub(r"^python3 ", f"{system} ", install)
    repo = _fresh_copy(tmp_path / "ikedoctor")
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    r = subprocess.run(command, shell=True, cwd=repo, capture_output=True, text=True, timeout=900, env=env)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    report = r.stdout[r.stdout.index("\nFAILURE"):]  # after pip's own output
    assert "send_cert" in report
