"""Byte streams with safety limits: decompression caps, error translation, sniffing.

Every stream a parser reads goes through ``decompressing``: it undoes one layer
of gzip/bz2/xz (detected by magic, not by name), caps how far that layer may
expand (decompression bombs), turns the many exception types that corrupt or
truncated data raises (``zlib.error``, ``LZMAError``, ``EOFError``, tar and zip
errors) into one ``InputError`` naming the input, and refuses an archive found
inside an archive with a message instead of treating it as binary noise.
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import io
import lzma
import os
import tarfile
import zipfile
import zlib
from typing import BinaryIO, Callable

from ..errors import InputError

#: decompressed bytes allowed per stream, and the ratio a stream may expand by
#: (with a floor, so a small but genuine, very repetitive log still opens)
MAX_DECOMPRESSED = 8 * 1024**3
MAX_RATIO = 200
RATIO_FLOOR = 64 * 1024**2
#: what stdin and FIFOs may hold (they are spooled to an anonymous temporary file)
MAX_SPOOL = 1024**3

#: exceptions that mean "this data is corrupt or cut short", whatever layer raised them
DATA_ERRORS: tuple[type[BaseException], ...] = (OSError, EOFError, zlib.error, lzma.LZMAError,
                                                tarfile.TarError, zipfile.BadZipFile, ValueError,
                                                NotImplementedError, RuntimeError)

_GZ, _BZ, _XZ = b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00"
_MAGIC: tuple[tuple[bytes, str, Callable[[BinaryIO], BinaryIO]], ...] = (
    (_GZ, "gzip", lambda f: gzip.GzipFile(fileobj=f)),  # type: ignore[arg-type, return-value]
    (_BZ, "bzip2", bz2.BZ2File),  # type: ignore[arg-type]
    (_XZ, "xz", lzma.LZMAFile),  # type: ignore[arg-type]
)


def expansion_limit(compressed_size: int | None) -> int:
    """How many bytes a stream of ``compressed_size`` bytes may decompress to."""
    if not compressed_size:
        return MAX_DECOMPRESSED
    return min(MAX_DECOMPRESSED, max(compressed_size * MAX_RATIO, RATIO_FLOOR))


def bomb_error(name: str, limit: int) -> InputError:
    return InputError(name, f"decompressed size exceeds the safety limit ({limit // 1024**2} MiB)",
                      "likely a decompression bomb; if it is a genuine log, decompress it yourself and "
                      "name the result")


def compression_of(head: bytes) -> tuple[str, Callable[[BinaryIO], BinaryIO]] | None:
    for magic, label, cls in _MAGIC:
        if head.startswith(magic):
            return label, cls
    return None


def archive_kind(head: bytes) -> str | None:
    """``"zip"`` or ``"tar"`` from the first 512+ bytes of (decompressed) data, else None."""
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if len(head) >= 262 and head[257:262] == b"ustar":
        return "tar"
    return None


class GuardedReader(io.RawIOBase):
    """Read ``inner`` with a byte budget, translating data errors into ``InputError``."""

    def __init__(self, inner: BinaryIO, name: str, limit: int | None = None, what: str = "data",
                 notes: list[str] | None = None) -> None:
        self._inner, self._name, self._limit, self._what = inner, name, limit, what
        self._left = limit if limit is not None else -1
        self._done = 0
        #: when given, damage after some good data ends the stream with a note instead of an error,
        #: so a log cut short while being copied is still diagnosed (and the cut is reported)
        self._notes = notes
        self._broken = False

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:  # type: ignore[override]
        if self._broken:
            return 0
        want = len(buf) if self._limit is None else min(len(buf), self._left + 1)
        try:
            read = getattr(self._inner, "read1", None) or self._inner.read  # read1: what is there, so
            data = read(want)  # damage further on cannot swallow data already decompressed
        except InputError:
            raise
        except DATA_ERRORS as exc:
            if self._notes is not None and self._done:
                self._broken = True
                self._notes.append(f"{self._what} is truncated or corrupt after {self._done} bytes ({exc}); "
                                   "the rest was not read")
                return 0
            raise InputError(self._name, f"{self._what} is truncated or corrupt after {self._done} bytes ({exc})",
                             "the file may be incomplete; re-copy it, or decompress what is readable "
                             "yourself and name the result") from exc
        if self._limit is not None:
            if len(data) > self._left:
                raise bomb_error(self._name, self._limit)
            self._left -= len(data)
        self._done += len(data)
        buf[: len(data)] = data
        return len(data)

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            super().close()


class NotedReader(io.BufferedReader):
    """A buffered stream that carries ``read_notes``: damage it worked around, for the report."""

    read_notes: list[str]


def _noted(raw: io.RawIOBase, notes: list[str]) -> NotedReader:
    r = NotedReader(raw, buffer_size=256 * 1024)
    r.read_notes = notes
    return r


class Prepend(io.RawIOBase):
    """Put back bytes already read from a non-seekable stream."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head, self._rest = head, rest

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buf), len(self._head))
            buf[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buf))
        buf[: len(data)] = data
        return len(data)

    def close(self) -> None:
        try:
            self._rest.close()
        finally:
            super().close()


class PReadFile(io.RawIOBase):
    """An independent, seekable view of an open file descriptor (``os.pread``).

    Lets the spooled copy of stdin be opened many times at once (tar listing,
    each member, the manifest) without the views moving each other's offset.
    """

    def __init__(self, fd: int, size: int) -> None:
        self._fd, self._size, self._pos = fd, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buf) -> int:  # type: ignore[override]
        data = os.pread(self._fd, len(buf), self._pos)
        buf[: len(data)] = data
        self._pos += len(data)
        return len(data)


def _read_head(raw: BinaryIO, n: int) -> bytes:
    out = b""
    while len(out) < n:
        piece = raw.read(n - len(out))
        if not piece:
            break
        out += piece
    return out


def decompressing(opener: Callable[[], BinaryIO], name: str, compressed_size: int | None,
                  nested: bool = True) -> BinaryIO:
    """Open ``opener()`` for line reading: one layer of gzip/bz2/xz undone, capped, errors translated.

    ``nested`` says the stream is a member of an archive (or already
    decompressed once): an archive inside it is refused rather than read, so
    an attacker cannot stack layers (archives are read one level deep).
    """
    raw = opener()
    try:
        head = _read_head(raw, 6)
        if raw.seekable():
            raw.seek(0)
            src: BinaryIO = raw
        else:
            src = io.BufferedReader(Prepend(head, raw))  # type: ignore[arg-type]
        comp = compression_of(head)
        notes: list[str] = []
        if comp is None:
            stream = _noted(GuardedReader(src, name, None, "data", notes), notes)
        else:
            label, cls = comp
            limit = expansion_limit(compressed_size)
            stream = _noted(GuardedReader(cls(src), name, limit, f"{label} data", notes), notes)
        inner = stream.peek(512)[:512]
    except InputError:
        raw.close()
        raise
    except DATA_ERRORS as exc:
        raw.close()
        raise InputError(name, f"cannot read ({exc})", "the file or archive member may be truncated or "
                         "corrupt; re-copy it") from exc
    except BaseException:
        raw.close()
        raise
    kind = archive_kind(inner)
    if kind is None and comp is not None and compression_of(inner):
        kind = "compressed file"
    if kind and (nested or comp is not None):
        stream.close()
        raise InputError(name, f"a {kind} inside an archive or compressed file is not read",
                         "archives are opened one level deep; extract the outer layer and name the inner "
                         "archive")
    return _utf16_to_utf8(stream, inner, notes)


def _utf16_to_utf8(stream: NotedReader, head: bytes, notes: list[str]) -> BinaryIO:
    """Logs saved by Windows editors are often UTF-16 with a BOM; read them as text, not binary."""
    if head.startswith(codecs.BOM_UTF16_LE):
        enc = "utf-16-le"
    elif head.startswith(codecs.BOM_UTF16_BE):
        enc = "utf-16-be"
    else:
        return stream
    stream.read(2)
    notes.append(f"{enc.upper()[:6]} text (byte order mark), read as UTF-8")
    return _noted(_Transcode(stream, enc), notes)


class _Transcode(io.RawIOBase):
    """Re-encode a UTF-16 byte stream as UTF-8, incrementally."""

    def __init__(self, inner: BinaryIO, encoding: str) -> None:
        self._inner = inner
        self._dec = codecs.getincrementaldecoder(encoding)(errors="replace")
        self._out = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:  # type: ignore[override]
        while not self._out:
            data = self._inner.read(64 * 1024)
            self._out = self._dec.decode(data, final=not data).encode("utf-8", "surrogatepass")
            if not data:
                break
        n = min(len(buf), len(self._out))
        buf[:n] = self._out[:n]
        self._out = self._out[n:]
        return n

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            super().close()
