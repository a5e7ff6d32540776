"""``ikedoctor check``: exit codes, formats, and config text never interpreted as markup."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from diagnose.cli import _register, app

from .conftest import copy_fixture

runner = CliRunner()


@pytest.fixture(scope="module", autouse=True)
def _commands():
    _register()


def test_problems_exit_1_and_json_schema(tmp_path):
    conf = copy_fixture("rw-cert.swanctl.conf", tmp_path)
    res = runner.invoke(app, ["check", "--server", str(conf), "--clients", "ios-16,macos-13", "--format", "json"])
    assert res.exit_code == 1, res.output
    doc = json.loads(res.stdout)
    assert doc["schema"] == "ikedoctor.report/1"
    ids = {f["id"] for f in doc["findings"]}
    assert {"no-certreq", "ike-proposal-mismatch"} <= ids
    assert doc["status"] == "failure"
    f = next(f for f in doc["findings"] if f["id"] == "ike-proposal-mismatch")
    assert f["side"] == "config" and f["evidence"][0]["role"] == "config"
    assert f["evidence"][0]["path"] == str(conf) and f["evidence"][0]["line"] == 23


def test_advisories_only_exit_0(tmp_path):
    conf = copy_fixture("rw-cert.swanctl.conf", tmp_path)
    text = (conf.read_text().replace("aes128-sha256-x25519", "aes256-sha256-modp2048")
            .replace("aes128gcm128-x25519", "aes256-sha256").replace("      version = 2\n", "      version = 2\n      send_cert = always\n"))
    conf.write_text(text)
    res = runner.invoke(app, ["check", "--server", str(conf)])
    assert res.exit_code == 0, res.output
    assert "stale-child-sa-after-sleep" in res.stdout and "advisories only" in res.stdout
    assert "status: advisory" in res.stdout and "speaks of" not in res.stdout
    assert "the configuration alone" in res.stdout and "evidence the logs show" not in res.stdout


def test_usage_and_input_errors_exit_2(tmp_path):
    assert runner.invoke(app, ["check"]).exit_code == 2
    res = runner.invoke(app, ["check", "--server", str(tmp_path / "missing.conf")])
    assert res.exit_code == 2 and "missing.conf" in res.output and "cannot read" in res.output
    conf = copy_fixture("rw-cert.swanctl.conf", tmp_path)
    res = runner.invoke(app, ["check", "--server", str(conf), "--clients", "windows-11"])
    assert res.exit_code == 2 and "ios-<version>" in res.output


def test_config_text_is_not_markup(tmp_path):
    conf = tmp_path / "swanctl.conf"
    conf.write_text("connections {\n  [red]rw[/red] {\n    proposals = aes128-sha256-x25519\n  }\n}\n")
    res = runner.invoke(app, ["check", "--server", str(conf), "--format", "text"])
    assert res.exit_code == 1
    assert "[red]rw[/red] {" in res.stdout  # the evidence line, printed literally
    md = runner.invoke(app, ["check", "--server", str(conf), "--format", "markdown"])
    assert md.exit_code == 1 and "ike-proposal-mismatch" in md.stdout
