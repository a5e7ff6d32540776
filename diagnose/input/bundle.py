"""Hints a ``collect`` bundle's manifest gives about its members (zone, year, side)."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path


def manifest_hints(path: Path, members: dict[str, tarfile.TarInfo]) -> dict[str, dict[str, object]]:
    """Return ``{member or "*": hints}`` from a ``manifest.json`` inside the archive, if any."""
    name = next((n for n in members if n.rstrip("/").split("/")[-1] == "manifest.json"), None)
    if name is None:
        return {}
    try:
        with tarfile.open(path, "r:*") as tar:
            f = tar.extractfile(members[name])
            data = json.loads(f.read(1024 * 1024)) if f else {}
    except (OSError, tarfile.TarError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    common: dict[str, object] = {}
    for key in ("utc_offset", "timezone", "tz_offset", "year", "side"):
        if key in data:
            common[key] = data[key]
    tz = data.get("time_zone") or data.get("tz")
    if isinstance(tz, dict):
        for k in ("name", "utc_offset"):
            if k in tz:
                common["timezone" if k == "name" else "utc_offset"] = tz[k]
    hints: dict[str, dict[str, object]] = {"*": common}
    files = data.get("files")
    if isinstance(files, list):
        for entry in files:
            if isinstance(entry, dict) and isinstance(entry.get("name") or entry.get("path"), str):
                key = str(entry.get("name") or entry.get("path")).lstrip("./")
                h = dict(common)
                for k in ("side", "format"):
                    if k in entry:
                        h[k] = entry[k]
                hints[key] = h
    return hints
