"""Case-file parsing: stage dates, status, and messages naming the line or case and field."""

from __future__ import annotations

import json

from burdenshare.cases.importer import read_cases
from burdenshare.cases.model import Stage

HEAD = "case_id,partner,request_date,mde_value,total_value,complete_at,offered_at,status\n"


def test_stage_dates_set_the_status(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text(HEAD + "X-1,POL,2025-01-05,1,2,2025-01-09,2025-03-01,\n")
    res = read_cases(p)
    assert not res.errors
    case = res.cases[0]
    assert case.status == Stage.offered
    assert case.at(Stage.complete).isoformat() == "2025-01-09"


def test_stage_dates_out_of_order_and_unknown_status(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text(
        HEAD
        + "X-1,POL,2025-01-05,1,2,2025-02-09,2025-01-20,\n"
        + "X-2,POL,2025-01-05,1,2,,,shipped\n"
        + "X-3,POL,2025-01-05,5,2,,,\n"
    )
    res = read_cases(p)
    msgs = [str(e) for e in res.errors]
    assert msgs[0].startswith("c.csv line 2, field offered_at: 2025-01-20 is before complete_at")
    assert msgs[1] == "c.csv line 3, field status: unknown stage 'shipped'"
    assert "line 4, field mde_value" in msgs[2] and "cannot exceed total_value" in msgs[2]
    assert res.cases == []


def test_rows_of_one_case_must_agree(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text(
        "case_id,partner,request_date,mde_value,total_value,item_description\n"
        "X-1,POL,2025-01-05,1,2,Radios\n"
        "X-1,DEU,,,,Antennas\n"
    )
    res = read_cases(p)
    assert str(res.errors[0]) == (
        "c.csv line 3, field partner: differs from line 2 of the same case ('POL' vs 'DEU')"
    )


def test_json_unknown_field_and_duplicate_id(tmp_path):
    base = {
        "case_id": "J-1",
        "partner": "POL",
        "request_date": "2025-01-05",
        "mde_value": 1,
        "total_value": 2,
    }
    p = tmp_path / "c.json"
    p.write_text(
        json.dumps(
            {
                "cases": [
                    base,
                    base,
                    {**base, "case_id": "J-2", "colour": "red"},
                    {**base, "case_id": "J-3", "items": [{"qty": 1}]},
                ]
            }
        )
    )
    res = read_cases(p)
    msgs = [str(e) for e in res.errors]
    assert msgs == [
        "c.json case 2 (id J-1), field case_id: duplicate case id in the file",
        "c.json case 3 (id J-2), field colour: unknown field",
        "c.json case 4 (id J-3), field items[1].qty: unknown field",
    ]
    assert [c.id for c in res.cases] == ["J-1"]


LAW_HEAD = (
    "case_id,partner,sale_type,request_date,mde_value,total_value,offered_at,withdrawn_at,"
    "retransfer_outside_group,approval_date\n"
)


def test_law_columns_import_2776b1_nato_2776b6_retransfer_and_milap(tmp_path):
    """22 U.S.C. 2776(b)(1) NATO/NSPA as purchaser, 2776(b)(6) re-transfer outside NATO+5 and
    the MILAP date (SAMM C5.4.19) come in from the file's own columns."""
    p = tmp_path / "c.csv"
    p.write_text(
        LAW_HEAD
        + "L-1,NSPA,FMS,2026-01-05,1,2,2026-03-01,,yes,2026-02-20\n"
        + "L-2,NOR,FMS,2026-01-05,1,2,,,true,\n"
        + "L-3,POL,DCS,2026-01-05,1,2,,2026-02-01,,\n"
    )
    res = read_cases(p)
    assert not res.errors, [str(e) for e in res.errors]
    by_id = {c.id: c for c in res.cases}
    assert by_id["L-1"].partner == "NATO" and by_id["L-1"].retransfer_outside_group
    assert by_id["L-1"].approval_date.isoformat() == "2026-02-20"
    assert by_id["L-1"].status == Stage.offered
    assert by_id["L-2"].retransfer_outside_group and by_id["L-2"].approval_date is None
    assert str(by_id["L-3"].sale_type) == "DCS" and by_id["L-3"].status == Stage.withdrawn


def test_law_columns_refused_naming_line_and_column(tmp_path):
    """A DCS case has no LOA stages (22 CFR 123.15 licence, not an LOA); MILAP comes before
    the offer (SAMM C5.4.19); the flag is a yes/no: each refusal names line and column."""
    p = tmp_path / "c.csv"
    p.write_text(
        LAW_HEAD
        + "M-1,POL,DCS,2026-01-05,1,2,2026-03-01,,,\n"
        + "M-2,POL,FMS,2026-01-05,1,2,2026-03-01,,,2026-03-09\n"
        + "M-3,POL,FMS,2026-01-05,1,2,,,perhaps,\n"
        + "M-4,POL,DCS,2026-01-05,1,2,,,,2026-02-01\n"
        + "M-5,POL,FMS,2026-01-05,1,2,,,,2025-12-01\n"
        + "M-6,POL,FMS,2026-01-05,1,2,,,,01/02/2026\n"
    )
    res = read_cases(p)
    msgs = [str(e) for e in res.errors]
    assert res.cases == []
    assert msgs[0].startswith("c.csv line 2, field offered_at: a DCS case")
    assert msgs[1].startswith("c.csv line 3, field approval_date: 2026-03-09 is after offered_at")
    assert (
        msgs[2]
        == "c.csv line 4, field retransfer_outside_group: expected true/false, got 'perhaps'"
    )
    assert msgs[3].startswith("c.csv line 5, field approval_date: a DCS case has no LOA")
    assert msgs[4].startswith(
        "c.csv line 6, field approval_date: 2025-12-01 is before request_date"
    )
    assert msgs[5].startswith("c.csv line 7, field approval_date: expected a date")


def test_law_fields_in_json(tmp_path):
    """The same fields in a JSON case file; the DCS refusal names the case and field."""
    p = tmp_path / "c.json"
    p.write_text(
        json.dumps(
            [
                {
                    "case_id": "J-1",
                    "partner": "NATO",
                    "request_date": "2026-01-05",
                    "mde_value": 1,
                    "total_value": 2,
                    "retransfer_outside_group": True,
                    "approval_date": "2026-01-20",
                },
                {
                    "case_id": "J-2",
                    "partner": "POL",
                    "sale_type": "DCS",
                    "request_date": "2026-01-05",
                    "mde_value": 1,
                    "total_value": 2,
                    "accepted_at": "2026-03-01",
                },
            ]
        )
    )
    res = read_cases(p)
    assert [c.id for c in res.cases] == ["J-1"]
    assert res.cases[0].partner == "NATO" and res.cases[0].retransfer_outside_group
    assert [str(e) for e in res.errors][0].startswith(
        "c.json case 2 (id J-2), field accepted_at: a DCS case"
    )
