"""Synthetic cases: deterministic per seed, labelled, and consistent with the life-cycle rules
(each generated case could have walked the state machine)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from burdenshare.cases.lifecycle import load_process
from burdenshare.cases.model import MAIN_LINE
from burdenshare.cases.notification import notification_frame
from burdenshare.cases.synthetic import generate_frames

END = dt.date(2026, 9, 30)


def test_same_seed_same_cases_other_seed_other_cases():
    a, ai = generate_frames(300, 11, end=END)
    b, bi = generate_frames(300, 11, end=END)
    c, _ = generate_frames(300, 12, end=END)
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(ai, bi)
    assert not a["total_value"].equals(c["total_value"])
    assert a["synthetic"].all() and a["id"].str.startswith("SYN-").all()


def test_generated_cases_obey_the_life_cycle():
    cases, items = generate_frames(2000, 5, end=END)
    proc = load_process()
    dates = {
        s: pd.to_datetime(cases[f"{s}_at"])
        for s in (
            "received",
            "complete",
            "offer_data",
            "notified",
            "offered",
            "accepted",
            "implemented",
            "delivering",
            "closed",
            "withdrawn",
            "denied",
            "expired",
        )
    }
    # main-line dates never go backwards and nothing happens after the simulated today
    prev = dates["received"]
    for stage in [s.value for s in MAIN_LINE[1:]]:
        d = dates[stage]
        ok = d.isna() | (d >= prev)
        assert ok.all(), stage
        prev = d.where(d.notna(), prev)
    for d in dates.values():
        assert (d.dropna() <= pd.Timestamp(END)).all()
    # the status is the latest stage reached
    for status in cases["status"].unique():
        sel = cases["status"] == status
        assert dates[status][sel].notna().all()
    # an offer after a notification respects the review period; acceptance within expiry
    notice = notification_frame(
        cases.assign(as_of=cases["offer_data_at"].fillna(cases["request_date"]))
    )
    both = dates["notified"].notna() & dates["offered"].notna()
    gap = (dates["offered"] - dates["notified"]).dt.days[both]
    assert (gap >= notice.loc[both, "review_days"].astype(int)).all()
    assert (notice.loc[dates["notified"].notna(), "required"]).all()
    acc = (dates["accepted"] - dates["offered"]).dt.days.dropna()
    assert (acc <= proc.offer_expiry_days).all()
    # items belong to cases and carry EEUM flags from the designations list
    assert set(items["case_id"]) <= set(cases["id"])
    assert items.loc[items["catalog_item_id"] == "javelin", "eeum"].all()
    assert not items.loc[items["catalog_item_id"] == "m1a2-sepv3", "eeum"].any()
    share = cases["notification_section"].notna().mean()
    assert 0.05 < share < 0.6
    assert np.isclose(cases["mde_value"].le(cases["total_value"]).mean(), 1.0)


def test_dcs_cases_never_have_loa_stages():
    """A DCS case is a DSP-5 licence application (22 CFR 123.15), not an LOA: synthetic DCS
    cases are only received, withdrawn or denied, have no MILAP date, and each could make
    its moves through the life cycle's DCS rule."""
    from burdenshare.cases.lifecycle import DCS_TARGETS

    cases, _ = generate_frames(3000, 3, end=END)
    dcs = cases[cases["sale_type"] == "DCS"]
    assert 200 < len(dcs) < 800
    assert set(dcs["status"]) <= {"received", *(s.value for s in DCS_TARGETS)}
    assert {"received", "withdrawn"} <= set(dcs["status"])
    loa = ("complete", "offer_data", "notified", "offered", "accepted", "implemented")
    for stage in (*loa, "delivering", "closed", "expired"):
        assert dcs[f"{stage}_at"].isna().all(), stage
    assert dcs["approval_date"].isna().all()
    assert not dcs["retransfer_outside_group"].any()


def test_nato_nspa_purchases_are_fms_and_labelled_2776b1():
    """22 U.S.C. 2776(b)(1): NATO (through NSPA) buys through FMS; synthetic NATO cases are
    FMS, say NSPA in the note, and get the 15-day review at the lower thresholds."""
    cases, _ = generate_frames(3000, 4, end=END)
    nato = cases[cases["partner"] == "NATO"]
    assert len(nato) > 30
    assert (nato["sale_type"] == "FMS").all()
    assert nato["note"].str.contains("NSPA").all()
    assert not cases.loc[cases["partner"] != "NATO", "note"].str.contains("NSPA").any()
    notice = notification_frame(nato.assign(as_of=nato["request_date"]))
    assert (notice["review_days"].dropna() == 15).all()
    big = nato["mde_value"] >= 14e6
    assert notice.loc[big, "required"].all()


def test_milap_dates_and_offer_expiry_samm_c5_4_19():
    """SAMM C5.4.19: each offered case carries its MILAP date on or before the offer (and
    after the offer data); acceptance falls within the expiry counted from MILAP, and an
    expired offer expired after it."""
    cases, _ = generate_frames(3000, 6, end=END)
    proc = load_process()
    offered = pd.to_datetime(cases["offered_at"])
    milap = pd.to_datetime(cases["approval_date"])
    assert (offered.notna() == milap.notna()).all()
    has = offered.notna()
    assert (milap[has] <= offered[has]).all()
    assert (milap[has] >= pd.to_datetime(cases["offer_data_at"])[has]).all()
    days = cases["partner"].map(proc.expiry_days)
    limit = milap + pd.to_timedelta(days, unit="D")
    acc = pd.to_datetime(cases["accepted_at"])
    assert (acc[acc.notna()] <= limit[acc.notna()]).all()
    exp = pd.to_datetime(cases["expired_at"])
    assert (exp[exp.notna()] > limit[exp.notna()]).all()


def test_retransfer_outside_group_lowers_thresholds_2776b6():
    """22 U.S.C. 2776(b)(6): a few FMS sales authorize re-transfer outside NATO+5; a NATO+5
    partner's notification decision then uses the lower thresholds, in the generator too."""
    cases, _ = generate_frames(4000, 8, end=END)
    flagged = cases[cases["retransfer_outside_group"]]
    assert 40 < len(flagged) < 250
    assert (flagged["sale_type"] == "FMS").all()
    with_flag = notification_frame(flagged.assign(as_of=flagged["request_date"]))
    without = notification_frame(
        flagged.assign(as_of=flagged["request_date"], retransfer_outside_group=False)
    )
    assert (with_flag["required"] >= without["required"]).all()
    plus5 = flagged["partner"].isin(["JPN", "AUS", "KOR", "ISR", "NZL", "DEU", "POL", "GBR"])
    mid = plus5 & flagged["mde_value"].between(14e6, 25e6, inclusive="left")
    assert mid.sum() >= 3
    assert with_flag.loc[mid, "required"].all() and not without.loc[mid, "required"].any()
