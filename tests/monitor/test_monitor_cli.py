"""`burdenshare monitor ...` end to end on a real SQLite store (the starter snapshot loads
itself into the empty database): JSON for machines, tables for people, exit code 2 on bad
input."""

from __future__ import annotations

import csv
import io
import json

import pytest

from burdenshare.cli import app, main
from burdenshare.store.db import dispose_all


@pytest.fixture(scope="module", autouse=True)
def registered():
    """Add the monitor commands to the app unless the lead's COMMAND_MODULES already did."""
    from burdenshare.cli import monitor

    if not any(g.name == "monitor" for g in app.registered_groups):
        monitor.register(app)


@pytest.fixture(scope="module")
def store_url(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('monitor-cli') / 'cli.db'}"
    yield url
    dispose_all()


@pytest.fixture(scope="module")
def with_reports(tmp_path_factory):
    """A second store: the starter snapshot plus the press-reported releases."""
    from burdenshare.monitor.reported import import_reported
    from burdenshare.starter import ensure_starter
    from burdenshare.store.db import get_engine

    store_url = f"sqlite:///{tmp_path_factory.mktemp('monitor-cli-reported') / 'cli.db'}"
    engine = get_engine(store_url)
    ensure_starter(engine)
    import_reported(engine)
    return store_url


def _run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def _json(capsys, *args):
    code, out, err = _run(capsys, *args)
    assert code == 0, err
    return json.loads(out)


def test_status_json_on_the_starter_snapshot(store_url, capsys):
    data = _json(capsys, "monitor", "status", "--db", store_url, "--format", "json")
    assert data["year"] == 2024 and data["members"] == 32
    assert data["at_or_above"] == {"2": 23, "3.5": 1, "5": 0}
    assert data["hague_review_year"] == 2029
    rows = {r["iso3"]: r for r in data["rows"]}
    assert rows["POL"]["milex_gdp_pct"] == pytest.approx(4.12, abs=0.005)
    assert rows["ISL"]["milex_gdp_pct"] is None
    assert data["rows"][0]["iso3"] == "POL"


def test_status_table_and_csv(store_url, capsys):
    code, out, _ = _run(capsys, "monitor", "status", "--db", store_url)
    assert code == 0
    assert "Poland (POL)" in out and "4.12" in out and "23 at or above 2%" in out
    code, out, _ = _run(capsys, "monitor", "status", "--db", store_url, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(rows) == 32 and rows[0]["iso3"] == "POL"
    assert {"gap_to_2pct", "gap_to_3_5pct", "gap_to_5pct", "equipment_gap"} <= set(rows[0])


def test_load_reported_then_crossings_between_releases(tmp_path, capsys):
    store_url = f"sqlite:///{tmp_path / 'fresh.db'}"
    code, out, _ = _run(capsys, "monitor", "load-reported", "--db", store_url)
    assert code == 0 and "imported 24 figures" in out and "authoritative" in out
    code, out, _ = _run(capsys, "monitor", "load-reported", "--db", store_url)
    assert code == 0 and "already imported" in out
    # The starter snapshot was loaded first, so the store is not left with 24 facts only.
    status = _json(capsys, "monitor", "status", "--db", store_url, "--format", "json")
    assert status["with_data"] == 31
    data = _json(
        capsys, "monitor", "crossings", "--db", store_url, "--format", "json",
        "--between-vintages", "2024-06-17", "2025-08", "-t", "2", "-t", "3.5",
    )  # fmt: skip
    assert data["mode"] == "vintages" and data["thresholds"] == [2.0, 3.5]
    got = {(e["iso3"], e["threshold"]) for e in data["events"]}
    assert {iso for iso, t in got if t == 2.0} == {"ITA", "CAN", "BEL", "ESP", "PRT", "LUX"}
    assert {iso for iso, t in got if t == 3.5} == {"LTU", "LVA"}
    code, out, _ = _run(
        capsys,
        "monitor",
        "crossings",
        "--db",
        store_url,
        "--between-vintages",
        "2024-06-17",
        "2025-08",
    )
    assert code == 0 and "Lithuania (LTU)" in out and "reached" in out


def test_crossings_between_years(store_url, capsys):
    data = _json(
        capsys, "monitor", "crossings", "--db", store_url, "--format", "json",
        "--vintage", "2024-06-17", "--years", "2014", "2024", "-t", "2",
    )  # fmt: skip
    assert data["mode"] == "years" and data["release"] == "nato_defexp:2024-06-17"
    levels = {r["year"]: r["at_or_above"] for r in data["levels"]}
    assert levels[2014] == 3 and levels[2024] == 23


def test_project_spain(with_reports, capsys):
    store_url = with_reports
    data = _json(
        capsys, "monitor", "project", "--db", store_url, "--format", "json", "--country", "Spain"
    )
    assert data["by"] == 2035 and data["targets"] == [3.5, 5.0]
    by_target = {r["target"]: r for r in data["rows"]}
    assert by_target[3.5]["required"] == pytest.approx(0.15)  # 2.00 in 2025 -> 3.5 in 2035
    assert by_target[5.0]["required"] == pytest.approx(0.30)
    assert by_target[3.5]["origin"] == "nato_defexp_reported:2025-08"
    code, out, _ = _run(capsys, "monitor", "project", "--db", store_url, "-c", "ESP", "-c", "ITA")
    assert code == 0 and "Path to 3.5% of GDP by 2035" in out and "Italy (ITA)" in out


def test_tiers_json(with_reports, capsys):
    store_url = with_reports
    data = _json(
        capsys, "monitor", "tiers", "--db", store_url, "--format", "json",
        "--from-vintage", "2024-06-17", "--to-vintage", "2025-04", "--all",
    )  # fmt: skip
    assert data["policy"] == "eo14383" and data["changed"] == 0
    rows = {r["iso3"]: r for r in data["rows"]}
    assert rows["POL"]["pct_b"] == 4.07 and rows["POL"]["tier_b"] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["tiers", "--from-vintage", "2024-06-17", "--to-vintage", "1999"],
            "unknown vintage '1999'; known vintages",
        ),
        (["crossings", "--threshold", "120"], "--threshold: threshold 120 is outside 0..100"),
        (["crossings", "--between-vintages", "2024-06-17", "2017-01"], "nato_defexp 2024-06-17"),
        (["project", "--by", "2020"], "--by: --by 2020 is not after the latest data year"),
        (["project", "--country", "Atlantis"], "Atlantis"),
        (["status", "--year", "1990"], "--year"),
    ],
)
def test_bad_input_exits_2(store_url, capsys, args, message):
    code, out, err = _run(capsys, "monitor", *args, "--db", store_url)
    assert code == 2
    assert message in err and "Traceback" not in err
    assert out == ""
