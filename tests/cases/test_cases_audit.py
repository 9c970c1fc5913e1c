"""The hash-chained audit log: tampering with any field of any record, deleting or
reordering records is detected and the record is named."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from burdenshare.cases.audit import (
    GENESIS_HASH,
    HASHED_FIELDS,
    canonical_json,
    make_record,
    verify_chain,
)


def chain(n: int) -> list[dict]:
    recs = []
    seq, h = 0, GENESIS_HASH
    for i in range(n):
        r = make_record(
            seq,
            h,
            actor=f"user{i % 3}",
            kind="transition",
            subject=f"C-{i}",
            payload={"from": "received", "to": "complete", "n": i},
            recorded_at=f"2026-01-{i % 28 + 1:02d}T10:00:00+00:00",
        )
        recs.append(r)
        seq, h = r["seq"], r["hash"]
    return recs


def head(recs):
    return (recs[-1]["seq"], recs[-1]["hash"]) if recs else (0, GENESIS_HASH)


def test_intact_chain_verifies():
    recs = chain(6)
    res = verify_chain(recs, head(recs))
    assert res.ok and res.records == 6 and "intact" in res.summary()
    assert verify_chain([], (0, GENESIS_HASH)).ok


def test_canonical_json_is_order_independent():
    assert canonical_json({"b": 1, "a": [1, 2]}) == canonical_json({"a": [1, 2], "b": 1})


FIELDS = (*HASHED_FIELDS, "prev_hash", "hash")


def _tamper(value):
    if isinstance(value, int):
        return value + 7
    return value[:-1] + ("x" if not value.endswith("x") else "y")


@settings(max_examples=80, deadline=None)
@given(n=st.integers(2, 8), data=st.data())
def test_tampering_any_field_of_any_record_is_detected_and_named(n, data):
    recs = chain(n)
    i = data.draw(st.integers(0, n - 1))
    field = data.draw(st.sampled_from(FIELDS))
    recs[i] = {**recs[i], field: _tamper(recs[i][field])}
    res = verify_chain(recs, head(chain(n)))
    assert not res.ok
    named = {p.position for p in res.problems}
    # the tampered record itself is named (editing 'hash' also breaks the link of the next one)
    assert i in named or (field == "hash" and i == n - 1 and n in named)
    assert "TAMPERED" in res.summary()


@pytest.mark.parametrize("i", [0, 2, 4])
def test_deleting_a_record_is_detected_and_named(i):
    recs = chain(6)
    deleted_seq = recs[i]["seq"]
    del recs[i]
    res = verify_chain(recs, head(chain(6)))
    assert not res.ok
    p = res.problems[0]
    assert p.kind == "deleted"
    assert f"seq {deleted_seq}" in p.message


def test_deleting_the_last_record_is_caught_by_the_head():
    full = chain(5)
    res = verify_chain(full[:-1], head(full))
    assert not res.ok and res.problems[0].kind == "deleted"
    assert "seq 5" in res.problems[0].message


def test_reordering_records_is_detected_and_named():
    recs = chain(6)
    recs[2], recs[3] = recs[3], recs[2]
    res = verify_chain(recs, head(chain(6)))
    assert not res.ok
    kinds = {p.kind for p in res.problems}
    assert "reordered" in kinds
    assert any("seq 4" in p.message for p in res.problems)


def test_rewritten_record_with_recomputed_hash_breaks_the_next_link():
    recs = chain(4)
    forged = make_record(
        recs[0]["seq"],
        recs[0]["hash"],
        actor="mallory",
        kind="transition",
        subject="C-1",
        payload={"to": "closed"},
        recorded_at="2026-01-02",
    )
    recs[1] = forged
    res = verify_chain(recs, head(chain(4)))
    assert not res.ok
    assert any(p.seq == 3 for p in res.problems)
