"""Offer expiry from the LOA's approval (MILAP, DSCA SAMM C5.4.19) and the new case fields
(NATO as purchaser, re-transfer outside NATO+5, MILAP date) through the real store, on SQLite
and PostgreSQL (migration 0004_law)."""

from __future__ import annotations

import datetime as dt

import pytest

from burdenshare.cases import lifecycle
from burdenshare.cases.model import Stage
from burdenshare.errors import CaseError
from burdenshare.store import cases as repo

S = Stage
D = dt.date


def _offered(make_case, approved: D | None, offered=D(2026, 2, 15), partner="EGY"):
    times = {
        S.received: D(2025, 11, 1),
        S.complete: D(2025, 11, 5),
        S.offer_data: D(2025, 11, 20),
        S.offered: offered,
    }
    return make_case(
        "M-1", partner, status=S.offered, times=times, mde=1e6, total=2e6, approval_date=approved
    )


def test_samm_c5_4_19_offer_expiry_counts_from_milap_not_from_the_offer(make_case):
    """DSCA SAMM C5.4.19: the offer expiration date is 85 days after MILAP (1 Jan 2026 ->
    27 Mar 2026), although the LOA was offered only on 15 Feb 2026."""
    case = _offered(make_case, D(2026, 1, 1))
    lifecycle.check_transition(case, S.accepted, D(2026, 3, 27))
    with pytest.raises(CaseError, match=r"expired on 2026-03-27 .*MILAP.*2026-01-01"):
        lifecycle.check_transition(case, S.accepted, D(2026, 3, 28))
    lifecycle.check_transition(case, S.expired, D(2026, 3, 28))
    # without a recorded MILAP the offer date is the (latest possible) basis
    no_milap = _offered(make_case, None)
    lifecycle.check_transition(no_milap, S.accepted, D(2026, 5, 11))


def test_samm_c5_4_19_longer_period_for_a_partner(make_case):
    """SAMM C5.4.19: some partners' LOAs state a longer offer period."""
    process = lifecycle.parse_process(
        {
            "aod_group_days": {"A": 45, "B": 100, "C": 150},
            "offer_expiry_days": 85,
            "offer_expiry_days_by_partner": {"egy": 120},
        }
    )
    case = _offered(make_case, D(2026, 1, 1))
    lifecycle.check_transition(case, S.accepted, D(2026, 5, 1), process=process)
    assert process.offer_expiry(D(2026, 1, 1), "POL") == D(2026, 3, 27)
    with pytest.raises(CaseError, match="only lengthen"):
        lifecycle.parse_process(
            {
                "aod_group_days": {"A": 45, "B": 100, "C": 150},
                "offer_expiry_days": 85,
                "offer_expiry_days_by_partner": {"EGY": 30},
            }
        )


def test_samm_c5_4_19_milap_is_on_or_before_the_offer(make_case):
    """MILAP precedes the offer: a later approval date is refused, by the model and the move."""
    with pytest.raises(CaseError, match="approval_date"):
        from burdenshare.cases.model import case_from_dict

        case_from_dict(
            {
                "id": "M-2",
                "partner": "EGY",
                "request_date": "2026-01-01",
                "status": "offered",
                "stage_times": {"offered": "2026-02-01"},
                "approval_date": "2026-02-02",
            }
        )
    times = {S.received: D(2026, 1, 1), S.complete: D(2026, 1, 2), S.offer_data: D(2026, 1, 3)}
    case = make_case("M-3", "EGY", status=S.offer_data, times=times, mde=1e6, total=1e6)
    from burdenshare.cases.notification import notification

    notice = notification(case, as_of=D(2026, 2, 1))
    with pytest.raises(CaseError, match="after the offer"):
        lifecycle.transition(case, S.offered, D(2026, 2, 1), notice=notice, approved=D(2026, 2, 3))
    moved = lifecycle.transition(
        case, S.offered, D(2026, 2, 1), notice=notice, approved=D(2026, 1, 20)
    )
    assert moved.approval_date == D(2026, 1, 20)


def test_store_keeps_milap_nato_partner_and_retransfer_flag(engine, make_case):
    """Migration 0004_law: partner NATO (22 U.S.C. 2776(b)(1)), re-transfer outside the group
    ((b)(6)) and the MILAP date (SAMM C5.4.19) are stored and read back."""
    repo.insert_cases(
        engine,
        [
            make_case("N-1", "NATO", mde=20e6, total=20e6),
            make_case("J-1", "JPN", mde=20e6, total=20e6, retransfer_outside_group=True),
        ],
    )
    nato = repo.get_case(engine, "N-1")
    assert nato.partner == "NATO"
    assert repo.get_case(engine, "J-1").retransfer_outside_group is True
    repo.transition_case(engine, "N-1", S.complete, D(2026, 1, 6))
    repo.transition_case(engine, "N-1", S.offer_data, D(2026, 1, 20))
    # NATO: notified at $14M (lower thresholds), 15-day review
    case = repo.transition_case(engine, "N-1", S.notified, D(2026, 2, 1))
    assert case.notification_section == "36(b)"
    with pytest.raises(CaseError, match="15-day congressional review"):
        repo.transition_case(engine, "N-1", S.offered, D(2026, 2, 10))
    repo.transition_case(engine, "N-1", S.offered, D(2026, 2, 16), approved=D(2026, 2, 5))
    stored = repo.get_case(engine, "N-1")
    assert stored.approval_date == D(2026, 2, 5) and stored.status == S.offered
    with pytest.raises(CaseError, match="expired on 2026-05-01"):
        repo.transition_case(engine, "N-1", S.accepted, D(2026, 5, 2))
