"""``ikedoctor collect --server``: charon's log, swanctl's view and swanctl.conf without secrets.

======================================================  =========  ===========================
command / file                                          privilege  bundle member
======================================================  =========  ===========================
``journalctl -u strongswan -u strongswan-starter         journal    ``logs/charon.log``
--since ...`` or the ``--log-file`` given               access
``swanctl --list-conns`` / ``--list-sas`` /             root       ``status/swanctl-*.txt``
``--list-certs``                                        (vici)
``swanctl --version``                                   none       manifest ``tool_versions``
``/etc/swanctl/swanctl.conf`` and its includes          root       ``config/swanctl/...`` redacted
======================================================  =========  ===========================
"""

from __future__ import annotations

import glob
import re
from pathlib import Path
from typing import Any

from .common import Collection, CollectError, default_runner, window_argv
from .redact import redact_swanctl_conf
from .runner import Runner

SWANCTL_DIR = Path("/etc/swanctl")


def journal_argv(last: str | None = "2h", start: str | None = None, end: str | None = None) -> list[str]:
    window = window_argv(last, start, end)
    argv = ["journalctl", "--no-pager", "-o", "short-iso-precise", "-u", "strongswan", "-u", "strongswan-starter"]
    if window[0] == "--last":
        argv += ["--since", "-" + window[1] if window[1][-1].isalpha() else f"-{window[1]}s"]
    else:
        pairs = dict(zip(window[::2], window[1::2]))
        if "--start" in pairs:
            argv += ["--since", pairs["--start"]]
        if "--end" in pairs:
            argv += ["--until", pairs["--end"]]
    return argv


def _includes(conf: Path, text: str) -> list[Path]:
    """``include conf.d/*.conf`` lines, resolved relative to the including file."""
    out: list[Path] = []
    for m in re.finditer(r"^\s*include\s+(\S+)", text, re.M):
        pattern = m.group(1)
        base = pattern if pattern.startswith("/") else str(conf.parent / pattern)
        out.extend(Path(p) for p in sorted(glob.glob(base)))
    return out


def _has_entries(out: bytes) -> bool:
    """journalctl output with at least one log line (not only its "-- No entries --" style notes)."""
    return any(line.strip() and not line.startswith(b"-- ") for line in out.splitlines())


def collect_server(out_dir: str | Path = ".", last: str | None = "2h", start: str | None = None,
                   end: str | None = None, log_file: str | Path | None = None, runner: Runner | None = None,
                   swanctl_dir: Path = SWANCTL_DIR) -> Path:
    """Collect the strongSwan side into one bundle and return its path."""
    window_argv(last, start, end)
    col = Collection("server", Path(out_dir), default_runner(runner))
    extra: dict[str, Any] = {}

    if log_file is not None:
        if not Path(log_file).exists():
            raise CollectError(f"--log-file {log_file}: no such file")
        col.copy_file("charon-log", Path(log_file), "logs/charon.log", "log", fmt="charon", needs="root")
    else:
        res = col.run("charon-journal", journal_argv(last, start, end), timeout=300, needs="systemd-journal group or root")
        if not res.ok and res.status == "failed":  # an old journalctl without -o short-iso-precise
            argv = [a for a in journal_argv(last, start, end) if a not in ("-o", "short-iso-precise")]
            res = col.run("charon-journal-plain", argv, timeout=300, needs="systemd-journal group or root")
        if _has_entries(res.stdout):
            col.add_file("logs/charon.log", res.stdout, "log", fmt="charon", source="journalctl")
        elif res.ok:  # journalctl exits 0 with "-- No entries --": no strongSwan unit logs to this journal
            col.steps[-1]["status"] = "empty"
            col.steps[-1]["note"] = ("no strongSwan entries in the journal (units strongswan, strongswan-starter) "
                                     "in this window; if charon logs to a file, use --log-file")

    ver = col.run("swanctl-version", ["swanctl", "--version"], timeout=20)
    if ver.ok:
        col.tool_versions["swanctl"] = ver.stdout.decode("utf-8", "replace").strip()
    for what in ("conns", "sas", "certs"):
        res = col.run(f"swanctl-{what}", ["swanctl", f"--list-{what}"], timeout=60, needs="root (vici socket)")
        if res.stdout:
            col.add_file(f"status/swanctl-list-{what}.txt", res.stdout, "status", source=f"swanctl --list-{what}")

    main = swanctl_dir / "swanctl.conf"
    seen: set[Path] = set()
    queue = [main]
    while queue:
        conf = queue.pop(0)
        if conf in seen:
            continue
        seen.add(conf)
        try:
            rel = conf.relative_to(swanctl_dir)
        except ValueError:
            rel = Path("external") / conf.name
        if col.copy_file(f"config:{conf}", conf, f"config/swanctl/{rel}.redacted", "config",
                         transform=redact_swanctl_conf, needs="root"):
            try:
                queue.extend(_includes(conf, conf.read_text(errors="replace")))
            except OSError:
                pass
    return col.finish(extra)
