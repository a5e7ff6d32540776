"""The catalog loads, validates, and rejects bad files with the file and key named."""

from __future__ import annotations

import textwrap

import pytest

from diagnose.catalog.model import load_catalog, load_pattern
from diagnose.errors import CatalogError
from diagnose.events import KINDS

MINIMAL = """
id = "x-test"
title = "t"
root_cause = "r"
fix = "f"
[[required]]
any = [{ event = "give_up" }]
"""


def write(tmp_path, body: str, name: str = "x-test"):
    p = tmp_path / f"{name}.toml"
    p.write_text(textwrap.dedent(body))
    return p


def test_every_shipped_pattern_loads_and_names_known_events():
    cat = load_catalog()
    assert len(cat) >= 15
    for p in cat:
        for g in p.required + p.supporting + p.contradicting:
            for c in g.any:
                assert c.event in KINDS
        assert p.fix and p.root_cause and p.title


def test_minimal_pattern_loads(tmp_path):
    assert load_pattern(write(tmp_path, MINIMAL)).id == "x-test"


@pytest.mark.parametrize("mutation,key", [
    (('event = "give_up"', 'event = "gave_up"'), "required[0].any[0].event"),
    (('{ event = "give_up" }', '{ event = "give_up", where = { colour = "red" } }'), "required[0].any[0].where.colour"),
    (('id = "x-test"', 'id = "other"'), "id"),
    (('fix = "f"', 'fixx = "f"'), "(top level)"),
    (('{ event = "give_up" }', '{ event = "give_up", has = ["CERT"] }'), "required[0].any[0]"),
])
def test_bad_pattern_names_file_and_key(tmp_path, mutation, key):
    p = write(tmp_path, MINIMAL.replace(*mutation))
    with pytest.raises(CatalogError) as exc:
        load_pattern(p)
    assert str(p) in str(exc.value) and key in str(exc.value)


def test_catastrophic_regex_is_rejected_at_load(tmp_path):
    body = MINIMAL.replace('{ event = "give_up" }', '{ event = "client_error", where = { detail = "re:(a+)+$" } }')
    with pytest.raises(CatalogError, match="backtracks"):
        load_pattern(write(tmp_path, body))


def test_unknown_suppressed_id_is_rejected(tmp_path):
    write(tmp_path, MINIMAL + 'suppresses = ["nope"]\n'.join(["", ""]))
    (tmp_path / "x-test.toml").write_text(textwrap.dedent(MINIMAL).replace('fix = "f"', 'fix = "f"\nsuppresses = ["nope"]'))
    with pytest.raises(CatalogError, match="nope"):
        load_catalog(tmp_path)
