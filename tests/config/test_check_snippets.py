"""``check`` fixes as snippets: printed outside the box, and applying one makes its finding go away.

Every strongSwan testing configuration and every sample's gateway swanctl.conf is checked; each
snippet is applied to a copy the way its ``mode``/``path``/``line`` say (a person pasting it would
do the same), the copy is checked again, and the finding it fixes must be gone.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from diagnose.config.check import check
from diagnose.report.terminal import render_terminal

from .conftest import REPO, SS_TESTING


def _configs() -> list[Path]:
    seen: dict[str, Path] = {}
    for p in [*sorted(SS_TESTING.glob("*.conf")), *sorted((REPO / "samples").glob("*/gateway-swanctl.conf"))]:
        seen.setdefault(p.read_text(), p)
    return list(seen.values())


CONFIGS = _configs()


def _applied(text: str, snip: dict) -> str:
    lines = text.splitlines(keepends=True)
    at = snip["line"] - 1
    settings = snip["text"].rstrip("\n").split("\n")
    if snip["mode"] == "replace":
        indent = lines[at][: len(lines[at]) - len(lines[at].lstrip())]
        lines[at:at + 1] = [indent + s + "\n" for s in settings]
    else:
        head = lines[at]
        indent = head[: len(head) - len(head.lstrip())] + "    "
        lines[at + 1:at + 1] = [indent + s + "\n" for s in settings]
    return "".join(lines)


def _fixable(report) -> list[tuple[str, str | None, dict]]:
    return [(f.id, f.session, s) for f in report.findings for s in f.fix_snippets if s.get("mode")]


@pytest.mark.parametrize("conf", CONFIGS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_applying_a_check_snippet_removes_its_finding(conf, tmp_path):
    copy = tmp_path / conf.name
    copy.write_text(conf.read_text())
    report = check([copy], [], [], [])
    for fid, session, snip in _fixable(report):
        assert snip["path"] == str(copy) and snip["line"] > 0, snip
        fixed = tmp_path / "fixed" / conf.name
        fixed.parent.mkdir(exist_ok=True)
        fixed.write_text(_applied(copy.read_text(), snip))
        again = check([fixed], [], [], [])
        left = {(f.id, f.session) for f in again.findings}
        assert (fid, session) not in left, f"{fid} [{session}] still found after applying:\n{snip['text']}"


def test_some_configuration_gives_snippets_of_both_modes():
    modes = {s["mode"] for conf in CONFIGS for _, _, s in _fixable(check([conf], [], [], []))}
    assert modes == {"replace", "add"}


@pytest.mark.parametrize("width", [60, 80, 120])
def test_check_snippets_print_outside_the_box_whole(width):
    conf = SS_TESTING / "rw-cert.swanctl.conf"
    report = check([conf], [], [], [])
    console = Console(width=width, record=True, color_system=None)
    render_terminal(report, console)
    out = console.export_text().splitlines()
    for _, _, snip in _fixable(report):
        for setting in snip["text"].rstrip("\n").split("\n"):
            assert setting in out, f"{setting!r} is not a whole line of the output at {width} columns"
