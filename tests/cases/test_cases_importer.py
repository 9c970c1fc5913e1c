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
