"""Real pastes, honestly scored: each corpus case must get its thread's label right.

A case ikedoctor still gets wrong stays in with its true label and ``xfail = "why"`` in its
sample.toml (strict: once it passes, the mark must go). docs/accuracy.md has the totals.
"""

from __future__ import annotations

import pytest

from corpus_scoring import corpus, score

CASES = corpus()


@pytest.mark.parametrize("sample", [pytest.param(s, marks=pytest.mark.xfail(reason=s.xfail, strict=True))
                                    if s.xfail else s for s in CASES], ids=[s.name for s in CASES])
def test_corpus_case_gets_its_label(sample):
    r = score(sample)
    assert r.error is None, r.error
    assert r.correct, (f"label {sample.status}/{sample.first}, got {r.got_status}/{r.got_first} "
                       f"(notable {r.notable})")


def test_no_failure_log_is_called_healthy():
    bad = [s.name for s in CASES if s.status in ("failure", "unidentified-failure") and score(s).got_status == "healthy"
           and not s.xfail]
    assert not bad
