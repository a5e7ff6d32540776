"""Running the external commands ``collect`` needs, so that a missing or refused one is data.

Every command's outcome becomes a :class:`StepResult` that goes into the
manifest, whatever happened: not installed, non-zero exit, timeout, or "needs
root".  Tests swap the runner (or put stand-in executables first on PATH).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from typing import Protocol

STDERR_HEAD = 600


@dataclass(slots=True)
class StepResult:
    argv: list[str]
    status: str  # ok | failed | not-found | timeout | refused | error
    returncode: int | None = None
    stdout: bytes = b""
    stderr: bytes = b""
    duration: float = 0.0
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_manifest(self) -> dict[str, object]:
        return {"argv": self.argv, "status": self.status, "exit_code": self.returncode,
                "duration_s": round(self.duration, 3), "stdout_bytes": len(self.stdout),
                "stderr_head": self.stderr[:STDERR_HEAD].decode("utf-8", "replace"), "note": self.note}


class Runner(Protocol):
    def run(self, argv: list[str], timeout: float = 120.0) -> StepResult: ...


#: stderr texts that mean "you need to be root/admin" rather than "it broke"
_REFUSAL_HINTS = ("must be admin", "must be root", "requires root", "permission denied", "operation not permitted",
                  "not permitted", "insufficient privileges", "sudo")


@dataclass(slots=True)
class SubprocessRunner:
    """Runs commands found on PATH; never raises for a command's own failure."""

    env: dict[str, str] | None = None
    calls: list[list[str]] = field(default_factory=list)

    def run(self, argv: list[str], timeout: float = 120.0) -> StepResult:
        self.calls.append(list(argv))
        path = (self.env or os.environ).get("PATH")
        exe = shutil.which(argv[0], path=path)
        if exe is None:
            return StepResult(list(argv), "not-found", note=f"{argv[0]} is not installed or not on PATH")
        start = time.monotonic()
        try:
            proc = subprocess.run([exe, *argv[1:]], capture_output=True, timeout=timeout, env=self.env,
                                  stdin=subprocess.DEVNULL, check=False)
        except subprocess.TimeoutExpired as exc:
            return StepResult(list(argv), "timeout", None, exc.stdout or b"", exc.stderr or b"",
                              time.monotonic() - start, note=f"killed after {timeout:.0f} s; output is partial")
        except OSError as exc:
            return StepResult(list(argv), "error", None, b"", str(exc).encode(), time.monotonic() - start)
        status = "ok" if proc.returncode == 0 else "failed"
        if proc.returncode != 0 and any(h in proc.stderr.decode("utf-8", "replace").lower() for h in _REFUSAL_HINTS):
            status = "refused"
        return StepResult(list(argv), status, proc.returncode, proc.stdout, proc.stderr, time.monotonic() - start)
