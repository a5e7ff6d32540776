"""Group what a user names into cases: the unit ``batch`` diagnoses and reports on.

A case is what a support engineer would hand to ``diagnose`` in one go:

* a folder that directly holds log files (a ticket folder, ``/var/log/archive/gw1``)
  — its files, rotated generations ordered oldest first;
* an archive (tar, tar.gz/tgz, zip) is cased like the tree it holds: one case per
  folder that directly holds log members (``tar czf t.tgz tickets/`` gives one case per
  ticket folder, as ``tickets/`` itself does); an archive with one such folder is one case;
* a ``collect`` bundle (an archive with a manifest) — all its members: its ``logs/``,
  ``status/`` and ``config/`` folders are one ticket (one case per top-level folder
  when it holds several bundles' folders);
* an archive inside an archive (one level) is copied into the run's private
  temporary folder and treated like a top-level archive; its paths are shown as
  ``outer!inner!member``;
* a compressed tarball (tar.gz, tar.bz2, tar.xz) of several cases has its log
  members copied into that folder in one sequential pass, because it has no
  index: every worker would otherwise decompress it from the start.

A ``CaseSpec`` holds only paths and names (no open files, no lambdas), so it
pickles to a worker process or a Dask worker, which reopens the inputs itself.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import shutil
import tarfile
import zipfile
import zlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from ..errors import InputError
from ..input.sources import MAX_MEMBERS, NOT_LOGS, Source, iter_sources, log_size, safe_member_name
from ..input.streams import DATA_ERRORS, GuardedReader, compression_of, expansion_limit
from .rotation import order_rotated

MAX_NESTED = 8 * 1024**3  # bytes a nested archive may take in the private temp folder
MAX_COPIED = 8 * 1024**3  # bytes of compressed-tarball members one run may copy to the private temp folder
ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".zip")


@dataclass(frozen=True, slots=True)
class MemberCopy:
    """Where discovery copied an archive member to, and what the archive's listing said about it.

    The worker reads the copy but names it, sizes it, dates it and hints it as
    the member, so its findings are those of reading the member in place.
    """

    path: str  # a numbered file in the private temp folder (never a path made from the member name)
    mtime: float | None = None
    hints: tuple[tuple[str, object], ...] = ()  # a collect bundle's manifest hints, as (key, value) pairs


@dataclass(frozen=True, slots=True)
class InputRef:
    """One input of a case: a file, or a member of an archive file."""

    container: str  # a file system path (a log file or an archive)
    member: str | None = None  # the archive member's cleaned name, if any
    size: int = 0  # bytes as stored
    copy: MemberCopy | None = None  # the member's bytes, copied out of a compressed tarball
    compressed: bool = False  # a .gz/.bz2/.xz log: ``size`` is its compressed size

    @property
    def name(self) -> str:
        """The name ``iter_sources`` gives this input (and so evidence paths show)."""
        return self.container if self.member is None else f"{self.container}!{self.member}"


@dataclass(slots=True)
class CaseSpec:
    """Everything a worker needs to diagnose one case; plain data so it pickles."""

    name: str
    inputs: list[InputRef] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # found while discovering (hostile members ...)
    error: str | None = None  # the case could not even be listed (damaged archive)
    #: (temporary prefix, shown prefix): a nested archive copied to the private temp folder
    rename: tuple[str, str] | None = None
    log_format: str | None = None
    side: str | None = None
    year: int | None = None
    tz_offset_s: int | None = None  # --tz as a fixed offset (zones do not pickle portably)
    tz_name: str | None = None  # --tz as a zone name (Europe/Zurich), looked up by the worker
    redact_key: bytes | None = None  # --redact: one key for all workers, so pseudonyms agree across cases
    focus_peer: str | None = None  # --peer / --client: one client's sessions (``diagnose.focus``)
    focus_client: str | None = None

    @property
    def size(self) -> int:
        """Bytes as stored (what the progress bar counts)."""
        return sum(i.size for i in self.inputs)

    @property
    def log_size(self) -> int:
        """About how many bytes of log the case holds (compressed logs counted expanded):
        what a worker's memory grows with."""
        return sum(log_size(i.size, i.compressed) or 0 for i in self.inputs)


def is_archive_name(name: str) -> bool:
    return name.lower().endswith(ARCHIVE_SUFFIXES)


def _is_archive(path: Path) -> bool:
    """A zip, or a tar (plain or gz/bz2/xz-compressed), judged from its first bytes only."""
    try:
        with open(path, "rb") as f:
            head = f.read(512)
            if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
                return True
            opener = {b"\x1f\x8b": lambda f: gzip.GzipFile(fileobj=f), b"BZ": bz2.BZ2File,
                      b"\xfd7": lzma.LZMAFile}.get(head[:2])
            if opener is not None:
                f.seek(0)
                with opener(f) as d:  # type: ignore[operator]
                    head = d.read(512)
    except (OSError, EOFError, ValueError, lzma.LZMAError, zlib.error):
        return False
    return len(head) >= 262 and head[257:262] == b"ustar"


def _is_log_file(p: Path) -> bool:
    return not (p.name.startswith(".") or p.is_symlink() or not p.is_file() or p.suffix.lower() in NOT_LOGS)


class Discovery:
    """Walks paths into cases; owns the private temp folder nested archives and members are copied to.

    ``copy_members=False`` leaves compressed tarballs to be re-read by each case (for workers
    that cannot see this machine's temp folder, or a caller that will not clean up).
    """

    def __init__(self, copy_members: bool = True) -> None:
        self._tmp: str | None = None
        self.copy_members = copy_members
        self._copy_left = MAX_COPIED

    @property
    def tmpdir(self) -> str:
        if self._tmp is None:
            self._tmp = tempfile.mkdtemp(prefix="ikedoctor-batch-")  # mode 0700: private
        return self._tmp

    def cleanup(self) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self) -> "Discovery":
        return self

    def __exit__(self, *exc: object) -> None:
        self.cleanup()

    def cases(self, paths: list[str]) -> list[CaseSpec]:
        out: list[CaseSpec] = []
        loose: dict[str, list[Path]] = {}
        for p in paths:
            path = Path(p)
            if not path.exists():
                raise InputError(p, "no such file or folder")
            if path.is_dir():
                out.extend(self._walk(path))
            elif _is_archive(path):
                out.extend(self._archive(path))
            else:
                loose.setdefault(str(path.parent), []).append(path)
        for folder, files in loose.items():
            out.append(_files_case(folder, files))
        return out

    def _walk(self, root: Path) -> list[CaseSpec]:
        out: list[CaseSpec] = []
        for dirpath, dirs, files in os.walk(root, followlinks=False):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))  # as diagnose's folder walk
            logs: list[Path] = []
            for f in sorted(files):
                fp = Path(dirpath) / f
                if not _is_log_file(fp):
                    continue
                if _is_archive(fp):
                    out.extend(self._archive(fp))
                else:
                    logs.append(fp)
            if logs:
                out.append(_files_case(dirpath, logs))
        return out

    def _archive(self, path: Path, nested: bool = False, shown: str | None = None) -> list[CaseSpec]:
        warn: list[str] = []
        name = shown or str(path)
        try:
            sources = list(iter_sources([str(path)], warn))
        except InputError as exc:
            return [CaseSpec(name=name, error=str(exc))]
        inner: list[CaseSpec] = []
        keep: list[Source] = []
        for src in sources:
            if "!" not in src.name:  # not an archive after all (the input layer reads it as one log)
                ref = InputRef(str(path), None, src.size or 0, compressed=src.compressed)
                return [CaseSpec(name=name, inputs=[ref], warnings=warn)]
            member = src.name.split("!", 1)[1]
            if is_archive_name(member):
                if nested:
                    warn.append(f"{src.name}: skipped (archives are opened one level deep only)")
                else:
                    inner.extend(self._spool(src, f"{name}!{member}", warn))
                continue
            keep.append(src)
        bundle = any(s.hints for s in keep)  # a manifest gave its members hints
        groups = _group_members([s.name.split("!", 1)[1] for s in keep], bundle)
        sizes = {s.name.split("!", 1)[1]: s.size or 0 for s in keep}
        # each member read from a compressed tar decompresses it from the start: copy once when there are several
        copies = self._copy_members(path, keep) if len(keep) > 1 and self.copy_members else {}
        out = []
        for label, members in groups:
            refs = [InputRef(str(path), m, sizes[m], copies.get(m)) for m in order_rotated(members)]
            out.append(CaseSpec(name=f"{name}!{label}" if label else name, inputs=refs))
        out.extend(inner)
        if not out:
            out.append(CaseSpec(name=name, error=None))
        out[0].warnings.extend(warn)
        if shown:
            for c in out:
                c.rename = (str(path), shown)
        return out

    def _spool(self, src: Source, shown: str, warn: list[str]) -> list[CaseSpec]:
        """Copy a nested archive's raw bytes into the private temp folder, capped in size."""
        container, member = src.name.split("!", 1)
        fd, tmp = tempfile.mkstemp(dir=self.tmpdir, suffix=".arc")
        try:
            with os.fdopen(fd, "wb") as out, _raw_member(container, member) as f:
                _copy_capped(f, out, MAX_NESTED)
        except (OSError, EOFError, ValueError, KeyError, tarfile.TarError, zipfile.BadZipFile) as exc:
            warn.append(f"{shown}: skipped ({exc})")
            return []
        tmp_path = Path(tmp)
        if not _is_archive(tmp_path):
            warn.append(f"{shown}: skipped (not a readable archive)")
            return []
        return self._archive(tmp_path, nested=True, shown=shown)

    def _copy_members(self, path: Path, keep: list[Source]) -> dict[str, MemberCopy]:
        """Copy a compressed tarball's log members to the private temp folder, in one sequential pass.

        A tar.gz has no index: without copies each case's worker decompresses it
        from the start to list it, and again up to each of its members, so N
        cases cost O(N x archive).  ``keep`` is what the listing accepted (unsafe
        names, links and devices already refused, decompression already capped);
        only those members are copied, to numbered files.  Returns {} (cases read
        the archive, as before) for a plain tar, past the ``MAX_COPIED`` budget,
        or when anything fails.
        """
        by_member = {s.name.split("!", 1)[1]: s for s in keep}  # a repeated name: the last, as the worker's lookup
        if not _compressed(path) or sum(s.size or 0 for s in by_member.values()) > self._copy_left:
            return {}
        folder = tempfile.mkdtemp(dir=self.tmpdir)
        files = {m: os.path.join(folder, str(i)) for i, m in enumerate(by_member)}
        left = self._copy_left
        try:
            left -= _copy_tar_members(path, files, left)
        except (InputError, *DATA_ERRORS):
            shutil.rmtree(folder, ignore_errors=True)
            return {}
        self._copy_left = left
        return {m: MemberCopy(files[m], s.mtime, tuple(s.hints.items())) for m, s in by_member.items()}


def _compressed(path: Path) -> bool:
    """gzip, bzip2 or xz magic: a tar without random access (a plain tar or a zip has it)."""
    try:
        with open(path, "rb") as f:
            return compression_of(f.read(6)) is not None
    except OSError:
        return False


def _copy_capped(src: BinaryIO, out: BinaryIO, cap: int) -> int:
    """Copy ``src`` to ``out``; past ``cap`` bytes raise ValueError (the temp folder must not fill the disk)."""
    done = 0
    while chunk := src.read(1024 * 1024):
        done += len(chunk)
        if done > cap:
            raise ValueError(f"larger than {cap // 1024**3} GiB")
        out.write(chunk)
    return done


def _copy_tar_members(path: Path, files: dict[str, str], cap: int) -> int:
    """Stream a compressed tar once, copying each member named in ``files`` to its file; bytes copied.

    Decompression goes through the same capped reader as every source stream.
    Members are matched by their cleaned names, walked as the listing walks
    them, so a repeated name ends with the last copy, as the listing keeps it.
    Raises if a member is missing (the archive changed since it was listed).
    """
    with open(path, "rb") as raw:
        comp = compression_of(raw.read(6))
        if comp is None:
            raise ValueError("not compressed")
        raw.seek(0)
        limit = expansion_limit(os.fstat(raw.fileno()).st_size)
        copied, seen = 0, set()
        with io.BufferedReader(GuardedReader(comp[1](raw), str(path), limit, f"{comp[0]} data")) as stream, \
                tarfile.open(fileobj=stream, mode="r|") as tar:
            for i, m in enumerate(tar):
                if i >= MAX_MEMBERS:
                    break
                member = safe_member_name(m.name) if m.isfile() else None
                if member is None or member not in files:
                    continue
                f = tar.extractfile(m)
                if f is None:
                    raise ValueError(f"{member}: not a regular file")
                with f, open(files[member], "wb") as out:
                    copied += _copy_capped(f, out, cap - copied)
                seen.add(member)
    if seen != set(files):
        raise ValueError("members missing since the archive was listed")
    return copied


def _raw_member(container: str, member: str) -> BinaryIO:
    """The stored bytes of an archive member, found by its cleaned name."""
    with open(container, "rb") as f:
        is_zip = f.read(4) in (b"PK\x03\x04", b"PK\x05\x06")  # is_zipfile() also says yes to a tar holding a zip
    if is_zip:
        z = zipfile.ZipFile(container)
        for info in z.infolist():
            if safe_member_name(info.filename) == member:
                return z.open(info)  # type: ignore[return-value]
        raise KeyError(f"{member} not found")
    tar = tarfile.open(container, "r:*")
    for m in tar:
        if m.isfile() and safe_member_name(m.name) == member:
            f = tar.extractfile(m)
            if f is not None:
                return f  # type: ignore[return-value]
    raise KeyError(f"{member} not found")


def _group_members(members: list[str], bundle: bool = False) -> list[tuple[str, list[str]]]:
    """Members grouped as ``Discovery._walk`` groups files: by the folder that directly holds them
    (a bundle: by top-level folder, when everything sits in several); one group is the archive."""
    if bundle:
        tops = {m.split("/", 1)[0] for m in members}
        key = (lambda m: m.split("/", 1)[0]) if len(tops) > 1 and all("/" in m for m in members) else None
    else:
        key = lambda m: m.rsplit("/", 1)[0] if "/" in m else ""  # noqa: E731
    groups: dict[str, list[str]] = {}
    for m in members:
        groups.setdefault(key(m) if key else "", []).append(m)
    if len(groups) == 1:
        return [("", members)]
    return sorted(groups.items())


def _files_case(folder: str, files: list[Path]) -> CaseSpec:
    by_name = {str(f): f for f in files}
    ordered = order_rotated(list(by_name))
    refs = [InputRef(n, None, _size(by_name[n]), compressed=_compressed(by_name[n])) for n in ordered]
    return CaseSpec(name=folder, inputs=refs)


def _size(p: Path) -> int:
    try:
        return p.stat().st_size
    except OSError:
        return 0


def discover(paths: list[str], discovery: Discovery | None = None) -> list[CaseSpec]:
    """Cases for ``paths`` in a stable order.

    Nested archives and member copies live in a ``Discovery``'s temp folder: pass one
    and keep it open while the cases run.  Without one, members are not copied.
    """
    d = discovery or Discovery(copy_members=False)
    return d.cases(paths)
