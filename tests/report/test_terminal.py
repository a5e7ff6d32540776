"""The text report at any width: fix snippets are copy-safe configuration."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from rich.console import Console

from diagnose.api import diagnose_paths
from diagnose.config.ipsec_conf import load_ipsec_conf
from diagnose.config.settings_syntax import parse_settings
from diagnose.report.terminal import render_terminal
from samples_index import SAMPLES as SAMPLES_DIR, all_samples

WITH_FIXES = [s for s in all_samples() if s.expect]


def _text(report, width: int) -> str:
    buf = io.StringIO()
    render_terminal(report, Console(file=buf, width=width, force_terminal=False, color_system=None))
    return buf.getvalue()


def cut_snippets(text: str) -> list[str]:
    """What a user selects with the mouse: the lines after each "Fix #N, ...:" heading up to the
    first empty line."""
    lines, out = text.splitlines(), []
    for i, line in enumerate(lines):
        if line.startswith("Fix #") and line.endswith(":"):
            j = i + 1
            while j < len(lines) and lines[j].strip():
                j += 1
            out.append("\n".join(lines[i + 1:j]))
    return out


def _parse(lang: str, text: str, tmp: Path) -> None:
    f = tmp / ("ipsec.conf" if lang == "ipsec.conf" else "swanctl.conf")
    f.write_text(text + "\n")
    if lang == "ipsec.conf":
        cfg = load_ipsec_conf([f])
        assert cfg.connections or "config setup" in text
    else:
        warnings: list[str] = []
        root, _ = parse_settings([f], warnings=warnings)
        assert root.sections and not warnings


@pytest.mark.parametrize("sample", WITH_FIXES, ids=lambda s: s.name)
def test_every_snippet_can_be_copied_at_any_width_and_parses(sample, tmp_path):
    report = diagnose_paths([str(sample.folder)])
    snippets = [s for f in report.findings for s in f.fix_snippets]
    for width in (60, 80, 120):
        cut = cut_snippets(_text(report, width))
        assert cut == [s["text"].strip("\n") for s in snippets], width
        for snip, text in zip(snippets, cut):
            assert not any(ch in text for ch in "│╭╮╰╯"), text
            if snip["lang"] in ("swanctl", "ipsec.conf"):
                _parse(snip["lang"], text, tmp_path)


def test_no_snippet_template_invents_a_value():
    """Addresses, domains and names come from the log or the configuration, else a <placeholder>."""
    import re

    from diagnose.catalog.model import load_catalog
    literal = re.compile(r"\b\d{1,3}(\.\d{1,3}){3}(/\d+)?\b|\b[\w-]+\.example\.(com|org|net)\b")
    for p in load_catalog():
        for snip in p.snippets:
            outside = re.sub(r"<[^<>\n]*>", "", snip.text)
            bad = [m.group(0) for m in literal.finditer(outside) if not m.group(0).startswith("0.0.0.0")]
            assert not bad, (p.id, bad)


def test_rendered_snippets_have_no_template_field_left():
    for s in WITH_FIXES:
        for f in diagnose_paths([str(s.folder)]).findings:
            for snip in f.fix_snippets:
                assert not re.search(r"\{[a-z_]+(\|[a-z]+)?\}", snip["text"]), (s.name, snip["text"])


def test_legacy_proposals_are_appended_after_the_modern_ones():
    legacy = next(s for s in WITH_FIXES if s.name == "lab-ike-proposal-mismatch-ios-legacy")
    f = next(f for f in diagnose_paths([str(legacy.folder)]).findings if f.id == "ike-proposal-mismatch")
    for snip in f.fix_snippets:
        line = next(l for l in snip["text"].splitlines() if "proposals =" in l or "ike=" in l)
        suites = line.split("=", 1)[1].strip().split(",")
        assert not line.rstrip().endswith("!"), line  # "!" would drop every suite not listed
        first_legacy = next(i for i, s in enumerate(suites) if "modp1024" in s)
        assert first_legacy > 0 and all("modp1024" in s for s in suites[first_legacy:]), line


def test_config_names_replace_placeholders(tmp_path):
    sample = next(s for s in WITH_FIXES if s.name == "lab-split-dns-not-applied")
    from diagnose.api import Options
    from diagnose.confirm import ConfigInputs
    report = diagnose_paths([str(sample.folder / "server-charon.log")],
                            Options(config=ConfigInputs(server=[sample.folder / "gateway-swanctl.conf"])))
    text = "\n".join(s["text"] for f in report.findings for s in f.fix_snippets)
    assert "rw-pool-v4 {" in text and "<your-pool>" not in text


def test_the_child_name_comes_from_the_log_when_charon_printed_it():
    """charon's `found matching child config "rw"` (cfg 2) names the child; no --config needed."""
    sample = next(s for s in WITH_FIXES if s.name == "lab-esp-proposal-mismatch")
    log = sample.folder / "server-charon.log"
    named = [l for l in log.read_text().splitlines() if "found matching child config" in l]
    assert named, "the sample must show the child's name"
    child = named[-1].split('"')[1]
    f = next(f for f in diagnose_paths([str(log)]).findings if f.id == "esp-proposal-mismatch")
    text = "\n".join(s["text"] for s in f.fix_snippets)
    assert f"      {child} {{" in text and "<your-child>" not in text


# -- any terminal width (issue 15 point 4) --------------------------------------------------------

def test_elide_middle_keeps_the_file_name_whole():
    from diagnose.report.terminal import elide_middle
    p = "samples/lab-ike-proposal-mismatch-ios-legacy/server-charon.log"
    assert elide_middle(p, 80) == p
    short = elide_middle(p, 30)
    assert len(short) == 30 and short.endswith("/server-charon.log") and "…" in short


@pytest.mark.parametrize("width", [40, 60, 80, 120])
def test_verdict_and_inputs_fit_any_width(width):
    from diagnose.report.terminal import verdict_lines
    for s in all_samples():
        report = diagnose_paths([str(s.folder)])
        lines = verdict_lines(report.verdict, width)
        conf = re.search(r"\(confidence \d+%\)", report.verdict)
        if conf:
            assert any(conf.group(0) in line for line in lines) and all(len(line) <= width for line in lines)
        text = _text(report, width)
        for i in report.inputs:
            assert i.path.rsplit("/", 1)[-1] in text  # the file name is never cut
        body = text.split("╭", 1)[0]  # verdict, notes and the inputs table
        assert all(len(line) <= width for line in body.splitlines()), (s.name, width)


def test_batch_and_timeline_use_the_width_they_are_given(tmp_path):
    import os
    import subprocess
    import sys
    sample = next(s for s in all_samples() if s.name == "lab-no-certreq").folder
    env = {**os.environ, "COLUMNS": "90"}
    for args in (["timeline", str(sample)], ["batch", "-j", "1", str(sample.parent / "lab-no-certreq"),
                                             str(sample.parent / "lab-ike-proposal-mismatch-ios-legacy")]):
        r = subprocess.run([sys.executable, "-m", "diagnose", *args], capture_output=True, text=True, env=env,
                           timeout=120)
        widths = [len(line) for line in r.stdout.splitlines()]
        assert widths and max(widths) <= 90 and max(widths) >= 60, (args, max(widths))


@pytest.mark.parametrize("width", [120, 40])
def test_an_assumed_side_is_printed_with_a_question_mark(width, tmp_path):
    lines = (SAMPLES_DIR / "lab-san-mismatch" / "client-charon.log").read_text().splitlines()
    fragment = tmp_path / "fragment.log"
    fragment.write_text("\n".join(lines[31:33]) + "\n")  # the certificate check, no opening lines
    assumed = _text(diagnose_paths([str(fragment)]), width)
    known = _text(diagnose_paths([str(SAMPLES_DIR / "lab-san-mismatch" / "client-charon.log")]), width)
    assert re.search(r"\bserver\?", assumed) and "client?" not in known and re.search(r"\bclient\b", known)
