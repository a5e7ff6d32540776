"""A session's received and configured proposal lists compared when no selection follows them.

Synthetic events (no log lines): the attributes charon's ``received proposals: …`` /
``configured proposals: …`` / ``selected proposal: …`` lines parse into.
"""

from __future__ import annotations

from diagnose.events import Event, Side
from diagnose.proposal_match import proposal_mismatches

OFFER = ["IKE:AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_1024"]
MINE = ["IKE:AES_GCM_16_256/PRF_HMAC_SHA2_384/ECP_384"]


def _ev(kind: str, line: int, **attrs) -> Event:
    return Event(kind=kind, path="synthetic", line=line, text="", side=Side.SERVER, attrs=attrs)


def _lists(first: int = 10) -> list[Event]:
    return [_ev("proposals_received", first, proto="IKE", proposals=OFFER),
            _ev("proposals_configured", first + 1, proto="IKE", proposals=MINE)]


def test_lists_without_a_common_proposal_give_one_mismatch_at_the_later_line():
    found = proposal_mismatches([_ev("message", 1), *_lists(), _ev("retransmit", 12)])
    assert [(e.kind, e.line, e.attrs["proto"], e.attrs["ke_only"]) for e in found] == \
        [("proposal_mismatch", 11, "IKE", False)]


def test_a_selection_after_the_received_list_says_they_matched_after_all():
    assert proposal_mismatches([*_lists(), _ev("proposal_selected", 12, proto="IKE")]) == []
    assert proposal_mismatches([*_lists(), _ev("proposal_selected", 12, proto="ESP")])  # another protocol's
    assert proposal_mismatches([_ev("proposal_selected", 3, proto="IKE"), *_lists()])  # an earlier one's


def test_the_last_lists_of_a_protocol_are_compared():
    later = [_ev("proposals_received", 20, proto="IKE", proposals=MINE),
             _ev("proposals_configured", 21, proto="IKE", proposals=MINE)]
    assert proposal_mismatches([*_lists(), *later]) == []
