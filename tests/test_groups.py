"""Dated group memberships (NATO, US treaty allies, MNNA, NATO+5, ITAR 126.1)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from burdenshare.countries import is_known_code
from burdenshare.errors import UserError
from burdenshare.groups import (
    group_info,
    group_names,
    is_member,
    members,
    membership_matrix,
    membership_table,
    memberships,
)

D = dt.date


def test_group_names():
    assert {
        "nato",
        "us_treaty_ally",
        "mnna",
        "nato_plus_5",
        "itar_126_1",
        "itar_126_1_full",
    } <= set(group_names())


def test_nato_size_around_swedish_accession():
    assert len(members("nato", D(2024, 3, 8))) == 32
    assert len(members("nato", D(2024, 3, 6))) == 31
    assert len(members("nato", D(1949, 8, 24))) == 12
    assert len(members("nato", D(1949, 8, 23))) == 0


@pytest.mark.parametrize(
    ("iso3", "day", "expected"),
    [
        ("SWE", D(2023, 12, 31), False),
        ("SWE", D(2024, 3, 7), True),
        ("FIN", D(2023, 4, 3), False),
        ("FIN", D(2023, 4, 4), True),
        ("DEU", D(1955, 5, 5), False),
        ("DEU", D(1955, 5, 6), True),
        ("DDR", D(1989, 1, 1), False),
        ("MKD", D(2020, 3, 27), True),
        ("MNE", D(2017, 6, 4), False),
        ("TUR", D(1952, 2, 18), True),
        ("ESP", D(1982, 5, 29), False),
        ("UKR", D(2025, 1, 1), False),
    ],
)
def test_nato_membership_on_dates(iso3, day, expected):
    assert is_member(iso3, "nato", day) is expected


@pytest.mark.parametrize(
    ("iso3", "day", "expected"),
    [
        ("JPN", D(2000, 1, 1), True),
        ("NZL", D(1996, 7, 20), False),
        ("NZL", D(1996, 7, 21), True),
        ("TWN", D(2010, 1, 1), True),
        ("AFG", D(2015, 1, 1), True),
        ("AFG", D(2023, 1, 1), False),
        ("AFG", D(2022, 9, 22), True),
        ("AFG", D(2022, 9, 23), False),
        ("SAU", D(2025, 11, 17), False),
        ("SAU", D(2025, 11, 18), False),  # announcement only (issue 13)
        ("SAU", D(2026, 1, 31), True),
        ("KEN", D(2024, 6, 23), False),
        ("KEN", D(2024, 6, 24), True),
        ("COL", D(2022, 6, 1), True),
        ("BRA", D(2019, 7, 30), False),
        ("PER", D(2026, 1, 14), True),
        ("POL", D(2025, 1, 1), False),
    ],
)
def test_mnna_on_dates(iso3, day, expected):
    assert is_member(iso3, "mnna", day) is expected


def test_saudi_arabia_is_mnna_only_from_the_january_2026_determination():
    sau = [m for m in memberships("SAU") if m.group == "mnna"]
    assert [(m.start, m.end) for m in sau] == [(D(2026, 1, 1), None)]


def test_itar_126_1_contains_adversaries():
    listed = members("itar_126_1", D(2025, 8, 1))
    assert {"CHN", "RUS", "IRN", "PRK", "BLR", "MMR", "CUB", "SYR", "VEN"} <= listed
    assert "POL" not in listed and "JPN" not in listed
    full = members("itar_126_1_full", D(2025, 8, 1))
    assert {"CHN", "RUS", "IRN", "PRK"} <= full <= listed
    assert "CYP" in listed and "CYP" not in full  # partial (non-lethal waivers)


def test_itar_dates_follow_federal_register():
    assert not is_member("RUS", "itar_126_1", D(2021, 3, 17))
    assert is_member("RUS", "itar_126_1", D(2021, 3, 18))  # 86 FR 14802
    assert is_member("KHM", "itar_126_1", D(1994, 1, 1))
    assert not is_member("KHM", "itar_126_1", D(2000, 1, 1))  # removed 4 Apr 1994
    assert is_member("KHM", "itar_126_1", D(2021, 12, 9))  # 86 FR 70053
    assert not is_member("NIC", "itar_126_1", D(2024, 3, 14))


def test_itar_file_is_versioned():
    info = group_info("itar_126_1")
    assert info.as_of == D(2025, 7, 7) and info.version
    assert any(m.verify for m in info.memberships)
    assert not any(
        m.verify
        for m in info.memberships
        if m.iso3 in ("RUS", "KHM", "NIC") and m.start.year >= 2021
    )


def test_nato_plus_5():
    day = D(2025, 1, 1)
    plus5 = members("nato_plus_5", day)
    assert {"JPN", "AUS", "NZL", "KOR", "ISR"} <= plus5
    assert plus5 == members("nato", day) | {"JPN", "AUS", "NZL", "KOR", "ISR"}
    assert not is_member("KOR", "nato_plus_5", D(2000, 1, 1))  # added by P.L. 110-429 (2008)
    assert not is_member("SWE", "nato_plus_5", D(2024, 3, 6))
    assert is_member("SWE", "nato_plus_5", D(2024, 3, 7))


@pytest.mark.parametrize(
    ("iso3", "day", "expected"),
    [
        ("JPN", D(2020, 1, 1), True),
        ("JPN", D(1960, 6, 22), False),
        ("KOR", D(2020, 1, 1), True),
        ("PHL", D(2020, 1, 1), True),
        ("AUS", D(2020, 1, 1), True),
        ("THA", D(2020, 1, 1), True),  # Manila Pact
        ("NZL", D(1980, 1, 1), True),
        ("NZL", D(2020, 1, 1), False),  # ANZUS obligations suspended 1986
        ("USA", D(2020, 1, 1), False),  # not its own ally
        ("POL", D(2000, 1, 1), True),  # via the North Atlantic Treaty
        ("POL", D(1998, 1, 1), False),
        ("BRA", D(2020, 1, 1), True),  # Rio Treaty
        ("MEX", D(2000, 1, 1), True),
        ("MEX", D(2010, 1, 1), False),
        ("TWN", D(1970, 1, 1), True),
        ("TWN", D(1990, 1, 1), False),
        ("ISR", D(2020, 1, 1), False),
    ],
)
def test_us_treaty_allies(iso3, day, expected):
    assert is_member(iso3, "us_treaty_ally", day) is expected


def test_memberships_of_new_zealand_show_the_anzus_suspension():
    anzus = [m for m in memberships("NZL") if m.group == "us_treaty_ally"]
    assert [(m.start, m.end) for m in anzus] == [(D(1952, 4, 29), D(1986, 8, 11))]
    assert "ANZUS" in anzus[0].note and anzus[0].source


def test_bad_group_and_bad_date_are_user_errors():
    with pytest.raises(UserError, match="unknown group 'natto'"):
        members("natto", D(2020, 1, 1))
    with pytest.raises(UserError, match="unknown group"):
        is_member("POL", "warsaw_pact", D(1980, 1, 1))
    with pytest.raises(UserError, match="invalid date"):
        members("nato", "yesterday")


def test_dates_accept_iso_strings_and_datetimes():
    assert members("nato", "2024-03-08") == members("nato", dt.datetime(2024, 3, 8, 23, 59))


def test_membership_matrix():
    codes = ["POL", "JPN", "SWE", "CHN", "XKX", "POL"]
    frame = membership_matrix(codes, ["nato", "mnna", "itar_126_1"], D(2023, 6, 1))
    assert list(frame.index) == codes and list(frame.columns) == ["nato", "mnna", "itar_126_1"]
    assert all(pd.api.types.is_bool_dtype(t) for t in frame.dtypes)
    assert frame.loc["JPN"].tolist() == [False, True, False]
    assert frame.loc["SWE"].tolist() == [False, False, False]
    assert frame.loc["CHN", "itar_126_1"] and not frame.loc["XKX"].any()
    assert frame.iloc[0].tolist() == frame.iloc[-1].tolist()


def test_every_membership_is_sourced_and_well_formed():
    table = membership_table()
    assert len(table) > 150
    assert table["source"].str.len().gt(10).all()
    assert table["iso3"].map(is_known_code).all()
    closed = table[table["end"].notna()]
    assert (closed["start"] < closed["end"]).all()


@pytest.mark.parametrize("group", ["nato", "mnna", "itar_126_1"])
def test_no_overlapping_periods_within_a_group(group):
    table = membership_table([group]).sort_values(["iso3", "start"])
    for _, rows in table.groupby("iso3"):
        ends = rows["end"].tolist()[:-1]
        starts = rows["start"].tolist()[1:]
        assert all(
            e is not None and not pd.isna(e) and e <= s for e, s in zip(ends, starts, strict=True)
        )


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["nato", "us_treaty_ally", "mnna", "nato_plus_5", "itar_126_1"]),
    st.dates(min_value=D(1945, 1, 1), max_value=D(2030, 12, 31)),
)
def test_members_agrees_with_is_member(group, day):
    listed = members(group, day)
    candidates = set(membership_table([group])["iso3"]) | {"USA", "XKX"}
    assert listed == {c for c in candidates if is_member(c, group, day)}
    frame = membership_matrix(sorted(candidates), [group], day)
    assert set(frame.index[frame[group]]) == listed


# ---- issue 13: dates and citations of the law as written ----------------------------------


def test_saudi_mnna_starts_with_the_2026_determination_not_the_announcement():
    """22 U.S.C. 2321k: a designation takes effect by Presidential determination (after 30
    days' notice), here the one published in January 2026 (FR Doc 2026-01421), not the
    announcement of 18 Nov 2025."""
    import datetime as dt

    from burdenshare.groups import group_info, is_member

    assert not is_member("SAU", "mnna", dt.date(2025, 11, 18))
    assert not is_member("SAU", "mnna", dt.date(2025, 12, 31))
    assert is_member("SAU", "mnna", dt.date(2026, 2, 1))
    (sau,) = [m for m in group_info("mnna").memberships if m.iso3 == "SAU"]
    assert "2026-01421" in sau.source


def test_mnna_list_cites_22_cfr_120_23_b_and_korea_nato_plus_5_cites_p_l_110_429_203_b_1():
    """The MNNA list is at 22 CFR 120.23(b); South Korea joined the AECA s.36 group by
    s.203(b)(1) of P.L. 110-429."""
    from burdenshare.groups import group_info

    assert "22 CFR 120.23(b)" in group_info("mnna").source
    (kor,) = [m for m in group_info("nato_plus_5").memberships if m.iso3 == "KOR"]
    assert "P.L. 110-429 s.203(b)(1)" in kor.source


def test_month_precision_start_counts_from_the_first_of_the_month():
    import datetime as dt

    from burdenshare.groups import _to_date

    assert _to_date("2026-01", "month") == dt.date(2026, 1, 1)
    import pytest

    with pytest.raises(ValueError, match="precision: month"):
        _to_date("2026-13", "month")
