"""UNGA ideal points (Bailey, Strezhnev & Voeten, July 2025): real file and bad input."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from burdenshare.errors import DataFormatError
from burdenshare.facts import validate_facts
from burdenshare.sources import unga

UNGA = "UNGA-Idealpoints-BSV_July2025_1946-2024.csv"


@pytest.fixture(scope="module")
def result(shared_data: Path):
    return unga.parse(shared_data / UNGA)


def value(facts: pd.DataFrame, iso3: str, year: int, indicator: str) -> float:
    row = facts[(facts.iso3 == iso3) & (facts.year == year) & (facts.indicator == indicator)]
    assert len(row) == 1, (iso3, year, indicator)
    return float(row.value.iloc[0])


def test_real_values(result):
    f = result.facts
    assert result.vintage == "2025-07"
    # file line 79: 2,USA,United States,2024,2.206202,,,100.0,...
    assert value(f, "USA", 2024, "unga_idealpoint") == pytest.approx(2.206202)
    assert value(f, "USA", 2024, "unga_votes") == 100
    assert value(f, "JPN", 2024, "unga_idealpoint") == pytest.approx(0.795598)
    assert value(f, "USA", 1946, "unga_idealpoint_all") == pytest.approx(1.887774)
    # idealpointall is empty for 2024: no fact, not a zero
    assert f[(f.year == 2024) & (f.indicator == "unga_idealpoint_all")].empty
    units = f.groupby("indicator").unit.unique().map(list).to_dict()
    assert units == {
        "unga_idealpoint": ["index"],
        "unga_idealpoint_all": ["index"],
        "unga_votes": ["count"],
    }
    pd.testing.assert_frame_equal(validate_facts(f), f)


def test_rows_without_code_or_name_are_reported(result):
    warning = next(w for w in result.warnings if "neither iso3c nor countryname" in w)
    assert warning.startswith("17 rows")
    assert "260" in warning and "955" in warning


def test_shared_publisher_code_never_merges_two_states(result):
    """The file codes South Yemen (COW 680) YAR like North Yemen: YAR keeps North Yemen's
    values, and South Yemen's rows go to their own code or to unmatched, never onto YAR."""
    f = result.facts
    assert value(f, "YAR", 1967, "unga_idealpoint") == pytest.approx(-1.76517)
    assert any("YAR" in w and "shared by two states" in w for w in result.warnings)
    south = f[
        (f.year == 1967) & (f.indicator == "unga_idealpoint") & (f.value.round(5) == -1.67155)
    ]
    if "Yemen People's Republic" in result.unmatched:
        assert south.empty
    else:
        assert list(south.iso3) == ["YMD"]


def test_sniff(shared_data):
    assert unga.sniff(shared_data / UNGA)
    assert not unga.sniff(
        shared_data / "US-troops-abroad_troopdata-rebuild-country-year_1950-2024.csv"
    )


HEADER = "ccode,iso3c,countryname,year,idealpointfp,idealpointall,idealpointlegacy,nvotesfp"


def write(tmp_path: Path, rows: list[str], header: str = HEADER) -> Path:
    path = tmp_path / "ideal.csv"
    path.write_text("\n".join([header, *rows, ""]), encoding="utf-8")
    return path


def test_empty_iso3c_resolved_by_name_else_unmatched(tmp_path):
    rows = [
        "255,,Germany,2020,1.1,1.2,1.0,90.0",
        "999,,Atlantis,2020,0.5,,,10.0",
        "998,,,2020,,,0.3,",
        "2,USA,United States,2020,2.0,2.1,2.0,95.0",
    ]
    res = unga.parse(write(tmp_path, rows))
    assert sorted(set(res.facts.iso3)) == ["DEU", "USA"]
    assert value(res.facts, "DEU", 2020, "unga_idealpoint_all") == pytest.approx(1.2)
    assert res.unmatched == ["Atlantis"]
    assert any("998" in w for w in res.warnings)


def test_code_clash_moves_by_name_or_leaves_out(tmp_path):
    rows = [
        "2,USA,United States,2020,2.0,2.1,2.0,95.0",
        "20,USA,Canada,2020,1.0,1.1,1.0,95.0",  # wrong code, name resolves: moved to CAN
        "21,USA,Atlantis,2020,0.1,0.1,0.1,95.0",  # wrong code, name unknown: left out
    ]
    res = unga.parse(write(tmp_path, rows))
    assert value(res.facts, "USA", 2020, "unga_idealpoint") == 2.0
    assert value(res.facts, "CAN", 2020, "unga_idealpoint") == 1.0
    assert "Atlantis" in res.unmatched
    assert len(res.facts) == 6


def test_bad_input(tmp_path):
    with pytest.raises(
        DataFormatError,
        match=r"ideal.csv: line 3, column 'idealpointfp': "
        r"'high' is not a number",
    ):
        unga.parse(
            write(tmp_path, ["2,USA,United States,2020,2.0,,,1", "20,CAN,Canada,2020,high,,,1"])
        )
    with pytest.raises(DataFormatError, match=r"line 2, column 'year': '2020.5'"):
        unga.parse(write(tmp_path, ["2,USA,United States,2020.5,2.0,,,1"]))
    with pytest.raises(DataFormatError, match=r"line 1: missing column 'nvotesfp'"):
        unga.parse(write(tmp_path, [], header=HEADER.replace(",nvotesfp", "")))
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(DataFormatError, match="empty.csv: file is empty"):
        unga.parse(tmp_path / "empty.csv")
    (tmp_path / "u16.csv").write_bytes((HEADER + "\n").encode("utf-16"))
    with pytest.raises(DataFormatError, match="wrong encoding"):
        unga.parse(tmp_path / "u16.csv")
