"""The website: it builds without a warning, and every page works in a real browser.

The site is built once per test run (into a temporary folder) with
``jupyter-book build --warningiserror``. Then headless Chromium (Debian's
``chromium``, installed by ``.ci/setup``) opens the home page and every lesson
from a local web server and checks what a reader would notice: the page
loads, its figures are there, MathJax has typeset its math (MathJax is
served with the site, not from a CDN), animations play, and no Python
traceback is shown. One full-page screenshot per page is kept in
``tests/artifacts/``.
"""

import functools
import http.server
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pages():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [toc["root"]] + [
        c["file"] for part in toc.get("parts", []) for c in part["chapters"]
    ]


@pytest.fixture(scope="session")
def built_site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    result = subprocess.run(
        [
            str(jupyter_book),
            "build",
            str(ROOT),
            "--path-output",
            str(out),
            "--warningiserror",
            "--keep-going",
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    log = result.stdout + result.stderr
    return out / "_build" / "html", result.returncode, log


def test_site_builds_without_warnings(built_site):
    html, returncode, log = built_site
    warnings = [line for line in log.splitlines() if re.search(r"WARNING|ERROR", line)]
    assert returncode == 0 and not warnings, "\n".join(warnings) or log[-3000:]
    for entry in pages():
        assert (html / (entry + ".html")).exists(), f"{entry}.html was not built"
    assert (html / "_static" / "mathjax" / "tex-chtml.js").exists(), (
        "MathJax is served with the site"
    )


@pytest.fixture(scope="session")
def server(built_site):
    html, returncode, _ = built_site
    if returncode != 0:
        pytest.fail("the site did not build; see test_site_builds_without_warnings")
    handler = functools.partial(QuietHandler, directory=str(html))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(
            "Chromium is missing: run `bash .ci/setup` (it installs Debian's chromium)"
        )
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield b
        b.close()


@pytest.mark.parametrize("entry", pages())
def test_page_renders_in_chromium(entry, server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    local_failures, console_errors = [], []

    def on_response(response):
        if response.url.startswith(server) and response.status >= 400:
            local_failures.append(f"{response.status} {response.url}")

    page.on("response", on_response)
    page.on(
        "console",
        lambda msg: console_errors.append(msg.text) if msg.type == "error" else None,
    )
    page.goto(f"{server}/{entry}.html", wait_until="load")
    page.wait_for_function(
        "() => window.MathJax && MathJax.startup && MathJax.startup.promise",
        timeout=30000,
    )
    page.evaluate("() => MathJax.startup.promise")

    title = page.title()
    assert title and "404" not in title
    text = page.inner_text("main")
    assert "Traceback (most recent call last)" not in text
    assert not re.search(r"\b(NameError|ModuleNotFoundError|ImportError):", text)
    assert page.locator("mjx-container").count() > 0, (
        "MathJax typeset no math on this page"
    )
    assert page.locator("mjx-merror").count() == 0, "MathJax reported a TeX error"
    assert not local_failures, f"missing files: {local_failures}"

    images = page.eval_on_selector_all(
        "main img",
        "els => els.map(e => ({src: e.src.slice(0, 60),"
        " ok: e.complete && e.naturalWidth > 0}))",
    )
    broken = [i["src"] for i in images if not i["ok"]]
    assert not broken, f"broken images: {broken}"
    if re.match(r"book/\d+_", entry):  # lessons, not the home page or appendix
        figures = page.locator("main .cell_output img").count()
        assert figures >= 3, f"a lesson shows its figures; found {figures}"
    players = page.locator("main img[id^='_anim_img']")
    for i in range(players.count()):
        assert players.nth(i).evaluate("e => e.complete && e.naturalWidth > 0"), (
            "an animation shows no frame"
        )

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(
        path=str(ARTIFACTS / (entry.replace("/", "__") + ".png")), full_page=True
    )
    page.close()
    # Known, harmless messages: the theme's first-visit theme-mode notice, and
    # the browser's own favicon request (a missing *page* file is caught above).
    benign = ("invalid theme mode", "Failed to load resource")
    serious = [e for e in console_errors if not any(b in e for b in benign)]
    assert not serious, f"JavaScript errors on the page: {serious}"
