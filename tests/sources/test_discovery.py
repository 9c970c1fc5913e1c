"""`data update` finds the newest release on each publisher's landing page (issue 16).

No network: the landing pages are written here, following the publishers' pages (SIPRI's
milex database page linking each release's workbook; NATO's defence-expenditure topic page
with each edition's PDF and its Excel tables beside it), and served by an httpx mock
transport (or a loopback server for the CLI).
"""

from __future__ import annotations

import http.server
import threading
from functools import partial
from pathlib import Path

import httpx
import pytest
from test_nato_editions import build as build_nato

from burdenshare import download
from burdenshare.cli import main
from burdenshare.errors import UserError
from burdenshare.store.db import dispose_all

SIPRI_PAGE = "https://www.sipri.org/databases/milex"
NATO_PAGE = "https://www.nato.int/cps/en/natohq/topics_49198.htm"

SIPRI_HTML = """<html><body><h1>SIPRI Military Expenditure Database</h1>
<p>Data for all countries from 1949-2025 (excel format)
<a href="/sites/default/files/SIPRI-Milex-data-1949-2025_v1.2.xlsx">Download (v1.2)</a></p>
<p>Earlier: <a href="/sites/default/files/SIPRI-Milex-data-1949-2025_v1.1.xlsx">v1.1</a>
<a href="https://www.sipri.org/sites/default/files/SIPRI-Milex-data-1949-2024_2.xlsx">2024</a>
<a href="/sites/default/files/2026-04/fs_2604_milex_2025.pdf">Fact sheet (PDF)</a></p>
</body></html>"""

NATO_HTML = """<html><body><h2>Defence expenditure of NATO countries</h2><ul>
<li>2026: <a href="/nato_static_fl2014/assets/pdf/2026/7/pdf/def-exp-2026-en.pdf">PDF</a>
 <a href="/nato_static_fl2014/assets/pdf/2026/7/pdf/def-exp-2026-en.xlsx">Excel tables</a></li>
<li>2025: <a href="/nato_static_fl2014/assets/pdf/2025/8/pdf/def-exp-2025-en.pdf">PDF</a>
 <a href="/nato_static_fl2014/assets/pdf/2025/8/pdf/def-exp-2025-en.xlsx">Excel</a></li>
<li>2024: <a href="https://www.nato.int/nato_static_fl2014/assets/pdf/2024/6/pdf/240617-def-exp-2024-TABLES-en.xlsx">Excel</a></li>
</ul></body></html>"""


def test_newest_link_orders_by_year_then_version():
    spec = {r["format"]: r for r in download._download_table()["landing"]}
    sipri = download.newest_link(SIPRI_HTML, SIPRI_PAGE, spec["sipri-milex-xlsx"]["link"])
    assert sipri == "https://www.sipri.org/sites/default/files/SIPRI-Milex-data-1949-2025_v1.2.xlsx"
    nato = download.newest_link(NATO_HTML, NATO_PAGE, spec["nato-defexp-xlsx"]["link"])
    assert (
        nato == "https://www.nato.int/nato_static_fl2014/assets/pdf/2026/7/pdf/def-exp-2026-en.xlsx"
    )
    assert (
        download.newest_link("<a href='x.pdf'>", NATO_PAGE, spec["nato-defexp-xlsx"]["link"])
        is None
    )


def _client(pages: dict[str, tuple[int, bytes]], seen: list[str] | None = None) -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        if seen is not None:
            seen.append(url)
        status, body = pages.get(url, (404, b"not found"))
        return httpx.Response(status, content=body)

    return httpx.Client(transport=httpx.MockTransport(handler))


def test_dry_run_reads_the_pages_and_downloads_nothing():
    seen: list[str] = []
    client = _client(
        {SIPRI_PAGE: (200, SIPRI_HTML.encode()), NATO_PAGE: (200, NATO_HTML.encode())}, seen
    )
    plans = download.dry_run(only=["sipri-milex-xlsx", "nato-defexp-xlsx"], client=client)
    assert [(p.format, p.url.rsplit("/", 1)[1]) for p in plans] == [
        ("sipri-milex-xlsx", "SIPRI-Milex-data-1949-2025_v1.2.xlsx"),
        ("nato-defexp-xlsx", "def-exp-2026-en.xlsx"),
    ]
    assert all(p.how.startswith("discovered on https://") for p in plans)
    assert seen == [SIPRI_PAGE, NATO_PAGE]


def test_a_changed_page_falls_back_to_the_fixed_address_with_a_message():
    notes: list[str] = []
    client = _client({NATO_PAGE: (200, b"<html>redesigned, no links</html>")})
    (plan,) = download.dry_run(only=["nato-defexp-xlsx"], client=client, warn=notes.append)
    assert plan.url.endswith("240617-def-exp-2024-TABLES-en.xlsx")
    assert plan.how.startswith("fixed address")
    assert len(notes) == 1 and NATO_PAGE in notes[0] and "falling back" in notes[0]


def test_an_unreachable_page_is_one_line_naming_the_address():
    def handler(request):
        raise httpx.ConnectError("no route to host", request=request)

    client = httpx.Client(transport=httpx.MockTransport(handler))
    with pytest.raises(UserError, match=r"^cannot reach https://www\.sipri\.org/databases/milex"):
        download.dry_run(only=["sipri-milex-xlsx"], client=client)


def test_download_fetches_the_discovered_edition(tmp_path):
    book = build_nato(tmp_path / "src.xlsx", 2026).read_bytes()
    xlsx = "https://www.nato.int/nato_static_fl2014/assets/pdf/2026/7/pdf/def-exp-2026-en.xlsx"
    client = _client({NATO_PAGE: (200, NATO_HTML.encode()), xlsx: (200, book)})
    ((plan, paths),) = download.download_official(
        only=["nato-defexp-xlsx"], dest=tmp_path / "dl", client=client
    )
    assert plan.url == xlsx and [p.name for p in paths] == ["def-exp-2026-en.xlsx"]
    assert paths[0].read_bytes() == book


def _serve(root: Path):
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_cli_update_discovers_imports_and_records_the_address(
    sqlite_url, tmp_path, monkeypatch, capsys
):
    """The CLI end to end on loopback: the 2026 NATO edition is found, fetched and imported
    as a new vintage with milex_core_* facts; the stored import names the real address."""
    www = tmp_path / "www"
    page = www / "cps/en/natohq/topics_49198.htm"
    page.parent.mkdir(parents=True)
    page.write_text(NATO_HTML)
    target = www / "nato_static_fl2014/assets/pdf/2026/7/pdf/def-exp-2026-en.xlsx"
    target.parent.mkdir(parents=True)
    build_nato(target, 2026)
    server = _serve(www)
    try:
        monkeypatch.setenv("BURDENSHARE_MIRROR", f"http://127.0.0.1:{server.server_port}")
        args = ["data", "update", "--only", "nato-defexp-xlsx", "--db", sqlite_url]
        assert main([*args, "--dry-run"]) == 0
        out = capsys.readouterr().out
        assert "would fetch nato-defexp-xlsx: https://www.nato.int/" in out and "2026" in out
        assert main([*args, "--dest", str(tmp_path / "dl")]) == 0, capsys.readouterr().err
    finally:
        server.shutdown()
    capsys.readouterr()
    assert main(["data", "status", "--db", sqlite_url, "--format", "json"]) == 0
    import json

    (imp,) = json.loads(capsys.readouterr().out)["imports"]
    assert imp["vintage"] == "2026-07-02" and imp["file_name"] == "def-exp-2026-en.xlsx"
    assert imp["publisher_url"].endswith("/2026/7/pdf/def-exp-2026-en.xlsx")
    from burdenshare.store.db import get_engine
    from burdenshare.store.facts import load_facts

    facts = load_facts(get_engine(sqlite_url), indicators=["milex_core_gdp_pct"])
    assert len(facts) > 0
    dispose_all()


def test_cli_update_offline_names_the_page(sqlite_url, monkeypatch, capsys):
    monkeypatch.setenv("BURDENSHARE_MIRROR", "http://127.0.0.1:9")
    code = main(
        ["data", "update", "--only", "sipri-milex-xlsx", "--db", sqlite_url, "--timeout", "2"]
    )
    err = capsys.readouterr().err
    assert code == 2 and "cannot reach https://www.sipri.org/databases/milex" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    dispose_all()
