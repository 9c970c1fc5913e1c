"""Invariants of the list helpers (no server): cursor pages cover a list exactly once in
order, cursors round-trip, JSON-ready data has no NaN and survives strict JSON."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from burdenshare.api.errors import ApiError
from burdenshare.api.listing import decode_cursor, encode_cursor, page
from burdenshare.services._json import jsonable


@given(st.lists(st.integers(), max_size=60), st.integers(min_value=1, max_value=25))
def test_offset_pages_cover_the_list_once_in_order(rows, limit):
    seen, cursor = [], None
    for _ in range(len(rows) + 2):
        part, nxt = page([{"v": r} for r in rows], cursor, limit)
        seen += [p["v"] for p in part]
        assert len(part) <= limit
        if nxt is None:
            break
        cursor = encode_cursor(nxt)
    assert seen == rows


@given(st.one_of(st.integers(), st.text(max_size=30), st.none()))
def test_cursor_round_trip(value):
    assert decode_cursor(encode_cursor(value)) == value


@pytest.mark.parametrize("bad", ["%%%", "bm90IGpzb24", "LTE"])  # garbage, not JSON, -1
def test_bad_cursors_name_the_field(bad):
    with pytest.raises(ApiError) as err:
        page([{"v": 1}], bad, 10)
    assert err.value.field == "cursor" and err.value.status == 422


@given(
    st.recursive(
        st.one_of(st.floats(), st.integers(), st.text(max_size=5), st.none(), st.booleans()),
        lambda kids: st.one_of(
            st.lists(kids, max_size=4), st.dictionaries(st.text(max_size=4), kids, max_size=4)
        ),
        max_leaves=20,
    )
)
def test_jsonable_is_strict_json(obj):
    out = jsonable(obj)
    text = json.dumps(out, allow_nan=False)
    assert json.loads(text) == out

    def finite(x) -> bool:
        if isinstance(x, float):
            return math.isfinite(x)
        if isinstance(x, list):
            return all(finite(v) for v in x)
        if isinstance(x, dict):
            return all(finite(v) for v in x.values())
        return True

    assert finite(out)
