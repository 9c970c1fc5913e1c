"""The law as written (issue 13): who gets the NATO+5 review period and thresholds, the
Category I firearms reading of 36(c), dates before the first rule set, missing flags in the
vectorised path. Each test names the statute paragraph it checks."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from burdenshare.cases.model import case_from_dict
from burdenshare.cases.notification import (
    NotificationInput,
    get_rule_set,
    notification,
    notification_frame,
)
from burdenshare.errors import CaseError, PolicyError

AS_OF = dt.date(2026, 1, 5)


def _fms(partner: str, mde: float, total: float | None = None, **kw) -> NotificationInput:
    return NotificationInput(
        partner=partner,
        sale_type=kw.pop("sale_type", "FMS"),
        mde_value=mde,
        total_value=mde if total is None else total,
        **kw,
    )


# ---- NATO (the organisation) as a purchaser: 2776(b)(1) review, (b)(6) thresholds -------


@pytest.mark.parametrize("code", ["NATO", "NSPA", "nspa"])
def test_2776b1_nato_organisation_gets_15_day_review_but_2776b6_lower_thresholds(code):
    """22 U.S.C. 2776(b)(1): 15 days for "the North Atlantic Treaty Organization"; the
    higher thresholds of (b)(6) name NATO member *countries* only, so NATO itself is
    notified at $14M of major defense equipment."""
    r = notification(_fms(code, 20e6), as_of=AS_OF)
    assert r.required and r.section == "36(b)"
    assert r.group == "other" and r.review_group == "nato_plus_5"
    assert r.threshold_usd == 14e6 and r.review_days == 15
    assert r.earliest_offer_date == AS_OF + dt.timedelta(days=15)
    # the reason says why NATO is held to the lower threshold
    assert "not a member country" in r.reason and "(b)(6)" in r.reason
    below = notification(_fms(code, 13_999_999), as_of=AS_OF)
    assert not below.required


def test_2776b6_member_country_gets_higher_thresholds_when_no_retransfer_outside():
    """22 U.S.C. 2776(b)(6)(A): $25M MDE for a NATO member country (Poland) whose sale does
    not authorize transfer outside the group."""
    assert not notification(_fms("POL", 20e6), as_of=AS_OF).required
    assert notification(_fms("POL", 25e6), as_of=AS_OF).review_days == 15


@pytest.mark.parametrize(
    ("sale_type", "section", "cite"),
    [
        ("FMS", "36(b)", "2776(b)(1)"),
        ("DCS", "36(c)", "2776(c)(1)"),
        ("RETRANSFER", "3(d)", "2753(d)(1)"),
    ],
)
def test_2776b6_c5_2753d5_retransfer_outside_group_means_lower_thresholds(sale_type, section, cite):
    """22 U.S.C. 2776(b)(6), (c)(5), 2753(d)(5): the higher thresholds hold only when the
    sale does not authorize transfer or resale outside NATO+5; otherwise $14M applies, while
    the purchaser keeps its 15-day review ((b)(1), (c)(2), 2753(d)(2))."""
    inp = _fms("JPN", 20e6, sale_type=sale_type, retransfer_outside_group=True)
    r = notification(inp, as_of=AS_OF)
    assert r.required and r.section == section
    assert r.group == "other" and r.review_group == "nato_plus_5" and r.review_days == 15
    assert r.threshold_usd == 14e6 and cite in r.citation
    assert r.retransfer_outside_group
    same_without = notification(_fms("JPN", 20e6, sale_type=sale_type), as_of=AS_OF)
    assert not same_without.required


def test_2776b6_retransfer_flag_changes_nothing_for_other_purchasers():
    """22 U.S.C. 2776(b)(1): a non-member is at the lower thresholds and 30 days anyway."""
    a = notification(_fms("EGY", 20e6, retransfer_outside_group=True), as_of=AS_OF)
    b = notification(_fms("EGY", 20e6), as_of=AS_OF)
    assert (a.required, a.review_days, a.group) == (b.required, b.review_days, b.group)
    assert a.review_days == 30


def test_2776b_case_partner_may_be_nato_and_carries_the_retransfer_field():
    """A stored case can name NATO (or its agency NSPA) as the purchaser, and say that its
    sale authorizes re-transfer outside the group (22 U.S.C. 2776(b)(1), (b)(6))."""
    base = {"id": "N-1", "request_date": "2026-01-02", "mde_value": 20e6, "total_value": 20e6}
    case = case_from_dict({**base, "partner": "NSPA"})
    assert case.partner == "NATO"
    r = notification(case, as_of=AS_OF)
    assert r.required and r.review_days == 15 and r.group == "other"
    gbr = case_from_dict({**base, "partner": "GBR", "retransfer_outside_group": True})
    assert notification(gbr, as_of=AS_OF).required
    with pytest.raises(CaseError, match="ISO3 code or NATO"):
        case_from_dict({**base, "partner": "OTAN1"})


# ---- USML Category I firearms, 36(c) ---------------------------------------------------


def _firearms(partner: str, value: float, **kw) -> NotificationInput:
    return NotificationInput(
        partner=partner, sale_type="DCS", firearms_value=value, total_value=value, **kw
    )


def test_2776c5_category_i_firearms_to_nato_plus_5_notified_only_at_higher_thresholds():
    """22 U.S.C. 2776(c)(5): for a licence to a NATO member country or one of the five (no
    new sales territory outside the group) the limitation of (c)(1), including its
    $1,000,000 firearms threshold, applies only at $25M MDE / $100M articles (reading
    documented in the rule file; CRS RL31675)."""
    assert not notification(_firearms("AUS", 5e6), as_of=AS_OF).required
    r = notification(_firearms("AUS", 100e6), as_of=AS_OF)
    assert r.required and r.threshold_kind == "total" and r.review_days == 15


def test_2776c1_category_i_firearms_at_one_million_for_other_purchasers_30_days():
    """22 U.S.C. 2776(c)(1), (c)(2)(B); CRS RL31675: Category I firearms licences of
    $1,000,000 or more are notified 30 days before issue for other purchasers."""
    assert not notification(_firearms("BRA", 999_999), as_of=AS_OF).required
    r = notification(_firearms("BRA", 1e6), as_of=AS_OF)
    assert r.required and r.threshold_kind == "firearms" and r.review_days == 30
    assert "2776(c)(1)" in r.citation


def test_2776c1_c2_firearms_licence_authorizing_retransfer_outside_group_at_one_million():
    """22 U.S.C. 2776(c)(5) does not cover a licence authorizing a new sales territory
    outside the group: (c)(1)'s $1,000,000 applies, with the 15-day review of (c)(2)(A)."""
    r = notification(_firearms("DEU", 1e6, retransfer_outside_group=True), as_of=AS_OF)
    assert r.required and r.threshold_kind == "firearms" and r.review_days == 15
    nato = notification(_firearms("NATO", 1e6), as_of=AS_OF)
    assert nato.required and nato.review_days == 15


def test_2776c_rule_file_encodes_no_firearms_threshold_for_nato_plus_5():
    """The rule file says the reading: null for nato_plus_5 under (c)(5), $1M for others."""
    sec = get_rule_set("aeca-2010").section("36(c)")
    assert "firearms" not in sec.group_thresholds("nato_plus_5")
    assert sec.group_thresholds("other")["firearms"].usd == 1_000_000
    assert "RL31675" in sec.group_thresholds("other")["firearms"].cite


# ---- dates before the first rule set (P.L. 111-266, 8 Oct 2010) -------------------------


def test_2776_dates_before_the_2010_rule_set_are_refused_with_the_reason():
    """22 U.S.C. 2776 as amended by P.L. 111-266: the first encoded rule set starts
    2010-10-08; earlier dates (when the 1986 and 2008 NATO+5 entries would matter) are
    refused rather than evaluated under later law."""
    with pytest.raises(PolicyError, match="earliest starts 2010-10-08") as err:
        notification(_fms("KOR", 20e6), as_of=dt.date(2009, 6, 1))
    assert "not encoded" in str(err.value)
    frame = pd.DataFrame(
        [{"partner": "JPN", "sale_type": "FMS", "mde_value": 1.0, "total_value": 1.0}]
    )
    with pytest.raises(PolicyError, match="earliest starts 2010-10-08"):
        notification_frame(frame, as_of=dt.date(1999, 1, 1))


# ---- missing flags in the vectorised path ------------------------------------------------


def test_2776b1_missing_emergency_or_manufacture_abroad_flag_counts_as_false():
    """22 U.S.C. 2776(b)(1) emergency waiver and 2776(d) manufacture abroad apply only when
    stated: a missing (NaN) flag in the vectorised path is false, not true."""
    frame = pd.DataFrame(
        {
            "partner": ["EGY", "EGY"],
            "sale_type": ["FMS", "DCS"],
            "mde_value": [20e6, 0.0],
            "total_value": [20e6, 1e6],
            "emergency": [np.nan, None],
            "manufacture_abroad": [np.nan, np.nan],
        },
    )
    out = notification_frame(frame, as_of=AS_OF)
    assert bool(out.loc[0, "required"]) and int(out.loc[0, "review_days"]) == 30
    assert not bool(out.loc[1, "required"])  # no 36(d) from a missing flag


# ---- EEUM designations matched with their variant (SAMM C8.4) ----------------------------


@pytest.mark.parametrize(
    ("text", "designation"),
    [
        ("Harpoon Block II anti-ship missiles", "Harpoon Block II"),
        ("AGM-84L Harpoon", "Harpoon Block II"),
        ("RGM-84L Block II Harpoon canisters", "Harpoon Block II"),
        ("Harpoon Block 1C", None),
        ("Harpoon Block III", None),
        ("MANPADS Mistral", None),
        ("FIM-92 Stinger MANPADS", "Stinger (MANPADS)"),
        ("Stinger missiles", "Stinger (MANPADS)"),
    ],
)
def test_samm_c84_eeum_designations_match_the_variant_not_the_family(text, designation):
    """DSCA SAMM C8.4: only designated articles (with their variant) need enhanced
    end-use monitoring; a class word (MANPADS) or another variant (Block 1C) does not."""
    from burdenshare.cases.eeum import load_designations

    found = load_designations().find(text)
    assert (found.name if found else None) == designation


# ---- ITAR 22 CFR 126.1 scope per listing, and third-party transfers (2753(d)) ------------

D = dt.date


def _delivered(make_case):
    from burdenshare.cases.model import CaseItem, Stage

    items = (
        CaseItem(line=1, description="Spare parts", usml_category="VIII", quantity=50, value=8e6),
        CaseItem(line=2, description="Radios", usml_category="XI", quantity=40, value=20e6),
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
        "T-1", "POL", status=Stage.delivering, times=times, mde=0.0, total=28e6, items=items
    )


def _check(make_case, to, total=2e6, mde=0.0, day=D(2026, 1, 10), **kw):
    from burdenshare.cases.transfers import TransferLine, TransferRequest, check_transfer

    req = TransferRequest(
        from_partner="POL",
        to_recipient=to,
        source_case_id="T-1",
        lines=(TransferLine(2, 5),),
        mde_value=mde,
        total_value=total,
        request_date=day,
        **kw,
    )
    return check_transfer(
        req, source_case=_delivered(make_case), available={1: 50, 2: 40}, holder="POL"
    )


def test_22_cfr_126_1_scope_per_listing_full_partial_suspended():
    """22 CFR 126.1: (d)(1) full denial (China); (f) Iraq partial with the government
    excepted; (r) Cyprus suspended until 30 Sep 2026, the full denial after it."""
    from burdenshare.groups import is_member, itar_listing

    day = D(2026, 1, 5)
    assert itar_listing("CHN", day).scope == "full"
    irq = itar_listing("IRQ", day)
    assert irq.scope == "partial" and "Government of Iraq" in irq.exception
    for iso3 in ("IRQ", "LBN", "SOM"):
        assert is_member(iso3, "itar_126_1_review", day)
        assert not is_member(iso3, "itar_126_1_full", day)
    cyp = itar_listing("CYP", day)
    assert cyp.scope == "suspended" and cyp.suspended_until == D(2026, 9, 30)
    assert itar_listing("CYP", D(2026, 9, 30)).scope == "suspended"
    assert itar_listing("CYP", D(2026, 10, 1)).scope == "full"
    assert itar_listing("POL", day) is None


def test_22_cfr_126_1_f_transfer_to_iraq_is_reviewed_not_denied(make_case):
    """22 CFR 126.1(f): arms for the Iraqi government are reviewed case by case."""
    d = _check(make_case, "IRQ")
    assert d.decision == "consent" and d.review is not None
    assert "case-by-case review" in d.review and "126.1(f)" in d.review
    assert d.to_dict()["review"] == d.review
    assert _check(make_case, "RUS").decision == "denied"


def test_22_cfr_126_1_r_cyprus_denied_once_the_suspension_lapses(make_case):
    """22 CFR 126.1(r): suspended to 30 Sep 2026 (review), denial from 1 Oct 2026."""
    during = _check(make_case, "CYP", day=D(2026, 9, 30))
    assert during.decision == "consent" and "suspended until 2026-09-30" in during.review
    assert _check(make_case, "CYP", day=D(2026, 10, 1)).decision == "denied"


def test_2753d1_values_are_original_acquisition_cost_and_said_so(make_case):
    """22 U.S.C. 2753(d)(1): thresholds apply to the original acquisition cost."""
    d = _check(make_case, "EGY", total=50e6)
    assert d.decision == "notify" and any("original acquisition cost" in r for r in d.reasons)


@pytest.mark.parametrize("exemption", ["mro", "nato_cross_servicing"])
def test_2753d4_exempt_transfers_need_consent_but_no_notification(make_case, exemption):
    """22 U.S.C. 2753(d)(4): maintenance, repair or overhaul without capability increase, and
    NATO cross-servicing / lead-nation arrangements, are not notified."""
    d = _check(make_case, "EGY", total=50e6, exemption=exemption)
    assert d.decision == "consent" and d.notice is None
    assert any("2753(d)(4)" in r for r in d.reasons)
    # the exemption does not lift a denial
    assert _check(make_case, "RUS", total=50e6, exemption=exemption).decision == "denied"


def test_2753d5_consent_authorizing_transfer_outside_group_uses_lower_threshold(make_case):
    """22 U.S.C. 2753(d)(5): $25M for a NATO+5 recipient, $14M when the consent authorizes a
    further transfer outside the group."""
    assert _check(make_case, "EST", total=20e6, mde=20e6).decision == "consent"
    d = _check(make_case, "EST", total=20e6, mde=20e6, retransfer_outside_group=True)
    assert d.decision == "notify" and d.notice.review_days == 15


# ---- changes after notification: 22 U.S.C. 2776(b)(5) -----------------------------------


def test_2776b5a_enhancement_after_notification_is_reported_45_days_before_delivery():
    """22 U.S.C. 2776(b)(5)(A): an enhancement or upgrade of the sensitivity of technology
    after notification is reported at least 45 days before delivery."""
    from burdenshare.cases.notification import renotification

    notified = _fms("EGY", 20e6, 30e6)
    amended = _fms("EGY", 22e6, 32e6)
    r = renotification(
        notified, amended, AS_OF, enhancement=True, delivery_date=dt.date(2026, 6, 30)
    )
    assert r.action == "report" and r.report_due == dt.date(2026, 5, 16)
    assert "2776(b)(5)(A)" in r.citation


def test_2776b5c_enhancement_costing_the_b1_amounts_is_a_new_sale():
    """22 U.S.C. 2776(b)(5)(C): an enhancement costing $14M of MDE or more is a new sale."""
    from burdenshare.cases.notification import renotification

    r = renotification(_fms("POL", 30e6, 40e6), _fms("POL", 45e6, 55e6), AS_OF, enhancement=True)
    assert r.action == "new_notification" and r.notice is not None
    assert "new sale" in r.reasons[0]


def test_2776b5_value_increase_after_notification_needs_its_own_check():
    """22 U.S.C. 2776(b)(5): a value increase after notification is reported; an increase
    that itself reaches the thresholds is a new sale; a case that was below the thresholds
    and now reaches them must be notified; no change needs nothing."""
    from burdenshare.cases.notification import renotification

    small = renotification(_fms("EGY", 20e6, 30e6), _fms("EGY", 25e6, 35e6), AS_OF)
    assert small.action == "report" and "20,000,000 -> $25,000,000" in small.reasons[0]
    big = renotification(_fms("EGY", 20e6, 30e6), _fms("EGY", 35e6, 45e6), AS_OF)
    assert big.action == "new_notification"
    crossed = renotification(_fms("EGY", 10e6, 10e6), _fms("EGY", 15e6, 15e6), AS_OF)
    assert crossed.action == "new_notification" and crossed.notice.required
    same = renotification(_fms("EGY", 20e6, 30e6), _fms("EGY", 20e6, 30e6), AS_OF)
    assert same.action == "none"
    with pytest.raises(CaseError, match="FMS"):
        renotification(_fms("EGY", 1, sale_type="DCS"), _fms("EGY", 2, sale_type="DCS"), AS_OF)


# ---- Direct Commercial Sales are kept to the notification check (22 U.S.C. 2776(c)) -------


def test_2776c_dcs_licence_is_not_run_through_the_loa_life_cycle(make_case):
    """22 U.S.C. 2776(c); 22 CFR 123.15: a DSP-5 licence is not an LOA. A DCS case gets its
    notification decision, may be withdrawn or denied, and is refused every LOA stage."""
    from burdenshare.cases import lifecycle
    from burdenshare.cases.model import Stage

    case = make_case("D-1", "EGY", sale_type="DCS", mde=20e6, total=20e6)
    assert notification(case, as_of=AS_OF).section == "36(c)"
    for target in (Stage.complete, Stage.offered, Stage.accepted, Stage.expired):
        with pytest.raises(CaseError, match="not an LOA"):
            lifecycle.check_transition(case, target, AS_OF)
    assert lifecycle.transition(case, Stage.withdrawn, AS_OF).status == Stage.withdrawn
    assert lifecycle.next_main_stage(case, True) is None
    fms = make_case("F-1", "EGY")
    assert lifecycle.transition(fms, Stage.complete, AS_OF).status == Stage.complete


# ---- invariants of the NATO+5 conditionality (hypothesis) ---------------------------------


@settings(max_examples=80, deadline=None)
@given(
    partner=st.sampled_from(["POL", "JPN", "ISR", "EGY", "IND", "NATO", "NSPA", "FIN"]),
    sale=st.sampled_from(["FMS", "DCS", "RETRANSFER"]),
    mde=st.floats(0, 400e6),
    extra=st.floats(0, 400e6),
    firearms=st.floats(0, 5e6),
    day=st.dates(dt.date(2010, 10, 8), dt.date(2030, 12, 31)),
)
def test_2776b6_c5_2753d5_authorizing_retransfer_never_lowers_the_bar_nor_changes_review(
    partner, sale, mde, extra, firearms, day
):
    """22 U.S.C. 2776(b)(6), (c)(5), 2753(d)(5): authorizing a re-transfer outside NATO+5 can
    only make notification required (lower thresholds), and never changes the purchaser's
    review period ((b)(1), (c)(2), 2753(d)(2))."""
    base = NotificationInput(
        partner=partner,
        sale_type=sale,
        mde_value=mde,
        total_value=mde + extra,
        firearms_value=min(firearms, mde + extra),
    )
    from dataclasses import replace

    plain = notification(base, as_of=day)
    wider = notification(replace(base, retransfer_outside_group=True), as_of=day)
    assert wider.required >= plain.required
    assert wider.review_group == plain.review_group
    if plain.required and wider.required:
        assert wider.review_days == plain.review_days
    if partner in ("NATO", "NSPA"):  # NATO the organisation: lower thresholds either way
        assert plain.required == wider.required and plain.group == "other"
