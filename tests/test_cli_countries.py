"""`burdenshare countries resolve|show` through burdenshare.cli.main."""

from __future__ import annotations

import json

import pytest

from burdenshare.cli import main


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")


def test_resolve_table(capsys):
    assert main(["countries", "resolve", "Türkiye", "Korea, South", "German DR"]) == 0
    out = capsys.readouterr().out
    for text in ("TUR", "KOR", "South Korea", "DDR", "German Democratic Republic"):
        assert text in out


def test_resolve_unknown_exits_2_with_did_you_mean(capsys):
    assert main(["countries", "resolve", "Poland", "Untied States", "NATO**"]) == 2
    captured = capsys.readouterr()
    assert "POL" in captured.out
    assert "did you mean United States (USA)" in captured.out
    assert "not a country (organisations)" in captured.out
    assert "2 of 3 names are not known countries" in captured.err


def test_resolve_json(capsys):
    assert main(["countries", "resolve", "Congo, DR", "Narnia", "--format", "json"]) == 2
    rows = json.loads(capsys.readouterr().out)
    assert rows[0] == {"name": "Congo, DR", "status": "ok", "iso3": "COD", "country": "DR Congo"}
    assert rows[1]["status"] == "unknown" and rows[1]["iso3"] is None
    assert rows[1]["suggestions"]


def test_show_json_by_name(capsys):
    assert main(["countries", "show", "Sweden", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["iso3"] == "SWE" and report["iso2"] == "SE" and report["numeric"] == 752
    assert report["region"] == "Europe" and report["subregion"] == "Northern Europe"
    assert report["theater"] == "europe"
    assert report["capital"]["name"] == "Stockholm"
    nato = [m for m in report["memberships"] if m["group"] == "nato"]
    assert nato == [
        {
            "group": "nato",
            "from": "2024-03-07",
            "to": None,
            "note": "",
            "source": nato[0]["source"],
            "verify": False,
        }
    ]
    assert "nato.int" in nato[0]["source"]


def test_show_table_by_code(capsys):
    assert main(["countries", "show", "AFG"]) == 0
    out = capsys.readouterr().out
    for text in (
        "Afghanistan (AFG)",
        "AFG / AF / 4",
        "south_central_asia",
        "Kabul",
        "mnna",
        "2012-07-06",
        "2022-09-23",
    ):
        assert text in out


def test_show_former_state(capsys):
    assert main(["countries", "show", "USSR", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["iso3"] == "SUN" and report["iso2"] == "SU" and report["numeric"] == 810
    assert report["memberships"] == []


def test_show_unknown_exits_2(capsys):
    assert main(["countries", "show", "Narnia"]) == 2
    err = capsys.readouterr().err
    assert "unknown country 'Narnia'" in err and "did you mean" in err


def test_bad_format_exits_2(capsys):
    assert main(["countries", "show", "POL", "--format", "xml"]) == 2
    assert "--format" in capsys.readouterr().err
