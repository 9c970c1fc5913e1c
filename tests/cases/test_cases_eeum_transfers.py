"""EEUM designations, case-item flags and inspection workload; third-party transfer checks
and lineage (pure parts; the stored versions are in test_cases_store.py)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from burdenshare.cases.eeum import flag_case, load_designations, parse_quarter, workload
from burdenshare.cases.model import CaseItem, Stage
from burdenshare.cases.transfers import (
    TransferLine,
    TransferRequest,
    check_transfer,
    lineage,
)
from burdenshare.errors import CaseError, PolicyError

D = dt.date


def test_designations_file():
    d = load_designations()
    names = {i.name for i in d.items}
    assert {"Javelin", "Stinger (MANPADS)", "Tomahawk", "Night vision devices"} <= names
    assert d.initial_within_days == 90 and d.recurring_every_months == 12
    with pytest.raises(PolicyError, match="unknown EEUM designations version"):
        load_designations("nope")


def test_items_are_flagged_by_name_catalog_name_or_case_unique(make_case):
    items = (
        CaseItem(line=1, description="FGM-148 Javelin command launch units", quantity=2),
        CaseItem(line=2, catalog_item_id="night-vision", quantity=100),
        CaseItem(line=3, description="Spare tyres", quantity=50),
        CaseItem(line=4, description="Bespoke radar kit", eeum_case_unique=True),
        CaseItem(line=5, description="Stingray training manuals"),  # not Stinger
    )
    case = flag_case(make_case(items=items), catalog_names={"night-vision": "Night-vision goggles"})
    flags = {i.line: (i.eeum, i.eeum_designation) for i in case.items}
    assert flags[1] == (True, "Javelin")
    assert flags[2] == (True, "Night vision devices")
    assert flags[3] == (False, None)
    assert flags[4] == (True, "case-unique")
    assert flags[5] == (False, None)


def test_parse_quarter():
    assert parse_quarter("2026Q3") == (D(2026, 7, 1), D(2026, 9, 30))
    assert parse_quarter("2026-q4") == (D(2026, 10, 1), D(2026, 12, 31))
    with pytest.raises(CaseError, match="--quarter"):
        parse_quarter("Q3 2026")


def test_workload_initial_within_90_days_then_annually():
    items = pd.DataFrame(
        [
            ("POL", "P1", 1, 10, D(2026, 5, 15)),  # initial due 2026-08-13
            ("POL", "P2", 1, 4, D(2025, 8, 10)),  # anniversary 2026-08-10
            ("JPN", "J1", 1, 7, D(2026, 7, 5)),  # initial due 2026-10-03: next quarter
            ("JPN", "J2", 2, 3, D(2024, 9, 30)),  # second anniversary 2026-09-30
            ("EGY", "E1", 1, 20, D(2026, 4, 2)),  # initial due 2026-07-01
            ("EGY", "E2", 1, 9, D(2026, 10, 1)),  # not arrived yet
        ],
        columns=["partner", "case_id", "line", "quantity", "arrival"],
    )
    out = workload(items, "2026Q3").set_index("partner")
    assert list(out.index) == ["EGY", "JPN", "POL"]
    assert out.loc["POL", ["initial_inventories", "annual_inventories", "serials"]].tolist() == [
        1,
        1,
        14,
    ]
    assert out.loc["JPN", ["initial_inventories", "annual_inventories", "serials"]].tolist() == [
        0,
        1,
        3,
    ]
    assert out.loc["EGY", ["initial_inventories", "annual_inventories", "serials"]].tolist() == [
        1,
        0,
        20,
    ]
    assert (out["quarter"] == "2026Q3").all()
    empty = workload(items.iloc[0:0], "2026Q3")
    assert empty.empty


# ---- transfers -----------------------------------------------------------------------------


def delivered_case(make_case):
    items = (
        CaseItem(
            line=1,
            description="Javelin missiles",
            quantity=100,
            value=20e6,
            eeum=True,
            eeum_designation="Javelin",
        ),
        CaseItem(line=2, description="Trucks", quantity=40, value=8e6),
    )
    times = {
        Stage.received: D(2023, 1, 1),
        Stage.complete: D(2023, 1, 5),
        Stage.offer_data: D(2023, 2, 1),
        Stage.offered: D(2023, 3, 1),
        Stage.accepted: D(2023, 4, 1),
        Stage.implemented: D(2023, 4, 10),
        Stage.delivering: D(2024, 6, 1),
    }
    return make_case(
        "C-9", "POL", status=Stage.delivering, times=times, mde=20e6, total=28e6, items=items
    )


def req(to="EST", lines=((2, 10),), mde=0.0, total=2e6, **kw):
    return TransferRequest(
        from_partner=kw.pop("from_partner", "POL"),
        to_recipient=to,
        source_case_id="C-9",
        lines=tuple(TransferLine(a, b) for a, b in lines),
        mde_value=mde,
        total_value=total,
        request_date=kw.pop("date", D(2026, 1, 10)),
        **kw,
    )


AVAILABLE = {1: 100, 2: 40}


def test_recipient_under_denial_policy_is_denied_with_reason(make_case):
    d = check_transfer(
        req(to="RUS"), source_case=delivered_case(make_case), available=AVAILABLE, holder="POL"
    )
    assert d.decision == "denied"
    assert "policy of denial" in d.reasons[0] and "126.1" in d.reasons[0]


def test_transfer_above_3d_threshold_needs_notification(make_case):
    d = check_transfer(
        req(to="EGY", mde=14e6, total=14e6),
        source_case=delivered_case(make_case),
        available=AVAILABLE,
        holder="POL",
    )
    assert d.decision == "notify"
    assert d.notice.section == "3(d)" and d.notice.review_days == 30
    assert d.notice.citation == "22 U.S.C. 2753(d)(1)"
    nato = check_transfer(
        req(to="EST", mde=14e6, total=14e6),
        source_case=delivered_case(make_case),
        available=AVAILABLE,
        holder="POL",
    )
    assert nato.decision == "consent"  # NATO+5 threshold is $25M


def test_eeum_items_are_flagged(make_case):
    d = check_transfer(
        req(lines=((1, 5), (2, 1))),
        source_case=delivered_case(make_case),
        available=AVAILABLE,
        holder="POL",
    )
    assert d.eeum and d.eeum_lines == (1,)
    assert any("enhanced end-use monitoring" in r for r in d.reasons)


def test_transfer_refusals(make_case):
    case = delivered_case(make_case)
    with pytest.raises(CaseError, match="holds 40"):
        check_transfer(req(lines=((2, 41),)), source_case=case, available=AVAILABLE, holder="POL")
    with pytest.raises(CaseError, match="does not hold"):
        check_transfer(req(from_partner="DEU"), source_case=case, available=AVAILABLE, holder="POL")
    with pytest.raises(CaseError, match="no item line 7"):
        check_transfer(req(lines=((7, 1),)), source_case=case, available=AVAILABLE, holder="POL")
    with pytest.raises(CaseError, match="mde_value"):
        check_transfer(req(mde=5e6, total=1e6), source_case=case, available=AVAILABLE, holder="POL")
    undelivered = make_case("C-9", "POL")
    with pytest.raises(CaseError, match="only delivered items"):
        check_transfer(req(), source_case=undelivered, available=AVAILABLE, holder="POL")


def test_lineage_chain_across_successive_transfers():
    rows = [
        {
            "id": "TR-1",
            "parent_transfer_id": None,
            "source_case_id": "C-9",
            "from_partner": "POL",
            "to_recipient": "EST",
            "request_date": D(2026, 1, 1),
            "case_partner": "POL",
        },
        {
            "id": "TR-2",
            "parent_transfer_id": "TR-1",
            "source_case_id": "C-9",
            "from_partner": "EST",
            "to_recipient": "LVA",
            "request_date": D(2026, 3, 1),
            "case_partner": "POL",
        },
        {
            "id": "TR-3",
            "parent_transfer_id": None,
            "source_case_id": "C-9",
            "from_partner": "POL",
            "to_recipient": "FIN",
            "request_date": D(2026, 2, 1),
            "case_partner": "POL",
        },
    ]
    chain = lineage(rows, "TR-2")
    assert [c["id"] for c in chain] == ["C-9", "TR-1", "TR-2"]
    assert [c["to_recipient"] for c in chain] == ["POL", "EST", "LVA"]
    assert chain[0]["kind"] == "sale"
    rows[0]["parent_transfer_id"] = "TR-2"
    with pytest.raises(CaseError, match="cycle"):
        lineage(rows, "TR-2")
    with pytest.raises(CaseError, match="unknown transfer"):
        lineage(rows, "TR-9")
