"""Turning a lab run into a ``samples/lab-<id>/`` folder, and checking a run's logs.

The logs are copied byte for byte from what the daemons wrote; nothing here edits a log line.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from .runner import RunResult, charon_package_version, format_to_regex
from .scenario import Scenario

STRONGSWAN_VERSION = "5.9.8"  # the host's (Debian 12); a charon root says its own
# ../shared/reference beside the repository (a worktree one level deeper finds it one level up)
_REFERENCE_DIRS = [Path(__file__).resolve().parents[n] / "shared" / "reference" for n in (3, 4)]
REFERENCE_DIR = next((d for d in _REFERENCE_DIRS if d.is_dir()), _REFERENCE_DIRS[0])
REFERENCE_TSV = REFERENCE_DIR / "charon-messages.tsv"
REFERENCE_WORDINGS = REFERENCE_DIR / "charon-log-lines.md"


def older_wordings(markdown: str) -> set[str]:
    """The format strings of the wording table (section 6 of charon-log-lines.md): what older
    releases such as the lab's 5.9.8 print where charon-messages.tsv (6.x source) words it anew."""
    section = markdown.split("\n## 6.", 1)[-1].split("\n## ", 1)[0] if "\n## 6." in markdown else ""
    found = set()
    for line in section.splitlines():
        if line.startswith("|"):
            found.update(m for m in re.findall(r"`([^`]+)`", line) if "%" in m or " " in m)
    return found


def reference_formats() -> set[str] | None:
    """All format strings of charon-messages.tsv plus the older wordings of charon-log-lines.md,
    or None when the reference is not beside the repo."""
    if not REFERENCE_TSV.exists():
        return None
    formats = set()
    with REFERENCE_TSV.open(encoding="utf-8") as fh:
        next(fh)
        for line in fh:
            cols = line.rstrip("\n").split("\t")
            if len(cols) >= 3:
                formats.add(cols[2].replace("\\t", "\t").replace("\\n", "\n").replace("\\\\", "\\"))
    if REFERENCE_WORDINGS.exists():
        formats |= older_wordings(REFERENCE_WORDINGS.read_text(encoding="utf-8"))
    return formats


def missing_lines(scenario: Scenario, result: RunResult) -> list[str]:
    """The scenario's marker messages that do not occur in the logs of this run."""
    problems = []
    for side, formats, path in (("server", scenario.server_lines, result.server_log),
                                ("client", scenario.client_lines, result.client_log)):
        text = path.read_text(errors="replace") if path.exists() else ""
        for fmt in formats:
            if not format_to_regex(fmt).search(text):
                problems.append(f"{side} log lacks: {fmt}")
    return problems


def _toml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _toml_list(values: list[str]) -> str:
    return "[" + ", ".join(_toml_str(v) for v in values) + "]"


def strongswan_version() -> str:
    """5.9.8 for the host's charon; the upstream version of a charon root's package (6.0.1-6 -> 6.0.1)."""
    from .runner import charon_root
    if charon_root() is None:
        return STRONGSWAN_VERSION
    return charon_package_version().split("-", 1)[0].split(":", 1)[-1]


def sample_prefix() -> str:
    """``lab-`` for the host's 5.9.8, ``lab6-`` for a 6.x charon root."""
    return "lab-" if strongswan_version() == STRONGSWAN_VERSION else f"lab{strongswan_version().split('.')[0]}-"


def sample_toml(scenario: Scenario, generated: str) -> str:
    version = strongswan_version()
    where = "" if version == STRONGSWAN_VERSION else ", from a Debian 13 root made with mmdebstrap"
    source = (f"ikedoctor lab: strongSwan {version} (Debian package strongswan-charon "
              f"{charon_package_version()}{where}) charon gateway and charon initiator in network namespaces")
    description = " ".join(scenario.description.split()) + " Client played: " + " ".join(scenario.apple.split())
    lines = [
        f"source = {_toml_str(source)}",
        f"scenario = {_toml_str(scenario.id)}",
        f"generated = {_toml_str(generated)}",
        f"strongswan_version = {_toml_str(version)}",
        f"description = {_toml_str(description)}",
        f"expect = {_toml_list(scenario.expect)}",
        f"expect_server_only = {_toml_list(scenario.expect_server_only)}",
        "",
        "[files]",
        f'"server-charon.log" = {{ side = "server", format = "charon", style = {_toml_str(scenario.gateway.log)} }}',
        f'"client-charon.log" = {{ side = "client", format = "charon", style = {_toml_str(scenario.client.log)} }}',
    ]
    return "\n".join(lines) + "\n"


def write_sample(result: RunResult, out_root: Path, generated: str | None = None) -> Path:
    """Write ``out_root/lab-<id>/`` atomically (temp dir, then rename over the old folder)."""
    scenario = result.scenario
    generated = generated or _dt.date.today().isoformat()
    out_root.mkdir(parents=True, exist_ok=True)
    final = out_root / f"{sample_prefix()}{scenario.id}"
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=out_root))
    try:
        shutil.copyfile(result.server_log, tmp / "server-charon.log")
        shutil.copyfile(result.client_log, tmp / "client-charon.log")
        shutil.copyfile(result.gateway_conf, tmp / "gateway-swanctl.conf")
        shutil.copyfile(result.client_conf, tmp / "client-swanctl.conf")
        if scenario.client.conf_after:
            (tmp / "client-swanctl-after.conf").write_text(scenario.client.conf_after)
        (tmp / "sample.toml").write_text(sample_toml(scenario, generated))
        os.chmod(tmp, 0o755)
        old = None
        if final.exists():
            old = out_root / f".{final.name}.old"
            if old.exists():
                shutil.rmtree(old)
            os.replace(final, old)
        os.replace(tmp, final)
        if old is not None:
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final
