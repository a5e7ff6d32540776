"""The HTML report in a real browser: Debian's headless Chromium driven by Playwright.

Nothing downloads a browser: Playwright launches the system ``chromium`` (``executable_path``);
scripts/test-all installs it (apt) and Playwright (the ``test`` extra).  Every request a page
makes is routed and recorded, and the test fails on any: the page must be self-contained.
Screenshots go to a tmp dir (``IKEDOCTOR_ARTEFACTS`` overrides it, for CI to upload);
``IKEDOCTOR_UPDATE_DOCS=1`` also refreshes the README's screenshot in docs/.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from report.html_cases import hostile_logs, page, sample

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None

_MISSING = ("Playwright for Python is not installed (pip install -e '.[test]')" if sync_playwright is None else
            "no system Chromium (apt-get install chromium); Playwright must not download one" if not CHROMIUM else "")
pytestmark = [pytest.mark.browser, pytest.mark.skipif(bool(_MISSING), reason=_MISSING or "ok")]
DOCS_SHOT = Path(__file__).resolve().parents[2] / "docs" / "images" / "html-report.png"


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def artefacts(tmp_path_factory) -> Path:
    where = os.environ.get("IKEDOCTOR_ARTEFACTS")
    d = Path(where) if where else tmp_path_factory.mktemp("screenshots")
    d.mkdir(parents=True, exist_ok=True)
    return d


class Opened:
    """A page loaded from a file, with every network request and dialog recorded."""

    def __init__(self, browser, html: str, path: Path, clipboard: bool = False) -> None:
        path.write_text(html, encoding="utf-8")
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.ctx = browser.new_context(viewport={"width": 1100, "height": 900})
        if clipboard:
            self.ctx.grant_permissions(["clipboard-read", "clipboard-write"])
        self.ctx.route(re.compile(r"^(?!file:).*"), self._refuse)
        self.page = self.ctx.new_page()
        self.page.on("request", lambda r: None if r.url == path.as_uri() else self.requests.append(r.url))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.goto(path.as_uri())
        self.page.wait_for_load_state("load")

    def _refuse(self, route) -> None:
        self.requests.append(route.request.url)
        route.abort()

    def shot(self, where: Path, name: str) -> Path:
        out = where / f"{name}.png"
        self.page.screenshot(path=str(out), full_page=True)
        return out

    def close(self) -> None:
        assert self.requests == [], f"the page fetched {self.requests}"
        self.ctx.close()


LADDERS = {
    # sample (or one log of it) -> the arrows in order, and the message the failure marker sits on
    "lab-no-certreq": (["IKE_SA_INIT request 0", "IKE_SA_INIT response 0", "IKE_SA_INIT request 0",
                        "IKE_SA_INIT response 0", "IKE_AUTH request 1", "IKE_AUTH response 1",
                        "INFORMATIONAL request 2", "INFORMATIONAL response 2"], "IKE_AUTH response 1"),
    "lab-ike-auth-lost": (["IKE_SA_INIT request 0", "IKE_SA_INIT response 0", "IKE_SA_INIT request 0",
                           "IKE_SA_INIT response 0", "IKE_AUTH request 1"], "IKE_AUTH request 1"),
    "lab-responses-lost": (["IKE_SA_INIT request 0", "IKE_SA_INIT response 0"], "IKE_SA_INIT response 0"),
    "lab-peer-unreachable/client-charon.log": (["IKE_SA_INIT request 0"], "IKE_SA_INIT request 0"),
}


@pytest.mark.parametrize("name", sorted(LADDERS))
def test_ladder_arrows_in_order_and_failure_marker(browser, artefacts, tmp_path, name):
    arrows, failing = LADDERS[name]
    o = Opened(browser, page([sample(name)]), tmp_path / "report.html")
    try:
        svg = o.page.locator("svg.ladder").first
        assert svg.is_visible()
        msgs = svg.locator("g.step.message")
        titles = msgs.evaluate_all("els => els.map(e => e.dataset.title)")
        assert titles == arrows
        ys = [b["y"] for b in (msgs.nth(i).locator("line.arrow").bounding_box() for i in range(msgs.count()))]
        assert ys == sorted(ys) and len(set(ys)) == len(ys)  # drawn top to bottom in that order
        marker = svg.locator(".failure-marker")
        assert marker.count() == 1 and marker.is_visible()
        step = svg.locator("g.step", has=o.page.locator(".failure-marker"))
        assert step.get_attribute("data-title") == failing and "message" in step.get_attribute("class")
        mb, ab = marker.bounding_box(), step.locator("line.arrow").bounding_box()
        assert abs((mb["y"] + mb["height"] / 2) - (ab["y"] + ab["height"] / 2)) < 3  # on the arrow itself
        # its line references lead to the evidence in context
        ref = step.locator("a").first
        if ref.count():
            ref.click()
            assert o.page.locator(".ctx:target").count() == 1
        o.shot(artefacts, "ladder-" + name.replace("/", "-"))
        if name == "lab-no-certreq":
            shot = svg.screenshot(path=str(artefacts / "ladder-only.png"))
            assert shot
            if os.environ.get("IKEDOCTOR_UPDATE_DOCS") == "1":
                DOCS_SHOT.parent.mkdir(parents=True, exist_ok=True)
                o.page.locator("section.ladder-section").first.screenshot(path=str(DOCS_SHOT))
    finally:
        o.close()


def test_copy_button_copies_the_snippet_text(browser, artefacts, tmp_path):
    o = Opened(browser, page([sample("lab-no-certreq")]), tmp_path / "report.html", clipboard=True)
    try:
        button = o.page.locator("button.copy").first
        code = o.page.locator("#" + button.get_attribute("data-copy"))
        expected = code.text_content()
        assert "send_cert = always" in expected
        o.page.evaluate("navigator.clipboard.writeText('stale')")
        button.click()
        o.page.wait_for_function("document.querySelector('button.copy').dataset.copied === 'yes'")
        assert o.page.evaluate("navigator.clipboard.readText()") == expected
        o.page.emulate_media(media="print")
        assert not button.is_visible()  # print CSS: no buttons on paper
        o.shot(artefacts, "report-print")
    finally:
        o.close()


@pytest.mark.parametrize("csp", [True, False], ids=["as-shipped", "without-csp"])
def test_hostile_log_runs_no_script(browser, artefacts, tmp_path, csp):
    html = page(hostile_logs(tmp_path))
    if not csp:  # escaping alone must hold: the CSP is a second fence, not the first
        html = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
        assert "Content-Security-Policy" not in html
    o = Opened(browser, html, tmp_path / "hostile.html", clipboard=True)
    try:
        for a in o.page.locator("a").all():
            href = a.get_attribute("href") or ""
            assert href.startswith("#") or href.startswith("https://"), href
        o.page.locator("svg.ladder").first.hover()
        o.page.locator(".ctx").first.hover()
        assert o.page.evaluate("typeof window.__pwned") == "undefined"
        assert o.dialogs == []
        assert o.page.locator("script").count() == 1
        assert o.page.get_by_text("<script>window.__pwned=1</script>", exact=False).count() > 0
        # the page's own script still works (the hostile text did not break the page)
        o.page.locator("button.copy").first.click()
        o.page.wait_for_function("document.querySelector('button.copy').dataset.copied === 'yes'")
        o.shot(artefacts, f"hostile-{'csp' if csp else 'nocsp'}")
    finally:
        o.close()


def test_batch_page_charts_and_worst_case_links(browser, artefacts, tmp_path):
    import subprocess
    import sys

    out = tmp_path / "batch.html"
    folders = [str(sample(n)) for n in ("lab-no-certreq", "lab-ike-auth-lost", "lab-responses-lost")]
    r = subprocess.run([sys.executable, "-m", "diagnose", "batch", *folders, "-j", "1", "--format", "html",
                        "-o", str(out)], capture_output=True, timeout=300)
    assert r.returncode in (0, 1), r.stderr
    o = Opened(browser, out.read_text(), tmp_path / "b.html")
    try:
        weeks = o.page.locator('svg[data-chart="chart-weeks"] g.bar-row')
        totals = weeks.evaluate_all("els => els.map(e => +e.dataset.total)")
        assert sum(totals) == 3  # one finding per case
        link = o.page.locator("table.worst a").first
        target = link.get_attribute("href")
        link.click()
        assert o.page.evaluate("location.hash") == target
        assert o.page.locator(target).is_visible()
        o.shot(artefacts, "batch")
    finally:
        o.close()


def test_timeline_page_in_browser(browser, artefacts, tmp_path):
    from diagnose.api import Options, diagnose_paths
    from diagnose.report.html import timeline_page
    from diagnose.timeline import build, default_session

    sessions: list = []
    report = diagnose_paths([str(sample("lab-ike-auth-lost"))], Options(), sessions_out=sessions)
    tl = build(sessions, default_session(sessions, report.findings), report.findings)
    o = Opened(browser, timeline_page(tl, sessions), tmp_path / "t.html")
    try:
        titles = o.page.locator("svg.ladder g.step.message").evaluate_all("els => els.map(e => e.dataset.title)")
        assert titles == LADDERS["lab-ike-auth-lost"][0]
        assert o.page.locator("text.lostnote").first.text_content() == "not in the gateway log"
        o.shot(artefacts, "timeline")
    finally:
        o.close()
