"""Threshold crossings between years and between releases: hand-made series, NATO's real
June 2024 tables, and the press-reported 2025 releases."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from burdenshare.errors import UserError
from burdenshare.monitor.crossings import (
    check_thresholds,
    crossings,
    first_reached,
    level_counts,
    vintage_crossings,
    year_crossings,
)

NAN = float("nan")


def _frame(rows: dict[str, list[float]], first_year: int = 2018) -> pd.DataFrame:
    n = len(next(iter(rows.values())))
    return pd.DataFrame(rows, index=range(first_year, first_year + n)).T.rename_axis("iso3")


SMALL = _frame(
    {
        "AAA": [1.8, 2.1, 1.9, NAN, 2.0],  # up 2019, down 2020, up 2022 (2021 skipped)
        "BBB": [2.5, 2.6, 3.6, 3.4, 3.5],  # up 3.5 in 2020, down 2021, up 2022
        "CCC": [1.0, 1.1, 1.2, 1.3, 1.4],  # never
    }
)


def _key(events: pd.DataFrame) -> list[tuple]:
    return [
        (r.iso3, r.threshold, r.direction, r.from_year, r.to_year)
        for r in events.itertuples(index=False)
    ]


def test_consecutive_years_skip_gaps():
    ev = year_crossings(SMALL, [2.0, 3.5])
    assert _key(ev) == [
        ("AAA", 2.0, "up", 2018, 2019),
        ("AAA", 2.0, "down", 2019, 2020),
        ("BBB", 3.5, "up", 2019, 2020),
        ("BBB", 3.5, "down", 2020, 2021),
        ("AAA", 2.0, "up", 2020, 2022),
        ("BBB", 3.5, "up", 2021, 2022),
    ]
    assert ev.loc[4, "from_value"] == 1.9 and ev.loc[4, "to_value"] == 2.0


def test_two_chosen_years():
    ev = year_crossings(SMALL, [2.0, 3.5], years=(2018, 2022))
    assert _key(ev) == [("AAA", 2.0, "up", 2018, 2022), ("BBB", 3.5, "up", 2018, 2022)]
    with pytest.raises(
        UserError, match=r"--years: no data for 2030; years in this release: 2018-2022"
    ):
        year_crossings(SMALL, [2.0], years=(2018, 2030))


def test_first_reached_and_levels():
    fr = first_reached(SMALL, [2.0, 3.5])
    got = {
        (r.iso3, r.threshold): (r.first_year, r.at_start, r.at_or_above_now)
        for r in fr.itertuples()
    }
    assert got == {
        ("AAA", 2.0): (2019, False, True),
        ("BBB", 2.0): (2018, True, True),
        ("BBB", 3.5): (2020, False, True),
    }
    lv = level_counts(SMALL, [2.0]).set_index("year")
    assert lv["at_or_above"].tolist() == [1, 2, 1, 1, 2]
    assert lv["with_data"].tolist() == [3, 3, 3, 2, 3]


def test_between_releases_same_year_and_latest_year():
    a = _frame({"AAA": [1.9, 1.95], "BBB": [2.1, 2.0], "DDD": [1.0, 1.0]})
    b = _frame({"AAA": [1.9, 2.02, 2.3], "BBB": [2.1, 1.98, 2.2]})
    same = vintage_crossings(a, b, [2.0], year_a=2019, year_b=2019)
    assert _key(same) == [("AAA", 2.0, "up", 2019, 2019), ("BBB", 2.0, "down", 2019, 2019)]
    latest = vintage_crossings(a, b, [2.0])  # A's 2019 against B's 2020
    assert _key(latest) == [("AAA", 2.0, "up", 2019, 2020)]
    assert vintage_crossings(a, b.iloc[:0], [2.0]).empty


def test_thresholds_are_checked():
    assert check_thresholds([3.5, 2, 2.0]) == (2.0, 3.5)
    for bad in ([-1.0], [100.5], [float("nan")], []):
        with pytest.raises(UserError, match="--threshold"):
            check_thresholds(bad)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.one_of(st.none(), st.floats(0, 6, allow_nan=False)), min_size=2, max_size=8),
        min_size=1,
        max_size=5,
    ),
    st.sampled_from([2.0, 3.5, 5.0]),
)
def test_ups_minus_downs_is_the_net_change(rows, threshold):
    """Per country, (up events - down events) = (last observed above) - (first observed above)."""
    width = max(len(r) for r in rows)
    data = {
        f"C{i:02d}": [NAN if v is None else v for v in r] + [NAN] * (width - len(r))
        for i, r in enumerate(rows)
    }
    frame = _frame(data)
    ev = year_crossings(frame, [threshold])
    for iso3, series in frame.iterrows():
        obs = series.dropna().to_numpy()
        net = (
            0
            if len(obs) == 0
            else int(obs[-1] >= threshold - 1e-9) - int(obs[0] >= threshold - 1e-9)
        )
        mine = ev.loc[ev["iso3"] == iso3, "direction"]
        assert int((mine == "up").sum()) - int((mine == "down").sum()) == net


# --------------------------------------------------------------------------- real data

NEW_AT_2 = {"ITA", "CAN", "BEL", "ESP", "PRT", "LUX"}


def test_june_2024_release_against_august_2025(nato_and_reported):
    res = crossings(nato_and_reported, [2.0, 3.5], between=("2024-06-17", "2025-08"))
    ev = res.events
    assert set(ev["direction"]) == {"up"}
    assert set(ev.loc[ev["threshold"] == 2.0, "iso3"]) == NEW_AT_2
    at_35 = ev.loc[ev["threshold"] == 3.5].set_index("iso3")
    assert set(at_35.index) == {"LTU", "LVA"}  # Norway's 3.35 stays below 3.5
    assert at_35.loc["LTU", "to_value"] == 4.00
    assert at_35.loc["LTU", "from_value"] == pytest.approx(2.85, abs=0.005)
    assert (at_35["from_year"] == 2024).all() and (at_35["to_year"] == 2025).all()
    assert set(ev["to_origin"]) == {"nato_defexp_reported:2025-08"}
    assert res.meta["from_release"] == "nato_defexp:2024-06-17"


def test_april_2025_revision_moved_nobody(nato_and_reported):
    res = crossings(nato_and_reported, [2.0, 3.5], between=("2024-06-17", "2025-04"), year=2024)
    assert res.events.empty
    # ...but against 2025 it is the same six allies reaching 2% (2024 revised -> 2025).
    res = crossings(nato_and_reported, [2.0], between=("2025-04", "2025-08"), years=(2024, 2025))
    assert set(res.events["iso3"]) == NEW_AT_2
    assert res.events.set_index("iso3").loc["ESP", "from_value"] == 1.24
    with pytest.raises(UserError, match="has no figures for 2025"):
        crossings(nato_and_reported, [2.0], between=("2024-06-17", "2025-08"), year=2025)


def test_years_of_the_june_2024_release(nato_facts):
    res = crossings(nato_facts, [2.0], release="2024-06-17", years=(2014, 2024))
    assert res.meta["release"] == "nato_defexp:2024-06-17"
    lv = res.levels.set_index("year")["at_or_above"]
    assert lv[2014] == 3 and lv[2024] == 23  # USA, GBR, GRC in 2014; 23 Allies in 2024e
    up = set(res.events.loc[res.events["direction"] == "up", "iso3"])
    assert len(up) == 20 and {"POL", "DEU"} <= up and "ESP" not in up
    assert set(res.events["direction"]) == {"up"}  # nobody above 2% in 2014 fell below
    first = crossings(nato_facts, [2.0], release="2024-06-17").first_reached.set_index("iso3")
    assert first.loc["POL", "first_year"] == 2015
    assert first.loc["DEU", "first_year"] == 2024
    assert first.loc["USA", "at_start"]
    assert "ESP" not in first.index


def test_year_needs_two_releases(nato_facts):
    with pytest.raises(UserError, match="--year: .*--between-vintages"):
        crossings(nato_facts, [2.0], year=2024)


def test_unknown_vintage_lists_the_known_ones(nato_and_reported):
    with pytest.raises(UserError, match=r"--between-vintages: unknown vintage '2023-01'.*2025-08"):
        crossings(nato_and_reported, [2.0], between=("2023-01", "2025-08"))
