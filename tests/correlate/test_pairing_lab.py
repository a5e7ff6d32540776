"""Every lab server + client pair pairs every session right, the INVALID_KE attempt included.

The truth comes from the lab's set-up, not from the pairing code: one client talks to one
gateway on the same clock, so every gateway IKE_SA that received a message belongs to the
client IKE_SA that was running when it started (the client's IKE_SAs follow one another), and
the client's partner is the gateway IKE_SA that got furthest (most messages).  Established
pairs must also show the same CHILD_SA SPIs, swapped.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from diagnose.api import Options, diagnose_paths
from diagnose.sessions import Session
from labshift import has_times, lab_pairs

PAIRS = lab_pairs()


def _messages(s: Session) -> int:
    return sum(1 for e in s.events if e.kind == "message")


def _began(c: Session):
    """When the client IKE_SA sent its first request (its first line may be a stray one)."""
    return next((e.time for e in c.events if e.kind == "ike_start"), c.start)


def expected(sessions: list[Session]) -> dict[str, str | None]:
    clients = [s for s in sessions if s.side.value == "client" and _messages(s)]
    servers = [s for s in sessions if s.side.value == "server" and _messages(s)]
    truth: dict[str, str | None] = {s.id: None for s in sessions}
    group: dict[str, list[Session]] = {c.id: [] for c in clients}
    for s in servers:
        if len(clients) == 1:
            owner = clients[0]
        else:
            assert s.start is not None, "several client IKE_SAs and no gateway times: no lab truth"
            slack = timedelta(seconds=1)
            owner = [c for c in clients if _began(c) is not None and _began(c) <= s.start + slack][-1]
        truth[s.id] = owner.id
        group[owner.id].append(s)
    for c in clients:
        if group[c.id]:
            truth[c.id] = max(group[c.id], key=lambda s: (_messages(s), s.start is not None)).id
    return truth


@pytest.mark.parametrize("folder", PAIRS, ids=[p.name for p in PAIRS])
def test_lab_pair_pairs_every_session(folder):
    sessions: list[Session] = []
    report = diagnose_paths([str(folder / "server-charon.log"), str(folder / "client-charon.log")],
                            Options(), sessions_out=sessions)
    got = {s.id: s.partner for s in report.sessions}
    assert got == expected(sessions)
    by_id = {s.id: s for s in sessions}
    for s in sessions:
        if s.side.value == "client" and s.partner:
            c_child = {(e.attrs["spi_i"], e.attrs["spi_o"]) for e in s.events if e.kind == "child_established"}
            s_child = {(e.attrs["spi_o"], e.attrs["spi_i"]) for e in by_id[s.partner].events
                       if e.kind == "child_established"}
            if c_child and s_child:
                assert c_child & s_child, "paired established sessions share their CHILD_SA SPIs"


@pytest.mark.parametrize("folder", [p for p in PAIRS if has_times(p / "server-charon.log")],
                         ids=lambda p: p.name)
def test_lab_offset_is_zero_on_one_clock(folder):
    report = diagnose_paths([str(folder)], Options())
    offsets = [s.clock_offset_s for s in report.sessions if s.partner]
    assert all(o is not None and abs(o) <= 1.0 for o in offsets), offsets


def test_invalid_ke_attempt_is_a_secondary_partner():
    folder = next(p for p in PAIRS if p.name == "lab-healthy-eap-mschapv2")
    report = diagnose_paths([str(folder / "server-charon.log"), str(folder / "client-charon.log")], Options())
    by_id = {s.id: s for s in report.sessions}
    client = next(s for s in report.sessions if s.side == "client")
    first, retry = sorted((s for s in report.sessions if s.side == "server" and s.events > 1),
                          key=lambda s: (s.start, s.id))
    assert client.partner == retry.id and by_id[retry.id].outcome == "established"
    assert first.partner == client.id and retry.partner == client.id


def test_unpaired_sessions_have_no_partner():
    folder = next(p for p in PAIRS if p.name == "lab-peer-unreachable")
    report = diagnose_paths([str(folder)], Options())
    assert all(s.partner is None and s.clock_offset_s is None for s in report.sessions)


def test_one_side_only_pairs_nothing():
    report = diagnose_paths([str(PAIRS[0] / "server-charon.log")], Options())
    assert all(s.partner is None for s in report.sessions)
