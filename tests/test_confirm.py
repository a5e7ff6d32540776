"""Configuration confirms or contradicts log findings, and shows up as evidence."""

from __future__ import annotations

from pathlib import Path

from diagnose.api import Options, diagnose_paths
from diagnose.confirm import ConfigInputs

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def top(sample: str, config: str | None):
    cfg = ConfigInputs(server=[SAMPLES / config / "gateway-swanctl.conf"]) if config else None
    return diagnose_paths([str(SAMPLES / sample)], Options(config=cfg)).findings[0]


def test_config_line_confirms_no_certreq():
    plain = top("lab-no-certreq", None)
    confirmed = top("lab-no-certreq", "lab-no-certreq")
    assert confirmed.id == "no-certreq" and confirmed.confidence > plain.confidence
    cfg = [e for e in confirmed.evidence if e.role == "config"]
    assert cfg and cfg[0].path.endswith("gateway-swanctl.conf") and "send_cert" in cfg[0].text
    assert cfg[0].line > 0


def test_fixed_config_contradicts_no_certreq():
    plain = top("lab-no-certreq", None)
    contradicted = top("lab-no-certreq", "lab-no-certreq-fixed")
    assert contradicted.id == "no-certreq" and contradicted.confidence < plain.confidence
    assert any("contradicts" in n for n in contradicted.notes)
