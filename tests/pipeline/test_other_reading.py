"""A fragment that does not show which end wrote it is read both ways when that decides the answer."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from diagnose.api import Options, diagnose_paths
from diagnose.events import Side
from diagnose.pipeline import other_reading
from samples_index import SAMPLES

ROWS = tomllib.loads((Path(__file__).parents[1] / "catalog" / "fragments.toml").read_text("utf-8"))["fragment"]
#: decisive lines of client logs whose words a gateway writes too (certificate checks of the peer)
CLIENT_ROWS = [r for r in ROWS if r["pattern"] in ("san-mismatch", "ca-not-trusted")
               and r["sample"].endswith("/client-charon.log")]


def _cut(row: dict, tmp_path: Path) -> Path:
    lines = (SAMPLES / row["sample"]).read_bytes().splitlines(keepends=True)
    out = tmp_path / "fragment.log"
    out.write_bytes(b"".join(lines[n - 1] for n in row["lines"]))
    return out


def _side_notes(report) -> list[str]:
    return [w for w in report.warnings if "no line shows which end wrote" in w]


def test_when_only_the_other_reading_names_a_cause_it_is_shown(tmp_path):
    # the client's "received NO_PROPOSAL_CHOSEN notify error" alone: as the gateway's line it
    # names nothing, as the client's it is the gateway refusing every IKE proposal
    line = (SAMPLES / "lab-ike-proposal-mismatch-ios-legacy" / "client-charon.log").read_text().splitlines()[17]
    assert "NO_PROPOSAL_CHOSEN notify error" in line
    fragment = tmp_path / "fragment.log"
    fragment.write_text(line + "\n")
    report = diagnose_paths([str(fragment)])
    assert report.inputs[0].side == "client" and report.inputs[0].side_assumed
    assert report.findings[0].id == "ike-proposal-mismatch"
    assert report.findings[0].confidence <= other_reading.ASSUMED_SIDE_CONFIDENCE
    [note] = _side_notes(report)
    assert "--side server" in note


@pytest.mark.parametrize("row", CLIENT_ROWS, ids=lambda r: r["pattern"])
def test_a_client_fragment_read_as_the_gateways_names_the_clients_reading(row, tmp_path):
    report = diagnose_paths([str(_cut(row, tmp_path))])
    assert report.inputs[0].side == "server" and report.inputs[0].side_assumed
    [note] = _side_notes(report)
    assert f"({row['pattern']}," in note and "--side client" in note
    # the gateway's reading rests on a guess: at most a possible cause, and it says so
    top = report.findings[0]
    assert top.confidence <= other_reading.ASSUMED_SIDE_CONFIDENCE and report.verdict.startswith("POSSIBLE CAUSE")
    assert any("no line shows" in n for n in top.notes)


@pytest.mark.parametrize("row", CLIENT_ROWS, ids=lambda r: r["pattern"])
def test_a_given_side_is_no_assumption(row, tmp_path):
    report = diagnose_paths([str(_cut(row, tmp_path))], Options(side=Side.CLIENT))
    assert not report.inputs[0].side_assumed and not _side_notes(report)
    assert report.findings[0].id == row["pattern"]


def test_a_log_that_shows_its_side_is_read_once(tmp_path):
    report = diagnose_paths([str(SAMPLES / "lab-san-mismatch" / "client-charon.log")])
    assert report.inputs[0].side == "client" and not report.inputs[0].side_assumed
    assert not _side_notes(report)


def test_no_note_when_both_readings_agree(tmp_path):
    row = next(r for r in ROWS if r["pattern"] == "eap-auth-failed")
    report = diagnose_paths([str(_cut(row, tmp_path))])
    assert report.inputs[0].side_assumed and report.findings[0].id == "eap-auth-failed"
    assert not _side_notes(report) and report.findings[0].confidence > other_reading.ASSUMED_SIDE_CONFIDENCE


def test_only_a_responder_times_out_a_half_open_ike_sa(tmp_path):
    # "deleting half open IKE_SA ... after timeout" alone: charon schedules that job only for an
    # IKE_SA an incoming message created, so the log is the responder's (the gateway's)
    row = next(r for r in ROWS if r["pattern"] == "ike-auth-lost" and len(r["lines"]) == 1)
    report = diagnose_paths([str(_cut(row, tmp_path))])
    assert not report.inputs[0].side_assumed and report.inputs[0].side == "server"
    assert not _side_notes(report)


def test_a_big_log_is_not_read_twice(tmp_path, monkeypatch):
    monkeypatch.setattr(other_reading, "MAX_EVENTS", 0)
    report = diagnose_paths([str(_cut(CLIENT_ROWS[0], tmp_path))])
    assert report.inputs[0].side_assumed and not _side_notes(report)
