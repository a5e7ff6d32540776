"""``config_facts`` for diagnose, and the proposal engine behind the proposal rules."""

from __future__ import annotations

import pytest

from diagnose.config.check import config_facts
from diagnose.config.proposals import (ProposalError, client_profile, configured, default_proposals, parse_charon,
                                       parse_keywords, select)

from .conftest import copy_fixture


def test_config_facts_confirm_contradict_unknown(tmp_path):
    conf = copy_fixture("rw-cert.swanctl.conf", tmp_path)
    facts = config_facts([conf], clients=["ios-16", "macos-13"])
    assert facts["ike-proposal-mismatch"].status == "confirmed"
    ev = facts["ike-proposal-mismatch"].evidence[0]
    assert (ev.path, ev.line, ev.role, ev.side) == (str(conf), 23, "config", "config")
    assert facts["ike-proposal-mismatch"].clients == ["ios-16", "macos-13"]
    assert facts["ike-proposal-mismatch"].connections == ["rw"]
    assert facts["eap-method-unsupported"].status == "contradicted"
    assert facts["macos-reauth-failure"].status == "contradicted"
    assert facts["san-mismatch"].status == "unknown"  # no certificate given
    assert "certificate" in facts["san-mismatch"].reason
    assert set(facts) >= {"no-certreq", "pfs-rekey-mismatch", "ca-not-trusted", "split-dns-not-applied"}


def test_config_facts_for_one_connection(tmp_path):
    facts = config_facts([copy_fixture("rw-cert.swanctl.conf", tmp_path)], connection="nonexistent")
    assert {f.status for f in facts.values()} == {"unknown"}


def test_keyword_parsing_follows_check_proposal():
    p = parse_keywords("IKE", "aes256-sha256-modp2048")
    assert str(p) == "IKE:AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048"
    g = parse_keywords("IKE", "aes128gcm16-prfsha256-x25519")
    assert str(g) == "IKE:AES_GCM_16_128/PRF_HMAC_SHA2_256/CURVE_25519"
    e = parse_keywords("ESP", "aes128gcm128-x25519")
    assert str(e) == "ESP:AES_GCM_16_128/CURVE_25519/NO_EXT_SEQ"
    with pytest.raises(ProposalError):
        parse_keywords("IKE", "aes256-sha256")  # no DH group
    with pytest.raises(ProposalError):
        parse_keywords("IKE", "aes256-bogus-modp2048")


def test_default_ike_lost_modp1024_in_561():
    assert "MODP_1024" in default_proposals("IKE", "5.6.0")[0].algs("KE")
    assert "MODP_1024" not in default_proposals("IKE", "5.6.1")[0].algs("KE")
    assert "MODP_1536" not in default_proposals("IKE", "5.5.0")[0].algs("KE")


def test_default_esp_per_version():
    assert len(default_proposals("ESP", "5.8.4")) == 1  # no AES-GCM default before 5.9.0
    assert default_proposals("ESP", "5.9.0")[0].algs("ENCR")[0] == "AES_GCM_16_128"
    assert "NONE" not in default_proposals("ESP", "6.0.1")[1].algs("KE")
    assert "NONE" in default_proposals("ESP", "6.0.2")[1].algs("KE")  # KE optional since 6.0.2


def test_selection_ke_semantics():
    macos_rekey = [parse_charon("ESP:AES_CBC_256/HMAC_SHA2_256_128/NO_EXT_SEQ")]
    assert select(configured("ESP", ["aes256-sha256-modp2048"]), macos_rekey) is None
    assert select(configured("ESP", ["aes256-sha256-modp2048"]), macos_rekey, skip_ke=True) is not None
    assert select(configured("ESP", ["aes256-sha256-modp2048-modpnone"]), macos_rekey) is not None
    ios_rekey = [parse_charon("ESP:AES_CBC_256/HMAC_SHA2_256_128/MODP_2048/NO_EXT_SEQ")]
    assert select(configured("ESP", ["aes256-sha256"]), ios_rekey) is None  # their KE has no NONE


def test_client_resolution():
    assert client_profile("ios-16").data_since == "16.5" and client_profile("ios-16").basis == "documented"
    assert client_profile("macos-13").basis == "inferred"
    assert client_profile("macos-14").ike[0].is_aead
    assert client_profile("ios-5").note.startswith("no data for ios-5")
    with pytest.raises(ValueError):
        client_profile("android-14")
