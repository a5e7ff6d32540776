"""``ikedoctor watch``: diagnose charon's log live, from its VICI ``log`` event.

A VICI log event is one more input form, not a second engine: each event is rendered exactly as
``swanctl --log`` prints it (``NN[GRP] text``, one prefix per line of a multi-line message), a
form the charon parser already reads, and the lines go through the same parser, session builder
and catalog as a log file.  A session is judged once the log has been quiet for ``settle``
seconds (or every ``flush`` seconds under steady traffic): the bounded window of the last lines
is diagnosed and each finding not printed before is printed once.

charon's vici logger sends at most level 1 of every group (``vici_logger.c``), whatever the
daemon's own log levels; findings that need level-2 lines are not seen here.
"""

from __future__ import annotations

import io
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

from .errors import InputError
from .report.model import Finding, Report

#: lines kept for a diagnosis: enough for many concurrent handshakes, bounded whatever runs
MAX_LINES = 20_000
#: findings remembered so that each is printed once (oldest forgotten first)
MAX_SEEN = 10_000
BACKOFF = (1.0, 2.0, 4.0, 8.0, 15.0)


def render(event: dict[str, Any]) -> list[str]:
    """A VICI ``log`` event as ``swanctl --log`` prints it."""
    def s(key: str) -> str:
        v = event.get(key, b"")
        return v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)

    thread = s("thread")
    prefix = f"{int(thread):02d}[{s('group')}] " if thread.isdigit() else f"[{s('group')}] "
    return [prefix + part for part in s("msg").split("\n")]


def diagnose_lines(lines: Iterable[str], name: str = "vici log") -> Report:
    """The window of rendered lines through the ordinary diagnosis (gateway side)."""
    from .api import Options, diagnose_sources
    from .input.sources import Source

    data = ("\n".join(lines) + "\n").encode("utf-8")
    src = Source(name=name, opener=lambda: io.BytesIO(data), size=len(data), hints={"side": "server"})
    return diagnose_sources([src], Options())


def finding_key(f: Finding) -> tuple[str, str, str]:
    """What makes a finding the same one again in a later, longer window."""
    first = f.evidence[0].text if f.evidence else ""
    return f.id, f.session or "", first


def format_finding(f: Finding, now: float | None = None) -> str:
    """One terminal line: time, session (client), finding, confidence."""
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now))
    return f"{stamp}  {f.session or '-'}  {f.id}  {f.confidence:.2f}  {f.title}"


@dataclass(slots=True)
class Window:
    """The last ``max_lines`` log lines and the findings already printed."""

    max_lines: int = MAX_LINES
    lines: deque[str] = field(default_factory=deque)
    seen: OrderedDict[tuple[str, str, str], None] = field(default_factory=OrderedDict)
    pending: bool = False

    def add(self, event: dict[str, Any]) -> None:
        for line in render(event):
            self.lines.append(line)
            if len(self.lines) > self.max_lines:
                self.lines.popleft()
        self.pending = True

    def judge(self, diagnose: Callable[[Iterable[str]], Report] = diagnose_lines) -> list[Finding]:
        """Diagnose the window; the findings not reported before."""
        self.pending = False
        if not self.lines:
            return []
        try:
            report = diagnose(list(self.lines))
        except InputError:  # nothing charon-like yet (e.g. only start-up lines)
            return []
        new = []
        for f in report.findings:
            k = finding_key(f)
            if k in self.seen:
                continue
            self.seen[k] = None
            if len(self.seen) > MAX_SEEN:
                self.seen.popitem(last=False)
            new.append(f)
        return new


def follow(events: Iterator[tuple[Any, Any]], window: Window, emit: Callable[[Finding], None],
           settle: float = 2.0, flush: float = 10.0, clock: Callable[[], float] = time.monotonic,
           diagnose: Callable[[Iterable[str]], Report] = diagnose_lines,
           running: Callable[[], bool] = lambda: True) -> None:
    """Feed ``(label, event)`` pairs (``(None, None)`` on a receive timeout) into ``window``; judge
    it when the log has been quiet for ``settle`` s or ``flush`` s have passed with lines pending."""
    last_event = last_judge = clock()
    for label, event in events:
        if not running():
            return
        now = clock()
        if label is not None:
            window.add(event)
            last_event = now
        if window.pending and (now - last_event >= settle or now - last_judge >= flush):
            last_judge = now
            for f in window.judge(diagnose):
                emit(f)


def watch(connect: Callable[[], Any], emit: Callable[[Finding], None], say: Callable[[str], None],
          settle: float = 2.0, flush: float = 10.0, backoff: tuple[float, ...] = BACKOFF,
          sleep: Callable[[float], None] = time.sleep, max_lines: int = MAX_LINES,
          running: Callable[[], bool] = lambda: True) -> None:
    """Subscribe to charon's ``log`` event until interrupted (or ``running()`` is false); reconnect with ``backoff`` when charon
    goes away (restart), saying so.  The first connection's failure is raised (``InputError``)."""
    window = Window(max_lines=max_lines)
    attempt = 0
    connected_once = False
    while running():
        try:
            session = connect()
        except InputError as exc:
            if not connected_once:
                raise
            delay = backoff[min(attempt, len(backoff) - 1)]
            attempt += 1
            say(f"charon not reachable ({exc}); retrying in {delay:g}s")
            sleep(delay)
            continue
        say("reconnected to charon" if connected_once else "connected to charon; watching its log")
        connected_once, attempt = True, 0
        events = session.listen(["log"], timeout=min(settle, 1.0))
        try:
            follow(events, window, emit, settle, flush, running=running)
        except (OSError, EOFError) as exc:
            say(f"lost charon ({exc}); reconnecting")
        except Exception as exc:  # noqa: BLE001 - the vici client raises its own on a closed socket
            if type(exc).__module__.startswith("vici"):
                say(f"lost charon ({exc}); reconnecting")
            else:
                raise
        finally:
            _close(events, session)
        if window.pending:  # judge what arrived before charon went away
            for f in window.judge():
                emit(f)


def _close(events: Any, session: Any) -> None:
    """Unsubscribe (when charon is still there) and close the socket; a dead socket is no error."""
    try:
        events.close()
    except Exception:  # noqa: BLE001 - unregistering on a socket charon already closed
        pass
    transport = getattr(session, "transport", None)
    if transport is not None:
        try:
            transport.close()
        except OSError:
            pass
