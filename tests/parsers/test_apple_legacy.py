"""Pasted/older Apple forms: each real excerpt -> the events it proves."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.events import KINDS
from diagnose.parsers.apple_legacy import AppleLegacyParser
from diagnose.parsers.apple_unified import AppleUnifiedParser
from diagnose.parsers.base import ParseContext
from diagnose.parsers.racoon import RacoonParser

FIX = Path(__file__).parent.parent / "fixtures" / "apple"
PARSER = AppleLegacyParser()


def parse(name: str, **kw):
    ctx = ParseContext(path=name, **kw)
    events = list(PARSER.parse(enumerate((FIX / name).read_text().splitlines(), 1), ctx))
    for e in events:
        assert e.kind in KINDS and set(e.attrs) <= set(KINDS[e.kind])
    assert ctx.stats.unparsed == 0, ctx.stats.unparsed_examples
    assert ctx.stats.lines == ctx.stats.recognised
    return events


def kinds(events):
    return [(e.line, e.kind, e.attrs) for e in events]


def test_004_console_copy_monterey_profile_invalid():
    events = parse("004-client-macos.log")
    assert kinds(events) == [
        (1, "client_error", {"code": "profile-invalid", "detail": "missing eap protocol"}),
        (2, "client_error", {"code": "profile-invalid", "detail": "empty ike proposals array"}),
    ]
    # time of day only: placeholder date, the line's offset and microseconds kept
    assert events[0].time == datetime(1900, 1, 1, 15, 57, 38, 680777, tzinfo=timezone(timedelta(hours=1)))


def test_004_hinted_year():
    events = parse("004-client-macos.log", year=2022)
    assert events[0].time.year == 2022


def test_007_osx1011_syslog_dns_error():
    events = parse("007-client-macos.log", year=2015)
    assert kinds(events) == [
        (1, "connect_start", {"profile": "VPN (IKEv2)"}),
        (2, "client_status", {"status": "connecting", "profile": "VPN (IKEv2)"}),
        (4, "dns_error", {"code": -65554}),
    ]
    assert events[0].time == datetime(2015, 9, 16, 11, 27, 31)


def test_009_bare_message_text_no_ike_sa_init_reply():
    events = parse("009-client-macos.log")
    assert kinds(events) == [
        (2, "connect_start", {"profile": "Algo VPN <myip> IKEv2"}),
        (3, "client_status", {"status": "connecting", "profile": "Algo VPN <myip> IKEv2"}),
        (6, "give_up", {}),
        (6, "client_error", {"code": "PeerDidNotRespond", "domain": "NEIKEv2ErrorDomain",
                             "detail": "no IKE_SA_INIT response"}),
        (7, "client_status", {"status": "disconnecting", "profile": "Algo VPN <myip> IKEv2"}),
        (8, "disconnect", {"reason": "Plugin initiated"}),
    ]
    assert all(e.time is None for e in events)


def test_012_ios_console_export_racoon_xauth_modecfg():
    assert kinds(parse("012-client-racoon.log")) == [
        (10, "connect_start", {"server": "82.100.127.28"}),
        (13, "ike_start", {"version": 1, "role": "initiator", "peer": "82.100.127.28"}),
    ]
    part2 = parse("012-client-racoon.part2.log")
    assert kinds(part2) == [(6, "xauth", {"result": "ok"}), (16, "retransmit", {"exchange": "QUICK_MODE"})]
    assert part2[1].ike_id == "1fb94a2463735af6" and part2[1].spis == ("1fb94a2463735af6", "d6298cdd04ca4025")
    assert parse("012-client-racoon.part3.log") == []
    assert kinds(parse("012-client-racoon.part4-ipsec-filter.log")) == [(1, "xauth", {"result": "requested"})]


def test_014_asl_console_l2tp():
    events = parse("014-client-racoon.log")
    assert kinds(events) == [
        (1, "connect_start", {"profile": "Linode L2TP"}),
        (2, "client_status", {"status": "connecting", "profile": "Linode L2TP"}),
        (15, "ike_start", {"version": 1, "role": "initiator"}),
    ]
    assert events[2].time == datetime(2017, 3, 2, 10, 8, 54, 566000)


def test_029_syslog_without_vpn_lines_parses_to_nothing():
    assert parse("029-client-macos.log") == []  # first line lacks its time prefix: still placed


def test_031_racoon_duplicate_lines_give_one_event_each():
    events = parse("031-client-racoon.log")
    assert kinds(events) == [
        (1, "connect_start", {"profile": "Taqua"}),
        (2, "client_status", {"status": "connecting", "profile": "Taqua"}),
        (10, "ike_start", {"version": 1, "role": "initiator"}),
        (12, "message", {"direction": "out", "exchange": "ID_PROT", "mid": 1}),
    ]
    assert events[2].time == datetime(2016, 1, 20, 15, 8, 2, 703000)


def test_apple_001_system_log_missing_psk():
    events = parse("apple-001-osx1011-racoon-syslog-missing-psk.log", year=2016)
    got = [(e.line, e.kind) for e in events]
    assert got[:4] == [(1, "connect_start"), (2, "client_status"), (10, "ike_start"), (12, "message")]
    assert [e.line for e in events if e.kind == "auth_failed"] == [21, 33, 45]
    assert all(e.attrs == {"who": "self", "method": "psk", "reason": "pre-shared key not found"}
               and e.peer == "209.XXX.XXX.XXX" for e in events if e.kind == "auth_failed")
    assert [e.line for e in events if e.kind == "retransmit"] == [26, 38, 50]
    assert events[3].attrs == {"direction": "out", "exchange": "AGGRESSIVE", "mid": 1}
    assert [(e.kind, e.attrs) for e in events][-2:] == [
        ("delete", {"what": "ike", "direction": "local"}), ("disconnect", {"reason": "None"})]
    assert events[0].time == datetime(2016, 3, 8, 12, 52, 17)


def test_apple_002_neikev2_message_text_multiline_auth_method_mismatch():
    events = parse("apple-002-neikev2-ecdsa-server-cert-vs-rsa-profile.log")
    assert kinds(events) == [
        (1, "auth_failed", {"who": "peer", "method": "ECDSA256",
                            "reason": "AUTH method does not match proposal RSASignature"}),
        (5, "client_error", {"code": "process-failed", "detail": "IKE Auth (EAP) packet (connect)"}),
        (6, "client_error", {"code": "process-failed", "detail": "IKE Auth packet (connect)"}),
    ]
    assert events[0].text.count("\n") == 3  # the dump lines are part of the evidence
    assert events[0].ike_id is None  # SPIs redacted as ###: no key


IOS_SYSLOG = [  # verbatim lines quoted in apple-log-formats.md §3.6 (ftao/vpn-deploy-playbook#100, jawj/IKEv2-setup#11)
    "Oct 13 12:23:45 lus-iPhone neagent[3982] <Error>: Failed to receive IKE SA Init packet",
    "Jun  3 02:27:49 Alis-iPhone nesessionmanager(NetworkExtension)[1043] <Notice>: NESMIKEv2VPNSession[private-uk.tk:A7D98324-753D-45FD-A4A3-5F2E19DAFA10]: Received a start command from Preferences[1109]",
    "Wed Apr 22 21:59:54 2020 : IPSec phase 1 client started",
]


def test_ios_device_syslog_and_ppp_log_forms():
    ctx = ParseContext(path="ios", year=2017)
    events = list(PARSER.parse(enumerate(IOS_SYSLOG, 1), ctx))
    assert ctx.stats.unparsed == 0
    assert [(e.line, e.kind) for e in events] == [(1, "give_up"), (1, "client_error"), (2, "connect_start"),
                                                  (3, "ike_start")]  # ppp.log: IPsec phase 1 started by the client
    assert events[2].attrs == {"profile": "private-uk.tk"}
    assert PARSER.sniff(IOS_SYSLOG) > 0.8


@pytest.mark.parametrize("name,best", [
    ("004-client-macos.log", "apple-legacy"), ("007-client-macos.log", "apple-legacy"),
    ("009-client-macos.log", "apple-legacy"), ("012-client-racoon.log", "apple-legacy"),
    ("014-client-racoon.log", "apple-legacy"), ("031-client-racoon.log", "apple-legacy"),
    ("apple-001-osx1011-racoon-syslog-missing-psk.log", "apple-legacy"),
    ("apple-002-neikev2-ecdsa-server-cert-vs-rsa-profile.log", "apple-legacy"),
    ("apple-005-bigip-racoon-logfile-doc-examples.log", "racoon"),
    ("010-client-macos.log", "apple-unified"),
    ("libreswan-1450-neikev2-default-wrapped.log", "apple-unified"),
])
def test_sniff_picks_the_family(name, best):
    head = (FIX / name).read_text().splitlines()
    scores = {p.name: p.sniff(head) for p in (AppleLegacyParser(), AppleUnifiedParser(), RacoonParser())}
    assert max(scores, key=scores.get) == best and scores[best] >= 0.3, scores


def test_charon_syslog_is_not_apple():
    head = ["Mar  8 12:52:18 vpn charon: 05[IKE] initiating IKE_SA", "Mar  8 12:52:18 vpn charon[12]: 05[NET] sending packet"]
    assert PARSER.sniff(head) < 0.3


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=120), max_size=30))
def test_never_crashes_and_counts_every_line(lines):
    lines = [l.replace("\n", " ").replace("\r", " ") for l in lines]
    ctx = ParseContext(path="x")
    list(PARSER.parse(enumerate(lines, 1), ctx))
    assert ctx.stats.lines == len(lines) and ctx.stats.recognised + ctx.stats.unparsed == len(lines)
