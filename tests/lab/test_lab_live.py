"""The lab, live: every scenario runs two real charon daemons and must show its failure.

(a) the scenario's marker messages (charon format strings from charon-messages.tsv) occur in the
    logs the daemons just wrote;
(b) ikedoctor diagnoses those logs: the finding ids start with the scenario's ``expect`` (both logs)
    and ``expect_server_only`` (gateway log alone); healthy scenarios yield no finding.

Without root, /dev/net/tun, iproute2/nftables or Debian's strongSwan packages the whole module skips
with one reason (see .ci/install-lab-deps.sh).
"""
from __future__ import annotations

import pytest

from .runner import missing_requirements

_REASON = missing_requirements()
if _REASON:
    pytest.skip(f"lab unavailable: {_REASON}", allow_module_level=True)

from .runner import install_signal_cleanup  # noqa: E402
from .scenario import load_all  # noqa: E402
from .suite import Outcome, run_all  # noqa: E402

pytestmark = [pytest.mark.lab, pytest.mark.slow]

from .samples import strongswan_version  # noqa: E402

# the host's 5.9.8, or the charon of IKD_LAB_CHARON_ROOT (e.g. Debian 13's 6.0.x)
SCENARIOS = [s for s in load_all() if s.runs_on(strongswan_version().split(".")[0])]


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> dict[str, Outcome]:
    """All scenarios, run once for the module (three at a time; about a minute in all)."""
    install_signal_cleanup()
    workroot = tmp_path_factory.mktemp("lab")
    return {o.scenario.id: o for o in run_all(SCENARIOS, workroot, jobs=3)}


def _finding_ids(paths) -> list[str]:
    api = pytest.importorskip("diagnose.api", reason="diagnose.api not importable yet")
    report = api.diagnose_paths([str(p) for p in paths])
    return [f.id for f in report.findings]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_charon_wrote_the_expected_lines(outcomes, scenario):
    outcome = outcomes[scenario.id]
    assert outcome.result is not None, outcome.error
    assert outcome.error is None, outcome.error


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_ikedoctor_diagnoses_both_logs(outcomes, scenario):
    result = outcomes[scenario.id].result
    assert result is not None, outcomes[scenario.id].error
    ids = _finding_ids([result.server_log, result.client_log])
    assert ids == scenario.expect


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_ikedoctor_diagnoses_the_gateway_log_alone(outcomes, scenario):
    result = outcomes[scenario.id].result
    assert result is not None, outcomes[scenario.id].error
    ids = _finding_ids([result.server_log])
    assert ids == scenario.expect_server_only
