"""Find the log streams behind the paths a user names.

A path can be a file, a folder, ``-`` (stdin), a FIFO (``<(journalctl …)``),
a compressed file, or an archive (tar, zip, a ``collect`` bundle).  Each
stream becomes a ``Source`` that can be opened (again) lazily, so ``batch``
never holds more than one in memory and nothing is ever extracted to disk.
Inputs are only ever opened for reading.

Folders are walked lazily with ``os.scandir`` (one ``stat`` per file at most,
none for what is skipped), so a folder of 100,000 files starts yielding at
once.  stdin and FIFOs can be read only once, so they are spooled to an
anonymous temporary file (unlinked at creation: nothing is left behind, even
after a crash) with a size cap.
"""

from __future__ import annotations

import io
import os
import stat
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

from ..errors import InputError
from .archives import MAX_MEMBERS, safe_member_name, tar_sources, zip_sources
from .streams import (DATA_ERRORS, MAX_DECOMPRESSED, MAX_RATIO, MAX_SPOOL, PReadFile, archive_kind,
                      compression_of, decompressing)

__all__ = ["Source", "iter_sources", "safe_member_name", "MAX_DECOMPRESSED", "MAX_RATIO", "MAX_MEMBERS",
           "NOT_LOGS", "decompressing"]

#: files a folder walk passes over: provenance, configuration and key material, not logs
NOT_LOGS = frozenset({".toml", ".md", ".conf", ".secrets", ".pem", ".crt", ".cer", ".der", ".key", ".p12",
                      ".pfx", ".mobileconfig", ".plist", ".py", ".sh"})


@dataclass(slots=True)
class Source:
    """One log stream: where it came from and how to open it."""

    name: str  # what the report prints: a path, ``archive!member`` or ``<stdin>``
    opener: Callable[[], BinaryIO]
    size: int | None = None  # bytes as stored (a .gz file: its compressed size)
    mtime: float | None = None
    hints: dict[str, object] = field(default_factory=dict)  # year, tz, side, format from a bundle
    compressed: bool = False  # gzip/bzip2/xz: ``size`` is not the log's size

    def open(self) -> BinaryIO:
        return self.opener()

    @property
    def log_size(self) -> int | None:
        """About how many bytes of log this holds: what memory and work grow with."""
        return log_size(self.size, self.compressed)


#: how much a compressed log is assumed to grow when only its compressed size is known
#: (charon and syslog text compresses 8-15x with gzip); for estimates, never for limits
LOG_EXPANSION = 10


def log_size(size: int | None, compressed: bool) -> int | None:
    return None if size is None else size * LOG_EXPANSION if compressed else size


def iter_sources(paths: list[str], warnings: list[str] | None = None) -> Iterator[Source]:
    """Expand user-named paths into sources, in a stable order."""
    warn = warnings if warnings is not None else []
    for p in paths:
        if p == "-":
            yield from _spooled_sources("<stdin>", sys.stdin.buffer, warn)
            continue
        path = Path(p)
        try:
            st = path.stat()
        except FileNotFoundError:
            raise InputError(p, "no such file or folder", "check the path") from None
        except OSError as exc:
            raise InputError(p, f"cannot read ({exc.strerror})", "check the permissions") from None
        if stat.S_ISDIR(st.st_mode):
            yield from _walk(p, warn)
        elif stat.S_ISREG(st.st_mode):
            yield from _file_sources(p, st, warn)
        elif stat.S_ISFIFO(st.st_mode):
            with _open_or_fail(p) as f:
                yield from _spooled_sources(p, f, warn)
        else:
            raise InputError(p, "not a regular file (a device or socket)",
                             "copy the log into a file, or pipe it to `ikedoctor diagnose -`")


def _open_or_fail(p: str) -> BinaryIO:
    try:
        return open(p, "rb")
    except OSError as exc:
        raise InputError(p, f"cannot read ({exc.strerror})", "check the permissions") from None


def _walk(folder: str, warn: list[str]) -> Iterator[Source]:
    """Depth-first, names sorted, symlinks and hidden files never followed."""
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        warn.append(f"{folder}: cannot list ({exc.strerror}); skipped")
        return
    for e in entries:
        if e.name.startswith("."):
            continue
        if e.is_symlink():
            warn.append(f"{e.path}: skipped (symbolic links inside folders are not followed)")
            continue
        if e.is_dir(follow_symlinks=False):
            yield from _walk(e.path, warn)
            continue
        if not e.is_file(follow_symlinks=False) or os.path.splitext(e.name)[1].lower() in NOT_LOGS:
            continue
        try:
            st = e.stat(follow_symlinks=False)
        except OSError as exc:
            warn.append(f"{e.path}: cannot read ({exc.strerror}); skipped")
            continue
        yield from _file_sources(e.path, st, warn)


def _file_sources(path: str, st: os.stat_result, warn: list[str]) -> Iterator[Source]:
    def opener() -> BinaryIO:
        try:
            return open(path, "rb")
        except OSError as exc:
            raise InputError(path, f"cannot read ({exc.strerror})", "check the permissions") from None

    try:
        kind, compressed = _container_kind(opener, path)
    except InputError as exc:
        warn.append(str(exc))
        return
    yield from _sources_of(path, opener, st.st_size, kind, warn, mtime=st.st_mtime, compressed=compressed)


def _sources_of(name: str, opener: Callable[[], BinaryIO], size: int, kind: str | None, warn: list[str],
                mtime: float | None = None, compressed: bool = False) -> Iterator[Source]:
    if kind == "zip":
        yield from zip_sources(name, opener, size, warn, Source)  # type: ignore[misc]
    elif kind == "tar":
        yield from tar_sources(name, opener, size, warn, Source)  # type: ignore[misc]
    else:
        yield Source(name, lambda: decompressing(opener, name, size, nested=False), size=size, mtime=mtime,
                     compressed=compressed)


def _container_kind(opener: Callable[[], BinaryIO], name: str) -> tuple[str | None, bool]:
    """``"zip"``, ``"tar"`` (possibly compressed) or None, and whether the bytes are compressed,
    from the first bytes only."""
    with opener() as f:
        head = f.read(512)
    kind = archive_kind(head)
    comp = compression_of(head)
    if kind or comp is None:
        return kind, False
    try:
        with opener() as raw, comp[1](raw) as d:
            return archive_kind(d.read(512)), True
    except DATA_ERRORS:
        return None, True  # corrupt compressed data: reported when the source is read


def _spooled_sources(name: str, stream: BinaryIO, warn: list[str]) -> Iterator[Source]:
    """Copy a read-once stream to an anonymous temporary file, then treat it like a file."""
    spool = tempfile.TemporaryFile(prefix="ikedoctor-")
    size = 0
    while True:
        try:
            # read1: one read of the pipe or terminal at a time, so the first Ctrl-D of a paste ends
            # it (read() would go on reading the terminal after that end-of-file)
            data = stream.read1(1024 * 1024) if hasattr(stream, "read1") else stream.read(1024 * 1024)
        except OSError as exc:
            spool.close()
            raise InputError(name, f"read failed ({exc.strerror})") from None
        if not data:
            break
        size += len(data)
        if size > MAX_SPOOL:
            spool.close()
            raise InputError(name, f"more than {MAX_SPOOL // 1024**2} MiB on a pipe",
                             "save it to a file and name the file")
        spool.write(data)
    spool.flush()
    fd = spool.fileno()

    def opener(spool=spool, fd=fd, size=size) -> BinaryIO:  # spool kept alive by the closure
        return io.BufferedReader(PReadFile(fd, size))  # type: ignore[return-value]

    kind, compressed = _container_kind(opener, name)
    yield from _sources_of(name, opener, size, kind, warn, compressed=compressed)

