"""COW Formal Alliances v4.1 (member level): dated memberships and US defence-pact facts."""

from __future__ import annotations

import pandas as pd
import pytest

from burdenshare import sources
from burdenshare.errors import DataFormatError
from burdenshare.facts import validate_facts
from burdenshare.sources import cow_alliance

FILE = "COW-alliance_v4.1_by_member.csv"


@pytest.fixture(scope="module")
def result(shared_data):
    return cow_alliance.parse(shared_data / FILE)


def test_detected_by_content(shared_data):
    assert sources.detect(shared_data / FILE) is cow_alliance
    assert not cow_alliance.sniff(shared_data / "US-bases-abroad_troopdata-basedata.csv")


def test_memberships_are_dated(result):
    m = result.extra["alliance_memberships"]
    assert len(m) == 1221 and m["alliance_id"].nunique() == 414
    japan = m[(m["alliance_id"] == 233) & (m["iso3"] == "JPN")].iloc[0]
    assert japan["member_start"] == "1951-09-08" and pd.isna(japan["member_end"])
    assert japan["type"] == "Type I: Defense Pact" and not japan["defense"]  # per-member coding


def test_us_defense_pact_by_year(result):
    pd_ = result.facts
    assert validate_facts(pd_).shape == pd_.shape
    f = pd_.set_index(["iso3", "year"])["value"]
    assert f[("FRA", 1948)] == 0 and f[("FRA", 1949)] == 1  # North Atlantic Treaty, 1949
    assert f[("JPN", 1960)] == 1  # 1951 treaty: the alliance type, not Japan's own column
    assert f[("POL", 1998)] == 0 and f[("POL", 2000)] == 1  # NATO accession March 1999
    assert "USA" not in set(pd_["iso3"])
    assert set(pd_["value"].unique()) == {0.0, 1.0}
    assert (pd_["year"].min(), pd_["year"].max()) == (1816, 2012)
    assert result.vintage == "2012"
    assert "Bavaria" in result.unmatched  # historical states without ISO3 are reported


def test_bad_date_names_line(shared_data, tmp_path):
    lines = (shared_data / FILE).read_bytes().split(b"\n")
    lines[2] = lines[2].replace(
        b',"Type I: Defense Pact",1,1,1816', b',"Type I: Defense Pact",31,2,1816'
    )
    bad = tmp_path / FILE
    bad.write_bytes(b"\n".join(lines))
    with pytest.raises(
        DataFormatError, match=r"line 3, columns 'mem_st_day/month/year': 31/2/1816"
    ):
        cow_alliance.parse(bad)
