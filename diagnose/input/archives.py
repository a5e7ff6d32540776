"""List the log members of tar and zip archives without extracting anything.

Members are read in place (``extractfile``/``ZipFile.open``) through the same
capped, error-translating streams as plain files, so nothing is ever written
to disk and a member name cannot point anywhere.  Members with absolute
paths, ``..``, links, devices or FIFOs are skipped with a warning; a tar whose
members reach beyond the decompression budget is cut off there (a tar-in-gzip
bomb would otherwise take hours just to list); encrypted zip members and
unsupported compression methods are skipped with a warning.
"""

from __future__ import annotations

import io
import stat
import tarfile
import zipfile
from typing import BinaryIO, Callable, Iterator

from ..errors import InputError
from .streams import DATA_ERRORS, GuardedReader, bomb_error, decompressing, expansion_limit

MAX_MEMBERS = 100_000

Opener = Callable[[], BinaryIO]


def safe_member_name(name: str) -> str | None:
    """Return a cleaned member name, or None when it is absolute or climbs out (``..``)."""
    clean = name.replace("\\", "/")
    if clean.startswith("/") or (len(clean) > 1 and clean[1] == ":"):
        return None
    parts = [p for p in clean.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts) or not parts:
        return None
    return "/".join(parts)


def tar_sources(name: str, opener: Opener, size: int | None, warn: list[str],
                make_source: Callable[..., object]) -> Iterator[object]:
    """One source per regular-file member of the tar (optionally gzip/bz2/xz-compressed)."""
    from .bundle import manifest_hints

    limit = expansion_limit(size)
    members: list[tarfile.TarInfo] = []
    try:
        with _open_tar(opener) as tar:
            for i, m in enumerate(tar):
                if i >= MAX_MEMBERS:
                    warn.append(f"{name}: more than {MAX_MEMBERS} members, the rest were skipped")
                    break
                if m.offset_data + max(m.size, 0) > limit:
                    raise bomb_error(name, limit)
                members.append(m)
    except InputError:
        raise
    except DATA_ERRORS as exc:
        if not members:
            raise InputError(name, f"damaged archive ({exc})", "re-copy it, or extract it yourself") from exc
        warn.append(f"{name}: archive damaged after member {members[-1].name!r} ({exc}); "
                    "the members before it were read")
    by_name = {m.name: m for m in members}
    hints = manifest_hints(lambda: _open_tar(opener), by_name)
    for m in members:
        if m.isdir():
            continue
        if not m.isfile():
            warn.append(f"{name}!{m.name}: skipped (links, devices and FIFOs are never followed)")
            continue
        clean = safe_member_name(m.name)
        if clean is None:
            warn.append(f"{name}!{m.name}: skipped (absolute path or '..' in the member name)")
            continue
        if clean.rsplit("/", 1)[-1] == "manifest.json":
            continue
        full = f"{name}!{clean}"

        def member(m: tarfile.TarInfo = m, full: str = full) -> BinaryIO:
            tar = _open_tar(opener)
            f = tar.extractfile(m)
            if f is None:
                raise InputError(full, "not a regular file")
            return f  # type: ignore[return-value]

        yield make_source(full, lambda o=member, n=full, s=m.size: decompressing(o, n, s), size=m.size,
                          mtime=float(m.mtime), hints=dict(hints.get(clean, hints.get("*", {}))))


def _open_tar(opener: Opener) -> tarfile.TarFile:
    f = opener()
    try:
        return tarfile.open(fileobj=f, mode="r:*")
    except BaseException:
        f.close()
        raise


def _zip_is_link(info: zipfile.ZipInfo) -> bool:
    """A Unix-made zip records the file type; anything but a regular file or folder is refused."""
    kind = stat.S_IFMT(info.external_attr >> 16)
    return info.create_system == 3 and kind not in (0, stat.S_IFREG, stat.S_IFDIR)


def zip_sources(name: str, opener: Opener, size: int | None, warn: list[str],
                make_source: Callable[..., object]) -> Iterator[object]:
    """One source per regular-file member of the zip."""
    try:
        with zipfile.ZipFile(opener()) as zf:
            infos = zf.infolist()
    except DATA_ERRORS as exc:
        raise InputError(name, f"damaged zip archive ({exc})", "re-copy it, or extract it yourself") from exc
    if len(infos) > MAX_MEMBERS:
        warn.append(f"{name}: more than {MAX_MEMBERS} members, the rest were skipped")
    for info in infos[:MAX_MEMBERS]:
        if info.is_dir():
            continue
        clean = safe_member_name(info.filename)
        if clean is None:
            warn.append(f"{name}!{info.filename}: skipped (absolute path or '..' in the member name)")
            continue
        full = f"{name}!{clean}"
        if _zip_is_link(info):
            warn.append(f"{full}: skipped (links, devices and FIFOs are never followed)")
            continue
        if info.flag_bits & 0x1:
            warn.append(f"{full}: skipped (encrypted; extract it yourself with the password)")
            continue
        limit = expansion_limit(info.compress_size)
        if info.file_size > limit:
            warn.append(f"{full}: skipped (it would decompress to {info.file_size} bytes: "
                        f"{bomb_error(full, limit).problem}; likely a decompression bomb)")
            continue

        def member(i: zipfile.ZipInfo = info, full: str = full, limit: int = limit) -> BinaryIO:
            zf = zipfile.ZipFile(opener())
            try:
                f = zf.open(i)
            except DATA_ERRORS as exc:
                zf.close()
                raise InputError(full, f"cannot read zip member ({exc})", "extract it yourself") from exc
            return io.BufferedReader(GuardedReader(f, full, limit, "zip member"))  # type: ignore[arg-type, return-value]

        yield make_source(full, lambda o=member, n=full, s=info.file_size: decompressing(o, n, s),
                          size=info.file_size, hints={})
