"""The report is never empty-handed: status, lines no finding explains, what to collect next.

Inputs are real logs (lab samples) cut the way posters cut them: a log that stops early, an
error line alone, a healthy log.
"""

from __future__ import annotations

import json
from pathlib import Path

from diagnose.api import Options, diagnose_paths
from diagnose.events import Side
from diagnose.knowledge import knowledge
from diagnose.report.markdown import render_markdown
from samples_index import SAMPLES, all_samples


def _cut(sample: str, first: int, last: int, tmp_path: Path) -> Path:
    src = SAMPLES / sample
    out = tmp_path / src.name
    out.write_bytes(b"".join(src.read_bytes().splitlines(keepends=True)[first - 1:last]))
    return out


def test_a_log_that_stops_after_the_ike_auth_request_is_inconclusive_and_says_where(tmp_path):
    # lab-no-certreq's gateway log up to the client's IKE_AUTH request (line 30): no answer yet
    report = diagnose_paths([str(_cut("lab-no-certreq/server-charon.log", 1, 31, tmp_path))])
    assert report.status == "inconclusive" and not report.findings
    assert "IKE_AUTH request received" in report.verdict and ":30" in report.verdict
    assert any("paste the log up to" in s for s in report.next_steps)
    assert not report.failed  # nothing failed yet: exit 0


def test_an_error_line_the_catalog_does_not_name_is_an_unidentified_failure(tmp_path):
    # a line charon prints when a CHILD_SA cannot be built, with nothing else around it
    src = SAMPLES / "lab-ts-unacceptable/server-charon.log"
    line = next(i for i, t in enumerate(src.read_text().splitlines(), 1) if "failed to establish CHILD_SA" in t)
    report = diagnose_paths([str(_cut("lab-ts-unacceptable/server-charon.log", line, line, tmp_path))])
    assert report.status == "unidentified-failure" and report.failed
    [n] = report.notable_lines
    assert n.line == 1 and n.severity == "error" and n.meaning and n.look_at
    assert report.verdict.startswith("UNIDENTIFIED FAILURE")
    # the gateway log alone: ask for the Mac's side and the configuration
    assert any("log show" in s for s in report.next_steps) and any("ikedoctor check" in s for s in report.next_steps)


def test_healthy_samples_are_healthy_and_failures_are_failures():
    for s in all_samples():
        if getattr(s, "corpus", False):
            continue
        report = diagnose_paths([str(p) for p in s.log_files()])
        if s.expect:
            assert report.status == "failure", s.name
        elif report.sessions and any(x.outcome == "established" for x in report.sessions):
            assert report.status == "healthy", s.name


def test_lines_a_finding_cites_are_not_repeated_as_notable():
    report = diagnose_paths([str(SAMPLES / "lab-no-matching-config")])
    cited = {(e.path, e.line) for f in report.findings for e in f.evidence}
    assert report.findings and report.notable_lines
    assert not cited & {(n.path, n.line) for n in report.notable_lines}


def test_decisive_findings_name_what_would_confirm_them(tmp_path):
    report = diagnose_paths([str(_cut("lab-ike-proposal-mismatch-ios-legacy/server-charon.log", 16, 17, tmp_path))])
    assert report.findings[0].basis == "decisive"
    assert any(s.startswith("to confirm ike-proposal-mismatch:") for s in report.next_steps)


def test_json_and_markdown_carry_status_notable_lines_and_next_steps(tmp_path):
    report = diagnose_paths([str(_cut("lab-ts-unacceptable/server-charon.log", 1, 200, tmp_path))])
    data = json.loads(json.dumps(report.to_dict()))
    assert data["status"] == report.status and "notable_lines" in data and "next_steps" in data
    md = render_markdown(report)
    assert "Status: `" in md
    if report.notable_lines:
        assert "## Lines no finding explains" in md


def test_every_hand_written_meaning_names_a_notable_format():
    import tomllib
    from diagnose.catalog.model import patterns_dir
    data = tomllib.loads((patterns_dir() / "knowledge" / "meanings.toml").read_text("utf-8"))
    k = knowledge()
    missing = [f["format"] for f in data["format"] if f["format"] not in k.by_format]
    assert not missing, f"meanings.toml formats not in charon-notable.tsv: {missing}"


def test_notable_formats_are_charons_own(request):
    """Every format of the knowledge table is verbatim in strongSwan's source (the shared reference)."""
    import csv
    import pytest
    ref = Path(__file__).resolve().parents[2] / "shared" / "reference" / "charon-messages.tsv"
    if not ref.is_file():
        pytest.skip("shared/reference is not beside this checkout")
    known = {r["format"].strip() for r in csv.DictReader(ref.read_text("utf-8").splitlines(), delimiter="\t",
                                                        quoting=csv.QUOTE_NONE)}
    assert set(knowledge().by_format) <= known


def test_a_gateway_log_with_no_ike_packet_says_nothing_reached_the_gateway(tmp_path):
    # lab-no-certreq's gateway log up to the line before the client's first packet: charon started,
    # loaded its credentials and connections, and logged for a while; no client ever reached it
    src = SAMPLES / "lab-no-certreq/server-charon.log"
    first_packet = next(i for i, t in enumerate(src.read_text().splitlines(), 1) if "received packet" in t)
    report = diagnose_paths([str(_cut("lab-no-certreq/server-charon.log", 1, first_packet - 1, tmp_path))])
    assert report.status == "no-ike" and not report.failed
    assert report.verdict.startswith("NO IKE: nothing reached the gateway: charon logged at Nov 28 05:32:30")
    assert any("UDP 500 and 4500" in s for s in report.next_steps)


def _line_of(sample: str, text: str) -> int:
    return next(i for i, t in enumerate((SAMPLES / sample).read_text().splitlines(), 1) if text in t)


def test_a_received_error_notify_is_explained_by_the_notify_it_names(tmp_path):
    # the client's one line when the gateway rejects its certificate, and when no proposal fits
    auth = "lab-client-cert-untrusted/client-charon.log"
    prop = "lab-ike-proposal-mismatch-ios-legacy/client-charon.log"
    a = _line_of(auth, "received AUTHENTICATION_FAILED notify error")
    p = _line_of(prop, "received NO_PROPOSAL_CHOSEN notify error")
    [na] = diagnose_paths([str(_cut(auth, a, a, tmp_path))]).notable_lines
    assert "did not accept the other's credentials" in na.meaning
    (tmp_path / "p").mkdir()
    # read as the gateway's line (pinned: alone, the client's reading would explain it by a
    # finding, pipeline.other_reading), no finding explains it: its notable line shows the meaning
    [np_] = diagnose_paths([str(_cut(prop, p, p, tmp_path / "p"))], Options(side=Side.SERVER)).notable_lines
    assert "accepted none of the algorithms" in np_.meaning and np_.meaning != na.meaning
    assert any("proposals" in s for s in np_.look_at)


def test_every_notify_meaning_names_a_notify_type():
    names = {line.split("\t")[1] for line in
             (Path(__file__).resolve().parents[1] / "diagnose" / "parsers" / "data" / "notify-types.tsv")
             .read_text().splitlines()[1:] if line.strip()}
    assert knowledge().notifies and set(knowledge().notifies) <= names


def test_a_line_about_an_ike_sa_is_never_no_ike(tmp_path):
    # one line of an IKE_SA in progress (the client asks for a virtual IP): something reached the gateway
    sample = "lab-esp-proposal-mismatch/server-charon.log"
    n = _line_of(sample, "peer requested virtual IP")
    report = diagnose_paths([str(_cut(sample, n, n, tmp_path))])
    assert report.status != "no-ike" and "nothing reached the gateway" not in report.verdict
    assert report.inputs[0].sa_lines == 1


def test_a_message_a_finding_cites_is_explained_in_all_its_repeats():
    # the IKEv1 responder logs the undecryptable message once per retransmit; the finding cites some
    report = diagnose_paths([str(SAMPLES / "lab-ikev1-psk-mismatch" / "server-charon.log")])
    assert [f.id for f in report.findings] == ["psk-auth-failed"]
    assert not any("decryption failed" in n.text for n in report.notable_lines)


def test_an_unserved_ipv6_request_beside_an_assigned_ipv4_address_is_no_failure():
    # iOS/macOS ask for IPv4 and IPv6; a gateway with an IPv4 pool only serves the first (public paste)
    report = diagnose_paths([str(SAMPLES / "public-127-ipv4-assigned-no-ipv6-pool-slinarts")])
    assert not report.findings and report.status == "inconclusive"
    [n] = report.notable_lines
    assert n.severity == "warning" and "IPv6" in n.meaning


def test_a_connection_charon_switched_away_from_is_no_failure():
    # "peer requested EAP, config inacceptable" then "switching to peer config ..." (public paste)
    report = diagnose_paths([str(SAMPLES / "public-113-ios9-peer-requested-eap-switch")])
    assert not report.findings and report.status == "inconclusive"
    assert all(n.severity == "warning" for n in report.notable_lines)


def test_an_ike_message_carrying_an_error_notify_is_a_failure_with_its_meaning(tmp_path):
    # the gateway's own IKE_AUTH response with N(AUTH_FAILED), the one line a poster quotes
    sample = "lab-client-cert-untrusted/server-charon.log"
    n = _line_of(sample, "N(AUTH_FAILED)")
    report = diagnose_paths([str(_cut(sample, n, n, tmp_path))])
    assert report.status == "unidentified-failure" and report.failed
    [note] = report.notable_lines
    assert note.severity == "error" and "AUTHENTICATION_FAILED" in note.meaning


def test_optional_plugins_that_did_not_start_are_no_failure(tmp_path):
    # a real start-up: 'plugin 'ha': failed to load - ...' and 'unable to load 5 plugin features'
    sample = "public-146-debian-client-invalid-ke-retry-eap-healthy/client-charon.log"
    lines = (SAMPLES / sample).read_text().splitlines()
    n = max(i for i, t in enumerate(lines, 1) if "plugin feature" in t)
    report = diagnose_paths([str(_cut(sample, 1, n, tmp_path))])
    assert report.status == "no-ike" and not report.failed
    assert report.notable_lines and all(x.severity == "warning" for x in report.notable_lines)


def test_an_ikev1_identity_mismatch_is_explained_from_the_clients_side():
    # a strongSwan IKEv1 client rejecting the gateway's identity (public paste, bold markers and all)
    report = diagnose_paths([str(SAMPLES / "public-137-raspi-client-idir-does-not-match")])
    [n] = [x for x in report.notable_lines if "IDir" in x.text]
    assert "expects" in n.meaning and any("rightid" in s for s in n.look_at)


def test_the_last_message_of_a_session_is_what_comparing_each_in_turn_gives():
    """``_latest`` takes the latest timed message with one ``max``; synthetic events (no log
    lines) with equal times, missing times and several files check it against the fold."""
    import random
    from datetime import datetime, timedelta

    from diagnose.events import Event, Side
    from diagnose.triage import _later, _latest

    rng = random.Random(16)
    base = datetime(2026, 1, 1)

    def message(timed: bool) -> Event:
        return Event(kind="message", path=rng.choice(["a.log", "b.log"]), line=rng.randrange(1, 6), text="",
                     side=Side.SERVER, time=base + timedelta(seconds=rng.randrange(3)) if timed else None)

    for _ in range(2000):
        timed = rng.random() < 0.8
        last = None if rng.random() < 0.3 else message(timed or rng.random() < 0.5)
        messages = [message(timed or rng.random() < 0.7) for _ in range(rng.randrange(1, 6))]
        expected = last
        for e in messages:
            if expected is None or _later(e, expected):
                expected = e
        assert _latest(last, messages) is expected
