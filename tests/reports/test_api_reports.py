"""``GET /api/v1/reports/...`` on a real uvicorn server, on SQLite and PostgreSQL: the files
come with their media types, the XLSX's numbers equal the metrics API's, roles are enforced
(open cases in a brief only for users who may read cases), bad input is a JSON 4xx."""

from __future__ import annotations

import io
import threading
import time

import httpx
import pytest

QUARTER, K = "2026Q2", 10


@pytest.fixture
def server(db_url):
    """A server over a store holding the starter snapshot and 800 synthetic cases, with a
    token for each of viewer, analyst, case_officer and oversight."""
    import socket

    import uvicorn

    from burdenshare.api.app import create_app
    from burdenshare.cases.synthetic import generate_frames
    from burdenshare.services import users
    from burdenshare.settings import Settings
    from burdenshare.starter import ensure_starter
    from burdenshare.store import cases as case_store
    from burdenshare.store.catalog import load_catalog
    from burdenshare.store.db import dispose_all, get_engine

    engine = get_engine(db_url)
    ensure_starter(engine)
    cases, items = generate_frames(800, 5, catalog=load_catalog(engine))
    case_store.insert_frames(engine, cases, items, actor="test", meta={"seed": 5})
    tokens = {
        role: users.add_user(engine, f"{role}-u", role, actor="local:test")
        for role in ("viewer", "analyst", "case_officer", "oversight")
    }
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(Settings(db=db_url, secret_key="test-secret-key-0123456789"))
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)

    def client(role: str) -> httpx.Client:
        return httpx.Client(
            base_url=f"http://127.0.0.1:{port}",
            headers={"Authorization": f"Bearer {tokens[role]}"},
            timeout=300,
        )

    yield client
    srv.should_exit = True
    thread.join(timeout=30)
    dispose_all()


def test_report_routes(server):
    from openpyxl import load_workbook

    with server("oversight") as c:
        metrics = c.get(f"/api/v1/metrics/quarterly/{QUARTER}", params={"k": K}).json()
        r = c.get(f"/api/v1/reports/quarterly/{QUARTER}", params={"k": K, "format": "xlsx"})
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
        assert "attachment" in r.headers["content-disposition"]
        ws = load_workbook(io.BytesIO(r.content))[QUARTER]
        header = [cell.value for cell in ws[1]]
        got = {}
        for row in ws.iter_rows(min_row=2, values_only=True):
            rec = dict(zip(header, row, strict=True))
            got[(rec["metric"], rec["group"], rec["statistic"])] = rec
        assert len(got) == len(metrics["rows"])
        for m in metrics["rows"]:
            g = got[(m["metric"], m["group"], m["statistic"])]
            assert g["n"] == m["n"]
            assert g["value"] == (None if m["value"] is None else pytest.approx(m["value"]))
        r = c.get(f"/api/v1/reports/quarterly/{QUARTER}", params={"k": K})
        assert r.headers["content-type"] == "application/pdf" and r.content[:5] == b"%PDF-"
        r = c.get(f"/api/v1/reports/quarterly/{QUARTER}", params={"k": K, "format": "html"})
        assert r.headers["content-type"].startswith("text/html")
        assert "img-src data:" in r.headers["content-security-policy"]
        assert "script-src" not in r.headers["content-security-policy"]
        bad = c.get("/api/v1/reports/quarterly/2026Q5")
        err = bad.json()["error"]
        assert bad.status_code == 422 and err["field"] == "quarter" and err["in"] == "path"
    with server("viewer") as c:
        assert c.get(f"/api/v1/reports/quarterly/{QUARTER}").status_code == 403
        bad = c.get(
            "/api/v1/reports/release", params={"from_vintage": "1999", "to_vintage": "2024-06-17"}
        )
        assert bad.status_code == 422 and "unknown vintage" in bad.json()["error"]["message"]
        nofile = c.get("/api/v1/reports/brief/ESP", params={"policy": "/etc/passwd"})
        assert nofile.status_code == 422 and nofile.json()["error"]["field"] == "policy"
    params = {"format": "html", "robustness": 0}
    with server("analyst") as c:
        html = c.get("/api/v1/reports/brief/Spain", params=params).text
        assert "Country brief: Spain (ESP)" in html and "Open cases" not in html
    with server("case_officer") as c:
        html = c.get("/api/v1/reports/brief/ESP", params=params).text
        assert "Open cases" in html and "queued cases are Spain" in html
