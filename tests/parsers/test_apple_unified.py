"""The unified-log parser: real ``log show`` excerpts, and one real excerpt rendered in every style."""

from __future__ import annotations

import sys

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diagnose.events import KINDS, Side
from diagnose.parsers.apple_unified import AppleUnifiedParser
from diagnose.parsers.base import ParseContext

sys.path.insert(0, str(Path(__file__).parent))  # the renderer sits beside this file
from apple_render import STYLES, Rec, compact, default, ndjson, syslog  # noqa: E402

FIX = Path(__file__).parent.parent / "fixtures" / "apple"
PARSER = AppleUnifiedParser()


def parse_lines(lines: list[str], path: str = "t.log", **kw):
    ctx = ParseContext(path=path, **kw)
    events = list(PARSER.parse(enumerate(lines, 1), ctx))
    for e in events:
        assert e.kind in KINDS and set(e.attrs) <= set(KINDS[e.kind])
    return events, ctx.stats


def parse_file(name: str, **kw):
    return parse_lines((FIX / name).read_text().splitlines(), name, **kw)


# ----------------------------------------------------------------------------- real excerpts

def test_macos_1012_default_style_neagent_without_ttl_column():
    """algo#539: macOS 10.12 default style (no TTL column, ``[com.apple.networkextension.]``)."""
    events, stats = parse_file("010-client-macos.log")
    assert stats.lines == 7 and stats.recognised == 7 and stats.unparsed == 0
    # lines 4-5 are typed Error by the log itself ("pfkey received SA is NULL"): kept as notable
    notable = [e for e in events if e.kind == "log_notable"]
    assert [(e.line, e.attrs["severity"]) for e in notable] == [(4, "error"), (5, "error")]
    events = [e for e in events if e.kind != "log_notable"]
    assert [(e.kind, e.attrs) for e in events] == [("client_status", {"status": "connecting"})]
    e = events[0]
    assert e.line == 7 and e.side is Side.CLIENT and e.thread == "0x1c531"
    assert e.time == datetime(2017, 5, 10, 17, 18, 42, 295455, tzinfo=timezone(timedelta(hours=3)))


@pytest.mark.parametrize("name", ["010-client-macos.part2.log", "010-client-macos.part3.log"])
def test_macos_1012_other_parts_are_all_recognised(name):
    events, stats = parse_file(name)
    assert stats.unparsed == 0 and stats.recognised == stats.lines
    # session-state chatter and UserEventAgent lines: no client outcome; lines the log itself
    # types Error stay visible as notable lines
    errors = [i for i, t in enumerate((FIX / name).read_text().splitlines(), 1) if "    Error    " in t]
    assert [(e.kind, e.line) for e in events] == [("log_notable", n) for n in errors]


def test_libreswan_1450_wrapped_default_line_and_dump():
    """macOS 14 NEIKEv2Provider, wrapped by the poster after TTL, with a payload-dump continuation."""
    events, stats = parse_file("libreswan-1450-neikev2-default-wrapped.log")
    assert stats.unparsed == 0 and stats.lines == 3
    [e] = events
    assert e.kind == "message"
    assert e.attrs == {"direction": "out", "mid": 1, "exchange": "IKE_AUTH"}
    assert e.ike_id == "d05fd7061cc5892b"
    assert e.spis == ("d05fd7061cc5892b", "77eb65d1cb956898")
    assert e.time == datetime(2023, 12, 6, 18, 42, 11, 265028, tzinfo=timezone(timedelta(hours=2)))
    assert e.line == 1 and "Exchange = IKE_AUTH" in e.text


def test_sniff_prefers_real_log_show_output():
    assert PARSER.sniff((FIX / "010-client-macos.log").read_text().splitlines()) > 0.9
    assert PARSER.sniff(["Mar  8 12:52:18 host charon: 05[IKE] initiating IKE_SA"]) == 0.0
    assert PARSER.sniff((FIX / "004-client-macos.log").read_text().splitlines()) == 0.0


# ----------------------------------------------------------------------------- rendered styles

TZ = timezone(timedelta(hours=2))
T0 = datetime(2023, 12, 6, 18, 42, 11, 265028, tzinfo=TZ)

#: Real message texts (009 = algo#362, 007 = openradar 22735440, 004 = IKEv2-setup#133,
#: apple-002 = rlyeh wiki, libreswan#1450), placed on made-up times/pids/threads so they
#: can be rendered into every style.
REAL_MESSAGES = [
    ("nesessionmanager", "Default", "", "NESMIKEv2VPNSession[Algo VPN <myip> IKEv2:<a UUID>]: Received a start command from SystemUIServer[266]"),
    ("nesessionmanager", "Default", "", "NESMIKEv2VPNSession[Algo VPN <myip> IKEv2:<a UUID>]: status changed to connecting"),
    ("NEIKEv2Provider", "Info", "Large", "IKEv2Session[1, D05FD7061CC5892B-77EB65D1CB956898] Sending 4 datagrams for packet (message 1): \n    Exchange = IKE_AUTH"),
    ("NEIKEv2Provider", "Error", "", "[IKE_AUTH R resp1 ###-###] Initiator packet authentication method \n    Payload Type = Auth\n    Authentication Protocol = ECDSA256\n    Authentication Data = 64:{length = 64, bytes = ### } does not match proposal RSASignature"),
    ("NEIKEv2Provider", "Error", "", "IKEv2Session[1, ###-###] Failed to process IKE Auth (EAP) packet (connect)"),
    ("NEIKEv2Provider", "Error", "", "missing eap protocol"),
    ("neagent", "Error", "", "IKEv2 Plugin: ikev2_dns_callback: Error -65554"),
    ("neagent", "Error", "", "Failed to receive IKE SA Init packet"),
    ("nesessionmanager", "Default", "", "NESMIKEv2VPNSession[Algo VPN <myip> IKEv2:<a UUID>]: status changed to disconnected, last stop reason Plugin initiated"),
]


def rendered_records() -> list[Rec]:
    return [Rec(T0 + timedelta(milliseconds=137 * i, microseconds=i), proc, 600 + i % 3, 0x46f700 + i, typ, msg,
                category=cat) for i, (proc, typ, cat, msg) in enumerate(REAL_MESSAGES)]


def _key(e, thread=True):
    return (e.kind, e.attrs, e.ike_id, e.spis, e.peer, e.thread if thread else None)


EXPECTED_KINDS = ["connect_start", "client_status", "message", "auth_failed", "client_error", "client_error",
                  "dns_error", "give_up", "client_error", "disconnect"]


@pytest.mark.parametrize("style", sorted(STYLES))
def test_every_style_gives_the_same_events(style):
    recs = rendered_records()
    events, stats = parse_lines(STYLES[style](recs))
    assert stats.unparsed == 0, stats.unparsed_examples
    assert stats.recognised == stats.lines
    assert [e.kind for e in events] == EXPECTED_KINDS
    reference, _ = parse_lines(STYLES["ndjson"](recs))
    threads = style != "syslog"  # the syslog style prints no thread id
    assert [_key(e, threads) for e in events] == [_key(e, threads) for e in reference]
    by_kind = {e.kind: e for e in events}
    assert by_kind["auth_failed"].attrs == {"who": "peer", "method": "ECDSA256",
                                            "reason": "AUTH method does not match proposal RSASignature"}
    assert by_kind["disconnect"].attrs == {"reason": "Plugin initiated"}
    assert by_kind["dns_error"].attrs == {"code": -65554}
    assert by_kind["connect_start"].attrs == {"profile": "Algo VPN <myip> IKEv2"}
    times = [e.time for e in events]
    if style == "compact":  # no offset, milliseconds: naive local wall time
        assert all(t.tzinfo is None and t.microsecond % 1000 == 0 for t in times)
        assert times[0] == T0.replace(tzinfo=None, microsecond=265000)
    else:
        assert times[0] == T0 and times[0].utcoffset() == timedelta(hours=2)
        assert times[-1] == recs[-1].time  # microseconds kept


@pytest.mark.parametrize("variant", [
    lambda r: default(r, header=False, footer=False),
    lambda r: default(r, ttl=False),
    lambda r: compact(r, header=False),
    lambda r: syslog(r, header=False),
    lambda r: ndjson(r, header=False),
])
def test_header_and_footer_are_optional(variant):
    events, stats = parse_lines(variant(rendered_records()))
    assert stats.unparsed == 0
    assert [e.kind for e in events] == EXPECTED_KINDS


def test_compact_time_takes_the_hinted_zone():
    events, _ = parse_lines(compact(rendered_records()), tz=TZ)
    assert events[0].time == T0.replace(microsecond=265000)


def test_concatenated_styles_in_one_file():
    recs = rendered_records()
    lines = default(recs) + ndjson(recs) + syslog(recs)
    events, stats = parse_lines(lines)
    assert stats.unparsed == 0
    assert [e.kind for e in events] == EXPECTED_KINDS * 3


def test_private_redactions_are_kept_verbatim():
    """synthetic message: the redaction placeholder must stay text and never become a value."""
    rec = Rec(T0, "nesessionmanager", 1, 2, "Default",
              "NESMIKEv2VPNSession[<private>:<private>]: status changed to disconnected, last stop reason <private>")
    for style in STYLES.values():
        events, _ = parse_lines(style([rec]))
        [e] = events
        assert e.kind == "disconnect" and e.attrs == {"reason": "<private>"}
        assert "<private>" in e.text


def test_json_non_log_events_are_recognised_not_emitted():
    lines = ['{"eventType":"activityCreateEvent","timestamp":"2023-12-06 18:42:11.265028+0200"}',
             '{"eventType":"logEvent","processImagePath":"\\/usr\\/libexec\\/neagent","eventMessage":"Failed to receive IKE SA Init packet","timestamp":"2023-12-06 18:42:11.265028+0200","threadID":10}']
    events, stats = parse_lines(lines)
    assert [e.kind for e in events] == ["give_up", "client_error"]
    assert stats.unparsed == 0 and events[0].thread == "0xa"


def test_broken_json_is_counted_not_fatal():
    lines = ['{"eventMessage": "trunc', "[{", '  "eventMessage" : "x",', "garbage"]
    events, stats = parse_lines(lines)
    assert events == []
    assert stats.lines == 4 and stats.unparsed >= 1


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=120), max_size=30))
def test_never_crashes_and_counts_every_line(lines):
    lines = [l.replace("\n", " ").replace("\r", " ") for l in lines]
    events, stats = parse_lines(lines)
    assert stats.lines == len(lines)
    assert stats.recognised + stats.unparsed <= stats.lines + 1  # a JSON object may be counted at its end
