"""The charon parser on real lines: prefixes, message table, sides, every style alike."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from charon_styles import STYLES, render
from diagnose.api import diagnose_paths
from diagnose.events import Side
from diagnose.input.reader import numbered_lines
from diagnose.parsers.base import ParseContext
from diagnose.parsers.charon import CharonParser
from diagnose.parsers.charon_table import compile_format, expand_summary, split_payloads
from samples_index import all_samples

CORPUS = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "charon"


def parse_text(text: str, side: Side = Side.UNKNOWN):
    ctx = ParseContext(path="t.log", side=side, year=2026)
    evs = list(CharonParser().parse(numbered_lines(io.BytesIO(text.encode())), ctx))
    return evs, ctx


def healthy_server_log() -> list[str]:
    s = next(s for s in all_samples() if s.name == "lab-healthy-eap-mschapv2")
    return (s.folder / "server-charon.log").read_text().splitlines()


def test_compile_format_captures_charon_conversions():
    rx, first = compile_format("IKE_SA %s[%u] established between %H[%Y]...%H[%Y]")
    m = rx.match("IKE_SA rw-eap[2] established between 192.0.2.1[vpn.example.com]...192.0.2.2[alice]")
    assert first == "IKE_SA"
    assert m.groups() == ("rw-eap", "2", "192.0.2.1", "vpn.example.com", "192.0.2.2", "alice")


def test_payload_list_keeps_config_payload_together():
    assert split_payloads("IDi N(INIT_CONTACT) CPRQ(ADDR DHCP DNS) SA") == ["IDi", "N(INIT_CONTACT)", "CPRQ(ADDR DHCP DNS)", "SA"]
    d = expand_summary("IKE_SA_INIT response 0 [ N(NO_PROP) ]")
    assert d["exchange"] == "IKE_SA_INIT" and d["msg_type"] == "response" and d["mid"] == 0
    assert d["error_notify"] == "NO_PROPOSAL_CHOSEN"


def test_real_server_log_events_and_side():
    evs, ctx = parse_text("\n".join(healthy_server_log()))
    assert ctx.side is Side.SERVER
    kinds = [e.kind for e in evs]
    assert "ike_established" in kinds and "child_established" in kinds and "eap_ok" in kinds
    est = next(e for e in evs if e.kind == "ike_established")
    assert est.ike_id == "2" and est.ike_name == "rw-eap"
    assert est.attrs["remote_id"] == "alice" and est.peer == "192.0.2.2"
    assert est.time is not None and est.time.year == 2026
    assert ctx.stats.unparsed == 0


def test_client_log_is_client_side():
    s = next(s for s in all_samples() if s.name == "lab-healthy-eap-mschapv2")
    evs, ctx = parse_text((s.folder / "client-charon.log").read_text())
    assert ctx.side is Side.CLIENT
    assert any(e.kind == "ike_start" and e.attrs["role"] == "initiator" for e in evs)


def test_unknown_lines_are_counted_not_dropped():
    text = "\n".join(healthy_server_log()[:5] + ["this is not a charon line at all", "another stray line"])
    _, ctx = parse_text(text)
    assert ctx.stats.unparsed == 2
    assert ctx.stats.unparsed_examples[0][1] == "this is not a charon line at all"


def test_old_wording_inacceptable_is_understood():
    # 5.0-5.6 wording of the same log call (charon-log-lines.md section 6), applied to a real line
    line = next(l for l in healthy_server_log() if "selected proposal" in l)
    prefix = line.split("selected proposal")[0]
    evs, _ = parse_text(prefix + "received proposals inacceptable")
    assert [e.kind for e in evs] == ["no_proposal"]


@pytest.mark.parametrize("style", STYLES)
def test_every_prefix_style_parses_to_the_same_messages(style, tmp_path):
    original = healthy_server_log()
    rendered = render(original, style)
    evs_o, _ = parse_text("\n".join(original))
    evs_r, ctx = parse_text("\n".join(rendered))
    assert [(e.kind, e.attrs) for e in evs_r] == [(e.kind, e.attrs) for e in evs_o]
    assert ctx.stats.unparsed == 0


STYLED = [s for s in all_samples() if s.files.get("server-charon.log", {}).get("style") == "filelog-time-ikename"]


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("sample", STYLED, ids=lambda s: s.name)
def test_same_findings_in_every_prefix_style(sample, style, tmp_path):
    original = (sample.folder / "server-charon.log").read_text().splitlines()
    f = tmp_path / "server.log"
    f.write_text("\n".join(render(original, style)) + "\n")
    base = [x.id for x in diagnose_paths([str(sample.folder / "server-charon.log")]).findings]
    assert [x.id for x in diagnose_paths([str(f)]).findings] == base


def _sample_lines(name: str, needle: str) -> str:
    s = next(s for s in all_samples() if s.name == name)
    return "\n".join(ln for ln in (s.folder / "server-charon.log").read_text().splitlines() if needle in ln) + "\n"


def test_invalid_ke_names_whether_the_group_requested_is_the_one_offered():
    loop, _ = parse_text(_sample_lines("lab-dh-group-unsupported", "unacceptable, requesting"))
    healthy, _ = parse_text(_sample_lines("lab-healthy-eap-mschapv2", "unacceptable, requesting"))
    assert loop and {e.get("same") for e in loop} == {"yes"}
    assert healthy and {e.get("same") for e in healthy} == {"no"}


def test_everyday_failure_lines_become_events():
    cases = [
        ("lab-gateway-key-missing", "no private key found", "auth_failed", {"who": "self", "reason": "no-private-key", "id": "vpn.example.com"}),
        ("lab-vip-pool-exhausted", "is full", "virtual_ip_failed", {"pool": "rw-pool-v4"}),
        ("lab-responses-lost", "received retransmit", "retransmit_received", {"mid": "0", "answered": "yes"}),
        ("public-200-policy-conflict", "the same policy", "policy_conflict",
         {"local_ts": "0.0.0.0/0", "remote_ts": "10.19.48.2/32", "direction": "out", "reqid": "26", "other_reqid": "24"}),
    ]
    for sample, needle, kind, attrs in cases:
        evs, _ = parse_text(_sample_lines(sample, needle))
        assert evs and all(e.kind == kind for e in evs), (sample, [e.kind for e in evs])
        for key, value in attrs.items():
            assert str(evs[0].get(key)) == value, (sample, key, evs[0].attrs)


def test_policy_conflict_with_a_mark_keeps_the_direction_apart():
    # built from the pre-5.5 format string "... %N (mark %u/0x%08x) for reqid %u, ..." (synthetic line)
    evs, _ = parse_text("unable to install policy 10.1.0.0/16 === 10.2.0.0/24 out (mark 0/0x00000000) "
                        "for reqid 172, the same policy for reqid 1 exists\n")
    assert [(e.kind, e.get("direction"), e.get("reqid"), e.get("other_reqid")) for e in evs] == [
        ("policy_conflict", "out", "172", "1")]


def test_key_exchange_method_not_supported_6x():
    # built from the 6.x format string of ike_init.c (synthetic line; no 6.x lab sample yet)
    evs, _ = parse_text("negotiated key exchange method CURVE_25519 not supported\n")
    assert [(e.kind, e.get("method"), e.get("stage")) for e in evs] == [("ke_unsupported", "CURVE_25519", "negotiated")]


def test_linear_formats_match_as_the_timed_regex_does_and_fast_on_hostile_lines():
    """Formats of token conversions only run on stdlib ``re`` without a timeout: on every
    message of the lab logs they agree with the ``regex`` matcher, and a 60 KB line built to
    make them backtrack is refused at once."""
    import time

    from diagnose.parsers.charon_table import MATCH_TIMEOUT, table
    rules = [r for rs in table().by_word.values() for r in rs] + table().floating
    linear = [r for r in rules if r.linear]
    assert any(r.format.startswith("received packet: from %#H") for r in linear)
    assert not any("%s" in r.format or "%Y" in r.format for r in linear)
    msgs = {ln.split("] ", 1)[-1].split("> ", 1)[-1] for s in all_samples() if s.name.startswith("lab")
            for ln in (s.folder / "server-charon.log").read_text().splitlines()}
    hits = 0
    for rule in linear:
        for msg in msgs:
            fast, timed = rule.match(msg), rule.rx.match(msg, timeout=MATCH_TIMEOUT)
            assert (fast and fast.groups()) == (timed and timed.groups()), (rule.format, msg)
            hits += fast is not None
    assert hits > 50
    hostile = "received packet: from " + "<" * 20_000 + "[" * 20_000 + "1" * 20_000 + " to x"
    t0 = time.process_time()
    assert table().match(hostile) is None
    assert time.process_time() - t0 < 1.0


def test_a_fragment_without_initiating_lines_takes_its_side_from_who_opened_the_ike_sa(tmp_path):
    """The client's 'generating IKE_SA_INIT request 0' / the gateway's 'parsed IKE_SA_INIT request 0'
    (cut from real lab logs, without the 'initiating IKE_SA' / 'is initiating' lines)."""
    from diagnose.api import diagnose_paths
    from samples_index import SAMPLES
    for sample, side in (("lab-no-certreq/client-charon.log", "client"), ("lab-no-certreq/server-charon.log", "server")):
        lines = (SAMPLES / sample).read_text().splitlines()
        cut = [ln for ln in lines if "IKE_SA_INIT" in ln and ("generating" in ln or "parsed" in ln)]
        assert cut and not any("initiating" in ln for ln in cut)
        f = tmp_path / f"{side}.log"
        f.write_text("\n".join(cut) + "\n")
        assert diagnose_paths([str(f)]).inputs[0].side == side
