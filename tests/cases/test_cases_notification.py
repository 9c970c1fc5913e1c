"""Congressional notification: every threshold at / just below / just above, both customer
groups, each section, emergency waiver, as-of dates around group and rule changes, the
proposed H.R. 3613 rule set, and agreement of the vectorised path with the per-case path."""

from __future__ import annotations

import datetime as dt
import shutil
from importlib import resources

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from burdenshare.cases.notification import (
    NotificationInput,
    compare_rule_sets,
    get_rule_set,
    load_rule_sets,
    notification,
    notification_frame,
    rules_in_force,
)
from burdenshare.errors import CaseError, PolicyError

AS_OF = dt.date(2026, 1, 5)
FAV, OTH = "POL", "EGY"  # Poland: NATO member; Egypt: not in NATO+5

# (section, sale type, kind, NATO+5 threshold, others threshold)
THRESHOLDS = [
    ("36(b)", "FMS", "mde", 25_000_000, 14_000_000),
    ("36(b)", "FMS", "total", 100_000_000, 50_000_000),
    ("36(b)", "FMS", "dc", 300_000_000, 200_000_000),
    ("36(c)", "DCS", "mde", 25_000_000, 14_000_000),
    ("36(c)", "DCS", "total", 100_000_000, 50_000_000),
    # None: no separate firearms threshold for a qualifying NATO+5 licence (2776(c)(5))
    ("36(c)", "DCS", "firearms", None, 1_000_000),
    ("3(d)", "RETRANSFER", "mde", 25_000_000, 14_000_000),
    ("3(d)", "RETRANSFER", "total", 100_000_000, 50_000_000),
]


def _input(partner: str, sale_type: str, kind: str, value: float, **kw) -> NotificationInput:
    vals = {"mde_value": 0.0, "total_value": 0.0, "dc_value": 0.0, "firearms_value": 0.0}
    vals[f"{kind}_value"] = value
    if kind == "mde":  # MDE is part of the total
        vals["total_value"] = value
    return NotificationInput(partner=partner, sale_type=sale_type, **vals, **kw)


@pytest.mark.parametrize(("section", "sale", "kind", "t_fav", "t_oth"), THRESHOLDS)
@pytest.mark.parametrize("partner", [FAV, OTH])
@pytest.mark.parametrize(("offset", "expected"), [(-1, False), (0, True), (1, True)])
def test_every_threshold_at_below_above(
    section, sale, kind, t_fav, t_oth, partner, offset, expected
):
    threshold = t_fav if partner == FAV else t_oth
    if threshold is None:  # the group has no threshold of this kind: never triggered by it
        threshold, expected = t_oth, False
    r = notification(_input(partner, sale, kind, threshold + offset), as_of=AS_OF)
    assert r.required is expected
    assert r.group == ("nato_plus_5" if partner == FAV else "other")
    if expected:
        assert r.section == section
        assert r.threshold_kind == kind
        assert r.threshold_usd == threshold
        assert r.review_days == (15 if partner == FAV else 30)
        assert r.earliest_offer_date == AS_OF + dt.timedelta(days=r.review_days)
        assert "U.S.C." in r.citation
    else:
        assert r.section is None and r.threshold_usd is None and r.review_days is None
        assert r.earliest_offer_date == AS_OF


def test_citations_name_the_subsection_for_each_group():
    fav = notification(_input(FAV, "FMS", "dc", 300e6), as_of=AS_OF)
    oth = notification(_input(OTH, "FMS", "dc", 200e6), as_of=AS_OF)
    assert fav.citation == "22 U.S.C. 2776(b)(6)(C)"
    assert oth.citation == "22 U.S.C. 2776(b)(1)"
    retr = notification(_input(FAV, "RETRANSFER", "total", 100e6), as_of=AS_OF)
    assert retr.citation == "22 U.S.C. 2753(d)(5)"


@pytest.mark.parametrize(("partner", "days"), [(FAV, 15), (OTH, 30)])
def test_manufacture_abroad_is_notified_whatever_the_value(partner, days):
    r = notification(NotificationInput(partner, "DCS", manufacture_abroad=True), as_of=AS_OF)
    assert r.required and r.section == "36(d)" and r.threshold_usd is None
    assert r.review_days == days
    # without the manufacture-abroad licence the same zero-value DCS case is not notified
    assert not notification(NotificationInput(partner, "DCS"), as_of=AS_OF).required


def test_36c_and_36d_together_report_both_sections():
    r = notification(
        NotificationInput(OTH, "DCS", mde_value=20e6, total_value=20e6, manufacture_abroad=True),
        as_of=AS_OF,
    )
    assert r.section == "36(c)"
    assert [s.section for s in r.sections if s.required] == ["36(c)", "36(d)"]


def test_fms_sale_is_not_assessed_under_36c():
    # $2M of firearms is notifiable as a commercial licence, not as an FMS case
    dcs = notification(
        NotificationInput(OTH, "DCS", total_value=2e6, firearms_value=2e6), as_of=AS_OF
    )
    fms = notification(
        NotificationInput(OTH, "FMS", total_value=2e6, firearms_value=2e6), as_of=AS_OF
    )
    assert dcs.required and dcs.section == "36(c)"
    assert not fms.required


@pytest.mark.parametrize("partner", [FAV, OTH])
def test_emergency_waiver_keeps_notification_but_removes_review(partner):
    r = notification(_input(partner, "FMS", "mde", 500e6, emergency=True), as_of=AS_OF)
    assert r.required and r.emergency
    assert r.review_days == 0
    assert r.earliest_offer_date == AS_OF
    assert "emergency" in r.reason


def test_emergency_waiver_does_not_create_a_notification():
    r = notification(_input(OTH, "FMS", "mde", 1e6, emergency=True), as_of=AS_OF)
    assert not r.required


@pytest.mark.parametrize(
    ("partner", "joined"),
    [("FIN", dt.date(2023, 4, 4)), ("SWE", dt.date(2024, 3, 7)), ("MKD", dt.date(2020, 3, 27))],
)
def test_group_membership_is_evaluated_on_the_notification_date(partner, joined):
    case = _input(partner, "FMS", "mde", 20e6)  # >= $14M (others), < $25M (NATO+5)
    before = notification(case, as_of=joined - dt.timedelta(days=1))
    after = notification(case, as_of=joined)
    assert before.group == "other" and before.required and before.review_days == 30
    assert after.group == "nato_plus_5" and not after.required


def _rules_dir(tmp_path, new_effective: str = "2027-01-01"):
    """A rule directory: the shipped law plus a hypothetical later enacted set with
    doubled 'other' MDE threshold."""
    root = resources.files("burdenshare.data.rules")
    src = root.joinpath("aeca_notification_2010-10-08.yaml").read_text()
    (tmp_path / "aeca_notification_2010-10-08.yaml").write_text(src)
    later = (
        src.replace("version: aeca-2010", "version: test-2027")
        .replace("effective: 2010-10-08", f"effective: {new_effective}")
        .replace(
            'other: {usd: 14000000, cite: "22 U.S.C. 2776(b)(1)"}',
            'other: {usd: 28000000, cite: "test"}',
        )
    )
    (tmp_path / "aeca_notification_2027.yaml").write_text(later)
    return str(tmp_path)


def test_as_of_before_and_after_a_rule_change(tmp_path):
    sets = load_rule_sets(_rules_dir(tmp_path))
    case = _input(OTH, "FMS", "mde", 20e6)
    before = notification(case, as_of=dt.date(2026, 12, 31), rule_sets=sets)
    after = notification(case, as_of=dt.date(2027, 1, 1), rule_sets=sets)
    assert before.required and before.rules_version == "aeca-2010"
    assert not after.required and after.rules_version == "test-2027"
    frame = pd.DataFrame(
        {
            "partner": [OTH, OTH],
            "sale_type": "FMS",
            "mde_value": 20e6,
            "total_value": 20e6,
            "as_of": [dt.date(2026, 12, 31), dt.date(2027, 1, 1)],
        }
    )
    out = notification_frame(frame, rule_sets=sets)
    assert out["required"].tolist() == [True, False]
    assert out["rules_version"].tolist() == ["aeca-2010", "test-2027"]


def test_no_rule_set_before_the_earliest_effective_date():
    with pytest.raises(PolicyError, match="no enacted notification rule set in force"):
        notification(_input(OTH, "FMS", "mde", 20e6), as_of=dt.date(2001, 1, 1))


def test_proposed_set_is_never_chosen_by_date_only_by_version():
    assert rules_in_force(dt.date(2030, 1, 1)).version == "aeca-2010"
    hr = get_rule_set("hr3613-2025")
    assert hr.status == "proposed" and hr.effective is None
    case = _input(OTH, "FMS", "mde", 20e6)
    assert notification(case, as_of=AS_OF).required
    prop = notification(case, as_of=AS_OF, rules="hr3613-2025")
    assert not prop.required and prop.rules_status == "proposed"
    at_new = notification(_input(OTH, "FMS", "mde", 30e6), as_of=AS_OF, rules="hr3613-2025")
    assert at_new.required and at_new.threshold_usd == 30_000_000


def test_proposed_thresholds_match_the_introduced_bill_text():
    hr = get_rule_set("hr3613-2025")
    b = hr.section("36(b)")
    assert {k: t.usd for k, t in b.group_thresholds("other").items()} == {
        "mde": 30e6,
        "total": 105e6,
        "dc": 410e6,
    }
    assert {k: t.usd for k, t in b.group_thresholds("nato_plus_5").items()} == {
        "mde": 55e6,
        "total": 205e6,
        "dc": 615e6,
    }
    assert hr.section("36(c)").group_thresholds("other")["firearms"].usd == 1e6


def test_unknown_rule_version_names_the_known_ones():
    with pytest.raises(PolicyError, match=r"unknown notification rule set 'x'.*aeca-2010"):
        notification(_input(OTH, "FMS", "mde", 1), as_of=AS_OF, rules="x")


def test_bad_rule_file_names_the_file_and_field(tmp_path):
    (tmp_path / "aeca_notification_bad.yaml").write_text(
        "version: bad\nstatus: enacted\neffective: 2020-01-01\ntitle: t\n"
        "favoured_group: nato_plus_5\nsections:\n  '36(b)':\n    applies_to: FMS\n"
        "    citation: c\n    review_days: {nato_plus_5: 15}\n"
    )
    with pytest.raises(
        PolicyError, match=r"aeca_notification_bad.yaml.*no review_days for 'other'"
    ):
        load_rule_sets(str(tmp_path))


def test_unknown_sale_type_is_refused():
    with pytest.raises(CaseError, match="sale_type"):
        notification(NotificationInput(OTH, "LEASE", mde_value=1), as_of=AS_OF)


def test_compare_counts_cases_no_longer_needing_notification():
    frame = pd.DataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "partner": [OTH, OTH, FAV, FAV],
            "sale_type": "FMS",
            "mde_value": [20e6, 40e6, 30e6, 60e6],
            "total_value": [20e6, 40e6, 30e6, 60e6],
        }
    )
    out = compare_rule_sets(frame, None, "hr3613-2025", AS_OF)
    # law: a (>=14M), b, c (>=25M), d all required; bill: b (>=30M), d (>=55M) only
    assert out["required_baseline"] == 4 and out["required_proposed"] == 2
    assert out["no_longer_required"] == 2 and out["no_longer_required_ids"] == ["a", "c"]


partners = st.sampled_from(
    ["POL", "EGY", "FIN", "JPN", "KOR", "SAU", "CHE", "ISR", "IND", "NATO", "NSPA"]
)
money = st.one_of(
    st.sampled_from([0.0, 1e6, 14e6, 25e6, 50e6, 100e6, 200e6, 300e6]),
    st.floats(min_value=0, max_value=1e9, allow_nan=False),
)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            partners,
            st.sampled_from(["FMS", "DCS", "RETRANSFER"]),
            money,
            money,
            money,
            money,
            st.booleans(),
            st.booleans(),
            st.booleans(),
            st.dates(min_value=dt.date(2011, 1, 1), max_value=dt.date(2030, 12, 31)),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_vectorised_matches_per_case(rows):
    recs = [
        {
            "partner": p,
            "sale_type": s,
            "mde_value": min(a, b),
            "total_value": max(a, b),
            "dc_value": c,
            "firearms_value": f,
            "manufacture_abroad": m,
            "emergency": e,
            "retransfer_outside_group": r,
            "as_of": d,
        }
        for p, s, a, b, c, f, m, e, r, d in rows
    ]
    frame = pd.DataFrame(recs)
    out = notification_frame(frame)
    for i, rec in enumerate(recs):
        as_of = rec.pop("as_of")
        one = notification(NotificationInput(**rec), as_of=as_of)
        got = out.iloc[i]
        assert bool(got["required"]) == one.required
        assert got["group"] == one.group
        assert got["review_group"] == one.review_group
        if one.required:
            assert got["section"] == one.section
            assert int(got["review_days"]) == one.review_days
            assert got["earliest_offer_date"].date() == one.earliest_offer_date
            if one.threshold_usd is None:
                assert pd.isna(got["threshold_usd"])
            else:
                assert got["threshold_usd"] == one.threshold_usd


def test_shipped_rule_files_are_kept_apart_from_tests(tmp_path):
    # the loader reads only aeca_notification_*.yaml; other yaml files are ignored
    d = _rules_dir(tmp_path)
    shutil.copy(resources.files("burdenshare.data.rules").joinpath("fms_process.yaml"), tmp_path)
    assert {s.version for s in load_rule_sets(d)} == {"aeca-2010", "test-2027"}
