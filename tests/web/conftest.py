"""Browser tests of the dashboard: a real store, a real uvicorn server on loopback, Debian's
Chromium driven by Playwright.

The store (SQLite) gets the bundled starter snapshot, the 2025 NATO figures as reported and
40 synthetic cases; users of each role sign in with a password. Every page a test opens is
watched: a request to any host but the server, a console error or an uncaught exception fails
the test. Screenshots go to /tmp/web-shots (not committed).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

import pytest

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(os.environ.get("BURDENSHARE_WEB_SHOTS", "/tmp/web-shots"))
HERE = Path(__file__).parent
PASSWORD = "correct-horse-battery"
USERS = {
    "vera": "viewer",
    "anna": "analyst",
    "carl": "case_officer",
    "olga": "oversight",
}


@pytest.fixture(scope="session")
def password() -> str:
    """The password of every test user."""
    return PASSWORD


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def web_db(tmp_path_factory) -> str:
    """A SQLite store with the starter data, reported NATO figures, synthetic cases, a
    third-party transfer check, and one user per role."""
    from burdenshare.monitor.reported import import_reported
    from burdenshare.services.cases import generate_synthetic, transfer_check, transfer_request
    from burdenshare.services.users import add_user
    from burdenshare.starter import ensure_starter
    from burdenshare.store.db import get_engine

    url = f"sqlite:///{tmp_path_factory.mktemp('web') / 'web.db'}"
    engine = get_engine(url)
    ensure_starter(engine)
    import_reported(engine)
    generate_synthetic(
        engine, n=40, seed=7, start="2022-01-01", end="2026-06-30", actor="test:fixture"
    )
    # a third-party transfer check, audited under its source case
    req = transfer_request(
        case="SYN-000002",
        from_="JOR",
        to="EGY",
        items="1:10",
        mde_value=1_000_000,
        total_value=2_000_000,
        date="2026-01-15",
    )
    transfer_check(engine, req, actor="test:fixture")
    for name, role in USERS.items():
        add_user(engine, name, role, actor="test:fixture", password=PASSWORD)
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def server(web_db):
    """The app (API and dashboard) served by uvicorn on a free loopback port."""
    port = _free_port()
    env = {
        **os.environ,
        "BURDENSHARE_DB": web_db,
        "BURDENSHARE_SECRET_KEY": "web-tests-secret-key-0123456789",
        "BURDENSHARE_PUBLIC_READ": "true",
        "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
    }
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "serve.py"), str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urlopen(base + "/static/dashboard.css", timeout=2):
                break
        except (URLError, ConnectionError, OSError):
            if proc.poll() is not None or time.monotonic() > deadline:
                out = proc.stdout.read().decode() if proc.stdout else ""
                proc.kill()
                raise RuntimeError(f"server did not start:\n{out}") from None
            time.sleep(0.2)
    # warm the caches the pages share (panel, ranking, robustness run) once
    for path in ("/", "/data/intervals.json", "/partners/ESP"):
        urlopen(base + path, timeout=120).read()
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: apt-get install chromium"
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


class Watched:
    """A Playwright page whose foreign requests and console errors are recorded."""

    def __init__(self, page, base: str) -> None:
        self.page = page
        self.base = base
        self.foreign: list[str] = []
        self.errors: list[str] = []
        #: a test that expects 401/403/404 answers sets this (the browser logs them as errors)
        self.allow_http_errors = False
        page.on("request", self._request)
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _console(self, msg) -> None:
        if msg.type != "error":
            return
        if self.allow_http_errors and msg.text.startswith("Failed to load resource: the server"):
            return
        self.errors.append(msg.text)

    def _request(self, req) -> None:
        url = req.url
        if url.startswith((self.base + "/", "data:", "blob:", "about:")):
            return
        self.foreign.append(url)

    def goto(self, path: str):
        resp = self.page.goto(self.base + path)
        self.page.wait_for_load_state("networkidle")
        return resp

    def charts_ready(self, count: int | None = None, timeout: int = 15000) -> None:
        """Wait until every visible chart on the page (or ``count`` of them) has drawn."""
        self.page.wait_for_function(
            """n => {
                 const all = Array.from(document.querySelectorAll('[data-chart]'))
                   .filter(e => e.offsetParent !== null);
                 const done = all.filter(e => e.hasAttribute('data-rendered')).length;
                 return done >= (n === null ? all.length : n);
               }""",
            arg=count,
            timeout=timeout,
        )

    def shot(self, name: str) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def sign_in(self, name: str, password: str = PASSWORD) -> None:
        """Sign in with the form (landing back on the light sign-in page, not the map)."""
        self.goto("/signin?next=/signin")
        self.page.fill("#name", name)
        self.page.fill("#password", password)
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state("networkidle")


@pytest.fixture
def web(browser, server):
    """A fresh browser context (no cookies) at 1280 px; fails on foreign requests/errors."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    w = Watched(context.new_page(), server)
    yield w
    context.close()
    assert not w.foreign, f"requests to hosts other than the server: {w.foreign}"
    assert not w.errors, f"console errors: {w.errors}"
