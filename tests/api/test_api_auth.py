"""Credentials and the browser session: tokens (revoked, disabled, malformed), the signed
session cookie with CSRF, sign-in rate limiting, security headers, local docs assets."""

from __future__ import annotations

import httpx

from burdenshare.services import users


def test_bad_tokens_are_401(api):
    for header in ("Bearer nope", "Bearer bst_abcdefgh.not-the-secret-at-all-xx", "Basic x"):
        r = httpx.get(f"{api.url}/api/v1/partners", headers={"Authorization": header})
        assert r.status_code == 401
        assert "WWW-Authenticate" in r.headers and r.json()["error"]["status"] == 401
    # the right id with a wrong secret
    good = api.tokens["viewer"]
    forged = good.split(".")[0] + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    r = httpx.get(f"{api.url}/api/v1/partners", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401


def test_revoke_and_disable_take_effect_on_the_next_request(api):
    token = users.add_user(api.engine, "temp-user", "viewer", actor="local:test")
    h = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"{api.url}/api/v1/policies", headers=h).status_code == 200
    users.set_disabled(api.engine, "temp-user", True, actor="local:test")
    assert httpx.get(f"{api.url}/api/v1/policies", headers=h).status_code == 401
    users.set_disabled(api.engine, "temp-user", False, actor="local:test")
    assert httpx.get(f"{api.url}/api/v1/policies", headers=h).status_code == 200
    users.revoke(api.engine, "temp-user", actor="local:test")
    assert httpx.get(f"{api.url}/api/v1/policies", headers=h).status_code == 401


def test_tokens_and_passwords_are_stored_hashed(api):
    import sqlalchemy as sa

    with api.engine.connect() as conn:
        hashes = conn.execute(sa.text("SELECT secret_hash FROM api_tokens")).scalars().all()
        pw = conn.execute(sa.text("SELECT password_hash FROM users")).scalars().all()
    secrets_ = [t.split(".", 1)[1] for t in api.tokens.values()]
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert all(p is None or p.startswith("$argon2id$") for p in pw)
    assert not any(s in h for s in secrets_ for h in hashes)


def test_session_cookie_with_csrf(api):
    with httpx.Client(base_url=api.url) as c:
        r = c.post(
            "/api/v1/auth/login", json={"name": "analyst-user", "password": "analyst-password-123"}
        )
        assert r.status_code == 200
        csrf = r.json()["csrf_token"]
        cookie = r.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        assert c.get("/api/v1/auth/me").json()["name"] == "analyst-user"
        assert c.get("/api/v1/partners?limit=1").status_code == 200
        body = {"country": "ESP", "changes": {"milex_gdp_pct": 2.5}}
        r = c.post("/api/v1/whatif", json=body)
        assert r.status_code == 403 and "CSRF" in r.json()["error"]["message"]
        r = c.post("/api/v1/whatif", json=body, headers={"X-CSRF-Token": "wrong"})
        assert r.status_code == 403
        r = c.post("/api/v1/whatif", json=body, headers={"X-CSRF-Token": csrf})
        assert r.status_code == 200 and r.json()["after"]["score"] > r.json()["before"]["score"]
        c.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
        assert c.get("/api/v1/partners?limit=1").status_code == 401
    # a tampered cookie is no session
    r = httpx.get(f"{api.url}/api/v1/partners", cookies={"bs_session": "eyJ1aWQiOjF9.x.y"})
    assert r.status_code == 401


def test_login_rate_limit(api):
    with httpx.Client(base_url=api.url) as c:
        codes = [
            c.post(
                "/api/v1/auth/login", json={"name": "viewer-user", "password": "wrong-password"}
            ).status_code
            for _ in range(api.settings.login_attempts_per_minute + 2)
        ]
    assert codes[0] == 401 and codes[-1] == 429
    assert set(codes) == {401, 429}


def test_security_headers_and_local_docs(api):
    r = httpx.get(f"{api.url}/docs")
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    html = r.text
    assert "<script>" not in html and "http" not in html  # no inline script, no CDN
    for asset in (
        "/static/api/swagger-ui/swagger-ui-bundle.js",
        "/static/api/swagger-ui/swagger-ui.css",
        "/static/api/docs.js",
    ):
        assert asset in html
        assert httpx.get(f"{api.url}{asset}").status_code == 200
    assert httpx.get(f"{api.url}/healthz").json()["database"] is True


def test_body_limit_is_413(api):
    big = "x" * (api.settings.max_body + 10)
    with api.client("case_officer") as c:
        r = c.post("/api/v1/cases/import", content=big, headers={"Content-Type": "text/csv"})
    assert r.status_code == 413 and r.json()["error"]["status"] == 413
