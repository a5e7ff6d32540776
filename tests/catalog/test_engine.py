"""The generic engine: conditions, groups, confidence, suppression and merging."""

from __future__ import annotations

from diagnose.catalog.engine import (Match, WideSuppression, evaluate_units, event_matches, index_unit, index_with_facts,
                                     match_all, render, suppressed_by, unit_facts, unit_survivors)
from diagnose.catalog.model import Condition, Group, Pattern
from diagnose.events import Event, Side
from diagnose.sessions import Session



def ev(kind, line=1, side=Side.SERVER, **attrs):
    return Event(kind=kind, path="t.log", line=line, text=f"{kind} line", side=side, attrs=attrs)


def pattern(pid, required, supporting=(), contradicting=(), suppresses=(), base=0.6, sides=("server", "client")):
    return Pattern(id=pid, title=pid, path=f"{pid}.toml", sides=list(sides), root_cause="rc {x}", fix="fix",
                   base_confidence=base, required=list(required), supporting=list(supporting),
                   contradicting=list(contradicting), suppresses=list(suppresses))


def session(events, sid="s1"):
    return Session(id=sid, path="t.log", side=Side.SERVER, events=list(events))


def test_has_and_lacks_compare_whole_payload_tokens():
    m = ev("message", payloads=["IDi", "CERTREQ", "CPRQ(ADDR DNS)"])
    assert event_matches(m, Condition(event="message", has=["CPRQ"], lacks=["CERT"]))
    assert not event_matches(m, Condition(event="message", lacks=["CERTREQ"]))


def test_where_supports_lists_negation_and_regex():
    import regex as rx
    c = Condition(event="virtual_ip", where={"address": {"not": "re::"}})
    c.compiled["re::"] = rx.compile(":")
    assert event_matches(ev("virtual_ip", address="10.0.0.1"), c)
    assert not event_matches(ev("virtual_ip", address="fd00::1"), c)
    assert event_matches(ev("eap_start", method="EAP_GTC"), Condition(event="eap_start", where={"method": ["EAP_MD5", "EAP_GTC"]}))


def test_absent_condition_and_veto():
    req = Group("no delete", [Condition(event="delete", absent=True)])
    veto = Group("est", [Condition(event="ike_established")], veto=True)
    p = pattern("p", [req], contradicting=[veto])
    assert [m.pattern.id for m in match_all([p], [session([ev("give_up")])])] == ["p"]
    assert match_all([p], [session([ev("give_up"), ev("ike_established")])]) == []
    assert match_all([p], [session([ev("delete")])]) == []


def test_supporting_raises_and_both_sides_add_confidence():
    req = Group("r", [Condition(event="give_up")])
    sup = Group("s", [Condition(event="retransmit")], weight=0.2)
    p = pattern("p", [req], supporting=[sup])
    one = match_all([p], [session([ev("give_up")])])[0].confidence
    two = match_all([p], [session([ev("give_up"), ev("retransmit", 2)])])[0].confidence
    both = match_all([p], [session([ev("give_up"), ev("give_up", 3, side=Side.CLIENT)])])[0].confidence
    assert one == 0.6 and two == 0.8 and both > one


def test_suppression_within_a_session_only():
    a = pattern("a", [Group("r", [Condition(event="no_proposal")])], suppresses=["b"], base=0.8)
    b = pattern("b", [Group("r", [Condition(event="give_up")])])
    same = match_all([a, b], [session([ev("no_proposal"), ev("give_up", 2)])])
    assert [m.pattern.id for m in same] == ["a"]
    apart = match_all([a, b], [session([ev("no_proposal")], "s1"), session([ev("give_up")], "s2")])
    assert sorted(m.pattern.id for m in apart) == ["a", "b"]


def test_same_finding_in_many_sessions_is_merged():
    p = pattern("p", [Group("r", [Condition(event="give_up")])])
    ms = match_all([p], [session([ev("give_up")], f"s{i}") for i in range(4)])
    assert len(ms) == 1 and ms[0].occurrences == 4


def test_unit_survivors_keep_every_session_with_suppression_inside_each():
    """What watch reports: each session's matches after suppression, not merged per pattern."""
    a = pattern("a", [Group("r", [Condition(event="no_proposal")])], suppresses=["b"], base=0.8)
    b = pattern("b", [Group("r", [Condition(event="give_up")])])
    sessions = [session([ev("give_up")], f"s{i}") for i in range(3)] + \
        [session([ev("no_proposal"), ev("give_up", 2)], "s9")]
    kept = list(unit_survivors(evaluate_units([a, b], sessions)))
    assert sorted((m.pattern.id, m.unit) for m in kept) == [("a", "s9"), ("b", "s0"), ("b", "s1"), ("b", "s2")]
    assert sorted(m.pattern.id for m in match_all([a, b], sessions)) == ["a", "b"]


def test_wide_suppression_per_unit_is_what_the_other_units_matches_suppress():
    x = pattern("x", [], suppresses=["a"])
    y = pattern("y", [], suppresses=["b"])
    weak = pattern("w", [], suppresses=["c"])
    wide = [Match(x, 0.8, "u1"), Match(y, 0.8, "u1"), Match(y, 0.8, "u2"), Match(weak, 0.2, "u3")]
    by_others = WideSuppression(wide)
    for unit in ("u1", "u2", "u3", "u4"):
        assert by_others.outside(unit) == suppressed_by([m for m in wide if m.unit != unit]), unit
    assert by_others.outside("u1") == {"b"} and by_others.outside("u2") == {"a", "b"}


def test_index_with_facts_is_the_index_and_the_facts_of_one_pass():
    events = [Event(kind="message", path="t.log", line=1, text="", side=Side.CLIENT, ike_name="vpn"),
              Event(kind="give_up", path="t.log", line=2, text="", side=Side.SERVER, ike_name="(unnamed)",
                    peer="198.51.100.7"),
              Event(kind="message", path="t.log", line=3, text="", side=Side.SERVER, ike_name="rw-eap",
                    peer="198.51.100.9"),
              Event(kind="delete", path="t.log", line=4, text="", side=Side.SERVER, ike_name="rw-other")]
    index, facts = index_with_facts(events)
    assert index == index_unit(events) and facts == unit_facts(events)
    assert facts.connection == "rw-eap" and facts.peers == {"198.51.100.7", "198.51.100.9"}
    assert [e.line for e in index[0]["message"]] == [1, 3]


def test_templates_fill_captures_and_show_missing_ones_as_placeholders():
    assert render("offer {offered|keywords} / {missing_value}", {"offered": ["IKE:AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048"]}) == \
        "offer aes256-sha256-prfsha256-modp2048 / <missing-value>"
    assert render("conn {connection}\n    esp={configured|nopfs}", {}) == "conn <your-connection>\n    esp=<your-proposals>"
    assert render("{x|nopfs}", {"x": ["ESP:AES_CBC_256/HMAC_SHA2_256_128/MODP_2048/NO_EXT_SEQ"]}) == "aes256-sha256-modp2048-modpnone"


def test_templates_leave_config_braces_alone():
    snippet = "connections {\n  {connection} {\n    proposals = {offered|keywords}\n  }\n}"
    out = render(snippet, {"connection": "rw-eap", "offered": ["IKE:AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048"]})
    assert out == "connections {\n  rw-eap {\n    proposals = aes256-sha256-prfsha256-modp2048\n  }\n}"


def test_fix_snippet_names_the_gateway_connection_from_the_log():
    from pathlib import Path
    from diagnose.api import diagnose_paths
    sample = Path(__file__).resolve().parents[2] / "samples" / "lab-no-certreq"
    f = diagnose_paths([str(sample)]).findings[0]
    assert "rw-eap {" in f.fix_snippets[0]["text"] and "{connection}" not in f.fix_snippets[0]["text"]


def test_explain_shows_placeholders_not_template_fields():
    import re

    from diagnose.catalog.describe import describe_pattern
    from diagnose.catalog.model import load_catalog
    for p in load_catalog():
        text = describe_pattern(p)
        assert not re.search(r"\{[a-z_]+(\|[a-z]+)?\}", text), p.id
    p = next(p for p in load_catalog() if p.id == "pfs-rekey-mismatch")
    assert "<your-connection>" in describe_pattern(p) and "<your-proposals>" in describe_pattern(p)


# -- decisive lines: what a fragment alone lets an expert conclude ------------------------------

def _auth_pattern():
    from diagnose.catalog.model import Decisive
    req_msg = Group("IKE_AUTH response carries AUTH_FAILED",
                    [Condition(event="message", where={"exchange": "IKE_AUTH", "msg_type": "response"},
                               has=["N(AUTH_FAILED)"])])
    req_fail = Group("peer authentication failed", [Condition(event="auth_failed", where={"who": "peer"})])
    dec = Decisive("peer authentication failed", [Condition(event="auth_failed", where={"who": "peer"})],
                   confidence=0.5, confirm="the IKE_AUTH exchange around it")
    veto = Group("established", [Condition(event="ike_established")], veto=True)
    p = pattern("p", [req_msg, req_fail], contradicting=[veto], base=0.8)
    p.decisive = [dec]
    return p


def test_decisive_lines_alone_give_a_lower_confidence_finding_with_what_would_confirm_it():
    p = _auth_pattern()
    [m] = match_all([p], [session([ev("auth_failed", who="peer")])])
    assert m.basis == "decisive" and m.confidence == 0.5 and m.confirm == "the IKE_AUTH exchange around it"
    assert any("not in this log: IKE_AUTH response carries AUTH_FAILED" in n for n in m.notes)
    full = match_all([p], [session([ev("auth_failed", who="peer"),
                                    ev("message", 2, exchange="IKE_AUTH", msg_type="response",
                                       payloads=["N(AUTH_FAILED)"])])])[0]
    assert full.basis == "rule" and full.confidence == 0.8


def test_decisive_lines_do_not_conclude_when_the_log_contradicts_a_required_group():
    p = _auth_pattern()
    contradicting = ev("message", 2, exchange="IKE_AUTH", msg_type="response", payloads=["IDr", "AUTH"])
    assert match_all([p], [session([ev("auth_failed", who="peer"), contradicting])]) == []
    # a veto still vetoes
    assert match_all([p], [session([ev("auth_failed", who="peer"), ev("ike_established", 3)])]) == []
    # unrelated context (another exchange) is not a contradiction
    other = ev("message", 2, exchange="IKE_SA_INIT", msg_type="response", payloads=["SA", "KE"])
    assert [m.basis for m in match_all([p], [session([ev("auth_failed", who="peer"), other])])] == ["decisive"]


def test_decisive_lines_count_repeats_and_what_must_not_follow():
    from diagnose.catalog.model import Decisive
    again = Condition(event="retransmit_received", min_count=2)
    went_on = Condition(event="message", where={"exchange": "IKE_AUTH"}, absent=True)
    p = pattern("p", [Group("timed out", [Condition(event="half_open_timeout")])], base=0.7)
    p.decisive = [Decisive("answered again and again", [again, went_on], confidence=0.5)]
    twice = [ev("retransmit_received", 1), ev("retransmit_received", 2)]
    assert [m.basis for m in match_all([p], [session(twice)])] == ["decisive"]
    assert match_all([p], [session(twice[:1])]) == []  # once is ordinary packet loss
    assert match_all([p], [session([*twice, ev("message", 3, exchange="IKE_AUTH")])]) == []


def _decisive_toml(tmp_path, condition: str, confidence: float):
    f = tmp_path / "x.toml"
    f.write_text('id = "x"\ntitle = "t"\nroot_cause = "r"\nfix = "f"\nbase_confidence = 0.6\n'
                 '[[required]]\nany = [{ event = "give_up" }]\n'
                 f'[[decisive]]\nall = [{condition}]\nconfidence = {confidence}\n')
    return f


def test_a_decisive_entry_needs_a_line_that_is_there(tmp_path):
    import pytest
    from diagnose.catalog.model import load_pattern
    from diagnose.errors import CatalogError
    with pytest.raises(CatalogError, match="at least one condition"):
        load_pattern(_decisive_toml(tmp_path, '{ event = "give_up", absent = true }', 0.4))


def test_decisive_confidence_never_reaches_the_whole_rule(tmp_path):
    import pytest
    from diagnose.catalog.model import load_pattern
    from diagnose.errors import CatalogError
    with pytest.raises(CatalogError, match="confidence"):
        load_pattern(_decisive_toml(tmp_path, '{ event = "give_up" }', 0.7))
    assert load_pattern(_decisive_toml(tmp_path, '{ event = "give_up" }', 0.4)).decisive[0].confidence == 0.4
