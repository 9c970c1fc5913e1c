"""The ``catalog`` and ``cases queue|schedule`` commands on a real database with real cases."""

from __future__ import annotations

import json

import pytest

from burdenshare.cli import main

AS_OF = "2026-03-01"
CASES_CSV = """\
case_id,partner,sale_type,request_date,aod_group,mde_value,total_value,item_catalog_id,item_quantity,item_value
T-1,POL,FMS,2025-01-10,B,0,20000000,javelin,700,20000000
T-2,ESP,FMS,2024-06-01,B,0,30000000,javelin,900,30000000
T-3,JPN,FMS,2025-11-20,B,0,40000000,aim-9x,50,25000000
T-3,,,,,,,javelin,400,5000000
T-4,RUS,FMS,2025-02-01,B,0,5000000,night-vision,100,1000000
T-5,EST,FMS,2025-12-01,B,0,5000000,javelin,300,1000000
"""
TINY_CATALOG = """\
catalog: {name: tiny, version: "1"}
items:
  - {id: javelin, name: Javelin, category: missile, usml_category: IV, production_line: jav,
     capacity_per_quarter: 500, unit_cost_usd_m: 0.2, lead_time_months: 6,
     strategy_priority: critical, us_forces_draw: true, backlog_units: 0}
"""


def _run(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def loaded_db(tmp_path_factory):
    """A SQLite database with six real-shaped cases imported through ``cases import``."""
    from burdenshare.store.db import dispose_all

    folder = tmp_path_factory.mktemp("queue_cli")
    url = f"sqlite:///{folder / 'q.db'}"
    cases = folder / "cases.csv"
    cases.write_text(CASES_CSV, encoding="utf-8")
    assert main(["cases", "import", str(cases), "--db", url]) == 0
    yield url
    dispose_all()


def test_catalog_show_says_illustrative(capsys, sqlite_url):
    code, out, _ = _run(capsys, "catalog", "show", "--db", sqlite_url)
    assert code == 0
    assert "ILLUSTRATIVE" in out and "not official figures" in out
    assert "javelin-missile" in out
    code, out, _ = _run(capsys, "catalog", "show", "--db", sqlite_url, "--format", "json")
    data = json.loads(out)
    assert data["illustrative"] is True and "invented" in data["notice"]
    assert {i["id"] for i in data["items"]} >= {"javelin", "pac3-mse", "f-35a"}
    assert all(line["capacity_per_quarter"] >= 0 for line in data["lines"])


def test_catalog_import_then_show_then_reimport(capsys, sqlite_url, tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY_CATALOG, encoding="utf-8")
    code, out, _ = _run(capsys, "catalog", "import", str(path), "--db", sqlite_url)
    assert code == 0 and "imported catalog 'tiny' from tiny.yaml: 1 items on 1 production" in out
    code, out, _ = _run(capsys, "catalog", "show", "--db", sqlite_url, "--format", "json")
    data = json.loads(out)
    assert data["name"] == "tiny" and data["illustrative"] is False
    assert [i["id"] for i in data["items"]] == ["javelin"]
    code, out, _ = _run(capsys, "catalog", "import", str(path), "--db", sqlite_url)
    assert code == 0 and out.startswith("unchanged:")


def test_catalog_import_negative_capacity_exit_2_nothing_written(capsys, sqlite_url, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        TINY_CATALOG.replace("capacity_per_quarter: 500", "capacity_per_quarter: -5"),
        encoding="utf-8",
    )
    code, out, err = _run(capsys, "catalog", "import", str(path), "--db", sqlite_url)
    assert code == 2
    assert "bad.yaml, items[0] (id 'javelin'), line 4, field 'capacity_per_quarter'" in err
    assert "Traceback" not in err
    import sqlalchemy as sa

    from burdenshare.store.db import get_engine

    with get_engine(sqlite_url).connect() as conn:
        assert conn.execute(sa.text("select count(*) from catalog_versions")).scalar_one() == 0


def test_queue_json_rows(capsys, loaded_db):
    code, out, err = _run(
        capsys, "cases", "queue", "--db", loaded_db, "--as-of", AS_OF, "--format", "json"
    )
    assert code == 0, err
    assert "ILLUSTRATIVE" in err  # the notice goes to stderr; stdout stays JSON
    rows = json.loads(out)
    assert [r["position"] for r in rows] == [1, 2, 3, 4, 5]
    for r in rows:
        assert {"case_id", "position", "partner", "priority_key", "fcfs_position"} <= set(r)
        assert r["explanation"]
    assert sorted(r["fcfs_position"] for r in rows) == [1, 2, 3, 4, 5]
    by_id = {r["case_id"]: r for r in rows}
    assert by_id["T-2"]["fcfs_position"] == 1  # requested first
    assert rows[-1]["case_id"] == "T-4" and rows[-1]["eligible"] is False  # RUS: held
    eligible = [r["priority_key"] for r in rows if r["eligible"]]
    assert eligible == sorted(eligible, reverse=True)
    assert "ahead of " + rows[1]["case_id"] in rows[0]["explanation"]


def test_queue_table_against_fcfs(capsys, loaded_db):
    code, out, _ = _run(
        capsys, "cases", "queue", "--db", loaded_db, "--as-of", AS_OF, "--against", "fcfs"
    )
    assert code == 0
    assert "fcfs #" in out and "vs first-come, first-served:" in out
    assert "held: last in the queue" in out


def test_queue_against_an_unknown_policy_names_the_option(capsys, loaded_db):
    """The second policy is checked before any work, and the error says which option."""
    code, out, err = _run(
        capsys, "cases", "queue", "--db", loaded_db, "--against", "no-such-policy"
    )
    assert code == 2 and out == ""
    assert err.startswith("error: --against: unknown policy 'no-such-policy'")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_schedule_json_and_methods(capsys, loaded_db):
    results = {}
    for method in ("greedy", "fcfs", "optimal"):
        code, out, err = _run(
            capsys,
            "cases",
            "schedule",
            "--db",
            loaded_db,
            "--as-of",
            AS_OF,
            "--method",
            method,
            "--horizon",
            "12",
            "--format",
            "json",
        )
        assert code == 0, err
        results[method] = data = json.loads(out)
        assert {"cases", "lines", "totals"} <= set(data)
        assert data["catalog"]["illustrative"] is True
        assert len(data["cases"]) == 5
        for row in data["cases"]:
            assert "case_id" in row and "delivery_quarter" in row
            assert (row["delivery_quarter"] is None) == (row["status"] == "beyond_horizon")
        for line in data["lines"]:
            assert len(line["backlog"]) == 12
            assert all(
                q["produced"] <= line["capacity_per_quarter"] + 1e-9 for q in line["backlog"]
            )
    w = {m: r["totals"]["weighted_delay"] for m, r in results.items()}
    assert w["optimal"] <= w["greedy"] + 1e-9 and w["optimal"] <= w["fcfs"] + 1e-9
    assert "mip_gap" in results["optimal"]["totals"]
    # Javelin: 3000 backlog at 600/quarter -> nothing before 2026Q3 (offset 5 from 2026Q1).
    jav = [r for r in results["greedy"]["cases"] if r["case_id"] in ("T-1", "T-2", "T-5")]
    assert all(r["delivery_quarter"] >= "2027Q2" for r in jav)


def test_schedule_whatif(capsys, loaded_db):
    code, out, err = _run(
        capsys,
        "cases",
        "schedule",
        "--db",
        loaded_db,
        "--as-of",
        AS_OF,
        "--whatif",
        "T-5",
        "--format",
        "json",
    )
    assert code == 0, err
    what = json.loads(out)["whatif"]
    assert what["case_id"] == "T-5"
    assert {r["case_id"] for r in what["impact"]} == {"T-1", "T-2", "T-3", "T-4"}
    assert what["cases_delayed"] >= 1 and what["extra_weighted_delay"] > 0
    code, out, _ = _run(
        capsys, "cases", "schedule", "--db", loaded_db, "--as-of", AS_OF, "--whatif", "T-5"
    )
    assert code == 0 and "what if T-5 moves to the front" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--horizon", "0"), "--horizon: horizon must be a whole number of quarters >= 1"),
        (("--horizon", "-4"), "(got -4)"),
        (("--whatif", "T-99"), "--whatif: no open case 'T-99'"),
        (("--method", "best"), "--method: unknown method 'best'"),
    ],
)
def test_schedule_bad_options_exit_2(capsys, loaded_db, args, message):
    code, out, err = _run(capsys, "cases", "schedule", "--db", loaded_db, "--as-of", AS_OF, *args)
    assert code == 2
    assert message in err and "Traceback" not in err
    assert out == ""


def test_case_naming_an_unknown_item_exit_2(capsys, loaded_db, tmp_path):
    """After a catalog without 'aim-9x' and 'night-vision' is imported, the stored cases that
    name them are refused with the case and the item named."""
    import shutil

    from sqlalchemy.engine import make_url

    from burdenshare.store.db import dispose_all

    dispose_all()  # closing the engine checkpoints SQLite's WAL into the file copied below
    copy = tmp_path / "copy.db"
    shutil.copy(make_url(loaded_db).database, copy)
    url = f"sqlite:///{copy}"
    cat = tmp_path / "tiny.yaml"
    cat.write_text(TINY_CATALOG, encoding="utf-8")
    assert main(["catalog", "import", str(cat), "--db", url]) == 0
    for command in ("queue", "schedule"):
        code, out, err = _run(capsys, "cases", command, "--db", url, "--as-of", AS_OF)
        assert code == 2
        assert "case T-3, field 'item_id': unknown catalog item 'aim-9x' in catalog 'tiny'" in err


def test_infeasible_line_without_capacity_exit_2(capsys, tmp_path):
    url = f"sqlite:///{tmp_path / 'z.db'}"
    cat = tmp_path / "zero.yaml"
    cat.write_text(
        TINY_CATALOG.replace("capacity_per_quarter: 500", "capacity_per_quarter: 0"),
        encoding="utf-8",
    )
    assert main(["catalog", "import", str(cat), "--db", url]) == 0
    cases = tmp_path / "c.csv"
    cases.write_text(
        CASES_CSV.splitlines()[0] + "\n" + CASES_CSV.splitlines()[1] + "\n", encoding="utf-8"
    )
    assert main(["cases", "import", str(cases), "--db", url]) == 0
    code, _, err = _run(capsys, "cases", "schedule", "--db", url, "--as-of", AS_OF)
    assert code == 2
    assert "case T-1: infeasible" in err and "zero.yaml, item 'javelin', field " in err


def test_queue_on_each_backend(capsys, db_url, tmp_path):
    cases = tmp_path / "cases.csv"
    cases.write_text(CASES_CSV, encoding="utf-8")
    assert main(["cases", "import", str(cases), "--db", db_url]) == 0
    code, out, err = _run(
        capsys, "cases", "queue", "--db", db_url, "--as-of", AS_OF, "--format", "json"
    )
    assert code == 0, err
    assert len(json.loads(out)) == 5
