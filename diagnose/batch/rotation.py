"""Order the rotated files of one log oldest first.

logrotate and newsyslog name old generations ``charon.log.1``, ``charon.log.2.gz``
(higher number = older) or, with ``dateext``, ``charon.log-20240131.gz`` (later
date = newer); the live file has no suffix and is the newest.  Reading a stream
oldest first keeps a session that spans a rotation in time order.
"""

from __future__ import annotations

import re

_COMPRESSED = re.compile(r"\.(?:gz|bz2|xz)$", re.IGNORECASE)
_NUMBERED = re.compile(r"^(?P<base>.+)\.(?P<n>\d{1,4})$")
_DATED = re.compile(r"^(?P<base>.+)-(?P<d>\d{8}(?:\d{2})?)$")


def stream_key(name: str) -> tuple[str, tuple[int, int | str]]:
    """``(stream base name, position)``; sorting by it puts each stream's oldest file first."""
    bare = _COMPRESSED.sub("", name)
    m = _NUMBERED.match(bare)
    if m:
        return m["base"], (0, -int(m["n"]))
    m = _DATED.match(bare)
    if m:
        return m["base"], (1, m["d"])
    return bare, (2, 0)


def order_rotated(names: list[str]) -> list[str]:
    """Names grouped by stream (streams in name order), each stream oldest first."""
    return sorted(names, key=lambda n: (_dir(n), stream_key(_base(n))))


def _dir(name: str) -> str:
    return name.rsplit("/", 1)[0] if "/" in name else ""


def _base(name: str) -> str:
    return name.rsplit("/", 1)[-1]
