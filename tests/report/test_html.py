"""The HTML report: structure, self-containment, escaping of hostile log text, --redact."""

from __future__ import annotations

import base64
import hashlib
import re
import subprocess
import sys
from html.parser import HTMLParser

import pytest

from report.html_cases import HOSTILE, hostile_logs, page, sample


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text of the page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        (self.scripts if self._in_script else self.text).append(data)

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag]


def parse(html: str) -> Tags:
    t = Tags()
    t.feed(html)
    return t


def steps(html: str) -> list[dict[str, str | None]]:
    return [a for t, a in parse(html).tags if t == "g" and "step" in (a.get("class") or "").split()]


@pytest.fixture(scope="module")
def no_certreq() -> str:
    return page([sample("lab-no-certreq")])


def test_self_contained_one_script_no_external_resource(no_certreq):
    t = parse(no_certreq)
    assert len(t.all("script")) == 1 and all("src" not in a for a in t.all("script"))
    assert not t.all("link") and not t.all("iframe") and not t.all("img")
    for tag, attrs in t.tags:
        for k, v in attrs.items():
            assert k not in ("src", "srcset", "action"), (tag, attrs)
            if k in ("href", "xlink:href") and not v.startswith("#"):
                assert tag == "a" and v.startswith("https://"), (tag, attrs)  # catalog references only


def test_csp_allows_only_the_pages_own_script(no_certreq):
    t = parse(no_certreq)
    csp = next(a["content"] for a in t.all("meta") if a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp
    digest = base64.b64encode(hashlib.sha256("".join(t.scripts).encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp


def test_verdict_findings_snippets_and_evidence_links(no_certreq):
    t = parse(no_certreq)
    text = "".join(t.text)
    assert "Client sent no CERTREQ" in text and "send_cert = always" in text
    buttons = [a for a in t.all("button") if a.get("data-copy")]
    ids = {a.get("id") for _, a in t.tags}
    assert buttons and all(b["data-copy"] in ids for b in buttons)
    links = [a["href"] for a in t.all("a") if (a.get("href") or "").startswith("#ctx-")]
    assert links and all(h[1:] in ids for h in links)


def test_ladder_arrows_in_order_with_failure_on_the_auth_response(no_certreq):
    msgs = [s for s in steps(no_certreq) if s["data-kind"] == "message"]
    assert [s["data-title"] for s in msgs] == [
        "IKE_SA_INIT request 0", "IKE_SA_INIT response 0", "IKE_SA_INIT request 0", "IKE_SA_INIT response 0",
        "IKE_AUTH request 1", "IKE_AUTH response 1", "INFORMATIONAL request 2", "INFORMATIONAL response 2"]
    assert [s["data-side"] for s in msgs] == ["client", "server"] * 4
    failing = [s for s in steps(no_certreq) if "failure" in s["class"].split()]
    assert [(s["data-title"], s["data-side"]) for s in failing] == [("IKE_AUTH response 1", "server")]
    assert "s:36" in failing[0]["data-lines"] and "c:31" in failing[0]["data-lines"]
    assert "Both logs on one clock" in no_certreq and "+0.000 s" in no_certreq


def test_one_side_only_draws_the_other_sides_arrows_inferred():
    html = page([sample("lab-no-certreq") / "server-charon.log"])
    msgs = [s for s in steps(html) if s["data-kind"] == "message"]
    assert msgs
    for s in msgs:
        assert ("inferred" in s["class"].split()) == (s["data-side"] == "client"), s
    assert "the client&#39;s arrows are inferred" in html or "the client's arrows are inferred" in html


def test_evidence_in_context_shows_neighbouring_lines(no_certreq):
    block = re.search(r'<div class="ctx" id="ctx-1">.*?<pre>(.*?)</pre>', no_certreq, re.S)
    assert block
    numbers = [int(n) for n in re.findall(r"<span class=\"(?:hit|ln)\">\s*(\d+)", block.group(1))]
    assert len(numbers) > 3 and numbers == sorted(numbers)
    assert re.search(r'<span class="hit">\s*\d+', block.group(1))


def test_hostile_log_text_is_escaped(tmp_path):
    html = page(hostile_logs(tmp_path))
    t = parse(html)
    assert len(t.all("script")) == 1
    assert not [a for _, a in t.tags if any(k.startswith("on") for k in a)]
    assert not [a for _, a in t.tags if any((v or "").strip().lower().startswith("javascript:") for v in a.values())]
    assert not t.all("img") and not [a for t_, a in t.tags if t_ == "b"]
    assert "\x1b" not in html and "\x07" not in html
    text = "".join(t.text)
    assert "<script>window.__pwned=1</script>" in text  # shown, as text
    assert "\\x1b]0;pwned\\x07" in text


def test_redact_applies_to_findings_ladder_and_context(tmp_path):
    plain = page([sample("lab-no-certreq")])
    redacted = page([sample("lab-no-certreq")], redact="k")
    assert "vpn.example.com" in plain
    assert "vpn.example.com" not in redacted
    msgs = lambda html: [s["data-title"] for s in steps(html) if s["data-kind"] == "message"]  # noqa: E731
    assert msgs(redacted) == msgs(plain)
    # one pseudonym for the gateway name, in the findings' evidence, the ladder and the context alike
    marker = next(s["data-title"] for s in steps(redacted) if s["data-title"].startswith("authentication of"))
    pseudonym = re.search(r"'([^']+)'", marker).group(1)
    assert pseudonym != "vpn.example.com"
    evidence = redacted.split('<ul class="evidence">', 1)[1].split("</ul>", 1)[0]
    context = redacted.split('id="context"', 1)[1]
    assert pseudonym in evidence and pseudonym in context


def test_cli_writes_html_for_diagnose_timeline_and_batch(tmp_path):
    def run(*args):
        return subprocess.run([sys.executable, "-m", "diagnose", *args], capture_output=True, timeout=180)

    folder = str(sample("lab-ike-auth-lost"))
    for cmd, out in (("diagnose", "r.html"), ("timeline", "t.html"), ("batch", "b.html")):
        extra = ["-j", "1"] if cmd == "batch" else []
        r = run(cmd, folder, "--format", "html", "-o", str(tmp_path / out), *extra)
        assert r.returncode in (0, 1), r.stderr
        html = (tmp_path / out).read_text()
        csp = [a["content"] for a in parse(html).all("meta") if a.get("http-equiv") == "Content-Security-Policy"]
        assert html.startswith("<!DOCTYPE html>") and "default-src 'none'" in csp[0]
    assert 'data-title="IKE_AUTH request 1"' in (tmp_path / "t.html").read_text()
    assert "chart-weeks" in (tmp_path / "b.html").read_text()


def test_redaction_learns_every_extra_text_before_rewriting_any():
    from diagnose.redact import Redactor
    from diagnose.report.html import Context, ContextLine, Extras, redact_extras
    from diagnose.report.ladder import Ladder, Step

    lad = Ladder("ladder-1", "c", ["s"], None, None, None,
                 steps=[Step("event", "server", "EAP identity carol-x7 seen", full="EAP identity carol-x7 seen")])
    ctx = Context("ctx-1", "s.log", 9, "server", [ContextLine(9, "received EAP identity 'carol-x7'", True)])
    out = redact_extras(Extras(ladders=[lad], contexts=[ctx]), Redactor.from_passphrase("k"))
    assert "carol-x7" not in out.ladders[0].steps[0].title and "carol-x7" not in out.contexts[0].lines[0].text
    assert (out.ladders[0].anchor, out.contexts[0].anchor) == ("ladder-1", "ctx-1")


@pytest.mark.parametrize("cmd", ["diagnose", "timeline", "batch"])
def test_cli_redact_reaches_every_html_page(tmp_path, cmd):
    out = tmp_path / "page.html"
    args = [sys.executable, "-m", "diagnose", cmd, str(sample("lab-no-certreq")), "--format", "html", "-o", str(out)]
    plain = subprocess.run(args, capture_output=True, timeout=180)
    assert plain.returncode in (0, 1), plain.stderr
    assert "vpn.example.com" in out.read_text()
    redacted = subprocess.run(args + ["--redact"], capture_output=True, timeout=180)
    assert redacted.returncode in (0, 1), redacted.stderr
    html = out.read_text()
    assert "vpn.example.com" not in html and "ikedoctor" in html
