"""Priority queue: the key, deterministic order, explanations, FCFS baseline, no starvation."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from queue_helpers import AS_OF, cases_frame, catalog, item, partners_frame

from burdenshare.cases.catalog import illustrative_catalog
from burdenshare.cases.queue import (
    QUEUE_COLUMNS,
    build_queue,
    case_features,
    explain_queue,
    fcfs_queue,
    load_queue_key,
    queue_summary,
    tier_numbers,
)
from burdenshare.errors import CaseError, PolicyError

KEY = load_queue_key()
CAT = catalog(
    item("crit", strategy_priority="critical"),
    item("high", strategy_priority="high"),
    item("std", strategy_priority="standard"),
    item("draw", strategy_priority="standard", us_forces_draw=True),
)
PARTNERS = partners_frame(
    [
        ("POL", 80.0, 1, True),
        ("ESP", 40.0, 3, True),
        ("JPN", 60.0, 2, True),
        ("RUS", 99.0, 1, False),
    ]
)


def _queue(rows, partners=PARTNERS, as_of=AS_OF, key=KEY, cat=CAT):
    cases, demands = cases_frame(rows)
    return build_queue(cases, demands, partners, cat, key=key, as_of=as_of)


def test_default_key_file_is_versioned_and_documented():
    assert KEY.version == "2026-02-11"
    assert KEY.item_points == {"critical": 20.0, "high": 10.0, "standard": 0.0}
    assert KEY.readiness_points < 0 < KEY.age_points_per_year
    # 0.5*100 + (20-0) + (20-0) + 10 = 100 points of span; 20 points a year -> 5 years.
    assert KEY.starvation_bound_years() == pytest.approx(5.0)


def test_key_components_add_up():
    frame = _queue(
        [
            ("A", "POL", "2025-03-15", "crit", 1),  # 365 days old
            ("B", "ESP", "2026-03-15", "draw", 1),
        ]
    )
    assert list(frame.columns) == list(QUEUE_COLUMNS)
    q = frame.set_index("case_id")
    a, b = q.loc["A"], q.loc["B"]
    assert a["score_pts"] == pytest.approx(40.0)
    assert a["tier_pts"] == 20.0 and a["item_pts"] == 20.0 and a["readiness_pts"] == 0.0
    assert a["age_pts"] == pytest.approx(20.0 * 365 / 365.25)
    assert a["priority_key"] == pytest.approx(40 + 20 + 20 + 20 * 365 / 365.25, abs=1e-6)
    assert b["priority_key"] == pytest.approx(20.0 + 0 + 0 - 10.0 + 0)
    assert a["weight"] == pytest.approx(2 ** (a["priority_key"] / 25))


def test_order_by_key_with_held_partners_last_and_fcfs_alongside():
    q = _queue(
        [
            ("C1", "ESP", "2025-01-01", "std", 1),  # oldest, weakest partner
            ("C2", "POL", "2026-01-01", "crit", 1),
            ("C3", "RUS", "2025-06-01", "crit", 1),  # ineligible: held
            ("C4", "JPN", "2026-02-01", "high", 1),
        ]
    )
    assert q["case_id"].tolist() == ["C2", "C4", "C1", "C3"]
    assert q["position"].tolist() == [1, 2, 3, 4]
    assert dict(zip(q["case_id"], q["fcfs_position"], strict=True)) == {
        "C1": 1,
        "C3": 2,
        "C2": 3,
        "C4": 4,
    }
    assert q.loc[q["case_id"] == "C3", "weight"].item() == 0.0
    assert fcfs_queue(q)["case_id"].tolist() == ["C1", "C3", "C2", "C4"]
    summary = queue_summary(q)
    assert summary["held"] == 1 and summary["moved"] == 4 and summary["max_shift"] == 2


def test_ties_break_on_request_date_then_case_id():
    q = _queue(
        [
            ("Z9", "POL", "2026-03-15", "std", 1),
            ("A1", "POL", "2026-03-15", "std", 1),
            ("M5", "POL", "2026-03-16", "std", 1),  # after as_of: age 0, same key
        ]
    )
    assert q["priority_key"].nunique() == 1
    assert q["case_id"].tolist() == ["A1", "Z9", "M5"]
    texts = explain_queue(q)
    assert texts[0].endswith(
        "ahead of Z9 because equal key and request date; case id A1 sorts before Z9"
    )
    assert (
        "ahead of M5 because equal key; requested earlier (2026-03-15 vs 2026-03-16)" in (texts[1])
    )
    assert texts[2].endswith("last in the queue")


def test_every_position_is_explained_with_the_deciding_components():
    q = _queue(
        [
            ("C2", "POL", "2026-01-01", "crit", 1),
            ("C4", "JPN", "2026-01-01", "high", 1),
            ("C3", "RUS", "2025-06-01", "crit", 1),
            ("C5", "XXX", "2026-01-01", "std", 1),  # not scored
        ]
    )
    texts = explain_queue(q)
    assert len(texts) == len(q)
    assert texts[0].startswith("key ")
    assert "ahead of C4 because key" in texts[0]
    assert "partner score +10.0" in texts[0] and "tier +10.0" in texts[0]
    assert "item priority +10.0" in texts[0]
    assert "partner XXX has no score under the policy" in texts[2]
    assert "ahead of C3 because C3 is held (partner RUS ineligible under the policy)" in texts[2]
    assert texts[3].startswith("held: partner RUS fails a hard gate of the policy")


def test_input_row_order_does_not_change_the_queue():
    rows = [
        (
            f"K{i:03d}",
            ["POL", "ESP", "JPN"][i % 3],
            f"2025-{1 + i % 12:02d}-{1 + i % 27:02d}",
            ["crit", "high", "std", "draw"][i % 4],
            1 + i % 5,
        )
        for i in range(60)
    ]
    first = _queue(rows)
    second = _queue(list(reversed(rows)))
    pd.testing.assert_frame_equal(first, second)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["POL", "ESP", "JPN", "NEW"]),
            st.integers(0, 4000),  # days before as_of
            st.sampled_from(["crit", "high", "std", "draw"]),
        ),
        min_size=2,
        max_size=25,
    ),
    st.lists(st.floats(0, 100), min_size=3, max_size=3),
    st.lists(st.integers(1, 4), min_size=3, max_size=3),
)
def test_no_case_starves(rows, scores, tiers):
    """A case requested more than the starvation bound before another is always ahead."""
    partners = partners_frame(
        [(iso, s, t, True) for iso, s, t in zip(["POL", "ESP", "JPN"], scores, tiers, strict=True)]
    )
    data = [
        (f"C{i:03d}", iso, AS_OF - dt.timedelta(days=age), it, 1)
        for i, (iso, age, it) in enumerate(rows)
    ]
    q = _queue(data, partners=partners)
    pos = dict(zip(q["case_id"], q["position"], strict=True))
    bound_days = KEY.starvation_bound_years() * 365.25
    for i, (_, age_i, _) in enumerate(rows):
        for j, (_, age_j, _) in enumerate(rows):
            if age_i - age_j > bound_days + 1:
                assert pos[f"C{i:03d}"] < pos[f"C{j:03d}"]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["POL", "ESP", "JPN", "RUS"]),
            st.integers(0, 2000),
            st.sampled_from(["crit", "std", "draw"]),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_queue_is_sorted_by_eligibility_key_date_and_id(rows):
    data = [
        (f"C{i:03d}", iso, AS_OF - dt.timedelta(days=age), it, 1)
        for i, (iso, age, it) in enumerate(rows)
    ]
    q = _queue(data)
    tuples = list(
        zip(~q["eligible"], -q["priority_key"], q["requested"], q["case_id"], strict=True)
    )
    assert tuples == sorted(tuples)
    assert sorted(q["fcfs_position"]) == list(range(1, len(q) + 1))
    assert np.all(q.loc[q["eligible"], "weight"] > 0)


def test_case_features_take_the_highest_flag_and_any_readiness_draw():
    demands = pd.DataFrame(
        {"case_id": ["A", "A", "B"], "item_id": ["std", "draw", "high"], "quantity": [1, 2, 3]}
    )
    feats = case_features(demands, CAT)
    assert feats.loc["A", "strategy_priority"] == "standard"
    assert bool(feats.loc["A", "us_forces_draw"]) is True
    assert feats.loc["A", "items"] == "draw,std"
    assert feats.loc["B", "strategy_priority"] == "high"


def test_unknown_item_is_a_case_error_with_a_hint():
    with pytest.raises(
        CaseError,
        match=r"case X1, field 'item_id'.*unknown catalog item "
        r"'hihg'.*did you mean high",
    ):
        _queue([("X1", "POL", "2026-01-01", "hihg", 1)])


def test_duplicate_case_is_refused():
    cases, demands = cases_frame([("A", "POL", "2026-01-01", "std", 1)] * 2)
    with pytest.raises(CaseError, match="case A is listed twice"):
        build_queue(cases, demands, PARTNERS, CAT, key=KEY, as_of=AS_OF)


def test_tier_numbers_reads_labels():
    assert tier_numbers(pd.Series([1, 2.0, None])).tolist() == [1, 2, pd.NA]
    assert tier_numbers(pd.Series(["Tier 1", "2", None])).tolist() == [1, 2, pd.NA]


def test_custom_key_file_changes_the_order(tmp_path):
    text = (
        'version: "test"\neffective: "2026-01-01"\npoints:\n  score: 0\n  tier: {1: 0}\n'
        "  item_priority: {critical: 0, high: 0, standard: 50}\n  readiness: 0\n"
        "  age_per_year: 1\nweight: {base: 2, points_per_doubling: 10}\n"
    )
    path = tmp_path / "key.yaml"
    path.write_text(text)
    key = load_queue_key(path)
    q = _queue(
        [("A", "POL", "2026-01-01", "crit", 1), ("B", "ESP", "2026-01-01", "std", 1)], key=key
    )
    assert q["case_id"].tolist() == ["B", "A"]


def test_bad_key_file_names_the_field(tmp_path):
    path = tmp_path / "key.yaml"
    path.write_text(
        'version: "x"\neffective: "x"\npoints:\n  score: 1\n  tier: {1: 0}\n'
        "  item_priority: {critical: 0, high: 0, standard: 0}\n  readiness: 0\n"
        "  age_per_year: 0\nweight: {base: 2, points_per_doubling: 10}\n"
    )
    with pytest.raises(PolicyError, match=r"key.yaml, field 'points.age_per_year'.*greater than"):
        load_queue_key(path)


def test_illustrative_catalog_feeds_the_queue():
    cat = illustrative_catalog()
    q = build_queue(
        *cases_frame(
            [("A", "POL", "2026-01-01", "javelin", 10), ("B", "POL", "2026-01-01", "harpoon", 4)]
        ),
        PARTNERS,
        cat,
        key=KEY,
        as_of=AS_OF,
    )
    # Javelin: critical (+20) but US forces draw (-10); Harpoon: standard, no draw.
    assert q["case_id"].tolist() == ["A", "B"]
    assert q["priority_key"].iloc[0] - q["priority_key"].iloc[1] == pytest.approx(10.0)


def test_unscored_ineligible_partner_is_held_and_says_why():
    partners = partners_frame([("POL", 80.0, 1, True), ("QAT", float("nan"), None, False)])
    q = _queue(
        [("A", "QAT", "2020-01-01", "crit", 1), ("B", "POL", "2026-03-01", "std", 1)],
        partners=partners,
    )
    assert q["case_id"].tolist() == ["B", "A"]  # held despite being six years older
    texts = explain_queue(q)
    assert "A is held (partner QAT ineligible under the policy, not scored)" in texts[0]
    assert texts[1].startswith("held: partner QAT fails a hard gate of the policy")


def test_partner_missing_data_is_not_held_but_gated_partner_is():
    """Scoring's status separates a policy "no" (a failed gate) from missing data."""
    partners = partners_frame(
        [("POL", 80.0, 1, True), ("QAT", float("nan"), None, False), ("CHN", 40.0, None, False)]
    ).assign(status=["ranked", "excluded: missing milex_gdp_pct", "ineligible"])
    q = _queue(
        [
            ("A", "QAT", "2020-01-01", "std", 1),
            ("B", "POL", "2026-03-01", "std", 1),
            ("C", "CHN", "2019-01-01", "crit", 1),
        ],
        partners=partners,
    )
    # QAT is not refused by the policy: six years of age put it first; CHN is held last
    assert q["case_id"].tolist() == ["A", "B", "C"]
    assert q["eligible"].tolist() == [True, True, False]
    texts = explain_queue(q)
    assert texts[0].startswith("partner QAT has no score under the policy (0 points)")
    assert texts[2].startswith("held: partner CHN fails a hard gate of the policy")
