"""A catalog pattern that needs both sides of one paired session (``both_sides = true``).

"The gateway's IKE_AUTH response carried no CERT, and the client then could not authenticate
the gateway" can only be told from the two logs together.  The finding must appear when the
paired sessions show both halves, and not when one half is missing, comes from a session that
is not paired, or comes from the other side of a pair that does not show it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from diagnose.api import Options, diagnose_paths
from diagnose.catalog.engine import BOTH_SIDES_BONUS, match_all
from diagnose.catalog.model import load_pattern
from diagnose.sessions import Session
from labshift import SAMPLES

PATTERN = '''
id = "test-no-cert-both-sides"
title = "Gateway sent no CERT and the client could not authenticate it"
sides = ["server", "client"]
base_confidence = 0.6
root_cause = "test"
fix = "test"

[[required]]
name = "no CERT on the gateway's side, authentication of the gateway failed on the client's"
both_sides = true
any = [
  { event = "message", side = "server", where = { direction = "out", exchange = "IKE_AUTH", msg_type = "response" }, has = ["IDr", "AUTH"], lacks = ["CERT"] },
  { event = "auth_failed", side = "client", where = { who = "peer" } },
  { event = "cert_problem", side = "client" },
]
'''
NO_CERTREQ = SAMPLES / "lab-no-certreq"
CA_NOT_TRUSTED = SAMPLES / "lab-ca-not-trusted"


@pytest.fixture(scope="module")
def pattern(tmp_path_factory):
    path = tmp_path_factory.mktemp("pat") / "test-no-cert-both-sides.toml"
    path.write_text(PATTERN)
    return load_pattern(path)


def _ids(paths: list[Path], pattern, sessions: list[Session] | None = None):
    report = diagnose_paths([str(p) for p in paths], Options(catalog=[pattern]), sessions_out=sessions)
    return report


def test_found_when_the_paired_sessions_show_both_halves(pattern):
    for order in ((0, 1), (1, 0)):  # the input order must not matter
        files = [NO_CERTREQ / "server-charon.log", NO_CERTREQ / "client-charon.log"]
        report = _ids([files[i] for i in order], pattern)
        assert [f.id for f in report.findings] == ["test-no-cert-both-sides"], order
        f = report.findings[0]
        assert f.side == "both"
        assert {e.side for e in f.evidence} == {"server", "client"}
        assert f.confidence == pytest.approx(0.6 + BOTH_SIDES_BONUS)


@pytest.mark.parametrize("name", ["server-charon.log", "client-charon.log"])
def test_not_found_from_one_side(pattern, name):
    assert _ids([NO_CERTREQ / name], pattern).findings == []


def test_not_found_when_the_sessions_are_not_paired(pattern):
    sessions: list[Session] = []
    _ids([NO_CERTREQ], pattern, sessions)
    assert any(s.partner for s in sessions)
    assert match_all([pattern], sessions)
    for s in sessions:
        s.partner = None
    assert match_all([pattern], sessions) == []


def test_not_found_when_the_partner_does_not_show_it(pattern):
    """The client distrusts the gateway's certificate, but the gateway did send one."""
    report = _ids([CA_NOT_TRUSTED], pattern)
    assert any(s.partner for s in report.sessions)
    assert report.findings == []
