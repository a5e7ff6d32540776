"""The candidate filter (``diagnose/catalog/candidates.py``) changes no report, byte for byte.

The golden comparison runs every sample folder, every sample log alone (in memory and
streamed), every lab gateway log re-rendered in every prefix style, and a slice of the
benchmark corpus, once with the filter and once with ``EVALUATE_ALL`` (every pattern on every
unit), and compares the JSON reports as the CLI writes them.
"""

from __future__ import annotations

import json

import pytest

import diagnose.catalog.candidates as candidates
import diagnose.catalog.engine as engine
import diagnose.pipeline.judging as judging
from diagnose.catalog.candidates import Candidates
from diagnose.catalog.model import Condition, Decisive, Group, Pattern
from diagnose.events import Event, Side
from golden import GoldenComparison, report_json

SWITCH = (candidates, "EVALUATE_ALL")


class TestGolden(GoldenComparison):
    switch = SWITCH


@pytest.mark.parametrize("streamed", [False, True], ids=["memory", "streamed"])
def test_a_corpus_slice_gives_the_same_report_with_far_fewer_evaluations(corpus_log, streamed, monkeypatch):
    calls = {"n": 0}
    real = engine.evaluate

    def counting(*a, **k):
        calls["n"] += 1
        return real(*a, **k)
    monkeypatch.setattr(engine, "evaluate", counting)
    monkeypatch.setattr(judging, "evaluate", counting)
    filtered = report_json([str(corpus_log)], streamed, SWITCH, False, monkeypatch)
    few, calls["n"] = calls["n"], 0
    everything = report_json([str(corpus_log)], streamed, SWITCH, True, monkeypatch)
    assert filtered == everything
    assert json.loads(filtered)["findings"]
    assert few * 10 < calls["n"]


# -- the filter's own logic, on synthetic events and patterns ------------------------------------


def _ev(kind: str, side: Side = Side.SERVER, peer: str | None = None, **attrs) -> Event:
    return Event(kind=kind, path="synthetic", line=1, text="", side=side, peer=peer, attrs=attrs)


def _pattern(required: list[Group], contradicting: list[Group] = (), decisive: list[Decisive] = ()) -> Pattern:
    return Pattern(id="p", title="t", path="p.toml", sides=["server", "client"], root_cause="", fix="",
                   base_confidence=0.8, required=list(required), contradicting=list(contradicting),
                   decisive=list(decisive))


A = Condition(event="give_up")
B = Condition(event="eap_failed", where={"method": "EAP_MSCHAPV2"})


def test_every_required_group_needs_a_bit():
    pt = _pattern([Group("a", [A]), Group("b", [B])])
    c = Candidates([pt])
    both = c.unit_bits([_ev("give_up"), _ev("eap_failed", method="EAP_MSCHAPV2")])
    assert c.possible(pt, both)
    assert not c.possible(pt, c.unit_bits([_ev("give_up"), _ev("eap_failed", method="EAP_TLS")]))
    assert not c.possible(pt, c.unit_bits([]))


def test_an_absent_condition_or_min_count_zero_is_met_without_events():
    for cond in (Condition(event="give_up", absent=True), Condition(event="give_up", min_count=0)):
        pt = _pattern([Group("a", [cond])])
        assert Candidates([pt]).possible(pt, 0)


def test_min_count_needs_at_least_one_bit():
    pt = _pattern([Group("a", [Condition(event="give_up", min_count=3)])])
    c = Candidates([pt])
    assert c.possible(pt, c.unit_bits([_ev("give_up")]))  # the engine counts; the filter only needs one
    assert not c.possible(pt, c.unit_bits([_ev("retransmit")]))


def test_one_decisive_entry_with_every_condition_met_is_enough():
    pt = _pattern([Group("a", [A]), Group("b", [B])], decisive=[Decisive("d", [B], 0.5)])
    c = Candidates([pt])
    assert c.possible(pt, c.unit_bits([_ev("eap_failed", method="EAP_MSCHAPV2")]))
    assert not c.possible(pt, c.unit_bits([_ev("give_up")]))


def test_a_single_event_veto_rules_the_pattern_out():
    veto = Condition(event="ike_established")
    pt = _pattern([Group("a", [A])], contradicting=[Group("v", [veto], veto=True)])
    c = Candidates([pt])
    assert c.possible(pt, c.unit_bits([_ev("give_up")]))
    assert not c.possible(pt, c.unit_bits([_ev("give_up"), _ev("ike_established")]))
    # a veto that needs more than one event, or both sides, is left to the engine
    for group in (Group("v", [Condition(event="ike_established", min_count=2)], veto=True),
                  Group("v", [veto], veto=True, both_sides=True)):
        pt2 = _pattern([Group("a", [A])], contradicting=[group])
        c2 = Candidates([pt2])
        assert c2.possible(pt2, c2.unit_bits([_ev("give_up"), _ev("ike_established")]))


def test_envelope_conditions_are_judged_per_event_not_per_shared_attributes():
    cond = Condition(event="give_up", where={"peer": "198.51.100.7"})
    pt = _pattern([Group("a", [cond])])
    c = Candidates([pt])
    shared: dict = {}
    first = Event(kind="give_up", path="s", line=1, text="", side=Side.SERVER, peer="198.51.100.9", attrs=shared)
    second = Event(kind="give_up", path="s", line=2, text="", side=Side.SERVER, peer="198.51.100.7", attrs=shared)
    assert not c.possible(pt, c.unit_bits([first]))
    assert c.possible(pt, c.unit_bits([first, second]))


def test_side_is_part_of_what_is_remembered_per_attribute_dict():
    pt = _pattern([Group("a", [Condition(event="give_up", side="client")])])
    c = Candidates([pt])
    shared: dict = {}
    server = Event(kind="give_up", path="s", line=1, text="", side=Side.SERVER, attrs=shared)
    client = Event(kind="give_up", path="s", line=2, text="", side=Side.CLIENT, attrs=shared)
    assert not c.possible(pt, c.unit_bits([server]))
    assert c.possible(pt, c.unit_bits([client]))


def test_a_peer_unit_is_a_candidate_through_what_its_sessions_show_together():
    """A wider unit's bits are its sessions' bits OR-ed: a pattern whose groups are met in
    different sessions of one client is evaluated (and matches), not filtered out."""
    from diagnose.catalog.engine import evaluate_units, peer_unit
    from diagnose.sessions import Session

    pt = _pattern([Group("a", [Condition(event="give_up")]), Group("b", [Condition(event="retransmit")])])
    pt.scope = "peer"
    one = Session(id="s1", path="synthetic", side=Side.SERVER, peer="198.51.100.7",
                  events=[Event(kind="give_up", path="synthetic", line=1, text="", side=Side.SERVER,
                                peer="198.51.100.7")])
    two = Session(id="s2", path="synthetic", side=Side.SERVER, peer="198.51.100.7",
                  events=[Event(kind="retransmit", path="synthetic", line=2, text="", side=Side.SERVER,
                                peer="198.51.100.7")])
    alone = Session(id="s3", path="synthetic", side=Side.SERVER, peer="198.51.100.9",
                    events=[Event(kind="give_up", path="synthetic", line=3, text="", side=Side.SERVER,
                                  peer="198.51.100.9")])
    found = evaluate_units([pt], [one, alone, two])
    assert list(found) == [peer_unit(one)]
    assert [e.line for _, e in found[peer_unit(one)][0].evidence] == [1, 2]


def test_events_with_their_own_attribute_dicts_share_a_verdict_only_on_equal_values_of_one_type():
    """Judged once per value of what the kind's conditions read: ``1`` and ``True`` are equal
    in Python but not to a condition (it compares ``str(value)``), lists by their items."""
    pt = _pattern([Group("a", [Condition(event="ike_start", where={"version": "1"})])])
    c = Candidates([pt])
    assert c.possible(pt, c.unit_bits([_ev("ike_start", version=1, ike_id="1")]))
    assert not c.possible(pt, c.unit_bits([_ev("ike_start", version=True, ike_id="2")]))
    assert not c.possible(pt, c.unit_bits([_ev("ike_start", version=2, ike_id="3")]))
    assert c.possible(pt, c.unit_bits([_ev("ike_start", version=1, ike_id="4")]))
    has = _pattern([Group("a", [Condition(event="message", has=["CERTREQ"])])])
    c = Candidates([has])
    assert c.possible(has, c.unit_bits([_ev("message", payloads=["IDi", "CERTREQ"], mid="1")]))
    assert not c.possible(has, c.unit_bits([_ev("message", payloads=["IDi"], mid="2")]))
    assert c.possible(has, c.unit_bits([_ev("message", payloads=["IDi", "CERTREQ"], mid="3")]))


def test_among_is_the_possible_patterns_in_order_for_whichever_list_is_asked():
    a = _pattern([Group("a", [Condition(event="give_up")])])
    b = _pattern([Group("b", [Condition(event="retransmit")])])
    c = Candidates([a, b])
    both, one = [b, a], [a]
    bits = c.unit_bits([_ev("give_up"), _ev("retransmit")])
    assert c.among(both, bits) == [b, a]
    assert c.among(one, bits) == [a]  # the same bits, another list: not the remembered answer
    assert c.among(both, c.unit_bits([_ev("retransmit")])) == [b]
    assert c.among(both, c.unit_bits([])) == []
