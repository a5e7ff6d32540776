"""What a caller can ask of one diagnosis: every stage reads these, none writes them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from typing import TYPE_CHECKING

from ..events import Side
from ..focus import Focus

if TYPE_CHECKING:
    from ..catalog.model import Pattern
    from ..confirm import ConfigInputs

STREAM_ABOVE = 64 * 1024**2  # bytes; in memory, a diagnosis takes ~4.7 bytes per byte of log


@dataclass(slots=True)
class Options:
    log_format: str | None = None
    side: Side | None = None
    year: int | None = None
    tz: tzinfo | None = None
    catalog: "list[Pattern] | None" = None
    config: "ConfigInputs | None" = None
    #: inputs adding up to at least this many bytes are diagnosed in two streaming passes
    #: (``pipeline.streaming``) instead of holding all their events; None: never
    stream_above: int | None = STREAM_ABOVE
    #: only one client's sessions (and those naming no client): ``--peer`` / ``--client``
    focus: Focus | None = None
