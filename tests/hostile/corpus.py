"""Hostile inputs, generated on the fly: bombs, traversal archives, injection, ReDoS lines, noise.

Each case is a ``Case``: a name, a function that writes the input into a
folder and returns the paths to pass to ``ikedoctor diagnose``, the exit codes
allowed, and a text that must appear in stderr or stdout (the documented
message, see docs/robustness.md).  Nothing here is stored in the repository:
the bytes are built from a real sample log and a seeded RNG each run.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import random
import tarfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from samples_index import SAMPLES

LOG = (SAMPLES / "lab-healthy-eap-mschapv2" / "server-charon.log").read_bytes()
BOMB_BYTES = 100 * 1024 * 1024  # beyond the 64 MiB floor, compresses to < 0.5 MB
INJECT = "alice\x1b]0;pwned\x07\x1b[2J[bold red]X[/bold red]\u202eevil"


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[Path], list[str]]
    codes: tuple[int, ...]
    message: str = ""


def _stream_compress(compressor, total: int, head: bytes = LOG) -> bytes:
    out = [compressor.compress(head)]
    chunk = b"A" * (1024 * 1024)
    for _ in range(total // len(chunk)):
        out.append(compressor.compress(chunk))
    out.append(compressor.flush())
    return b"".join(out)


def _write(d: Path, name: str, data: bytes) -> list[str]:
    (d / name).write_bytes(data)
    return [str(d / name)]


def gzip_bomb(d: Path) -> list[str]:
    return _write(d, "bomb.log.gz", _stream_compress(zlib.compressobj(1, zlib.DEFLATED, 31), BOMB_BYTES))


def bz2_bomb(d: Path) -> list[str]:
    return _write(d, "bomb.log.bz2", _stream_compress(bz2.BZ2Compressor(1), BOMB_BYTES))


def xz_bomb(d: Path) -> list[str]:
    return _write(d, "bomb.log.xz", _stream_compress(lzma.LZMACompressor(preset=0), BOMB_BYTES))


def tar_gz_bomb(d: Path) -> list[str]:
    """A tar.gz whose one member is 100 MiB of zeros: listing it alone would decompress it all."""
    raw = io.BytesIO()
    co = zlib.compressobj(1, zlib.DEFLATED, 31)
    info = tarfile.TarInfo("logs/huge.log")
    info.size = BOMB_BYTES
    raw.write(co.compress(info.tobuf(format=tarfile.GNU_FORMAT)))
    zero = b"\0" * (1024 * 1024)
    for _ in range(BOMB_BYTES // len(zero)):
        raw.write(co.compress(zero))
    raw.write(co.compress(b"\0" * 1024) + co.flush())
    return _write(d, "bomb.tar.gz", raw.getvalue())


def zip_bomb(d: Path) -> list[str]:
    p = d / "bomb.zip"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("huge.log", "w", force_zip64=True) as f:
            f.write(LOG)
            chunk = b"A" * (1024 * 1024)
            for _ in range(BOMB_BYTES // len(chunk)):
                f.write(chunk)
    return [str(p)]


def traversal_tar(d: Path) -> list[str]:
    p = d / "evil.tar.gz"
    with tarfile.open(p, "w:gz") as tar:
        for name in ("logs/charon.log", "../escape.log", "/tmp/abs-escape.log", "a/../../escape2.log"):
            info = tarfile.TarInfo(name)
            info.size = len(LOG)
            tar.addfile(info, io.BytesIO(LOG))
        for name, kind in (("logs/link", tarfile.SYMTYPE), ("logs/hard", tarfile.LNKTYPE),
                           ("logs/dev", tarfile.CHRTYPE), ("logs/fifo", tarfile.FIFOTYPE)):
            info = tarfile.TarInfo(name)
            info.type = kind
            info.linkname = "/etc/passwd" if kind in (tarfile.SYMTYPE, tarfile.LNKTYPE) else ""
            tar.addfile(info)
    return [str(p)]


def traversal_zip(d: Path) -> list[str]:
    p = d / "evil.zip"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("logs/charon.log", LOG)
        zf.writestr("../escape.log", LOG)
        zf.writestr("/abs-escape.log", LOG)
        link = zipfile.ZipInfo("logs/link")
        link.create_system = 3
        link.external_attr = (0o120777 << 16)
        zf.writestr(link, "/etc/passwd")
    return [str(p)]


def nested_archive(d: Path) -> list[str]:
    inner = io.BytesIO()
    with tarfile.open(fileobj=inner, mode="w:gz") as tar:
        info = tarfile.TarInfo("charon.log")
        info.size = len(LOG)
        tar.addfile(info, io.BytesIO(LOG))
    p = d / "outer.zip"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("inner.tar.gz", inner.getvalue())
        zf.writestr("charon.log", LOG)
    return [str(p)]


def injection(d: Path) -> list[str]:
    text = LOG.decode().replace("'alice'", f"'{INJECT}'").replace("[alice]", f"[{INJECT}]")
    return _write(d, "inject[bold]\x1b[31m.log", text.encode())


def redos_lines(d: Path) -> list[str]:
    n = 64 * 1024
    lines = [
        "Nov 28 05:27:05 16[CFG] looking for peer configs matching " + "1.1.1.1[a]..." * (n // 14),
        "Nov 28 05:27:05 16[ENC] parsed IKE_AUTH request 1 [ " + "(" * (n // 2),
        "Nov 28 05:27:05 16[IKE] <rw|2> authentication of '" + "'a" * (n // 4),
        "Nov 28 05:27:05 16[CFG] " + "<rw|2> " * (n // 8),
        "a" * n + "!", " " * n + "x", "IKE:" + "A/" * (n // 2) + "!",
    ]
    return _write(d, "redos.log", LOG + ("\n".join(lines) + "\n").encode())


def random_bytes(d: Path) -> list[str]:
    return _write(d, "noise.log", random.Random(9).randbytes(200_000))


def empty(d: Path) -> list[str]:
    return _write(d, "empty.log", b"")


def nul_padded(d: Path) -> list[str]:
    return _write(d, "nul.log", b"\0" * 4096 + LOG)


def invalid_utf8(d: Path) -> list[str]:
    return _write(d, "bad-utf8.log", LOG.replace(b"alice", b"al\xffice", 1))


def cr_only(d: Path) -> list[str]:
    return _write(d, "cr.log", LOG.replace(b"\n", b"\r"))


def truncated_gz(d: Path) -> list[str]:
    return _write(d, "cut.log.gz", gzip.compress(LOG)[:-40])


def corrupt_xz(d: Path) -> list[str]:
    return _write(d, "corrupt.log.xz", lzma.compress(LOG)[:64] + b"\xff" * 256)


def utf16(d: Path) -> list[str]:
    return _write(d, "notepad.log", LOG.decode().encode("utf-16"))


def mixed_formats(d: Path) -> list[str]:
    apple = (SAMPLES / "public-007-osx1011-dns-error")
    other = next((p for p in sorted(apple.glob("*.log"))), None) if apple.is_dir() else None
    extra = other.read_bytes() if other else b"2016-01-01 10:00:00.000 neagent[1]: hello\n" * 50
    return _write(d, "both.log", LOG + extra * 10)


def device(d: Path) -> list[str]:
    return ["/dev/null"]


def hostile_name(d: Path) -> list[str]:
    return [str(d / "no\nsuch\x1b]0;x\x07.log")]


def encrypted_zip(d: Path) -> list[str]:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a.log", LOG)
    raw = bytearray(buf.getvalue())
    raw[raw.find(b"PK\x01\x02") + 8] |= 1
    raw[raw.find(b"PK\x03\x04") + 6] |= 1
    return _write(d, "locked.zip", bytes(raw))


CASES = [
    Case("gzip-bomb", gzip_bomb, (2,), "decompression bomb"),
    Case("bz2-bomb", bz2_bomb, (2,), "decompression bomb"),
    Case("xz-bomb", xz_bomb, (2,), "decompression bomb"),
    Case("tar-gz-bomb", tar_gz_bomb, (2,), "decompression bomb"),
    Case("zip-bomb", zip_bomb, (2,), "decompression bomb"),
    Case("traversal-tar", traversal_tar, (0,), "skipped (absolute path or '..' in the member name)"),
    Case("traversal-zip", traversal_zip, (0,), "skipped (links, devices and FIFOs are never followed)"),
    Case("nested-archive", nested_archive, (0,), "inside an archive or compressed file is not read"),
    Case("injection", injection, (0,), ""),
    Case("redos-lines", redos_lines, (0,), ""),
    Case("random-bytes", random_bytes, (2,), "binary data, not a text log"),
    Case("empty", empty, (2,), "empty input"),
    Case("nul-padded", nul_padded, (2,), "binary data, not a text log"),
    Case("invalid-utf8", invalid_utf8, (0,), "invalid UTF-8 at byte"),
    Case("cr-only", cr_only, (0,), "ended by a bare CR"),
    Case("truncated-gz", truncated_gz, (0,), "truncated or corrupt after"),
    Case("corrupt-xz", corrupt_xz, (2,), "truncated or corrupt"),
    Case("utf16", utf16, (0,), "UTF-16"),
    Case("mixed-formats", mixed_formats, (0,), "lines are not charon lines and were not read; they look like"),
    Case("device", device, (2,), "not a regular file"),
    Case("hostile-name", hostile_name, (2,), "no such file or folder"),
    Case("encrypted-zip", encrypted_zip, (2,), "encrypted"),
]
