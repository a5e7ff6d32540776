"""What the confidence says: possible causes, healthy verdicts that explain, evidence shown once."""

from __future__ import annotations

import io

from rich.console import Console

from benchmarks.calibration import calibrate
from diagnose.api import diagnose_paths
from diagnose.report.model import Evidence, Finding, Report
from diagnose.report.terminal import render_terminal
from samples_index import all_samples

SAMPLES = {s.name: s for s in all_samples()}


def _text(report: Report, verbose: bool = False) -> str:
    buf = io.StringIO()
    render_terminal(report, Console(file=buf, width=100, color_system=None), verbose)
    return buf.getvalue()


def test_calibration_counts_right_and_wrong_per_band():
    bands = calibrate([([("a", 0.95), ("b", 0.42)], ["a"]), ([("c", 0.85)], ["c"]), ([("d", 0.99)], [])])
    by = {b.label: (b.right, b.wrong) for b in bands}
    assert by["90%-99%"] == (1, 1) and by["80%-90%"] == (1, 0) and by["under 50%"] == (0, 1)


def test_a_weak_finding_is_a_possible_cause_not_a_failure():
    rep = diagnose_paths([str(SAMPLES["lab-split-dns-not-applied"].folder)])
    assert rep.findings[0].confidence < 0.5
    assert rep.verdict.startswith("POSSIBLE CAUSE:")
    text = _text(rep)
    assert "possible cause: " in text and "FAILURE" not in text
    assert "confidence = how much" in text  # says what the number is


def test_healthy_verdict_explains_the_sessions_that_did_not_establish():
    rep = diagnose_paths([str(SAMPLES["lab-healthy-cert"].folder)])
    assert rep.verdict.startswith("HEALTHY: 2 of 3")
    assert "INVALID_KE_PAYLOAD" in rep.verdict and "not a failure" in rep.verdict
    assert [s.not_established_because is None for s in rep.sessions].count(False) == 1


def _report(evidence: list[Evidence]) -> Report:
    f = Finding(id="x", title="X", confidence=0.9, side="server", root_cause="r", fix="f", evidence=evidence)
    return Report(findings=[f], verdict="FAILURE: X (confidence 90%)")


def test_evidence_legend_no_duplicates_and_verbose_shows_more():
    ev = [Evidence(path="gw.log", line=i, text=f"line {i} " + "x" * 400, role="required", side="server",
                   time=f"2026-01-01T00:00:{i:02d}") for i in range(1, 12)]
    ev.append(Evidence(path="gw.log", line=3, text="line 3 again", role="supporting", side="server"))
    ev.append(Evidence(path="swanctl.conf", line=7, text="send_cert = ifasked", role="config", side="config"))
    plain, verbose = _text(_report(ev)), _text(_report(ev), verbose=True)
    assert "• a line that defines the failure" in plain and "⚙ from the configuration" in plain
    assert plain.count("gw.log:3 ") == 1
    assert "more evidence line(s): -v shows them" in plain
    assert "gw.log:11" not in plain and "gw.log:11" in verbose and "swanctl.conf:7" in verbose
    assert "2026-01-01T00:00:01" in verbose and "x" * 400 in verbose.replace("\n", "").replace("│", "").replace(" ", "") 
