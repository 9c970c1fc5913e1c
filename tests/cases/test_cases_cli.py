"""The case commands end to end: import (all or nothing, --rejects), bad input (exit 2,
row and field named, nothing written), transitions, notify-check JSON, generate, transfers,
EEUM workload, quarterly metrics exports, audit verify."""

from __future__ import annotations

import csv
import json

import pytest
import sqlalchemy as sa

from burdenshare.cli import main

HEADER = (
    "case_id,partner,sale_type,request_date,aod_group,mde_value,total_value,"
    "item_catalog_id,item_description,item_usml_category,item_quantity,item_value\n"
)


@pytest.fixture
def db(sqlite_url):
    from burdenshare.store.db import dispose_all

    yield sqlite_url
    dispose_all()


def run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def n_cases(url: str) -> int:
    eng = sa.create_engine(url)
    with eng.connect() as c:
        try:
            return c.execute(sa.text("select count(*) from cases")).scalar_one()
        finally:
            eng.dispose()


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


GOOD = HEADER + (
    "A-1,POL,FMS,2026-01-05,A,30000000,40000000,javelin,,IV,100,20000000\n"
    "A-1,,,,,,,,Training package,,1,5000000\n"
    "A-2,Japan,FMS,2026-02-01,B,1000000,2000000,,Spare parts,VIII,10,2000000\n"
)


def test_import_good_csv_then_show_flags_eeum(tmp_path, capsys, db):
    code, out, _ = run(capsys, "cases", "import", str(write(tmp_path, "c.csv", GOOD)), "--db", db)
    assert code == 0 and "imported 2 case(s)" in out
    code, out, _ = run(capsys, "cases", "show", "A-1", "--db", db, "--format", "json")
    shown = json.loads(out)
    assert shown["partner"] == "POL" and len(shown["items"]) == 2
    assert shown["items"][0]["eeum"] and shown["items"][0]["eeum_designation"] == "Javelin"
    assert not shown["items"][1]["eeum"]
    assert shown["allowed_next"] == ["complete", "withdrawn", "denied"]
    code, out, _ = run(capsys, "cases", "show", "A-2", "--db", db, "--format", "json")
    assert json.loads(out)["partner"] == "JPN"  # resolved from the name


BAD_ROWS = HEADER + (
    "B-1,POL,FMS,2026-01-05,A,-5,40000000,,Radios,XI,1,1\n"
    "B-2,Narnia,FMS,2026-01-05,A,1,2,,Radios,XI,1,1\n"
    "B-3,POL,FMS,05/01/2026,A,1,2,,Radios,XI,1,1\n"
    "B-4,POL,FMS,2026-01-05,A,abc,2,,Radios,XI,1,1\n"
    "B-5,POL,FMS,2026-01-05,A,1,2,no-such-item,,IV,1,1\n"
    "B-6,POL,FMS,2026-01-05,A,1,2,,Radios,XI,1,1\n"
)


def test_bad_rows_are_all_listed_and_nothing_written(tmp_path, capsys, db):
    code, out, err = run(
        capsys, "cases", "import", str(write(tmp_path, "bad.csv", BAD_ROWS)), "--db", db
    )
    assert code == 2
    assert "5 problem(s)" in err and "nothing imported" in err
    assert "bad.csv line 2, field mde_value: must not be negative" in err
    assert "line 3, field partner: unknown partner 'Narnia'" in err
    assert "line 4, field request_date: expected a date as YYYY-MM-DD" in err
    assert "line 5, field mde_value: expected a number, got 'abc'" in err
    assert "line 6, field item_catalog_id: unknown catalog item 'no-such-item'" in err
    assert "Traceback" not in err
    assert n_cases(db) == 0


def test_rejects_file_imports_the_valid_rows(tmp_path, capsys, db):
    rejects = tmp_path / "rejects.csv"
    code, out, err = run(
        capsys,
        "cases",
        "import",
        str(write(tmp_path, "bad.csv", BAD_ROWS)),
        "--rejects",
        str(rejects),
        "--db",
        db,
    )
    assert code == 0 and "imported 1 case(s)" in out
    assert n_cases(db) == 1
    rows = list(csv.DictReader(rejects.open()))
    assert [r["case_id"] for r in rows] == ["B-1", "B-2", "B-3", "B-4", "B-5"]
    assert "must not be negative" in rows[0]["error"]


def test_json_import_and_malformed_files(tmp_path, capsys, db):
    good = [
        {
            "case_id": "J-1",
            "partner": "EGY",
            "request_date": "2026-01-05",
            "mde_value": 1,
            "total_value": 2,
            "items": [{"description": "Stinger", "quantity": 4, "value": 2}],
        }
    ]
    code, out, _ = run(
        capsys, "cases", "import", str(write(tmp_path, "c.json", json.dumps(good))), "--db", db
    )
    assert code == 0 and n_cases(db) == 1
    bad_item = [{**good[0], "case_id": "J-2", "items": [{"description": "x", "value": "-1"}]}]
    code, _, err = run(
        capsys, "cases", "import", str(write(tmp_path, "d.json", json.dumps(bad_item))), "--db", db
    )
    assert code == 2 and "d.json case 1 (id J-2), field items[1].value: must not be negative" in err
    code, _, err = run(capsys, "cases", "import", str(write(tmp_path, "e.json", "[{")), "--db", db)
    assert code == 2 and "e.json: line 1 column 3: not valid JSON" in err
    code, _, err = run(
        capsys,
        "cases",
        "import",
        str(write(tmp_path, "f.csv", "case_id,partner\nX,POL\n")),
        "--db",
        db,
    )
    assert code == 2 and "missing column(s) request_date, mde_value, total_value" in err
    code, _, err = run(
        capsys,
        "cases",
        "import",
        str(write(tmp_path, "g.csv", HEADER + "Z,POL,FMS,2026-01-05,A,1,2,,r,XI,1,1,9\n")),
        "--db",
        db,
    )
    assert code == 2 and "g.csv line 2" in err and "more values than columns" in err
    code, _, err = run(capsys, "cases", "import", str(tmp_path / "missing.csv"), "--db", db)
    assert code == 2 and "file not found" in err
    code, _, err = run(
        capsys, "cases", "import", str(write(tmp_path, "c2.json", json.dumps(good))), "--db", db
    )
    assert code == 2 and "already in the database" in err
    assert n_cases(db) == 1


def test_transition_command_and_bad_input(tmp_path, capsys, db):
    run(capsys, "cases", "import", str(write(tmp_path, "c.csv", GOOD)), "--db", db)
    code, out, _ = run(
        capsys, "cases", "transition", "A-1", "complete", "--at", "2026-01-06", "--db", db
    )
    assert code == 0 and "now complete" in out
    code, _, err = run(capsys, "cases", "transition", "A-1", "shipped", "--db", db)
    assert code == 2 and "unknown stage 'shipped'" in err
    code, _, err = run(
        capsys, "cases", "transition", "A-1", "offer-data", "--at", "6 Jan 2026", "--db", db
    )
    assert code == 2 and "--at: expected a date as YYYY-MM-DD" in err
    code, _, err = run(
        capsys, "cases", "transition", "A-1", "closed", "--at", "2026-01-07", "--db", db
    )
    assert code == 2 and "cannot move from complete to closed" in err
    code, _, err = run(capsys, "cases", "transition", "NOPE", "complete", "--db", db)
    assert code == 2 and "no case with id 'NOPE'" in err
    code, out, _ = run(capsys, "cases", "list", "--db", db, "--format", "json")
    by_id = {c["id"]: c for c in json.loads(out)}
    assert by_id["A-1"]["status"] == "complete" and by_id["A-1"]["version"] == 2
    code, out, _ = run(
        capsys,
        "cases",
        "notify-check",
        "A-1",
        "--as-of",
        "2026-01-05",
        "--format",
        "json",
        "--db",
        db,
    )
    r = json.loads(out)
    assert code == 0 and r["case_id"] == "A-1" and r["required"] and r["section"] == "36(b)"
    assert r["threshold_usd"] == 25_000_000 and r["review_days"] == 15
    code, out, _ = run(
        capsys,
        "cases",
        "notify-compare",
        "--proposed",
        "hr3613-2025",
        "--as-of",
        "2026-01-05",
        "--format",
        "json",
        "--db",
        db,
    )
    cmp = json.loads(out)
    # A-1 (POL, MDE $30M) needs notification under the law ($25M) but not the bill ($55M)
    assert cmp["cases"] == 2 and cmp["no_longer_required_ids"] == ["A-1"]


def test_notify_check_json(capsys, db):
    code, out, _ = run(
        capsys,
        "cases",
        "notify-check",
        "--partner",
        "POL",
        "--mde-value",
        "25000000",
        "--total-value",
        "30000000",
        "--as-of",
        "2026-01-05",
        "--format",
        "json",
        "--db",
        db,
    )
    assert code == 0
    r = json.loads(out)
    assert r["required"] is True and r["section"] == "36(b)" and r["group"] == "nato_plus_5"
    assert r["threshold_usd"] == 25_000_000 and r["review_days"] == 15
    code, out, _ = run(
        capsys,
        "cases",
        "notify-check",
        "--partner",
        "EGY",
        "--mde-value",
        "20000000",
        "--total-value",
        "20000000",
        "--as-of",
        "2026-01-05",
        "--rules",
        "hr3613-2025",
        "--format",
        "json",
        "--db",
        db,
    )
    r = json.loads(out)
    assert r["required"] is False and r["rules_status"] == "proposed"
    for bad, msg in (
        (["--mde-value", "-1"], "--mde-value: expected a non-negative number"),
        (["--mde-value", "lots"], "--mde-value: expected a number, got 'lots'"),
        (["--mde-value", "5", "--partner", "XX"], "--partner: unknown partner 'XX'"),
        (["--mde-value", "5", "--as-of", "2026/01/05"], "--as-of: expected a date"),
        (["--mde-value", "5", "--sale-type", "LEASE"], "--sale-type: expected FMS or DCS"),
        (["--mde-value", "5", "--rules", "nope"], "unknown notification rule set 'nope'"),
    ):
        args = [
            "cases",
            "notify-check",
            "--partner",
            "POL",
            "--total-value",
            "10",
            *bad,
            "--db",
            db,
        ]
        code, _, err = run(capsys, *args)
        assert code == 2, bad
        assert msg in err, (bad, err)
    records = json.loads(run(capsys, "audit", "log", "--db", db, "--format", "json")[1])
    assert [r["kind"] for r in records] == ["notification", "notification"]


def test_generate_metrics_workload_transfers_and_audit(tmp_path, capsys, db):
    code, out, _ = run(
        capsys, "cases", "generate", "--n", "400", "--seed", "3", "--end", "2026-09-30", "--db", db
    )
    assert code == 0 and "generated 400 synthetic case(s)" in out
    code, out, _ = run(
        capsys,
        "metrics",
        "quarterly",
        "--quarter",
        "2026Q2",
        "--k",
        "5",
        "--format",
        "json",
        "--db",
        db,
    )
    assert code == 0
    obj = json.loads(out)
    rows = {(r["metric"], r["group"], r["statistic"]): r for r in obj["rows"]}
    assert rows[("cases_received", "all", "count")]["n"] > 5
    assert any(r["suppressed"] for r in obj["rows"])
    assert all(r["value"] is None and r["n"] is None for r in obj["rows"] if r["suppressed"])
    assert all(r["n"] == 0 or r["n"] >= 5 for r in obj["rows"] if not r["suppressed"])
    xlsx = tmp_path / "m.xlsx"
    code, _, _ = run(
        capsys,
        "metrics",
        "quarterly",
        "--quarter",
        "2026Q2",
        "--format",
        "xlsx",
        "--output",
        str(xlsx),
        "--db",
        db,
    )
    assert code == 0 and xlsx.stat().st_size > 0
    code, out, _ = run(capsys, "metrics", "quarterly", "--quarter", "2026Q2", "--db", db)
    assert out.splitlines()[0] == "quarter,metric,group,statistic,n,value,suppressed"
    code, _, err = run(capsys, "metrics", "quarterly", "--quarter", "2026-Q5", "--db", db)
    assert code == 2 and "--quarter" in err
    code, out, _ = run(
        capsys, "eeum", "workload", "--quarter", "2026Q2", "--format", "json", "--db", db
    )
    assert code == 0 and all(r["items"] > 0 for r in json.loads(out))
    # a transfer from a delivered synthetic case
    listed = json.loads(
        run(capsys, "cases", "list", "--status", "delivering", "--db", db, "--format", "json")[1]
    )
    case = listed[0]
    code, out, _ = run(
        capsys,
        "transfers",
        "request",
        "--case",
        case["id"],
        "--from",
        case["partner"],
        "--to",
        "RUS",
        "--items",
        "1:1",
        "--total-value",
        "1000",
        "--date",
        "2026-10-01",
        "--db",
        db,
        "--format",
        "json",
    )
    assert code == 0 and json.loads(out)["decision"] == "denied"
    tid = json.loads(out)["id"]
    code, out, _ = run(capsys, "transfers", "show", tid, "--db", db)
    assert code == 0 and f"lineage: USA -> {case['partner']} -> RUS" in out
    code, _, err = run(
        capsys,
        "transfers",
        "check",
        "--case",
        case["id"],
        "--from",
        case["partner"],
        "--to",
        "EST",
        "--items",
        "1-1",
        "--total-value",
        "1",
        "--db",
        db,
    )
    assert code == 2 and "--items: expected LINE:QTY" in err
    code, out, _ = run(capsys, "audit", "verify", "--db", db)
    assert code == 0 and "intact" in out
    eng = sa.create_engine(db)
    with eng.begin() as c:
        c.execute(sa.text("update audit_log set actor = 'mallory' where seq = 2"))
    eng.dispose()
    code, out, _ = run(capsys, "audit", "verify", "--db", db)
    assert code == 1 and "record seq 2" in out and "edited" in out
