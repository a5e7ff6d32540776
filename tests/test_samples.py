"""Every bundled sample yields exactly its expected findings, through the public API."""

from __future__ import annotations

import pytest

from diagnose.api import diagnose_paths
from samples_index import all_samples

SAMPLES = all_samples()
# Corpus samples are real public pastes labelled from their threads; they are scored (docs/accuracy.md),
# not held to an exact list of findings.
EXACT = [s for s in SAMPLES if not s.corpus]


def ids(paths) -> list[str]:
    return [f.id for f in diagnose_paths([str(p) for p in paths]).findings]


@pytest.mark.parametrize("sample", EXACT, ids=[s.name for s in EXACT])
def test_sample_findings_exact(sample):
    assert ids(sample.log_files()) == sample.expect


@pytest.mark.parametrize("sample", [s for s in EXACT if s.expect_server_only is not None and s.server_files()],
                         ids=lambda s: s.name)
def test_sample_server_log_alone(sample):
    assert ids(sample.server_files()) == sample.expect_server_only


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.name for s in SAMPLES])
def test_sample_has_provenance(sample):
    assert sample.source, f"{sample.name}: sample.toml needs a source"
    for f in sample.files:
        assert (sample.folder / f).is_file(), f"{sample.name}: {f} listed but missing"


def test_healthy_samples_exist():
    assert any(not s.expect for s in EXACT)


def test_every_catalog_entry_has_a_sample_or_is_unverified():
    from diagnose.catalog.model import load_catalog
    produced = {i for s in EXACT for i in s.expect + (s.expect_server_only or [])}
    # a real paste's labelled first finding counts: tests/test_corpus.py requires it unless xfail
    produced |= {s.first for s in SAMPLES if s.corpus and s.first and not s.xfail}
    for p in load_catalog():
        if p.evidence_status == "verified":
            assert p.id in produced, f"{p.id} is marked verified but no sample produces it"


@pytest.mark.parametrize("sample", [s for s in SAMPLES if s.corpus], ids=lambda s: s.name)
def test_corpus_sample_is_labelled(sample):
    assert sample.status in {"failure", "unidentified-failure", "inconclusive", "healthy", "no-ike"}, sample.name
    assert sample.label, f"{sample.name}: corpus sample needs the thread's label"
    assert not sample.expect and sample.expect_server_only is None, f"{sample.name}: corpus samples carry no expect"
    if sample.status == "failure":
        assert sample.first, f"{sample.name}: a failure names the catalog id its resolution matches"
    elif sample.status != "inconclusive":
        assert sample.first is None, f"{sample.name}: only a failure (or an inconclusive paste) names a first id"
