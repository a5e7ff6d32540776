"""Hints a ``collect`` bundle's manifest gives about its members (zone, year, side).

The manifest is input like any other: a hand-edited or hostile one must not
crash the run, so every hint is type- and range-checked here and dropped when
it does not make sense (a year of ``True``, an offset of a million hours).
"""

from __future__ import annotations

import json
import tarfile
from typing import Any, Callable

import regex

from .streams import DATA_ERRORS

MAX_MANIFEST = 1024 * 1024
_OFFSET = regex.compile(r"^[+-]\d\d:?\d\d$")


def _clean(key: str, value: Any) -> Any:
    """The hint if it is well-formed, else None."""
    if key == "year":
        return value if type(value) is int and 1970 <= value <= 2200 else None
    if key in ("utc_offset", "tz_offset"):
        if type(value) in (int, float) and abs(value) < 86400:
            return int(value)
        if isinstance(value, str) and _OFFSET.match(value) and int(value[1:3]) < 24:
            return value
        return None
    if key == "side":
        return value if value in ("server", "client") else None
    if key in ("format", "timezone"):
        return value if isinstance(value, str) and 0 < len(value) < 100 else None
    return None


def _put(hints: dict[str, object], key: str, value: Any) -> None:
    v = _clean(key, value)
    if v is not None:
        hints[key] = v


def manifest_hints(open_tar: Callable[[], tarfile.TarFile],
                   members: dict[str, tarfile.TarInfo]) -> dict[str, dict[str, object]]:
    """Return ``{member or "*": hints}`` from a ``manifest.json`` inside the archive, if any."""
    name = next((n for n in members if n.rstrip("/").split("/")[-1] == "manifest.json"), None)
    if name is None:
        return {}
    try:
        with open_tar() as tar:
            f = tar.extractfile(members[name])
            data = json.loads(f.read(MAX_MANIFEST)) if f else {}
    except (*DATA_ERRORS, RecursionError):
        return {}
    if not isinstance(data, dict):
        return {}
    common: dict[str, object] = {}
    for key in ("utc_offset", "timezone", "tz_offset", "year", "side"):
        if key in data:
            _put(common, key, data[key])
    tz = data.get("time_zone") or data.get("tz")
    if isinstance(tz, dict):
        for k in ("name", "utc_offset"):
            if k in tz:
                _put(common, "timezone" if k == "name" else "utc_offset", tz[k])
    hints: dict[str, dict[str, object]] = {"*": common}
    files = data.get("files")
    if isinstance(files, list):
        for entry in files:
            if isinstance(entry, dict) and isinstance(entry.get("name") or entry.get("path"), str):
                key = str(entry.get("name") or entry.get("path")).lstrip("./")
                h = dict(common)
                for k in ("side", "format"):
                    if k in entry:
                        _put(h, k, entry[k])
                hints[key] = h
    return hints
