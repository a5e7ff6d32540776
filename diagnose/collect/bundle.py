"""The collect bundle: one ``.tar.gz`` with ``manifest.json`` and the gathered files.

Layout (docs/apple-side.md)::

    ikedoctor-collect-<side>-<host>-<UTC stamp>/
      manifest.json
      logs/unified.ndjson | logs/racoon.log | logs/charon.log ...
      status/... config/...

Writing is atomic: members are added to ``<name>.tar.gz.tmp`` in the output
directory, flushed and fsynced, then ``os.replace``-d, so a reader never sees
half a bundle.  Reading (:func:`iter_bundle_members`) gives each log member
with the manifest's hints (side, format, zone, year) so ``diagnose`` can take a
bundle as input.
"""

from __future__ import annotations

import io
import json
import os
import tarfile
import time
from dataclasses import dataclass, field
from datetime import timedelta, timezone, tzinfo
from pathlib import Path
from typing import IO, Any, Iterator

MANIFEST = "manifest.json"
SCHEMA = "ikedoctor.collect/1"


@dataclass(slots=True)
class BundleWriter:
    """Accumulates members in memory order and writes the archive atomically on ``close``."""

    out_dir: Path
    name: str
    files: list[tuple[str, bytes, float | None]] = field(default_factory=list)

    def add(self, member: str, data: bytes | str, mtime: float | None = None) -> None:
        if isinstance(data, str):
            data = data.encode("utf-8")
        self.files.append((member, data, mtime))

    def close(self, manifest: dict[str, Any]) -> Path:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        final = self.out_dir / f"{self.name}.tar.gz"
        tmp = self.out_dir / f"{self.name}.tar.gz.tmp"
        now = time.time()
        members = [(MANIFEST, json.dumps(manifest, indent=2, sort_keys=False).encode() + b"\n", now), *self.files]
        try:
            with open(tmp, "wb") as raw:
                with tarfile.open(fileobj=raw, mode="w:gz") as tar:
                    for member, data, mtime in members:
                        info = tarfile.TarInfo(f"{self.name}/{member}")
                        info.size = len(data)
                        info.mtime = int(mtime if mtime is not None else now)
                        info.mode = 0o600
                        tar.addfile(info, io.BytesIO(data))
                raw.flush()
                os.fsync(raw.fileno())
            os.replace(tmp, final)
        finally:
            if tmp.exists():
                tmp.unlink()
        return final.resolve()


# --------------------------------------------------------------------------- reading


@dataclass(slots=True)
class BundleMember:
    """One log inside a bundle, with what the manifest says about it."""

    name: str  # member path inside the archive
    data: bytes
    side: str | None = None  # client | server
    format: str | None = None  # parser name hint: apple-unified | racoon | charon ...
    year: int | None = None
    tz: tzinfo | None = None
    tz_name: str | None = None


def is_bundle(path: str | os.PathLike[str]) -> bool:
    """A gzip tar whose top folder holds an ikedoctor ``manifest.json``."""
    p = Path(path)
    if not p.is_file():
        return False
    try:
        with tarfile.open(p, "r:gz") as tar:
            for info in tar:
                if info.name.rstrip("/").split("/")[-1] == MANIFEST and info.name.count("/") <= 1:
                    f = tar.extractfile(info)
                    head = json.loads(f.read(1 << 20)) if f else {}
                    return isinstance(head, dict) and head.get("schema") == SCHEMA
    except (OSError, tarfile.TarError, ValueError, EOFError):
        return False
    return False


def read_manifest(path: str | os.PathLike[str]) -> dict[str, Any]:
    with tarfile.open(path, "r:gz") as tar:
        for info in tar:
            if info.name.rstrip("/").split("/")[-1] == MANIFEST:
                f = tar.extractfile(info)
                return json.loads(f.read()) if f else {}
    return {}


def _offset(text: Any) -> tzinfo | None:
    if not isinstance(text, str) or len(text) < 5 or text[0] not in "+-":
        return None
    digits = text[1:].replace(":", "")
    try:
        delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4]))
    except ValueError:
        return None
    return timezone(-delta if text[0] == "-" else delta)


def iter_bundle_members(path: str | os.PathLike[str], logs_only: bool = True) -> Iterator[BundleMember]:
    """Yield the bundle's members (by default only those the manifest lists as logs) with hints.

    ``tz`` is the collecting machine's UTC offset at collection time: right for
    yearless/zoneless lines written near then, an approximation across a DST change.
    """
    manifest = read_manifest(path)
    tzinfo_ = manifest.get("time_zone") or {}
    tz = _offset(tzinfo_.get("utc_offset"))
    year = manifest.get("year")
    entries = {e["name"]: e for e in manifest.get("files", []) if isinstance(e, dict) and "name" in e}
    with tarfile.open(path, "r:gz") as tar:
        for info in tar:
            if not info.isfile():
                continue
            rel = info.name.split("/", 1)[1] if "/" in info.name else info.name
            entry = entries.get(rel)
            if logs_only and (entry is None or entry.get("kind") != "log"):
                continue
            f: IO[bytes] | None = tar.extractfile(info)
            if f is None:
                continue
            yield BundleMember(name=rel, data=f.read(), side=(entry or {}).get("side") or manifest.get("side"),
                               format=(entry or {}).get("format"), year=year, tz=tz,
                               tz_name=tzinfo_.get("name"))
