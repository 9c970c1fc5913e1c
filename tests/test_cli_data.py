"""`burdenshare data ...` end to end on real files and a real SQLite/PostgreSQL store."""

from __future__ import annotations

import http.server
import json
import shutil
import threading
from functools import partial

import pytest
import sqlalchemy as sa

from burdenshare.cli import main
from burdenshare.store.db import dispose_all

NATO_FILE = "NATO-240617-def-exp-2024-TABLES-en.xlsx"
WDI_POP = "API_SP.POP.TOTL_DS2_en_csv_v2_33112.csv"


@pytest.fixture(autouse=True)
def _fresh_engines():
    yield
    dispose_all()


def _json(capsys):
    return json.loads(capsys.readouterr().out)


def _fact_count(url: str) -> int:
    eng = sa.create_engine(url)
    with eng.connect() as c:
        n = c.execute(sa.text("select count(*) from facts")).scalar_one()
    eng.dispose()
    return n


def test_import_status_and_reimport(db_url, shared_data, capsys):
    assert (
        main(
            [
                "data",
                "import",
                str(shared_data / NATO_FILE),
                str(shared_data / WDI_POP),
                "--db",
                db_url,
                "--format",
                "json",
            ]
        )
        == 0
    )
    first = _json(capsys)
    assert [s["source"] for s in first] == ["nato_defexp", "worldbank_wdi"]
    assert all(s["rows"] > 1000 and not s["skipped"] for s in first)
    assert first[0]["flag_counts"]["estimate"] > 0  # 2023e / 2024e columns
    n = _fact_count(db_url)
    assert (
        main(["data", "import", str(shared_data / NATO_FILE), "--db", db_url, "--format", "json"])
        == 0
    )
    assert _json(capsys)[0]["skipped"] is True
    assert _fact_count(db_url) == n
    assert main(["data", "status", "--db", db_url, "--format", "json"]) == 0
    status = _json(capsys)
    assert status["total_facts"] == n
    nato = next(i for i in status["imports"] if i["source"] == "nato_defexp")
    # 31 allies report defence expenditure; Iceland (no armed forces) appears in GDP tables
    assert nato["vintage"] == "2024-06-17" and nato["countries"] == 32
    assert nato["years"] == [2014, 2024]


def test_bad_files_exit_2_and_write_nothing(sqlite_url, tmp_path, shared_data, capsys):
    assert main(["data", "import", str(shared_data / WDI_POP), "--db", sqlite_url]) == 0
    before = _fact_count(sqlite_url)
    capsys.readouterr()
    unknown = tmp_path / "notes.txt"
    unknown.write_text("hello\nworld\n")
    truncated = tmp_path / "cut.xlsx"
    truncated.write_bytes((shared_data / NATO_FILE).read_bytes()[:50_000])
    for bad, needle in (
        (unknown, "unknown format"),
        (truncated, "cut.xlsx"),
        (tmp_path / "absent.csv", "file not found"),
    ):
        assert main(["data", "import", str(bad), "--db", sqlite_url]) == 2
        err = capsys.readouterr().err
        assert needle in err and "Traceback" not in err
        assert err.startswith("error: ") and err.count("\n") == 1  # one line, nothing before
    assert _fact_count(sqlite_url) == before


def test_forced_source_must_exist(sqlite_url, shared_data, capsys):
    assert (
        main(["data", "import", str(shared_data / WDI_POP), "--source", "nope", "--db", sqlite_url])
        == 2
    )
    assert "unknown --source 'nope'" in capsys.readouterr().err


def test_sources_lists_every_format_with_url_and_terms(capsys):
    assert main(["data", "sources", "--format", "json"]) == 0
    rows = _json(capsys)
    formats = {r["format"] for r in rows}
    assert {"sipri-milex-xlsx", "nato-defexp-xlsx", "worldbank-wdi-csv"} <= formats
    assert all(r["terms"] and r["publisher"] for r in rows)


def test_unreachable_database_is_one_line(capsys):
    code = main(["data", "status", "--db", "postgresql+psycopg://x:pw@127.0.0.1:1/none"])
    err = capsys.readouterr().err
    assert code == 2 and "cannot open database" in err and "pw" not in err


def test_update_offline_fails_clearly(sqlite_url, monkeypatch, capsys):
    # port 9 (discard) on loopback is closed here: the same failure as having no internet
    monkeypatch.setenv("BURDENSHARE_MIRROR", "http://127.0.0.1:9")
    assert (
        main(
            ["data", "update", "--only", "worldbank-wdi-csv", "--db", sqlite_url, "--timeout", "2"]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "offline" in err and "data import FILE" in err and "Traceback" not in err


def test_update_downloads_and_imports_from_a_mirror(
    sqlite_url, tmp_path, shared_data, monkeypatch, capsys
):
    """A loopback HTTP server plays the publisher: the files land and are imported."""
    from burdenshare.download import official_downloads

    served = tmp_path / "www"
    for _fmt, url in official_downloads(["nato-defexp-xlsx"]):
        target = served / url.split("://", 1)[1].split("/", 1)[1].split("?")[0]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(shared_data / NATO_FILE, target)
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.setenv("BURDENSHARE_MIRROR", f"http://127.0.0.1:{server.server_port}")
        code = main(
            [
                "data",
                "update",
                "--only",
                "nato-defexp-xlsx",
                "--db",
                sqlite_url,
                "--dest",
                str(tmp_path / "dl"),
            ]
        )
    finally:
        server.shutdown()
    assert code == 0, capsys.readouterr().err
    assert _fact_count(sqlite_url) > 1000


def test_status_keeps_exclusions_and_release_dates(sqlite_url, shared_data, capsys):
    """Issue 15: exclusions are stored with the import and shown by `data status`; every
    vintage has a release date; the EU row is a known aggregate, not an unmatched name."""
    csv_2026 = shared_data / "SIPRI-Milex-data-1949-2025_v1.2_constant-2024-USD-sheet.csv"
    wdi = shared_data / "API_MS.MIL.XPND.GD.ZS_DS2_en_csv_v2_211.csv"
    assert main(["data", "import", str(csv_2026), str(wdi), "--db", sqlite_url]) == 0
    capsys.readouterr()
    assert main(["data", "status", "--db", sqlite_url, "--format", "json"]) == 0
    st = {i["source"]: i for i in _json(capsys)["imports"]}
    sipri, wb = st["sipri_milex"], st["worldbank_wdi"]
    assert sipri["vintage"] == sipri["release_date"] == "2026-04"
    assert sipri["unmatched"] == [] and any("European Union" in e for e in sipri["exclusions"])
    assert any("aggregates excluded" in e and "EUU" in e for e in wb["exclusions"])
    assert wb["release_date"] == "2026-02-24"
    assert "MS.MIL.XPND.GD.ZS" in wb["publisher_url"]
    assert main(["data", "status", "--db", sqlite_url]) == 0
    out = capsys.readouterr().out
    assert "excluded" in out and "European Union" in out


def test_format_values_are_checked(sqlite_url, capsys):
    for cmd in (["data", "status", "--db", sqlite_url], ["data", "sources"]):
        assert main([*cmd, "--format", "xml"]) == 2
        err = capsys.readouterr().err
        assert "--format" in err and "'xml' is not one of table, json" in err
        assert "Traceback" not in err


def test_status_and_sources_csv_parse(sqlite_url, shared_data, capsys):
    import csv
    import io

    wdi = shared_data / "API_SP.POP.TOTL_DS2_en_csv_v2_33112.csv"
    assert main(["data", "import", str(wdi), "--db", sqlite_url]) == 0
    capsys.readouterr()
    assert main(["data", "status", "--db", sqlite_url, "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["source"] for r in rows] == ["worldbank_wdi"] and rows[0]["release_date"]
    assert main(["data", "sources", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert "nato-defexp-xlsx" in {r["format"] for r in rows}
