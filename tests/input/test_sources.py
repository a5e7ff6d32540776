"""Opening inputs: compression, archives, stdin-like streams, bad bytes and hostile members."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import tarfile
import zipfile

import pytest

from diagnose.api import diagnose_paths
from diagnose.errors import InputError
from diagnose.input.reader import ReadStats, numbered_lines
from diagnose.input.sources import iter_sources, safe_member_name
from samples_index import all_samples

LOG = next(s for s in all_samples() if not s.expect).folder / "server-charon.log"


@pytest.mark.parametrize("ext,compress", [(".gz", gzip.compress), (".bz2", bz2.compress), (".xz", lzma.compress)])
def test_compressed_files_read_transparently(tmp_path, ext, compress):
    f = tmp_path / f"charon.log{ext}"
    f.write_bytes(compress(LOG.read_bytes()))
    plain = diagnose_paths([str(LOG)])
    packed = diagnose_paths([str(f)])
    assert packed.inputs[0].lines == plain.inputs[0].lines
    assert [s.outcome for s in packed.sessions] == [s.outcome for s in plain.sessions]


def test_tar_members_and_traversal_refused(tmp_path):
    t = tmp_path / "ticket.tar.gz"
    data = LOG.read_bytes()
    with tarfile.open(t, "w:gz") as tar:
        for name in ("logs/charon.log", "../evil.log", "/abs.log"):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("logs/link")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        tar.addfile(link)
    warnings: list[str] = []
    names = [s.name for s in iter_sources([str(t)], warnings)]
    assert names == [f"{t}!logs/charon.log"]
    assert len(warnings) == 3
    assert not (tmp_path / "evil.log").exists()


def test_zip_member_read(tmp_path):
    z = tmp_path / "logs.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("charon.log", LOG.read_bytes())
    rep = diagnose_paths([str(z)])
    assert rep.inputs[0].path.endswith("!charon.log") and rep.inputs[0].format == "charon"


def test_gzip_bomb_is_refused(tmp_path):
    f = tmp_path / "bomb.log.gz"
    with gzip.open(f, "wb", compresslevel=9) as g:
        g.write(LOG.read_bytes()[:2000])
        chunk = b"A" * (1024 * 1024)
        for _ in range(200):
            g.write(chunk)
    rep_or_exc = None
    try:
        rep_or_exc = diagnose_paths([str(f)])
    except InputError as exc:
        rep_or_exc = exc
    assert isinstance(rep_or_exc, InputError) and "decompressed size" in str(rep_or_exc)


@pytest.mark.parametrize("name,ok", [("a/b.log", True), ("../x", False), ("/etc/passwd", False),
                                     ("a/../../x", False), ("C:\\x", False), ("./a.log", True)])
def test_safe_member_name(name, ok):
    assert (safe_member_name(name) is not None) == ok


def test_invalid_utf8_offset_and_long_lines_and_crlf():
    raw = b"good line\r\nbad \xff\xfe byte\n" + b"x" * 200_000 + b"\nlast no newline"
    st = ReadStats()
    lines = list(numbered_lines(io.BytesIO(raw), st, max_line=65536))
    assert lines[0] == (1, "good line")
    assert st.invalid_utf8_offset == len(b"good line\r\nbad ")
    assert st.long_lines == 1 and len(lines) == 4 and st.truncated_last_line
    assert lines[-1] == (4, "last no newline")
