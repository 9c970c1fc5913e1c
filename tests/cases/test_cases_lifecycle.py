"""The case state machine: every allowed transition, every refused pair, and the
case-specific refusals (notification, review period, offer expiry, dates)."""

from __future__ import annotations

import datetime as dt

import pytest

from burdenshare.cases.lifecycle import (
    TRANSITIONS,
    FmsProcess,
    load_process,
    parse_process,
    transition,
)
from burdenshare.cases.model import MAIN_LINE, TERMINAL, Case, Stage, parse_stage
from burdenshare.cases.notification import NotificationInput, notification
from burdenshare.errors import CaseError

D = dt.date
S = Stage
T0 = D(2026, 1, 5)

NOT_REQUIRED = notification(NotificationInput("POL", "FMS", 1e6, 1e6), as_of=T0)
REQUIRED = notification(NotificationInput("EGY", "FMS", 20e6, 20e6), as_of=T0)  # 30 days


def case_at(stage: Stage, *, day: dt.date = T0):
    """A case that walked the main line up to ``stage`` (one day per stage)."""
    times = {S.received: D(2025, 6, 1)}
    d = D(2025, 6, 1)
    for s in MAIN_LINE[1:]:
        if s == stage and stage in TERMINAL - {S.closed}:
            break
        d = d + dt.timedelta(days=1)
        times[s] = d
        if s == stage:
            break
    if stage in (S.withdrawn, S.denied, S.expired):
        times = {
            S.received: D(2025, 6, 1),
            S.complete: D(2025, 6, 2),
            S.offer_data: D(2025, 6, 3),
            S.offered: D(2025, 6, 4),
            stage: D(2025, 9, 30),
        }
    return Case(
        id="C-1",
        partner="POL",
        request_date=times[S.received],
        mde_value=10e6,
        total_value=20e6,
        status=stage,
        stage_times=times,
    )


def _context(case, target):
    """Date and notification decision that make a main-line move legal."""
    if case.status == S.offer_data:
        notice = REQUIRED if target == S.notified else NOT_REQUIRED
        return case.last_stage_date + dt.timedelta(days=1), notice
    if case.status == S.notified:
        return case.last_stage_date + dt.timedelta(days=30), REQUIRED
    if case.status == S.offered and target == S.expired:
        return case.at(S.offered) + dt.timedelta(days=86), None
    return case.last_stage_date + dt.timedelta(days=1), None


ALLOWED = [(a, b) for a, targets in TRANSITIONS.items() for b in targets]
REFUSED = [(a, b) for a in S for b in S if b not in TRANSITIONS[a]]


@pytest.mark.parametrize(("current", "target"), ALLOWED)
def test_every_allowed_transition(current, target):
    case = case_at(current)
    at, notice = _context(case, target)
    new = transition(case, target, at, notice=notice)
    assert new.status == target
    assert new.stage_times[target] == at
    assert case.status == current  # the input is untouched
    if target == S.notified:
        assert new.notification_section == "36(b)"
        assert new.notification_rules == "aeca-2010"


@pytest.mark.parametrize(("current", "target"), REFUSED)
def test_every_refused_pair_says_why_and_changes_nothing(current, target):
    case = case_at(current)
    before = case.model_dump()
    at, notice = _context(case, target)
    with pytest.raises(CaseError) as exc:
        transition(case, target, at, notice=notice or REQUIRED)
    msg = str(exc.value)
    assert case.id in msg
    assert ("cannot move" in msg) or ("final stage" in msg) or ("already" in msg)
    assert case.model_dump() == before


def test_notified_is_refused_when_not_required():
    case = case_at(S.offer_data)
    with pytest.raises(CaseError, match="not required.*move to offered"):
        transition(case, S.notified, D(2025, 7, 1), notice=NOT_REQUIRED)


def test_offer_without_required_notification_is_refused():
    case = case_at(S.offer_data)
    with pytest.raises(CaseError, match=r"required under AECA 36\(b\).*notified first"):
        transition(case, S.offered, D(2025, 7, 1), notice=REQUIRED)


def test_offer_before_the_review_period_ends_is_refused():
    case = case_at(S.notified)  # notified on 2025-06-04
    notified = case.at(S.notified)
    with pytest.raises(CaseError, match="30-day congressional review"):
        transition(case, S.offered, notified + dt.timedelta(days=29), notice=REQUIRED)
    ok = transition(case, S.offered, notified + dt.timedelta(days=30), notice=REQUIRED)
    assert ok.status == S.offered


def test_acceptance_after_offer_expiry_is_refused_and_expiry_before_it_too():
    case = case_at(S.offered)
    offered = case.at(S.offered)
    last_day = offered + dt.timedelta(days=85)
    assert transition(case, S.accepted, last_day).status == S.accepted
    with pytest.raises(CaseError, match="offer expired on"):
        transition(case, S.accepted, last_day + dt.timedelta(days=1))
    with pytest.raises(CaseError, match="open until"):
        transition(case, S.expired, last_day)
    assert transition(case, S.expired, last_day + dt.timedelta(days=1)).status == S.expired


def test_offer_expiry_days_are_configurable():
    proc = parse_process({"aod_group_days": {"A": 45, "B": 100, "C": 150}, "offer_expiry_days": 10})
    case = case_at(S.offered)
    with pytest.raises(CaseError, match="10 days after"):
        transition(case, S.accepted, case.at(S.offered) + dt.timedelta(days=11), process=proc)


def test_a_date_before_the_last_recorded_date_is_refused():
    case = case_at(S.complete)
    with pytest.raises(CaseError, match="before the case's last recorded date"):
        transition(case, S.offer_data, case.at(S.complete) - dt.timedelta(days=1))


def test_emergency_waiver_allows_offer_on_the_notification_day():
    waived = notification(NotificationInput("EGY", "FMS", 20e6, 20e6, emergency=True), as_of=T0)
    case = case_at(S.notified)
    assert transition(case, S.offered, case.at(S.notified), notice=waived).status == S.offered


def test_shipped_process_standards():
    proc = load_process()
    assert proc.aod_group_days == {"A": 45, "B": 100, "C": 150}
    assert proc.offer_expiry_days == 85
    assert proc.anticipated_offer_date(D(2026, 1, 1), "A") == D(2026, 2, 15)


def test_bad_process_file_is_a_case_error():
    with pytest.raises(CaseError, match="aod_group_days"):
        parse_process({"aod_group_days": {"A": 45}, "offer_expiry_days": 85})
    assert isinstance(load_process(), FmsProcess)


@pytest.mark.parametrize(
    ("text", "stage"),
    [("offer-data", S.offer_data), ("Offer Data", S.offer_data), ("CLOSED", S.closed)],
)
def test_stage_names_from_user_text(text, stage):
    assert parse_stage(text) == stage


def test_unknown_stage_lists_the_known_ones():
    with pytest.raises(CaseError, match="unknown stage 'shipped'.*received"):
        parse_stage("shipped")
