"""The API's monitor answers judge 3.5% on core and 5% on core plus related spending where
NATO publishes them, and name the measure, exactly as the CLI does (one service layer).

The real tables hold no core figures; a "2026 edition" with core and defence-related
figures for four allies is imported into a server of its own (``scratch_api``)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from burdenshare.facts import FACT_COLUMNS, ParseResult, validate_facts

VINTAGE = "2026-07-01"
YEARS = list(range(2014, 2027))
CORE = {
    "POL": [1.80, 1.95, 1.90, 1.85, 1.95, 1.90, 2.10, 2.00, 2.10, 3.60, 3.40, 3.90, 4.20],
    "LTU": [0.85, 1.10, 1.45, 1.70, 1.95, 1.95, 2.00, 1.95, 2.40, 2.50, 2.80, 3.20, 3.60],
    "DEU": [1.05, 1.10, 1.10, 1.10, 1.15, 1.25, 1.35, 1.30, 1.35, 1.50, 2.00, 2.30, 2.60],
    "ESP": [0.85, 0.85, 0.75, 0.85, 0.85, 0.85, 0.95, 0.95, 1.00, 1.10, 1.20, 1.90, 2.00],
}
RELATED = {"POL": [0.3] * 10 + [0.4, 0.5, 0.6], "DEU": [0.4] * 13}


def _rows(indicator, table):
    return [
        (iso3, y, indicator, v, "percent", "", "nato_defexp", VINTAGE)
        for iso3, values in table.items()
        for y, v in zip(YEARS, values, strict=True)
    ]


@pytest.fixture(scope="module")
def core_api(scratch_api):
    """The scratch server's store: starter snapshot, press-reported releases, 2026 edition."""
    from burdenshare.monitor.reported import import_reported
    from burdenshare.starter import ensure_starter
    from burdenshare.store.facts import import_result

    facts = validate_facts(
        pd.DataFrame(
            _rows("milex_core_gdp_pct", CORE) + _rows("milex_related_gdp_pct", RELATED),
            columns=list(FACT_COLUMNS),
        )
    )
    ensure_starter(scratch_api.engine)
    import_reported(scratch_api.engine)
    import_result(
        scratch_api.engine,
        ParseResult(facts=facts, source="nato_defexp", vintage=VINTAGE),
        file_name="def-exp-2026-en.xlsx (test fixture)",
        sha256="1" * 64,
        fmt="nato-xlsx",
    )
    return scratch_api


def _cli_json(capsys, *args):
    from burdenshare.cli import main

    code = main(list(args))
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


def test_status_names_the_measure_of_each_level(core_api, capsys):
    with core_api.client("viewer") as c:
        r = c.get("/api/v1/monitor/status", params={"year": 2024})
    assert r.status_code == 200, r.text
    doc = r.json()
    rows = {x["iso3"]: x for x in doc["data"]}
    assert rows["POL"]["measure_3_5pct"] == "core"
    assert rows["POL"]["measure_5pct"] == "core+related"
    assert rows["POL"]["measure_2pct"] == "total"
    assert rows["FRA"]["measure_3_5pct"] == "total"  # no core figure published for France
    assert rows["POL"]["milex_core_gdp_pct"] == pytest.approx(3.40)
    assert rows["POL"]["gap_to_3_5pct"] == pytest.approx(3.40 - 3.5)
    assert doc["meta"]["measures"]["3.5"]["core"] == 4
    cli = _cli_json(
        capsys,
        "monitor",
        "status",
        "--year",
        "2024",
        "--format",
        "json",
        "--db",
        core_api.settings.db,
    )
    assert cli["measures"] == doc["meta"]["measures"]
    assert {x["iso3"]: x["measure_3_5pct"] for x in cli["rows"]} == {
        iso3: x["measure_3_5pct"] for iso3, x in rows.items()
    }


def test_projections_name_the_measure_and_agree_with_the_cli(core_api, capsys):
    params = {"country": ["POL", "FRA"]}
    with core_api.client("viewer") as c:
        r = c.get("/api/v1/monitor/projections", params=params)
    assert r.status_code == 200, r.text
    rows = r.json()["data"]
    measure = {(x["iso3"], x["target"]): x["measure"] for x in rows}
    assert measure == {
        ("POL", 3.5): "core",
        ("POL", 5.0): "core+related",
        ("FRA", 3.5): "total",
        ("FRA", 5.0): "total",
    }
    pol = next(x for x in rows if x["iso3"] == "POL" and x["target"] == 3.5)
    assert pol["latest_value"] == pytest.approx(4.20) and pol["latest_year"] == 2026
    cli = _cli_json(
        capsys,
        "monitor",
        "project",
        "-c",
        "POL",
        "-c",
        "FRA",
        "--format",
        "json",
        "--db",
        core_api.settings.db,
    )
    assert len(cli["rows"]) == len(rows)
    for mine, theirs in zip(cli["rows"], rows, strict=True):  # the CLI prints 6 decimals
        assert mine == pytest.approx(theirs, abs=1e-6)


def test_crossings_name_the_measure(core_api):
    with core_api.client("viewer") as c:
        r = c.get("/api/v1/monitor/crossings", params={"threshold": 3.5, "vintage": VINTAGE})
    assert r.status_code == 200, r.text
    events = r.json()["data"]
    pol = [e for e in events if e["iso3"] == "POL"]
    assert pol and {e["measure"] for e in pol} == {"core"}
    # core reached 3.5 in 2023 (3.60), fell below in 2024 (3.40), reached it again in 2025
    assert [(e["to_year"], e["direction"]) for e in pol] == [
        (2023, "up"),
        (2024, "down"),
        (2025, "up"),
    ]


def test_bad_monitor_inputs_name_the_field(core_api):
    with core_api.client("viewer") as c:
        r = c.get("/api/v1/monitor/status", params={"vintage": "1999-01"})
        assert r.status_code == 422 and r.json()["error"]["field"] == "vintage"
        r = c.get("/api/v1/monitor/crossings", params={"threshold": -1})
        assert r.status_code == 422 and r.json()["error"]["field"] == "threshold"
        r = c.get("/api/v1/monitor/projections", params={"country": "Atlantis"})
        assert r.status_code == 422 and r.json()["error"]["field"] == "country"
