"""The ladder model: which arrows, which are inferred or missing, where the failure marker sits."""

from __future__ import annotations

import pytest

from diagnose.api import Options, diagnose_paths
from diagnose.report.html import prepare
from diagnose.report.ladder import Ladder

from report.html_cases import sample


def ladder(*paths) -> Ladder:
    sessions: list = []
    report = diagnose_paths([str(p) for p in paths], Options(), sessions_out=sessions)
    ladders = prepare(report, sessions).ladders
    assert ladders, report.verdict
    return ladders[0]


def failure(lad: Ladder):
    marked = [s for s in lad.steps if s.failure]
    assert len(marked) == 1
    return marked[0]


def test_lost_ike_auth_request_carries_the_failure_and_never_reaches_the_gateway():
    lad = ladder(sample("lab-ike-auth-lost"))
    f = failure(lad)
    assert (f.kind, f.title, f.side, f.missing_at) == ("message", "IKE_AUTH request 1", "client", "server")
    assert abs(f.x2 - f.x1) < abs(lad.server_x - lad.client_x)  # drawn short of the gateway
    retransmits = [s for s in lad.steps if s.kind == "retransmit"]
    assert retransmits and all(s.side == "client" and s.missing_at == "server" for s in retransmits)
    assert all(s.detail == "IKE_AUTH request 1" for s in retransmits)
    assert any(s.kind == "timeout" and s.side == "client" for s in lad.steps)
    assert [s.y for s in lad.steps] == sorted(s.y for s in lad.steps)


def test_lost_responses_mark_the_response_and_the_retransmits_that_arrived():
    lad = ladder(sample("lab-responses-lost"))
    f = failure(lad)
    assert (f.title, f.side, f.missing_at) == ("IKE_SA_INIT response 0", "server", "client")
    retransmits = [s for s in lad.steps if s.kind == "retransmit"]
    assert retransmits and all(s.missing_at is None for s in retransmits)  # the gateway logged receiving them


@pytest.mark.parametrize("log, inferred_side", [("server-charon.log", "client"), ("client-charon.log", "server")])
def test_one_log_infers_the_other_sides_arrows(log, inferred_side):
    lad = ladder(sample("lab-no-certreq") / log)
    assert lad.one_side == ("server" if inferred_side == "client" else "client")
    msgs = [s for s in lad.steps if s.kind == "message"]
    assert {s.side for s in msgs} == {"client", "server"}
    assert all(s.inferred == (s.side == inferred_side) and s.missing_at is None for s in msgs)


def test_unanswered_client_gives_up_on_its_first_request():
    lad = ladder(sample("lab-peer-unreachable") / "client-charon.log")
    f = failure(lad)
    assert (f.title, f.side) == ("IKE_SA_INIT request 0", "client")


def test_a_log_without_ike_messages_says_so_and_still_marks_the_evidence():
    lad = ladder(sample("public-107-ios-manual-ike-proposal-unacceptable"))
    assert not [s for s in lad.steps if s.kind == "message"]
    assert any("name no IKE message" in n for n in lad.notes)
    assert failure(lad).evidence
