"""Shared helper for the stand-in executables: print a fixture, log the call.

Each stand-in prints real public output where one exists (see the fixtures'
.source.toml) or a file named *synthetic*.  STANDIN_CALLS names a file that
receives one JSON line per call, so tests can check the exact argv.
STANDIN_REFUSE lists commands that should fail like an unprivileged run.
"""

import json
import os
import sys
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "collect"


def record(name: str) -> None:
    calls = os.environ.get("STANDIN_CALLS")
    if calls:
        with open(calls, "a") as f:
            f.write(json.dumps([name, *sys.argv[1:]]) + "\n")


def refused(name: str) -> bool:
    return name in os.environ.get("STANDIN_REFUSE", "").split(",")


def emit(fixture: str) -> None:
    sys.stdout.buffer.write((FIXTURES / fixture).read_bytes())
