"""Status output and configuration pasted instead of a log get a clear error naming what they are.

The status texts are synthetic (written here in the shapes strongSwan's printers use: stroke's
``status``, swanctl's ``list-sas``/``list-conns``); the configuration is a real lab sample's.
"""

from __future__ import annotations

import pytest

from diagnose.api import diagnose_paths
from diagnose.errors import InputError
from diagnose.input.not_a_log import recognise
from samples_index import SAMPLES

SYNTHETIC_STROKE_STATUS = """\
Security Associations (1 up, 1 connecting):
       rw-eap[3]: ESTABLISHED 29 minutes ago, 192.0.2.1[vpn.example.com]...198.51.100.7[alice]
       rw-eap{3}:  INSTALLED, TUNNEL, reqid 3, ESP in UDP SPIs: c7fa371d_i ce8b91ad_o
       rw-eap{3}:   0.0.0.0/0 === 10.10.10.1/32
       rw-eap[4]: CONNECTING, 192.0.2.1[%any]...198.51.100.9[%any]
"""

SYNTHETIC_SWANCTL_SAS = """\
rw-eap: #3, ESTABLISHED, IKEv2, 8f7c1a2b3c4d5e6f_i 4d3c2b1a0f9e8d7c_r*
  local  'vpn.example.com' @ 192.0.2.1[4500]
  remote 'alice' @ 198.51.100.7[4500] EAP: 'alice' [10.10.10.1]
  AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048
"""


def test_stroke_status_output_is_named_with_its_states():
    other = recognise(SYNTHETIC_STROKE_STATUS.splitlines())
    assert other is not None and "ipsec status" in other.what
    assert "1 ESTABLISHED" in other.shows and "1 CONNECTING" in other.shows
    assert "journalctl" in other.instead


def test_swanctl_list_sas_output_is_named(tmp_path):
    f = tmp_path / "sas.txt"
    f.write_text(SYNTHETIC_SWANCTL_SAS)
    with pytest.raises(InputError, match="swanctl --list-sas"):
        diagnose_paths([str(f)])


def test_a_configuration_given_to_diagnose_points_to_check():
    with pytest.raises(InputError, match=r"swanctl.conf configuration.*ikedoctor check --server"):
        diagnose_paths([str(SAMPLES / "lab-no-certreq" / "gateway-swanctl.conf")])


def test_text_that_is_neither_stays_an_unknown_format(tmp_path):
    f = tmp_path / "notes.txt"
    f.write_text("the VPN does not connect since Monday\nplease help\n")
    with pytest.raises(InputError, match="unknown log format"):
        diagnose_paths([str(f)])


def test_an_ipsec_conf_given_to_diagnose_is_named_as_one():
    from pathlib import Path
    conf = Path(__file__).resolve().parents[1] / "fixtures" / "config" / "strongswan-testing" / "ip-pool.ipsec.conf"
    with pytest.raises(InputError, match=r"ipsec.conf configuration.*ikedoctor check --server"):
        diagnose_paths([str(conf)])
