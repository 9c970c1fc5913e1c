"""The role matrix over every route the OpenAPI document lists: no token -> 401, a role
without the route's permission -> 403, a role with it -> neither. Routes come from the
server's own /openapi.json, so a new route cannot escape the matrix; each must declare its
permission (``x-permission``)."""

from __future__ import annotations

import re

import pytest

from burdenshare.services.users import PERMISSIONS, ROLE_PERMISSIONS, ROLES

KNOWN = {*PERMISSIONS, "public", "authenticated"}
#: A body for every POST: an unknown field, so an allowed request stops at validation (422)
#: and writes nothing.
PROBE_BODY = {"zz_probe": 0}


def _operations(spec: dict) -> list[tuple[str, str, str]]:
    out = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                out.append((method.upper(), path, op.get("x-permission")))
    return sorted(out)


def _fill(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "zz-none", path)


def test_every_route_declares_a_known_permission(api):
    with api.client() as c:
        spec = c.get("/openapi.json").json()
    ops = _operations(spec)
    assert len(ops) >= 35
    missing = [(m, p) for m, p, perm in ops if perm not in KNOWN]
    assert missing == []
    # everything but sign-in, sign-out, me and the health probe needs credentials
    public = {(m, p) for m, p, perm in ops if perm == "public"}
    assert public == {
        ("POST", "/api/v1/auth/login"),
        ("POST", "/api/v1/auth/logout"),
        ("GET", "/api/v1/auth/me"),
        ("GET", "/healthz"),
    }


def test_role_matrix(api):
    with api.client() as anon:
        spec = anon.get("/openapi.json").json()
    clients = {role: api.client(role) for role in ROLES}
    clients[None] = api.client()
    failures = []
    checked = 0
    try:
        for method, path, perm in _operations(spec):
            if perm == "public":
                continue
            for role, client in clients.items():
                kw = {"json": PROBE_BODY} if method == "POST" else {}
                r = client.request(method, _fill(path), **kw)
                checked += 1
                if role is None:
                    want = "401"
                    ok = r.status_code == 401
                elif perm == "authenticated" or perm in ROLE_PERMISSIONS[role]:
                    want = "allowed"
                    ok = r.status_code not in (401, 403) and r.status_code < 500
                else:
                    want = "403"
                    ok = r.status_code == 403
                if ok:
                    assert r.headers["content-type"].split(";")[0] in (
                        "application/json",
                        "text/csv",
                    )
                else:
                    failures.append((method, path, role, want, r.status_code, r.text[:120]))
    finally:
        for c in clients.values():
            c.close()
    assert checked >= 35 * 6
    assert failures == []


@pytest.mark.parametrize(
    ("role", "path", "status"),
    [
        ("viewer", "/api/v1/partners?limit=1", 200),
        ("viewer", "/api/v1/cases", 403),
        ("analyst", "/api/v1/compare?a=eo14383&b=equal-weights", 200),
        ("analyst", "/api/v1/audit", 403),
        ("case_officer", "/api/v1/cases", 200),
        ("case_officer", "/api/v1/metrics/quarterly/2026Q1", 403),
        ("oversight", "/api/v1/audit/verify", 200),
        ("oversight", "/api/v1/metrics/quarterly/2026Q1", 200),
        ("oversight", "/api/v1/users", 403),
        ("admin", "/api/v1/users", 200),
    ],
)
def test_roles_as_the_issue_lists_them(api, role, path, status):
    with api.client(role) as c:
        assert c.get(path).status_code == status


def test_oversight_cannot_write_cases(api):
    with api.client("oversight") as c:
        r = c.post("/api/v1/cases/X/transitions", json={"stage": "complete"})
    assert r.status_code == 403 and "cases_write" in r.json()["error"]["message"]


def test_public_read_opens_only_read_routes(api):
    with api.client() as anon:
        assert anon.get("/api/v1/partners?limit=1").status_code == 401
        api.settings.public_read = True
        try:
            assert anon.get("/api/v1/partners?limit=1").status_code == 200
            assert anon.get("/api/v1/monitor/status").status_code == 200
            assert anon.get("/api/v1/cases").status_code == 401
            assert anon.post("/api/v1/whatif", json={}).status_code == 401
        finally:
            api.settings.public_read = False
