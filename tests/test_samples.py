"""Every bundled sample yields exactly its expected findings, through the public API."""

from __future__ import annotations

import pytest

from diagnose.api import diagnose_paths
from samples_index import all_samples

SAMPLES = all_samples()


def ids(paths) -> list[str]:
    return [f.id for f in diagnose_paths([str(p) for p in paths]).findings]


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.name for s in SAMPLES])
def test_sample_findings_exact(sample):
    assert ids(sample.log_files()) == sample.expect


@pytest.mark.parametrize("sample", [s for s in SAMPLES if s.expect_server_only is not None and s.server_files()],
                         ids=lambda s: s.name)
def test_sample_server_log_alone(sample):
    assert ids(sample.server_files()) == sample.expect_server_only


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.name for s in SAMPLES])
def test_sample_has_provenance(sample):
    assert sample.source, f"{sample.name}: sample.toml needs a source"
    for f in sample.files:
        assert (sample.folder / f).is_file(), f"{sample.name}: {f} listed but missing"


def test_healthy_samples_exist():
    assert any(not s.expect for s in SAMPLES)


def test_every_catalog_entry_has_a_sample_or_is_unverified():
    from diagnose.catalog.model import load_catalog
    produced = {i for s in SAMPLES for i in s.expect + (s.expect_server_only or [])}
    for p in load_catalog():
        if p.evidence_status == "verified":
            assert p.id in produced, f"{p.id} is marked verified but no sample produces it"
