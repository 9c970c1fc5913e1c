"""The cached-answer fast path of ``GET /api/v1/partners`` (api/fastpath.py): a repeat gets
the same bytes with the same security headers, and it keeps every check of the full route
(no token, a bad token, a revoked or disabled user's token: 401; CSV still CSV)."""

from __future__ import annotations

import httpx

from burdenshare.api import fastpath
from burdenshare.services import users

URL = "/api/v1/partners?limit=7&sort=-score"


def test_a_repeat_is_the_same_answer_with_the_same_headers(api):
    h = {"Authorization": f"Bearer {api.tokens['viewer']}"}
    first = httpx.get(f"{api.url}{URL}", headers=h)
    assert first.status_code == 200
    assert any(k[2].endswith(URL) for k in fastpath._answers)  # the route remembered it
    second = httpx.get(f"{api.url}{URL}", headers=h)
    assert second.status_code == 200 and second.content == first.content
    assert len(second.json()["data"]) == 7
    for name in ("content-security-policy", "x-content-type-options", "x-frame-options"):
        assert second.headers[name] == first.headers[name]
    assert second.headers["content-type"] == "application/json"
    # the same URL asked for CSV is CSV, not the remembered JSON
    csv = httpx.get(f"{api.url}{URL}", headers={**h, "Accept": "text/csv"})
    assert csv.status_code == 200 and csv.text.startswith("iso3,")


def test_a_remembered_answer_still_needs_a_valid_token(api):
    token = users.add_user(api.engine, "fast-user", "viewer", actor="local:test")
    h = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"{api.url}{URL}", headers=h).status_code == 200
    assert httpx.get(f"{api.url}{URL}", headers=h).status_code == 200  # from the fast path
    assert httpx.get(f"{api.url}{URL}").status_code == 401
    forged = token.split(".")[0] + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    r = httpx.get(f"{api.url}{URL}", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401
    users.set_disabled(api.engine, "fast-user", True, actor="local:test")
    assert httpx.get(f"{api.url}{URL}", headers=h).status_code == 401
    users.set_disabled(api.engine, "fast-user", False, actor="local:test")
    assert httpx.get(f"{api.url}{URL}", headers=h).status_code == 200
    users.revoke(api.engine, "fast-user", actor="local:test")
    assert httpx.get(f"{api.url}{URL}", headers=h).status_code == 401
