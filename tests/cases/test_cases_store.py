"""Cases in the store, on SQLite and PostgreSQL: round trip, transitions with audit records,
optimistic locking under concurrent writers, audit tampering in the database, transfers."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from burdenshare.cases.model import CaseItem, Stage
from burdenshare.cases.transfers import TransferLine, TransferRequest
from burdenshare.errors import CaseError
from burdenshare.store import cases as repo

D = dt.date
S = Stage


def audit_count(engine) -> int:
    with engine.connect() as c:
        return c.execute(sa.select(sa.func.count()).select_from(repo.AUDIT)).scalar_one()


def test_round_trip_and_duplicate_refused(engine, make_case):
    case = make_case(
        "C-1",
        "POL",
        items=(
            CaseItem(
                line=1,
                catalog_item_id="javelin",
                description="Javelin",
                usml_category="IV",
                quantity=10,
                value=2e6,
                eeum=True,
                eeum_designation="Javelin",
            ),
            CaseItem(line=2, description="Training", quantity=1, value=1e6),
        ),
    )
    assert repo.insert_cases(engine, [case]) == 1
    back = repo.get_case(engine, "C-1")
    assert back == case
    with pytest.raises(CaseError, match="already in the database: C-1"):
        repo.insert_cases(engine, [make_case("C-2"), case])
    with pytest.raises(CaseError, match="no case with id 'C-2'"):
        repo.get_case(engine, "C-2")  # the batch was refused whole
    assert audit_count(engine) == 1
    assert repo.verify_audit(engine).ok


def test_transitions_are_stored_with_audit_records(engine, make_case):
    repo.insert_cases(engine, [make_case("C-1", "EGY", mde=20e6, total=20e6)])
    repo.transition_case(engine, "C-1", S.complete, D(2026, 1, 6))
    repo.transition_case(engine, "C-1", S.offer_data, D(2026, 1, 20))
    with pytest.raises(CaseError, match="move to notified first"):
        repo.transition_case(engine, "C-1", S.offered, D(2026, 1, 21))
    with pytest.raises(CaseError, match="hr3613-2025 is proposed, not law"):
        repo.transition_case(engine, "C-1", S.offered, D(2026, 1, 21), rules="hr3613-2025")
    n_before = audit_count(engine)
    case = repo.transition_case(engine, "C-1", S.notified, D(2026, 2, 1))
    assert case.version == 4 and case.notification_section == "36(b)"
    assert audit_count(engine) == n_before + 2  # the notification decision and the transition
    with pytest.raises(CaseError, match="review period.*until 2026-03-03"):
        repo.transition_case(engine, "C-1", S.offered, D(2026, 3, 2))
    stored = repo.get_case(engine, "C-1")
    assert stored.status == S.notified and stored.version == 4  # refused: nothing changed
    repo.transition_case(engine, "C-1", S.offered, D(2026, 3, 3))
    records, head = repo.read_audit(engine)
    kinds = [r["kind"] for r in records]
    assert kinds.count("transition") == 4 and kinds.count("notification") == 2
    assert head[0] == len(records)
    assert repo.verify_audit(engine).ok


def test_two_users_moving_the_same_case_cannot_both_win(engine, make_case):
    repo.insert_cases(engine, [make_case("C-1")])
    from burdenshare.cases.lifecycle import transition

    seen_by_a = repo.get_case(engine, "C-1")
    seen_by_b = repo.get_case(engine, "C-1")
    a = transition(seen_by_a, S.complete, D(2026, 1, 6))
    b = transition(seen_by_b, S.withdrawn, D(2026, 1, 7))
    repo.save_transition(engine, seen_by_a, a)
    with pytest.raises(repo.ConcurrentUpdateError, match="changed by another user"):
        repo.save_transition(engine, seen_by_b, b)
    stored = repo.get_case(engine, "C-1")
    assert stored.status == S.complete and stored.version == 2
    with pytest.raises(repo.ConcurrentUpdateError, match="version 2, not 1"):
        repo.transition_case(engine, "C-1", S.offer_data, D(2026, 1, 8), expected_version=1)


def test_concurrent_writers_lose_no_update(engine, make_case):
    """Four threads race to move the same six cases; each case moves exactly once and the
    audit chain stays linear."""
    ids = [f"C-{i}" for i in range(6)]
    repo.insert_cases(engine, [make_case(i) for i in ids])
    from burdenshare.cases.lifecycle import transition

    barrier = threading.Barrier(4)
    wins: list[str] = []
    losses: list[str] = []
    lock = threading.Lock()

    def writer(w: int) -> None:
        seen = {i: repo.get_case(engine, i) for i in ids}
        barrier.wait()
        for i in ids:
            new = transition(seen[i], S.complete, D(2026, 1, 6 + w))
            try:
                repo.save_transition(engine, seen[i], new, actor=f"w{w}")
                with lock:
                    wins.append(i)
            except repo.ConcurrentUpdateError:
                with lock:
                    losses.append(i)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wins) == sorted(ids)
    assert len(losses) == 3 * len(ids)
    for i in ids:
        c = repo.get_case(engine, i)
        assert c.version == 2 and c.status == S.complete
    records, _ = repo.read_audit(engine)
    assert [r["seq"] for r in records] == list(range(1, len(records) + 1))
    assert sum(r["kind"] == "transition" for r in records) == len(ids)
    assert repo.verify_audit(engine).ok


def test_tampering_in_the_database_is_detected(engine, make_case):
    repo.insert_cases(engine, [make_case(f"C-{i}") for i in range(3)])
    repo.transition_case(engine, "C-1", S.complete, D(2026, 1, 9))
    assert repo.verify_audit(engine).ok
    with engine.begin() as c:
        c.execute(
            repo.AUDIT.update().where(repo.AUDIT.c.seq == 2).values(payload='{"case":"forged"}')
        )
    res = repo.verify_audit(engine)
    assert not res.ok and res.problems[0].seq == 2 and res.problems[0].kind == "edited"
    with engine.begin() as c:
        c.execute(repo.AUDIT.delete().where(repo.AUDIT.c.seq == 4))
    res = repo.verify_audit(engine)
    assert any(p.kind == "deleted" and "seq 4" in p.message for p in res.problems)


def _delivered(make_case):
    times = {
        S.received: D(2023, 1, 1),
        S.complete: D(2023, 1, 5),
        S.offer_data: D(2023, 2, 1),
        S.offered: D(2023, 3, 1),
        S.accepted: D(2023, 4, 1),
        S.implemented: D(2023, 4, 10),
        S.delivering: D(2024, 6, 1),
    }
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
    return make_case(
        "C-9", "POL", status=S.delivering, times=times, mde=20e6, total=28e6, items=items
    )


def test_transfers_chain_and_holdings(engine, make_case):
    repo.insert_cases(engine, [_delivered(make_case)])

    def request(frm, to, lines, parent=None, total=1e6):
        return TransferRequest(
            frm,
            to,
            "C-9",
            tuple(TransferLine(a, b) for a, b in lines),
            0.0,
            total,
            D(2026, 1, 10),
            parent_transfer_id=parent,
        )

    t1, d1 = repo.request_transfer(engine, request("POL", "EST", [(1, 30), (2, 10)]))
    assert t1 == "TR-000001" and d1.decision == "consent" and d1.eeum
    t2, d2 = repo.request_transfer(engine, request("EST", "LVA", [(1, 10)], parent=t1))
    assert d2.decision == "consent"
    with pytest.raises(CaseError, match="holds 20"):
        repo.request_transfer(engine, request("EST", "LTU", [(1, 21)], parent=t1))
    with pytest.raises(CaseError, match="holds 70"):
        repo.request_transfer(engine, request("POL", "FIN", [(1, 71)]))
    t3, d3 = repo.request_transfer(engine, request("POL", "IRN", [(2, 1)]))
    assert d3.decision == "denied"
    shown = repo.get_transfer(engine, t2)
    assert [link["to_recipient"] for link in shown["lineage"]] == ["POL", "EST", "LVA"]
    assert shown["items"][0]["quantity"] == 10 and shown["items"][0]["eeum"]
    # a denied transfer does not reduce the holder's stock
    _, ok = repo.request_transfer(engine, request("POL", "FIN", [(2, 30)]), dry_run=True)
    assert ok.decision == "consent"
    kinds = [r["kind"] for r in repo.read_audit(engine)[0]]
    assert kinds.count("transfer_decision") == 3
    assert repo.verify_audit(engine).ok


def test_delivered_eeum_items_and_bulk_frames(engine):
    from burdenshare.cases.synthetic import generate_frames

    cases, items = generate_frames(200, 7, end=D(2026, 6, 30))
    assert repo.insert_frames(engine, cases, items) == 200
    frame = repo.cases_frame(engine)
    assert len(frame) == 200 and frame["synthetic"].all()
    assert frame["delivering_at"].notna().sum() == cases["delivering_at"].notna().sum()
    eeum = repo.delivered_eeum_items(engine)
    delivered = set(cases.loc[cases["delivering_at"].notna(), "id"])
    flagged = set(items.loc[items["eeum"], "case_id"])
    assert set(eeum["case_id"]) == delivered & flagged
    one = repo.get_case(engine, cases["id"].iloc[0])
    assert one.synthetic and one.id.startswith("SYN-")
    assert repo.verify_audit(engine).ok
