"""US troops abroad (troopdata country-year) and US bases abroad (troopdata basedata)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from burdenshare.errors import DataFormatError
from burdenshare.facts import validate_facts
from burdenshare.sources import bases, troops

TROOPS = "US-troops-abroad_troopdata-rebuild-country-year_1950-2024.csv"
BASES = "US-bases-abroad_troopdata-basedata.csv"


@pytest.fixture(scope="module")
def troop_result(shared_data: Path):
    return troops.parse(shared_data / TROOPS)


@pytest.fixture(scope="module")
def base_result(shared_data: Path):
    return bases.parse(shared_data / BASES)


def value(facts: pd.DataFrame, iso3: str, year: int, indicator: str) -> float:
    row = facts[(facts.iso3 == iso3) & (facts.year == year) & (facts.indicator == indicator)]
    assert len(row) == 1, (iso3, year, indicator)
    return float(row.value.iloc[0])


# --- troops: real file ----------------------------------------------------------------------


def test_active_duty_2024(troop_result):
    f = troop_result.facts
    assert troop_result.vintage == "2024-06-18"
    assert value(f, "JPN", 2024, "us_troops_active") == 55_154
    assert value(f, "DEU", 2024, "us_troops_active") == 36_541
    assert value(f, "KOR", 2024, "us_troops_active") == 24_515
    assert value(f, "ITA", 2024, "us_troops_active") == 12_482
    assert value(f, "GBR", 2024, "us_troops_active") == 10_204
    assert set(f.unit) == {"persons"}
    pd.testing.assert_frame_equal(validate_facts(f), f)


def test_total_personnel_adds_reserve_and_civilians(troop_result):
    # Germany 2024: troops_ad 36,541 + total_selected_reserve 1,473 + total_civilian 12,003
    assert value(troop_result.facts, "DEU", 2024, "us_personnel_total") == 36_541 + 1_473 + 12_003
    f = troop_result.facts.pivot_table(index=["iso3", "year"], columns="indicator", values="value")
    assert (f.us_personnel_total >= f.us_troops_active).all()


def test_united_states_itself_is_skipped(troop_result):
    assert "USA" not in set(troop_result.facts.iso3)
    assert "GUM" in set(troop_result.facts.iso3)  # territories keep their own code


def test_two_spellings_of_one_country_are_summed(troop_result):
    # "Czechia" (16 active) and "Czech Republic" (0) both carry CZE for 2024
    assert value(troop_result.facts, "CZE", 2024, "us_troops_active") == 16
    warning = next(w for w in troop_result.warnings if "spellings" in w)
    assert "Czech Republic / Czechia" in warning


def test_names_without_code_resolved_or_reported(troop_result, shared_data):
    raw = pd.read_csv(shared_data / TROOPS, dtype=str, keep_default_na=False)
    no_code = raw[raw.iso3c == "NA"]
    # Kosovo has no iso3c in the file but resolves by name
    assert value(troop_result.facts, "XKX", 2024, "us_troops_active") == 16
    known = set(troop_result.facts.iso3)
    for name in no_code.countryname.unique():
        if name not in troop_result.unmatched:
            assert troops.resolve_rows(pd.Series(["NA"]), pd.Series([name]))[0][0] in known


def test_sniff(shared_data):
    assert troops.sniff(shared_data / TROOPS)
    assert not troops.sniff(shared_data / BASES)
    assert bases.sniff(shared_data / BASES)
    assert not bases.sniff(shared_data / TROOPS)


# --- troops: synthetic ----------------------------------------------------------------------

T_HEADER = "countryname,year,ccode,iso3c,region,troops_ad,total_selected_reserve,total_civilian"


def write(tmp_path: Path, header: str, rows: list[str], name="t.csv", enc="utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes("\n".join([header, *rows, ""]).encode(enc))
    return path


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(*[st.integers(0, 10**6)] * 3), min_size=1, max_size=4))
def test_total_is_sum_of_parts(tmp_path_factory, parts):
    codes = ["JPN", "DEU", "KOR", "ITA"][: len(parts)]
    rows = [f"X,2020,1,{c},R,{a},{r},{v}" for c, (a, r, v) in zip(codes, parts, strict=True)]
    rows.append("United States,2020,2,USA,North America,1000,1000,1000")
    res = troops.parse(write(tmp_path_factory.mktemp("t"), T_HEADER, rows))
    for c, (a, r, v) in zip(codes, parts, strict=True):
        assert value(res.facts, c, 2020, "us_troops_active") == a
        assert value(res.facts, c, 2020, "us_personnel_total") == a + r + v
    assert "USA" not in set(res.facts.iso3)


def test_troops_bad_input(tmp_path):
    with pytest.raises(DataFormatError, match=r"t.csv: line 3, column 'troops_ad': 'many'"):
        troops.parse(
            write(
                tmp_path, T_HEADER, ["Japan,2020,740,JPN,A,1,2,3", "Italy,2020,325,ITA,E,many,2,3"]
            )
        )
    with pytest.raises(DataFormatError, match=r"line 1: missing column 'total_civilian'"):
        troops.parse(write(tmp_path, T_HEADER.replace(",total_civilian", ""), []))
    with pytest.raises(DataFormatError, match="file is empty"):
        troops.parse(write(tmp_path, "", [], name="empty.csv"))
    with pytest.raises(DataFormatError, match="wrong encoding"):
        troops.parse(write(tmp_path, T_HEADER, ["Japan,2020,740,JPN,A,1,2,3"], enc="utf-16"))
    with pytest.raises(DataFormatError, match=r"line 3: 9 fields, but the header \(line 1\) has 8"):
        troops.parse(
            write(
                tmp_path, T_HEADER, ["Japan,2020,740,JPN,A,1,2,3", "Japan,2021,740,JPN,A,1,2,3,4"]
            )
        )
    res = troops.parse(write(tmp_path, T_HEADER, ["Atlantis,2020,1,NA,A,1,2,3"]))
    assert res.unmatched == ["Atlantis"] and res.facts.empty


# --- bases ------------------------------------------------------------------------------------


def test_base_counts(base_result):
    f = base_result.facts
    assert base_result.vintage == "2021-02-09"
    assert set(f.year) == {2018}
    assert value(f, "JPN", 2018, "us_bases") == 42
    assert value(f, "DEU", 2018, "us_bases") == 40
    assert value(f, "KOR", 2018, "us_bases") == 30
    assert value(f, "SYR", 2018, "us_lilypads") == 8
    assert value(f, "JPN", 2018, "us_lilypads") == 0
    assert value(f, "XKX", 2018, "us_bases") == 1  # the file's code KSV is Kosovo
    assert value(f, "GUM", 2018, "us_bases") == 3  # filed under USA in the file
    assert "USA" not in set(f.iso3)
    assert set(f.unit) == {"count"}
    pd.testing.assert_frame_equal(validate_facts(f), f)


def test_base_list(base_result):
    sites = base_result.extra["bases"]
    assert len(sites) == 414
    assert sites.base.sum() == 255 and sites.lilypad.sum() == 114 and sites.fundedsite.sum() == 46
    douala = sites[sites["name"] == "Douala"].iloc[0]
    assert np.isnan(douala.lat) and douala.iso3 == "CMR" and douala.lilypad
    chile = sites[sites.country == "Chile"].iloc[0]
    assert chile["name"] == "Fuerte Aguayo NB, Concón"  # Latin-1 decoded
    # the counts are exactly the per-country sums of the list
    counted = base_result.facts[base_result.facts.indicator == "us_bases"].value.sum()
    abroad = sites[sites.iso3.notna() & (sites.iso3 != "USA")]
    assert counted == abroad.base.sum()


B_HEADER = "countryname,ccode,iso3c,basename,lat,lon,base,lilypad,fundedsite"


def test_bases_bad_input(tmp_path):
    with pytest.raises(DataFormatError, match=r"line 2, column 'base': '2' is not 0 or 1"):
        bases.parse(write(tmp_path, B_HEADER, ["Japan,740,JPN,Misawa,40.7,141.4,2,0,0"]))
    with pytest.raises(DataFormatError, match=r"line 2, column 'lat': 'north' is not a number"):
        bases.parse(write(tmp_path, B_HEADER, ["Japan,740,JPN,Misawa,north,141.4,1,0,0"]))
    with pytest.raises(DataFormatError, match=r"line 1: missing column 'lilypad'"):
        bases.parse(write(tmp_path, B_HEADER.replace("lilypad,", ""), []))
    with pytest.raises(DataFormatError, match="file is empty"):
        bases.parse(write(tmp_path, "", [], name="empty.csv"))


def test_bases_country_with_only_lilypads_gets_zero_bases(tmp_path):
    rows = ["Japan,740,JPN,Misawa,40.7,141.4,1,0,0", "Niger,436,NER,Agadez,NA,NA,0,1,0"]
    res = bases.parse(write(tmp_path, B_HEADER, rows, enc="latin-1"))
    assert value(res.facts, "NER", 2018, "us_bases") == 0
    assert value(res.facts, "NER", 2018, "us_lilypads") == 1
    assert value(res.facts, "JPN", 2018, "us_bases") == 1


def test_hosted_places_count_under_their_host_both_ways(shared_data):
    """Issue 15: Azores -> PRT and Diego Garcia -> GBR, in the troops and the bases data."""
    from burdenshare.sources import bases, troops

    t = troops.parse(shared_data / "US-troops-abroad_troopdata-rebuild-country-year_1950-2024.csv")
    f = t.facts[t.facts["indicator"] == "us_troops_active"].set_index(["iso3", "year"])["value"]
    assert f[("PRT", 1960)] == 2165 + 73  # the Azores row added to Portugal's
    assert "Azores" not in t.unmatched and "IOT" not in set(t.facts["iso3"])
    assert f[("GBR", 1976)] > 1065  # Diego Garcia's 1,065 counted under the United Kingdom
    b = bases.parse(shared_data / "US-bases-abroad_troopdata-basedata.csv")
    assert "IOT" not in set(b.facts["iso3"])
    sites = b.extra["bases"]
    assert sites.loc[sites["name"] == "Diego Garcia", "iso3"].tolist() == ["GBR"]
