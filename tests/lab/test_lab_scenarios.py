"""The lab's scenario data, checked without running anything (runs everywhere, no root needed)."""
from __future__ import annotations

import pytest

from .runner import format_to_regex
from .samples import reference_formats
from .scenario import LOG_STYLES, load_all

from diagnose.catalog.model import load_catalog

SCENARIOS = load_all()
CATALOG_IDS = {p.id for p in load_catalog()}


def test_scenario_ids_are_unique_and_cover_the_logging_styles():
    ids = [s.id for s in SCENARIOS]
    assert len(ids) == len(set(ids))
    assert {s.gateway.log for s in SCENARIOS} == LOG_STYLES - {"filelog-time"}


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_expectations_use_catalog_ids(scenario):
    assert set(scenario.expect) <= CATALOG_IDS
    # the gateway log alone may only narrow the cause down (e.g. server-cert-rejected)
    assert set(scenario.expect_server_only) <= CATALOG_IDS
    assert scenario.server_lines or scenario.client_lines


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_marker_messages_are_charon_format_strings(scenario):
    formats = reference_formats()
    if formats is None:
        pytest.skip("../shared/reference/charon-messages.tsv not beside the repository")
    markers = scenario.server_lines + scenario.client_lines + [s.text for s in scenario.steps if s.text]
    unknown = [m for m in markers if m not in formats]
    assert unknown == [], "not a format string of charon-messages.tsv"


def test_format_to_regex_matches_real_output():
    pattern = format_to_regex("initiator did not reauthenticate as requested, IKE_SA %s[%u] will timeout in %V")
    assert pattern.search("12[IKE] <rw-cert|2> initiator did not reauthenticate as requested, "
                          "IKE_SA rw-cert[2] will timeout in 5 seconds")
    assert format_to_regex("no XAuth %s found for '%Y' - '%Y'").search(
        "02[IKE] no XAuth password found for 'alice' - 'vpn.example.com'")
