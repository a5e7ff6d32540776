"""The command line: exit codes, formats, stdin, and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from samples_index import all_samples

HEALTHY = next(s for s in all_samples() if not s.expect)
FAILING = next((s for s in all_samples() if s.expect), None)


def run(*args, stdin: bytes | None = None):
    return subprocess.run([sys.executable, "-m", "diagnose", *args], input=stdin, capture_output=True, timeout=120)


def test_help_documents_exit_codes():
    r = run("diagnose", "--help")
    assert r.returncode == 0
    assert b"Exit codes" in r.stdout and b"2 = usage or input error" in r.stdout


def test_healthy_sample_exits_0_with_verdict():
    r = run("diagnose", str(HEALTHY.folder))
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().startswith("HEALTHY")


@pytest.mark.skipif(FAILING is None, reason="no failing sample yet")
def test_failing_sample_exits_1_and_json_schema():
    r = run("diagnose", "--format", "json", str(FAILING.folder))
    assert r.returncode == 1, r.stderr
    doc = json.loads(r.stdout)
    assert doc["schema"] == "ikedoctor.report/1"
    assert [f["id"] for f in doc["findings"]] == FAILING.expect
    f = doc["findings"][0]
    assert set(f) >= {"id", "title", "confidence", "side", "evidence", "root_cause", "fix"}
    assert 0 <= f["confidence"] <= 1
    assert all({"path", "line", "text"} <= set(e) for e in f["evidence"])
    assert {"format", "side", "lines", "unparsed"} <= set(doc["inputs"][0])


def test_stdin_gives_same_findings_as_file():
    log = (HEALTHY.folder / "server-charon.log").read_bytes()
    a = json.loads(run("diagnose", "-f", "json", "-", stdin=log).stdout)
    b = json.loads(run("diagnose", "-f", "json", str(HEALTHY.folder / "server-charon.log")).stdout)
    assert [f["id"] for f in a["findings"]] == [f["id"] for f in b["findings"]]
    assert a["inputs"][0]["path"] == "<stdin>" and a["inputs"][0]["format"] == "charon"


@pytest.mark.parametrize("data,needle", [
    (b"", b"empty input"),
    (b"hello world\nthis is not a vpn log\n", b"unknown log format"),
    (b"\x00\x01\x02binary\x00" * 100, b"binary"),
])
def test_bad_input_is_one_line_exit_2(data, needle):
    r = run("diagnose", "-", stdin=data)
    assert r.returncode == 2
    assert needle in r.stderr
    assert r.stderr.count(b"\n") == 1 and b"Traceback" not in r.stderr


def test_missing_file_is_exit_2(tmp_path):
    r = run("diagnose", str(tmp_path / "nope.log"))
    assert r.returncode == 2 and b"no such file" in r.stderr


def test_markdown_and_output_file_written_atomically(tmp_path):
    out = tmp_path / "report.md"
    r = run("diagnose", "-f", "markdown", "-o", str(out), str(HEALTHY.folder))
    assert r.returncode == 0
    text = out.read_text()
    assert text.startswith("# ikedoctor report") and "HEALTHY" in text
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]


def test_inputs_are_never_modified(tmp_path):
    src = HEALTHY.folder / "server-charon.log"
    before = (src.stat().st_mtime_ns, src.read_bytes())
    run("diagnose", str(src))
    assert (src.stat().st_mtime_ns, src.read_bytes()) == before


@pytest.mark.skipif(FAILING is None, reason="no failing sample yet")
def test_exit_zero_keeps_the_report_but_exits_0():
    r = run("diagnose", "--exit-zero", str(FAILING.folder))
    assert r.returncode == 0 and r.stdout.decode().startswith("FAILURE")
    assert run("diagnose", "--exit-zero", "-", stdin=b"").returncode == 2


# -- command-line conventions (issue 15 point 5) --------------------------------------------------

COMMANDS = ("diagnose", "timeline", "batch", "check", "catalog", "explain", "collect")


def test_version_and_short_help():
    from diagnose import __version__
    r = run("--version")
    assert r.returncode == 0 and r.stdout.decode().strip() == f"ikedoctor {__version__}"
    assert run("-h").returncode == 0 and b"Usage: ikedoctor" in run("-h").stdout
    assert run("diagnose", "-h").returncode == 0


@pytest.mark.parametrize("command", COMMANDS)
def test_help_names_values_not_python_types(command):
    out = run(command, "--help").stdout.decode()
    assert "Usage: ikedoctor " + command in out
    for internal in ("list[", "<str>", "<int>", "<Path>", "<path>", "<float>"):
        assert internal not in out, (command, internal)


def test_errors_have_one_program_prefix():
    """As the installed `ikedoctor` script runs (its argv[0] is the program name)."""
    script = "import sys; sys.argv[0] = 'ikedoctor'; from diagnose.cli import main; main()"
    for args in (("--bogus",), ("diagnose", "--bogus", "x"), ("explain", "nope")):
        r = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, timeout=60)
        err = r.stderr.decode()
        assert r.returncode == 2 and err.startswith("ikedoctor: ") and "ikedoctor: ikedoctor:" not in err, err


def test_output_file_prints_nothing_and_has_the_usual_mode(tmp_path):
    import os
    out = tmp_path / "report.txt"
    old = os.umask(0o022)
    try:
        r = run("diagnose", "--exit-zero", "-o", str(out), str(FAILING.folder))
    finally:
        os.umask(old)
    assert r.returncode == 0 and r.stdout == b"" and r.stderr == b""
    assert out.read_text().startswith("FAILURE") and (out.stat().st_mode & 0o777) == 0o644


def test_catalog_and_explain_formats_and_lookup():
    ids = [p["id"] for p in json.loads(run("catalog", "-f", "json").stdout)]
    md = run("catalog", "-f", "markdown").stdout.decode()
    assert md.startswith("| id |") and all(f"`{i}`" in md for i in ids)
    one = ids[0]
    assert json.loads(run("explain", one, "-f", "json").stdout)["id"] == one
    assert run("explain", one, "-f", "markdown").stdout.decode().startswith(f"## `{one}`")
    assert run("explain", one.upper()).returncode == 0
    r = run("explain", one[:-1] + "x")
    assert r.returncode == 2 and f"did you mean `{one}`" in r.stderr.decode()


def test_catalog_never_cuts_an_id():
    import os
    ids = [p["id"] for p in json.loads(run("catalog", "-f", "json").stdout)]
    for cols in ("40", "80"):
        r = subprocess.run([sys.executable, "-m", "diagnose", "catalog"], capture_output=True, timeout=60,
                           env={**os.environ, "COLUMNS": cols})
        words = set(r.stdout.decode().split())
        assert all(i in words for i in ids), cols


def test_check_given_a_log_says_to_diagnose_it():
    log = next(s for s in all_samples() if (s.folder / "server-charon.log").exists()).folder / "server-charon.log"
    r = run("check", "--server", str(log))
    assert r.returncode == 2 and b"use `ikedoctor diagnose" in r.stderr


def test_stdin_on_a_terminal_asks_for_a_paste_and_ends_at_the_first_ctrl_d():
    pty = pytest.importorskip("pty")
    import os
    import select
    import time
    log = (HEALTHY.folder / "server-charon.log").read_bytes()
    pid, fd = pty.fork()
    if pid == 0:  # the child: ikedoctor reading the terminal
        os.execv(sys.executable, [sys.executable, "-m", "diagnose", "diagnose", "-f", "json", "-"])
    out = b""

    def drain(seconds: float) -> None:
        nonlocal out
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if select.select([fd], [], [], 0.05)[0]:
                try:
                    out += os.read(fd, 65536)
                except OSError:
                    return
    try:
        drain(3)
        assert b"paste the log, then press Ctrl-D" in out
        for line in log.splitlines(keepends=True):
            os.write(fd, line)
        os.write(fd, b"\x04")
        deadline = time.monotonic() + 60
        done = 0
        while not done and time.monotonic() < deadline:
            drain(0.2)
            done, _ = os.waitpid(pid, os.WNOHANG)
        assert done, "still waiting for input after the first Ctrl-D"
    finally:
        if not done:
            os.kill(pid, 9)
            os.waitpid(pid, 0)


def test_forced_format_that_reads_nothing_is_an_input_error(tmp_path):
    # a real Apple client log forced through the charon parser: no line is charon's
    apple = next(s for s in all_samples() if s.name.startswith("public-004"))
    r = run("diagnose", "--log-format", "charon", str(apple.log_files()[0]))
    assert r.returncode == 2, r.stdout
    assert b"forced format 'charon'" in r.stderr
    # the same log under its own format still diagnoses
    assert run("diagnose", "--log-format", "apple-legacy", str(apple.log_files()[0])).returncode == 1
