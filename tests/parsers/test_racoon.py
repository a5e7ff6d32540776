"""racoon: upstream file log and syslog, Apple racoon in syslog; shared message table."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.events import KINDS, Side
from diagnose.parsers.apple_messages import classify
from diagnose.parsers.base import ParseContext
from diagnose.parsers.racoon import RacoonParser

FIX = Path(__file__).parent.parent / "fixtures" / "apple"
PARSER = RacoonParser()


def run(lines: list[str], **kw):
    ctx = ParseContext(path="racoon.log", **kw)
    events = list(PARSER.parse(enumerate(lines, 1), ctx))
    for e in events:
        assert e.kind in KINDS and set(e.attrs) <= set(KINDS[e.kind])
    return events, ctx.stats


def test_f5_file_log_examples():
    """apple-005: upstream ipsec-tools file log (F5 documentation examples)."""
    events, stats = run((FIX / "apple-005-bigip-racoon-logfile-doc-examples.log").read_text().splitlines())
    assert stats.unparsed == 0 and stats.recognised == stats.lines == 11
    assert [(e.line, e.kind, e.attrs.get("spi"), e.spis) for e in events] == [
        (4, "delete", "e2eab178", ("e2eab178",)),
        (6, "delete", "cbdc1a15", ("cbdc1a15",)),
        (8, "child_established", None, ("fc56d0ac",)),
        (9, "child_established", None, ("710f64dd",)),
        (10, "delete", "cf4094f0", ("cf4094f0",)),
        (11, "delete", "582bdd81", ("582bdd81",)),
    ]
    assert events[0].time == datetime(2014, 6, 2, 12, 39, 30)
    assert events[0].side is Side.CLIENT


def test_side_hint_wins():
    events, _ = run((FIX / "apple-005-bigip-racoon-logfile-doc-examples.log").read_text().splitlines(),
                    side=Side.SERVER)
    assert {e.side for e in events} == {Side.SERVER}


def test_upstream_syslog_isakmp_established():
    # verbatim from racoon-format.md §1.5 (Ubuntu forums 2007)
    line = ("Jul 31 16:49:12 INT-MOVIL racoon: INFO: ISAKMP-SA established 213.4.115.149[500]-195.55.47.10[500] "
            "spi:52195d54bc249a03:6bbc775a9830d7c1")
    [e], stats = run([line], year=2007)
    assert e.kind == "ike_established"
    assert e.attrs == {"local": "213.4.115.149", "remote": "195.55.47.10"}
    assert e.peer == "195.55.47.10" and e.ike_id == "52195d54bc249a03"
    assert e.spis == ("52195d54bc249a03", "6bbc775a9830d7c1")
    assert PARSER.sniff([line]) == 1.0


def test_apple_racoon_system_log():
    events, stats = run((FIX / "apple-001-osx1011-racoon-syslog-missing-psk.log").read_text().splitlines())
    assert stats.unparsed == 0
    assert [e.kind for e in events].count("auth_failed") == 3


def test_synthetic_message_table_covers_the_catalog_texts():
    """synthetic: format strings from racoon-format.md §2-3 and ppp ipsec_manager.c, filled in."""
    cases = {
        "IPSec Controller: XAuth reauthentication dialog required, so connection aborted":
            [("reauth", {"stage": "failed", "initiator": "peer"}), ("xauth", {"result": "no-answer"})],
        "IPSec Controller: connection failed <IKE Error 14 (0xe) No proposal chosen>":
            [("client_error", {"domain": "IKE Error", "code": "No proposal chosen"}),
             ("no_proposal", {"proto": "IKE", "stage": "ike_init", "reason": "No proposal chosen"})],
        "phase1 negotiation failed due to time up. 1.2.3.4[500]<=>5.6.7.8[500]": [("give_up", {})],
        "no suitable proposal found.": [("no_proposal", {"proto": "IKE", "stage": "ike_init", "reason": "no suitable proposal found"})],
        "pfs group mismatched: my:2 peer:14": [("no_proposal", {"proto": "ESP", "stage": "quick_mode", "reason": "pfs group mismatched: my:2 peer:14"})],
        "Xauth authentication failed": [("xauth", {"result": "failed"})],
        "login failed for user \"bob\"": [("xauth", {"result": "failed", "user": "bob"})],
        "ISAKMP-SA expired 1.2.3.4[500]-5.6.7.8[500] spi:aaaaaaaaaaaaaaaa:bbbbbbbbbbbbbbbb": [("ike_deleted", {"reason": "expired"})],
        "DPD: remote (ISAKMP-SA spi=aa:bb) seems to be dead.": [("dpd", {"stage": "timeout"})],
        "DPD R-U-There sent (0)": [("dpd", {"stage": "sent"})],
        "phase2 negotiation failed due to time up. x": [("child_failed", {"reason": "due to time up. x"})],
        "Fatal NO-PROPOSAL-CHOSEN notify messsage, Phase 1 should be deleted.":
            [("notify_error", {"direction": "in", "notify": "NO-PROPOSAL-CHOSEN"}),
             ("no_proposal", {"proto": "IKE", "stage": "ike_init", "reason": "NO-PROPOSAL-CHOSEN received"})],
        "the peer's certificate is not verified.": [("cert_problem", {"problem": "untrusted", "detail": "the peer's certificate is not verified"})],
        ">>> Server's certificate subject alternate name not valid": [("cert_problem", {"problem": "san", "detail": "subject alternate name not valid"})],
        "Begin Phase 1 rekey.": [("rekey", {"what": "ike", "stage": "start"})],
    }
    for text, expected in cases.items():
        assert [(h.kind, h.attrs) for h in classify(text)] == expected, text


def test_synthetic_neikev2_format_strings():
    """synthetic: NEIKEv2 format strings (apple-log-formats.md §6.2) with made-up values."""
    p = "[IKE_SA_INIT I resp0 0123456789ABCDEF-0000000000000000]"
    cases = {
        f"{p} Initiator init received notify error NoProposalChosen":
            [("notify_error", {"direction": "in", "notify": "NO_PROPOSAL_CHOSEN"}),
             ("no_proposal", {"proto": "IKE", "stage": "ike_init", "reason": "NO_PROPOSAL_CHOSEN received"})],
        f"{p} Initiator auth received notify error AUTHENTICATION_FAILED":
            [("notify_error", {"direction": "in", "notify": "AUTHENTICATION_FAILED"}),
             ("auth_failed", {"who": "self", "reason": "AUTHENTICATION_FAILED received"})],
        f"{p} No certificate payload received": [("cert_problem", {"problem": "missing", "detail": "no CERT payload received"})],
        "Certificate chain could not be verified": [("cert_problem", {"problem": "untrusted", "detail": "certificate chain could not be verified"})],
        f"{p} Initiator failed to validate remote authentication data <private>":
            [("auth_failed", {"who": "peer", "reason": "remote authentication data not valid"})],
        f"{p} EAP authentication data could not be verified":
            [("eap_failed", {"reason": "EAP authentication data could not be verified"})],
        'state Connected -> Disconnected error (null) -> Error Domain=NEIKEv2ErrorDomain Code=2 "FailedToSend: delete reply" UserInfo={}':
            [("client_error", {"domain": "NEIKEv2ErrorDomain", "code": "FailedToSend", "detail": "delete reply"})],
        "NEIKEv2ErrorDomain Code=3 PeerDidNotRespond": [("client_error", {"domain": "NEIKEv2ErrorDomain", "code": "PeerDidNotRespond"})],
    }
    for text, expected in cases.items():
        assert [(h.kind, h.attrs) for h in classify(text)] == expected, text


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=120), max_size=30))
def test_never_crashes(lines):
    lines = [l.replace("\n", " ").replace("\r", " ") for l in lines]
    _, stats = run(lines)
    assert stats.lines == len(lines)
