"""Find the log streams behind the paths a user names.

A path can be a file, a folder, ``-`` (stdin), a compressed file, or an
archive (tar, zip, a ``collect`` bundle).  Each stream becomes a ``Source``
that can be opened (again) lazily, so ``batch`` never holds more than one in
memory and nothing is ever extracted to disk.  Inputs are only ever opened
for reading.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import sys
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

from ..errors import InputError

#: decompressed bytes allowed per stream, and the ratio a stream may expand by
MAX_DECOMPRESSED = 8 * 1024**3
MAX_RATIO = 200
MAX_MEMBERS = 100_000
#: files a folder walk passes over: provenance, configuration and key material, not logs
NOT_LOGS = frozenset({".toml", ".md", ".conf", ".secrets", ".pem", ".crt", ".cer", ".der", ".key", ".p12",
                      ".pfx", ".mobileconfig", ".plist", ".py", ".sh"})


@dataclass(slots=True)
class Source:
    """One log stream: where it came from and how to open it."""

    name: str  # what the report prints: a path, ``archive!member`` or ``<stdin>``
    opener: Callable[[], BinaryIO]
    size: int | None = None
    mtime: float | None = None
    hints: dict[str, object] = field(default_factory=dict)  # year, tz, side, format from a bundle

    def open(self) -> BinaryIO:
        return self.opener()


class LimitedReader(io.RawIOBase):
    """Stop a decompressor from expanding beyond a budget (decompression bombs)."""

    def __init__(self, inner: BinaryIO, name: str, limit: int) -> None:
        self._inner, self._name, self._left = inner, name, limit

    def readable(self) -> bool:
        return True

    def readinto(self, buf: bytearray) -> int:  # type: ignore[override]
        data = self._inner.read(min(len(buf), self._left + 1))
        if len(data) > self._left:
            raise InputError(self._name, "decompressed size exceeds the safety limit",
                             "likely a decompression bomb; extract it yourself if it is genuine")
        self._left -= len(data)
        buf[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._inner.close()
        super().close()


_MAGIC = ((b"\x1f\x8b", lambda f: gzip.GzipFile(fileobj=f)), (b"BZh", bz2.BZ2File),
          (b"\xfd7zXZ\x00", lzma.LZMAFile))


def compression_of(head: bytes) -> Callable[..., BinaryIO] | None:
    for magic, cls in _MAGIC:
        if head.startswith(magic):
            return cls
    return None


def decompressing(opener: Callable[[], BinaryIO], name: str, compressed_size: int | None) -> BinaryIO:
    """Open through gzip/bz2/xz when the magic says so, with a bomb limit."""
    raw = opener()
    head = raw.read(6)
    raw.seek(0) if raw.seekable() else None
    cls = compression_of(head)
    if cls is None:
        if not raw.seekable():
            return io.BufferedReader(_Prepend(head, raw))  # type: ignore[arg-type]
        return raw
    stream = cls(raw if raw.seekable() else _Prepend(head, raw))
    limit = MAX_DECOMPRESSED
    if compressed_size:
        limit = min(limit, max(compressed_size * MAX_RATIO, 64 * 1024**2))
    return io.BufferedReader(LimitedReader(stream, name, limit), buffer_size=256 * 1024)


class _Prepend(io.RawIOBase):
    """Put back bytes already read from a non-seekable stream."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head, self._rest = head, rest

    def readable(self) -> bool:
        return True

    def readinto(self, buf: bytearray) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buf), len(self._head))
            buf[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buf))
        buf[: len(data)] = data
        return len(data)


def _file_opener(path: Path) -> Callable[[], BinaryIO]:
    return lambda: open(path, "rb")


def _is_tar(path: Path) -> bool:
    try:
        return tarfile.is_tarfile(path)
    except (OSError, tarfile.TarError, EOFError, lzma.LZMAError, zlib_error()):
        return False


def zlib_error() -> type[Exception]:
    import zlib
    return zlib.error


def safe_member_name(name: str) -> str | None:
    """Return a cleaned member name, or None when it is absolute or climbs out (``..``)."""
    clean = name.replace("\\", "/")
    if clean.startswith("/") or (len(clean) > 1 and clean[1] == ":"):
        return None
    parts = [p for p in clean.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts) or not parts:
        return None
    return "/".join(parts)


def iter_sources(paths: list[str], warnings: list[str] | None = None) -> Iterator[Source]:
    """Expand user-named paths into sources, in a stable order."""
    warn = warnings if warnings is not None else []
    for p in paths:
        if p == "-":
            data = sys.stdin.buffer.read()
            yield Source("<stdin>", lambda data=data: decompressing(lambda: io.BytesIO(data), "<stdin>", len(data)),
                         size=len(data))
            continue
        path = Path(p)
        if not path.exists():
            raise InputError(p, "no such file or folder")
        if path.is_dir():
            yield from _walk(path, warn)
        else:
            yield from _file_sources(path, warn)


def _walk(folder: Path, warn: list[str]) -> Iterator[Source]:
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs.sort()
        for f in sorted(files):
            fp = Path(root) / f
            if f.startswith(".") or fp.is_symlink() or not fp.is_file() or fp.suffix.lower() in NOT_LOGS:
                continue
            yield from _file_sources(fp, warn)


def _file_sources(path: Path, warn: list[str]) -> Iterator[Source]:
    try:
        st = path.stat()
    except OSError as exc:
        raise InputError(str(path), f"cannot read ({exc.strerror})") from exc
    if zipfile.is_zipfile(path):
        yield from _zip_sources(path, warn)
    elif _is_tar(path):
        yield from _tar_sources(path, warn)
    else:
        yield Source(str(path), lambda: decompressing(_file_opener(path), str(path), st.st_size),
                     size=st.st_size, mtime=st.st_mtime)


def _tar_sources(path: Path, warn: list[str]) -> Iterator[Source]:
    from .bundle import manifest_hints
    try:
        with tarfile.open(path, "r:*") as tar:
            members = []
            for i, m in enumerate(tar):
                if i >= MAX_MEMBERS:
                    warn.append(f"{path}: more than {MAX_MEMBERS} members, the rest were skipped")
                    break
                members.append(m)
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise InputError(str(path), f"damaged archive ({exc})") from exc
    names = {m.name: m for m in members}
    hints = manifest_hints(path, names)
    for m in members:
        clean = safe_member_name(m.name)
        if not m.isfile():
            if not m.isdir():
                warn.append(f"{path}!{m.name}: skipped (links and devices are never followed)")
            continue
        if clean is None:
            warn.append(f"{path}!{m.name}: skipped (absolute path or '..' in the member name)")
            continue
        if clean.endswith("manifest.json"):
            continue
        name = f"{path}!{clean}"

        def opener(member=m) -> BinaryIO:
            tar = tarfile.open(path, "r:*")
            f = tar.extractfile(member)
            assert f is not None
            return f  # type: ignore[return-value]

        yield Source(name, lambda o=opener, n=name, s=m.size: decompressing(o, n, s), size=m.size,
                     mtime=float(m.mtime), hints=dict(hints.get(clean, hints.get("*", {}))))


def _zip_sources(path: Path, warn: list[str]) -> Iterator[Source]:
    try:
        zf = zipfile.ZipFile(path)
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(str(path), f"damaged zip archive ({exc})") from exc
    for info in infos[:MAX_MEMBERS]:
        if info.is_dir():
            continue
        clean = safe_member_name(info.filename)
        if clean is None:
            warn.append(f"{path}!{info.filename}: skipped (absolute path or '..' in the member name)")
            continue
        if info.compress_size and info.file_size / max(info.compress_size, 1) > MAX_RATIO * 5:
            warn.append(f"{path}!{clean}: skipped (compression ratio suggests a decompression bomb)")
            continue
        name = f"{path}!{clean}"

        def opener(i=info) -> BinaryIO:
            z = zipfile.ZipFile(path)
            return io.BufferedReader(LimitedReader(z.open(i), f"{path}!{i.filename}",
                                                   min(MAX_DECOMPRESSED, max(i.file_size, 1))))  # type: ignore[arg-type]

        yield Source(name, lambda o=opener, n=name, s=info.compress_size: decompressing(o, n, s),
                     size=info.file_size)
