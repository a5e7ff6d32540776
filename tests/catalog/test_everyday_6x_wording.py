"""Issue 14 entries on strongSwan 6.x wording the lab cannot make (synthetic lines, built from the
6.x format strings of charon-messages.tsv): Debian 13's charon does not start without openssl,
which implements every DH group, so no 6.x lab sample shows a key exchange method without plugin."""

from __future__ import annotations

from diagnose.api import Options, diagnose_paths
from diagnose.events import Side

PREFIX = "Dec  5 07:34:18 13[{}] <1> "


def _ids(tmp_path, *lines: tuple[str, str]) -> list[str]:
    p = tmp_path / "synthetic-6x-server.log"
    p.write_text("".join(PREFIX.format(sub) + text + "\n" for sub, text in lines))
    return [f.id for f in diagnose_paths([str(p)], Options(side=Side.SERVER)).findings]


def test_6x_key_exchange_method_not_supported_then_no_prop(tmp_path):
    ids = _ids(tmp_path, ("IKE", "192.0.2.2 is initiating an IKE_SA"),
               ("IKE", "negotiated key exchange method CURVE_25519 not supported"),
               ("ENC", "generating IKE_SA_INIT response 0 [ N(NO_PROP) ]"))
    assert ids == ["dh-group-unsupported"]  # and not ike-proposal-mismatch: it explains the NO_PROP


def test_6x_invalid_ke_for_another_group_is_not_it(tmp_path):
    ids = _ids(tmp_path, ("IKE", "192.0.2.2 is initiating an IKE_SA"),
               ("IKE", "key exchange method ECP_256 unacceptable, requesting MODP_2048"),
               ("ENC", "generating IKE_SA_INIT response 0 [ N(INVAL_KE) ]"))
    assert "dh-group-unsupported" not in ids


def test_6x_invalid_ke_for_the_same_group_is_it(tmp_path):
    ids = _ids(tmp_path, ("IKE", "192.0.2.2 is initiating an IKE_SA"),
               ("IKE", "key exchange method ECP_256 unacceptable, requesting ECP_256"),
               ("ENC", "generating IKE_SA_INIT response 0 [ N(INVAL_KE) ]"))
    assert ids == ["dh-group-unsupported"]
