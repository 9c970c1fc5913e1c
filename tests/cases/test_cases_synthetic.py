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
