"""What every log-family parser provides, and the bookkeeping they share.

A parser is a small object with a ``sniff`` (how sure am I that these first
lines are mine?) and a ``parse`` (turn numbered lines into events).  Keeping the
contract this narrow lets the detector try every family on a pasted blob and
lets ``batch`` run the same parser over a stream without loading it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Iterable, Iterator, Protocol

from ..events import Event, Side


@dataclass(slots=True)
class ParseStats:
    """Counts that the report shows per input, so nothing is dropped silently."""

    lines: int = 0
    recognised: int = 0  # lines whose prefix/shape belongs to the format
    events: int = 0
    unparsed: int = 0  # lines the parser could not place at all
    #: lines about an IKE_SA (an SA name/id in the prefix, or charon's IKE/ENC/CHD groups): a log
    #: with some is no "nothing reached the gateway" log, even when none of them became an event
    sa_lines: int = 0
    unparsed_examples: list[tuple[int, str]] = field(default_factory=list)
    #: the first and last time stamp as the log prints them: the span the log covers (a gateway
    #: log with no IKE packet in it says for how long nothing arrived)
    first_time: str | None = None
    last_time: str | None = None

    def saw_time(self, text: str | None) -> None:
        if text:
            if self.first_time is None:
                self.first_time = text
            self.last_time = text

    def miss(self, lineno: int, text: str) -> None:
        self.unparsed += 1
        if len(self.unparsed_examples) < 5:
            self.unparsed_examples.append((lineno, text[:200]))


@dataclass(slots=True)
class ParseContext:
    """Hints from outside the file: the year and zone a yearless log was written in."""

    path: str
    side: Side = Side.UNKNOWN
    #: set by the parser: no line showed which end wrote the log, so ``side`` is its default
    side_assumed: bool = False
    year: int | None = None
    tz: tzinfo | None = None
    stats: ParseStats = field(default_factory=ParseStats)
    #: yield each event as soon as it is parsed, even when the side is only known at the end
    #: (the caller relabels from ``side`` afterwards): for callers that cannot hold every event
    stream: bool = False


class LogParser(Protocol):
    #: format id shown in reports and accepted by ``--log-format``
    name: str
    #: the side this family is written by when the content does not say
    default_side: Side

    def sniff(self, head: list[str]) -> float:
        """Return 0..1: how sure the parser is that these first lines are its format."""
        ...

    def parse(self, lines: Iterable[tuple[int, str]], ctx: ParseContext) -> Iterator[Event]:
        """Yield events for numbered lines (1-based), updating ``ctx.stats``."""
        ...
