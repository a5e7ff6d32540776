"""Client-side catalog rules on Apple logs.

No public NEIKEv2Provider/IPSec Controller log shows these failures (see
shared/reference/apple-log-formats.md §6.3), so the lines below are SYNTHETIC:
each message is one of Apple's format strings (§6.2, read from NetworkExtension
binaries; racoon-format.md for the IPSec Controller) with its %@ prefix filled
in, wrapped in the Console.app copy layout seen in real reports.  They prove the
rules fire on what Apple prints, not that Apple prints exactly this.
"""

from __future__ import annotations

import pytest

from diagnose.api import diagnose_paths

PREFIX = "IKEv2Session[1, D05FD7061CC5892B-77EB65D1CB956898]"


def console(*messages: str, process: str = "NEIKEv2Provider") -> str:
    return "".join(f"error\t15:57:{38 + i:02d}.680777+0100\t{process}\t{m}\n" for i, m in enumerate(messages))


CASES = {
    "no-certreq": console(f"{PREFIX} No certificate payload received",
                          f"{PREFIX} Failed to process IKE Auth packet (connect)"),
    "ca-not-trusted": console("Certificate chain could not be verified",
                              f"{PREFIX} Failed to process IKE Auth packet (connect)"),
    "ike-proposal-mismatch": console(f"{PREFIX} Initiator init received notify error NO_PROPOSAL_CHOSEN"),
    "peer-unreachable": console(f"{PREFIX} Failed to receive IKE SA Init packet"),
    "xauth-reauth-drop": console("IPSec Phase 1 started (Initiated by me).", "IPSec Extended Authentication Passed.",
                                 process="racoon")
    + console("IPSec Controller: XAuth reauthentication dialog required, so connection aborted",
              process="nesessionmanager"),
}


@pytest.mark.parametrize("expected", sorted(CASES))
def test_client_log_alone_names_the_cause(expected, tmp_path):
    f = tmp_path / f"client-synthetic-{expected}.log"
    f.write_text(CASES[expected])
    report = diagnose_paths([str(f)])
    assert report.inputs[0].side == "client"
    assert [x.id for x in report.findings][:1] == [expected]
    assert report.findings[0].side == "client"
