"""The dashboard's routes over plain HTTP (no browser): access without public reads, bad
input answered with a page that names it, sign-in CSRF and redirects, the page CSP."""

from __future__ import annotations

import re

import httpx
import pytest


def signed_in(server: str, name: str, password: str) -> httpx.Client:
    """An HTTP client signed in through the dashboard's form (double-submit CSRF)."""
    c = httpx.Client(base_url=server, timeout=60)
    page = c.get("/signin")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    resp = c.post(
        "/signin", data={"name": name, "password": password, "csrf": token, "next": "/monitor"}
    )
    assert resp.status_code == 303 and resp.headers["location"] == "/monitor"
    return c


def test_pages_need_a_user_when_reads_are_not_public(web_db):
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from burdenshare.api.app import create_app
    from burdenshare.settings import Settings

    app = create_app(Settings(db=web_db, public_read=False))

    async def run() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            for path in ("/", "/partners/ESP", "/monitor", "/data/ranking.json"):
                resp = await client.get(path)
                assert resp.status_code == 303, path
                assert resp.headers["location"].startswith("/signin?next=")
            assert (await client.get("/signin")).status_code == 200

    # in a thread of its own: Playwright's sync API keeps an event loop in the main thread
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result()


def test_unknown_partner_is_a_404_page(server):
    resp = httpx.get(server + "/partners/XXZ")
    assert resp.status_code == 404
    assert "No scored partner" in resp.text and "XXZ" in resp.text
    assert "Traceback" not in resp.text


def test_whatif_out_of_range_names_the_field(server, password):
    c = signed_in(server, "anna", password)
    resp = c.get("/partners/ESP/whatif", params={"milex_gdp_pct": "60"})
    assert resp.status_code == 400
    assert "milex_gdp_pct must be between 0.0 and 6.0" in resp.text
    ok = c.get("/partners/ESP/whatif", params={"milex_gdp_pct": "2.1", "year": "2024"})
    assert ok.status_code == 200 and 'data-tier="1"' in ok.text
    c.close()


def test_viewer_may_not_run_whatif(server, password):
    c = signed_in(server, "vera", password)
    resp = c.get("/partners/ESP/whatif", params={"milex_gdp_pct": "2.1"})
    c.close()
    assert resp.status_code == 403


def test_signin_needs_the_form_token_and_never_redirects_off_site(server, password):
    with httpx.Client(base_url=server) as c:
        resp = c.post("/signin", data={"name": "anna", "password": password, "csrf": "guess"})
        assert resp.status_code == 401 and "form expired" in resp.text
        page = c.get("/signin")
        token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        resp = c.post(
            "/signin",
            data={"name": "anna", "password": password, "csrf": token, "next": "//evil.example"},
        )
        assert resp.status_code == 303 and resp.headers["location"] == "/"


@pytest.mark.parametrize("path", ["/", "/partners/POL", "/monitor", "/signin"])
def test_pages_allow_scripts_from_this_server_only(server, path):
    csp = httpx.get(server + path).headers["content-security-policy"]
    script = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
    assert script.split() == ["script-src", "'self'"]
    assert "default-src 'self'" in csp and "connect-src 'self'" in csp
