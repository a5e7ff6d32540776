"""Robust reading: big folders, line ends, stdin archives, spooling, notes that tell the truth."""

from __future__ import annotations

import gzip
import io
import os
import subprocess
import sys
import tarfile

import pytest

from diagnose.api import diagnose_paths
from diagnose.errors import InputError
from diagnose.input import sources as sources_mod
from diagnose.input.reader import ReadStats, numbered_lines
from diagnose.input.sources import iter_sources
from samples_index import SAMPLES

LOG = (SAMPLES / "lab-healthy-eap-mschapv2" / "server-charon.log").read_bytes()


@pytest.mark.slow  # creating the files takes ~10 s; the walk itself is about one second
def test_folder_of_100000_files_is_walked_lazily_and_each_file_sniffed_once(tmp_path, monkeypatch):
    root = tmp_path / "many"
    root.mkdir()
    for i in range(100):
        sub = root / f"d{i:03d}"
        sub.mkdir()
        for j in range(1000):
            (sub / f"f{j:04d}.log").write_bytes(b"")
    opened: list[str] = []
    real = sources_mod._container_kind

    def counting(opener, name):
        opened.append(name)
        return real(opener, name)

    monkeypatch.setattr(sources_mod, "_container_kind", counting)
    it = iter_sources([str(root)], [])
    first = next(it)
    assert first.name.endswith(os.path.join("d000", "f0000.log"))
    assert len(opened) == 1, "the walk must not open (or stat) everything before yielding"
    rest = sum(1 for _ in it)
    assert rest + 1 == 100_000 and len(opened) == 100_000


@pytest.mark.parametrize("eol", [b"\n", b"\r\n", b"\r"])
def test_line_ends_give_the_same_report(tmp_path, eol):
    f = tmp_path / "x.log"
    f.write_bytes(LOG.replace(b"\n", eol))
    base = diagnose_paths([str(SAMPLES / "lab-healthy-eap-mschapv2" / "server-charon.log")])
    rep = diagnose_paths([str(f)])
    assert rep.inputs[0].lines == base.inputs[0].lines
    assert [(s.outcome, s.events) for s in rep.sessions] == [(s.outcome, s.events) for s in base.sessions]


def test_mixed_line_ends_and_truncated_last_line_are_noted():
    raw = b"a\r\nb\rc\nd"
    st = ReadStats()
    assert [t for _, t in numbered_lines(io.BytesIO(raw), st, chunk=3)] == ["a", "b", "c", "d"]
    assert st.cr_only_lines == 1 and st.truncated_last_line


def test_megabyte_line_is_bounded():
    raw = b"x" * (3 * 1024 * 1024) + b"\nnext\n"
    st = ReadStats()
    lines = list(numbered_lines(io.BytesIO(raw), st))
    assert [len(t) for _, t in lines] == [64 * 1024, 4] and st.long_lines == 1


def test_archive_on_stdin_is_read(tmp_path):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo("logs/charon.log")
        info.size = len(LOG)
        tar.addfile(info, io.BytesIO(LOG))
    r = subprocess.run([sys.executable, "-m", "diagnose", "diagnose", "-f", "json", "-"], input=buf.getvalue(),
                       capture_output=True, timeout=120, env={**os.environ, "TMPDIR": str(tmp_path)})
    assert r.returncode == 0, r.stderr
    assert b'"<stdin>!logs/charon.log"' in r.stdout
    assert list(tmp_path.iterdir()) == []  # the spool is anonymous


def test_truncated_gzip_is_diagnosed_with_a_note(tmp_path):
    f = tmp_path / "cut.log.gz"
    f.write_bytes(gzip.compress(LOG)[:-40])
    rep = diagnose_paths([str(f)])
    assert any("truncated or corrupt" in e for e in rep.inputs[0].errors)
    assert rep.inputs[0].lines > 50


def test_empty_folder_says_why(tmp_path):
    (tmp_path / "notes.md").write_text("x")
    with pytest.raises(InputError, match="no log files found"):
        diagnose_paths([str(tmp_path)])


def test_hostile_manifest_hints_are_ignored(tmp_path):
    import json
    t = tmp_path / "bundle.tar.gz"
    man = json.dumps({"year": True, "utc_offset": 10**12, "side": ["x"], "files": [{"name": "a.log", "format": 5}]})
    with tarfile.open(t, "w:gz") as tar:
        for name, data in (("manifest.json", man.encode()), ("a.log", LOG)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    rep = diagnose_paths([str(t)])
    assert rep.inputs[0].format == "charon"
