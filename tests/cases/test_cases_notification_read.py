"""Reading a stored case's notification decision writes nothing (the dashboard's case page
calls it on every view); the audited check (``notify_check``) gives the same answer."""

from __future__ import annotations

import datetime as dt

import pytest

from burdenshare.errors import CaseError
from burdenshare.services.cases import case_notification, notify_check
from burdenshare.store import cases as repo


def test_case_notification_reads_only_and_equals_the_audited_check(engine, make_case):
    repo.insert_cases(engine, [make_case("C-9", "POL", mde=30e6, total=120e6)])
    before = repo.audit_count(engine)
    day = dt.date(2026, 3, 1)
    got = case_notification(engine, "C-9", as_of=day)
    assert repo.audit_count(engine) == before  # nothing written
    checked = notify_check(engine, actor="test", case_id="C-9", as_of=day)
    assert repo.audit_count(engine) == before + 1  # the explicit check is audited
    assert got.to_dict() == checked.to_dict()
    assert got.required  # 36(b) thresholds are exceeded for a NATO member at these values


def test_case_notification_names_a_missing_case_and_a_bad_date(engine):
    with pytest.raises(CaseError, match="no case with id 'C-404'"):
        case_notification(engine, "C-404")
    with pytest.raises(CaseError, match="YYYY-MM-DD"):
        case_notification(engine, "C-404", as_of="March")
