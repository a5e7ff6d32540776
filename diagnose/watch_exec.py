"""``watch --exec CMD``: hand each finding to a script, without letting the script stop watch.

The command is split like a shell would (``shlex.split``) but run without one (no expansion, no
injection through a finding's text).  The script gets the finding as one JSON object on stdin
(what ``watch --format jsonl`` prints) and a few ``IKEDOCTOR_*`` environment variables.  Scripts
run one at a time on a worker thread fed by a bounded queue, so a slow script delays only the
scripts after it, never the reading of charon's events; a script that fails, cannot start or
outlives ``timeout`` is reported on stderr and the next finding is handed over as usual.
"""

from __future__ import annotations

import json
import os
import queue
import shlex
import shutil
import signal
import subprocess
import threading
from dataclasses import dataclass, field
from typing import Callable

from .errors import IkedoctorError
from .watch import Alert

#: findings waiting for the script; more are dropped (and said) rather than held without bound
MAX_QUEUE = 100


class ExecError(IkedoctorError):
    """``--exec`` names no runnable command."""


def parse_command(cmd: str) -> list[str]:
    """``cmd`` as an argv; an ``ExecError`` (exit 2) when it is empty, unbalanced or not found."""
    try:
        argv = shlex.split(cmd)
    except ValueError as exc:
        raise ExecError(f"--exec {cmd!r}: {exc} (quote it as you would in a shell)") from None
    if not argv:
        raise ExecError("--exec: empty command")
    prog = argv[0]
    found = (os.path.isfile(prog) and os.access(prog, os.X_OK)) if os.sep in prog else shutil.which(prog)
    if not found:
        raise ExecError(f"--exec: {prog!r} is not an executable file or a command on PATH")
    return argv


def environment(a: Alert) -> dict[str, str]:
    """The variables a script can read instead of parsing the JSON."""
    f = a.finding
    return {"IKEDOCTOR_FINDING_ID": f.id, "IKEDOCTOR_CONFIDENCE": f"{f.confidence:.2f}",
            "IKEDOCTOR_TITLE": f.title, "IKEDOCTOR_CLIENT": str(a.client),
            "IKEDOCTOR_CLIENT_ADDRESS": a.client.address, "IKEDOCTOR_CLIENT_ID": a.client.id,
            "IKEDOCTOR_IKE_SA": a.client.ike_sa}


def _tail(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[-1][:200] if lines else ""


@dataclass
class Hook:
    """Runs ``argv`` once per finding, in order, on its own thread."""

    argv: list[str]
    say: Callable[[str], None]
    timeout: float = 10.0
    jobs: queue.Queue = field(default_factory=lambda: queue.Queue(maxsize=MAX_QUEUE))
    thread: threading.Thread | None = None

    def start(self) -> "Hook":
        self.thread = threading.Thread(target=self._work, name="ikedoctor-exec", daemon=True)
        self.thread.start()
        return self

    def __call__(self, a: Alert) -> None:
        try:
            self.jobs.put_nowait(a)
        except queue.Full:
            self.say(f"exec: {MAX_QUEUE} findings already wait for {self.argv[0]}; "
                     f"{a.finding.id} for {a.client} not handed over")

    def stop(self, wait: float = 0.0) -> None:
        """Let the queued findings run for up to ``wait`` s, then stop taking jobs."""
        try:
            self.jobs.put(None, timeout=max(wait, 0.01))
        except queue.Full:
            return
        if self.thread is not None:
            self.thread.join(wait)

    def _work(self) -> None:
        while True:
            a = self.jobs.get()
            if a is None:
                return
            try:
                self.run(a)
            except Exception as exc:  # noqa: BLE001 - the hook thread must outlive any one script
                self.say(f"exec {self.argv[0]} for {a.finding.id}: {type(exc).__name__}: {exc}")

    def run(self, a: Alert) -> bool:
        """Run the script for one finding; True when it exited 0 in time. Never raises."""
        what = f"exec {self.argv[0]} for {a.finding.id} ({a.client})"
        data = json.dumps(a.to_dict(), ensure_ascii=False).encode("utf-8") + b"\n"
        try:
            proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, env={**os.environ, **environment(a)},
                                    start_new_session=True)  # its own group: a timeout ends its children too
        except OSError as exc:
            self.say(f"{what}: cannot run: {exc.strerror or exc}")
            return False
        try:
            out, err = proc.communicate(data, timeout=self.timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.communicate()
            self.say(f"{what}: killed after {self.timeout:g}s")
            return False
        if proc.returncode != 0:
            why = _tail(err.decode("utf-8", "replace")) or _tail(out.decode("utf-8", "replace"))
            self.say(f"{what}: exit status {proc.returncode}" + (f": {why}" if why else ""))
            return False
        return True
