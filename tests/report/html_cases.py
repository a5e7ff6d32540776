"""Pages the HTML tests open: real samples, and a hostile variant made on the fly.

The hostile logs are the real lab logs of ``lab-no-certreq`` with the gateway's identity replaced
by markup, a script, a ``javascript:`` link and terminal escapes (the way a hostile peer name
reaches a log); their names say ``synthetic-hostile`` and they exist only in the test's tmp dir.
"""

from __future__ import annotations

from pathlib import Path

from samples_index import SAMPLES

from diagnose.api import Options, diagnose_paths
from diagnose.redact import Redactor
from diagnose.report.html import prepare, redact_with, render_html

#: each part must render as text; running any of them sets window.__pwned
HOSTILE = ("<script>window.__pwned=1</script><img src=x onerror=\"window.__pwned=2\">"
           "<a href=\"javascript:window.__pwned=3\">click</a><svg onload=\"window.__pwned=4\"></svg>"
           "\x1b]0;pwned\x07\x1b[2J")
IDENTITY = b"vpn.example.com"


def page(paths: list[Path | str], redact: str | None = None) -> str:
    """What ``diagnose --format html`` writes for these logs (in process: faster than the CLI)."""
    from diagnose.redact import scrub_report

    sessions: list = []
    report = diagnose_paths([str(p) for p in paths], Options(), sessions_out=sessions)
    extras = prepare(report, sessions)
    if redact is not None:
        r = Redactor.from_passphrase(redact)
        report, extras = redact_with(report, extras, r)
    return render_html(scrub_report(report), extras)


def sample(name: str) -> Path:
    return SAMPLES / name


def hostile_logs(tmp: Path, name_markup: bool = True) -> list[Path]:
    """lab-no-certreq's two logs with the gateway identity made hostile (and a hostile file name)."""
    out = []
    for src in ("server-charon.log", "client-charon.log"):
        data = (SAMPLES / "lab-no-certreq" / src).read_bytes().replace(IDENTITY, IDENTITY + HOSTILE.encode())
        side = src.split("-")[0]
        tail = "<b onmouseover=alert(1)>x" if name_markup else ""
        p = tmp / f"synthetic-hostile-{side}-charon{tail}.log"
        p.write_bytes(data)
        out.append(p)
    return out
