"""What client and server collection share: the manifest skeleton, zone facts, step bookkeeping."""

from __future__ import annotations

import os
import platform
import re
import socket
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .. import __version__
from .bundle import SCHEMA, BundleWriter
from .runner import Runner, StepResult, SubprocessRunner

PLATFORM_ENV = "IKEDOCTOR_COLLECT_PLATFORM"


class CollectError(Exception):
    """Collection cannot start; the message says why and what to do (CLI exit 2)."""

    exit_code = 2


class NotAMacError(CollectError):
    """Client collection runs ``log``/``scutil``/``profiles``, which exist only on macOS."""


def platform_name() -> str:
    """``platform.system()``, overridable (tests run the Mac path on Linux with stand-ins)."""
    return os.environ.get(PLATFORM_ENV) or platform.system()


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def time_zone() -> dict[str, Any]:
    """Zone name (``Europe/Zurich`` when known) and the current UTC offset ``+0100``.

    Yearless and zoneless lines (racoon.log, compact style, system.log) can only be
    placed in time with this, so it is recorded even when the name is unknown.
    """
    name = os.environ.get("TZ") or None
    try:
        target = os.readlink("/etc/localtime")
        if "zoneinfo/" in target:
            name = name or target.split("zoneinfo/", 1)[1]
    except OSError:
        pass
    offset = time.strftime("%z")
    return {"name": name or time.tzname[time.localtime().tm_isdst > 0], "utc_offset": offset,
            "abbreviation": time.strftime("%Z")}


def window_argv(last: str | None, start: str | None, end: str | None) -> list[str]:
    """``log show`` window options; validated so a typo fails before anything runs."""
    if start or end:
        out = []
        for flag, value in (("--start", start), ("--end", end)):
            if value:
                if not re.fullmatch(r"@\d+|\d{4}-\d\d-\d\d(?: \d\d:\d\d:\d\d(?:[+-]\d{4})?)?", value):
                    raise CollectError(f"{flag} {value!r}: use 'YYYY-MM-DD HH:MM:SS[+zzzz]', 'YYYY-MM-DD' or '@unixtime'")
                out += [flag, value]
        return out
    last = last or "2h"
    if not re.fullmatch(r"\d+[smhd]?", last):
        raise CollectError(f"--last {last!r}: use a number with m, h or d, e.g. 2h")
    return ["--last", last]


@dataclass(slots=True)
class Collection:
    """Bookkeeping for one run: the steps' results and the files they produced."""

    side: str
    out_dir: Path
    runner: Runner
    steps: list[dict[str, Any]] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)
    tool_versions: dict[str, str] = field(default_factory=dict)
    started: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    writer: BundleWriter | None = None

    def __post_init__(self) -> None:
        host = re.sub(r"[^A-Za-z0-9.-]", "_", socket.gethostname().split(".")[0] or "host")
        stamp = self.started.strftime("%Y%m%dT%H%M%SZ")
        self.writer = BundleWriter(Path(self.out_dir), f"ikedoctor-collect-{self.side}-{host}-{stamp}")

    def run(self, step: str, argv: list[str], timeout: float = 120.0, needs: str = "") -> StepResult:
        result = self.runner.run(argv, timeout=timeout)
        entry = {"step": step, **result.to_manifest()}
        if needs:
            entry["privilege"] = needs
        if result.status == "refused" and not is_root():
            entry["note"] = (entry["note"] + " " if entry["note"] else "") + f"needs {needs or 'root'}: re-run with sudo to include it"
        self.steps.append(entry)
        return result

    def skip(self, step: str, why: str) -> None:
        self.steps.append({"step": step, "status": "skipped", "note": why})

    def add_file(self, member: str, data: bytes | str, kind: str, *, fmt: str | None = None,
                 source: str | None = None, mtime: float | None = None, redacted: bool = False) -> None:
        assert self.writer is not None
        raw = data.encode() if isinstance(data, str) else data
        self.writer.add(member, raw, mtime)
        entry: dict[str, Any] = {"name": member, "kind": kind, "side": self.side, "bytes": len(raw)}
        if fmt:
            entry["format"] = fmt
        if source:
            entry["source"] = source
        if mtime is not None:
            entry["mtime_utc"] = datetime.fromtimestamp(mtime, timezone.utc).isoformat()
        if redacted:
            entry["redacted"] = True
        self.files.append(entry)

    def copy_file(self, step: str, path: Path, member: str, kind: str, fmt: str | None = None,
                  transform: Any = None, needs: str = "") -> bool:
        """Copy a file into the bundle, recording absence or refusal as a step."""
        if not path.exists():
            self.skip(step, f"{path} does not exist")
            return False
        try:
            data = path.read_bytes()
            mtime = path.stat().st_mtime
        except PermissionError:
            self.steps.append({"step": step, "status": "refused", "path": str(path),
                               "note": f"permission denied reading {path}" + ("" if is_root() else "; re-run with sudo"),
                               **({"privilege": needs} if needs else {})})
            return False
        except OSError as exc:
            self.steps.append({"step": step, "status": "error", "path": str(path), "note": str(exc)})
            return False
        if transform is not None:
            data = transform(data.decode("utf-8", "replace")).encode()
        self.add_file(member, data, kind, fmt=fmt, source=str(path), mtime=mtime, redacted=transform is not None)
        self.steps.append({"step": step, "status": "ok", "path": str(path), "bytes": len(data)})
        return True

    def finish(self, extra: dict[str, Any]) -> Path:
        assert self.writer is not None
        tz = time_zone()
        manifest: dict[str, Any] = {
            "schema": SCHEMA,
            "ikedoctor_version": __version__,
            "side": self.side,
            "argv": sys.argv,
            "collected_at_utc": self.started.isoformat(),
            "finished_at_utc": datetime.now(timezone.utc).isoformat(),
            "year": self.started.astimezone().year,
            "time_zone": tz,
            "host": socket.gethostname(),
            "uid": os.getuid() if hasattr(os, "getuid") else None,
            "euid": os.geteuid() if hasattr(os, "geteuid") else None,
            "python": platform.python_version(),
            "platform": {"system": platform.system(), "release": platform.release(), "collect_as": platform_name()},
            "tool_versions": self.tool_versions,
            **extra,
            "steps": self.steps,
            "files": self.files,
        }
        return self.writer.close(manifest)


def default_runner(runner: Runner | None) -> Runner:
    return runner if runner is not None else SubprocessRunner()
