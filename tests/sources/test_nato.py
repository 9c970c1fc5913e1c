"""NATO defence expenditure tables (June 2024 release): TABLE3 values, estimate flags,
aggregates, cross-table consistency, and bad workbooks made in tmp_path."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from burdenshare.errors import DataFormatError
from burdenshare.facts import split_flags, validate_facts
from burdenshare.sources import nato

NATO_FILE = "NATO-240617-def-exp-2024-TABLES-en.xlsx"


@pytest.fixture(scope="module")
def path(shared_data: Path) -> Path:
    return shared_data / NATO_FILE


@pytest.fixture(scope="module")
def result(path: Path):
    return nato.parse(path)


@pytest.fixture(scope="module")
def facts(result) -> pd.DataFrame:
    return result.facts


def pick(facts: pd.DataFrame, indicator: str, year: int) -> pd.Series:
    """indicator values for one year, indexed by iso3."""
    sub = facts[(facts["indicator"] == indicator) & (facts["year"] == year)]
    assert sub["iso3"].is_unique
    return sub.set_index("iso3")["value"]


def test_contract_and_vintage(result, facts):
    pd.testing.assert_frame_equal(validate_facts(facts), facts)
    assert result.source == "nato_defexp"
    assert result.vintage == "2024-06-17"
    assert result.unmatched == []  # aggregates are skipped, not reported


def test_indicators_and_units(facts):
    units = facts.groupby("indicator")["unit"].unique().map(list).to_dict()
    assert units == {
        "milex_local_m": ["lcu_m"],
        "milex_usd_m": ["usd_m"],
        "milex_const_usd_m": ["usd_m_const2015"],
        "milex_gdp_pct": ["percent"],
        "milex_real_change_pct": ["percent"],
        "gdp_usd_m": ["usd_m"],
        "gdp_const_usd_m": ["usd_m_const2015"],
        "gdp_per_capita_usd": ["usd_const2015"],
        "milex_per_capita_usd": ["usd_const2015"],
        "military_personnel_k": ["persons_k"],
        "equipment_share_pct": ["percent"],
        "personnel_share_pct": ["percent"],
        "infrastructure_share_pct": ["percent"],
        "other_share_pct": ["percent"],
    }
    assert sorted(facts["year"].unique()) == list(range(2014, 2025))


def test_table3_share_of_real_gdp(facts):
    gdp = pick(facts, "milex_gdp_pct", 2024)
    assert gdp["POL"] == pytest.approx(4.12, abs=0.005)
    assert gdp["USA"] == pytest.approx(3.38, abs=0.005)
    assert gdp["ESP"] == pytest.approx(1.28, abs=0.005)
    assert len(gdp) == 31  # Iceland has no armed forces and is not in TABLE3
    assert "ISL" not in gdp.index
    assert int((gdp >= 2.0).sum()) == 23  # NATO: 23 Allies at or above 2 % in 2024e


def test_estimate_flags_follow_the_e_suffix(facts):
    flags = facts["flags"].map(split_flags)
    is_est = flags.map(lambda f: "estimate" in f)
    assert is_est[facts["year"].isin([2023, 2024])].all()
    assert not is_est[facts["year"] <= 2022].any()


def test_starred_allies_get_footnote(result, facts):
    table = result.extra["countries"].set_index("iso3")
    starred = set(table.index[table["national_2pct_commitment"]])
    assert starred == {"CZE", "EST", "LTU", "LVA", "POL", "ROU"}
    assert table.loc["CZE", "currency"] == "Koruny"
    pol = facts[(facts["iso3"] == "POL") & (facts["indicator"] == "milex_gdp_pct")]
    assert pol["flags"].map(lambda f: "footnote" in split_flags(f)).all()
    esp = facts[(facts["iso3"] == "ESP") & (facts["indicator"] == "milex_gdp_pct")]
    assert not esp["flags"].map(lambda f: "footnote" in split_flags(f)).any()


def test_other_tables_spot_values(facts):
    assert pick(facts, "gdp_per_capita_usd", 2024)["POL"] == pytest.approx(17252.0758, rel=1e-6)
    assert pick(facts, "military_personnel_k", 2024)["USA"] == pytest.approx(1300.21)
    assert pick(facts, "equipment_share_pct", 2024)["POL"] == pytest.approx(51.1276, rel=1e-4)
    assert pick(facts, "milex_local_m", 2024)["POL"] == pytest.approx(151240.714)
    assert pick(facts, "milex_const_usd_m", 2024)["USA"] == pytest.approx(754684.135, rel=1e-8)


def test_tables_agree_with_each_other(facts):
    """TABLE3 share = TABLE2 constant US$ / TABLE5 constant GDP, except two cells where NATO
    publishes a flat 2.00 (France 2020, Slovakia 2024e; the ratio gives 1.986 and 1.989)."""
    for year in (2014, 2020, 2024):
        share = pick(facts, "milex_gdp_pct", year)
        ratio = (
            pick(facts, "milex_const_usd_m", year) / pick(facts, "gdp_const_usd_m", year) * 100
        ).reindex(share.index)
        off = share.index[~np.isclose(share, ratio, rtol=1e-6)].tolist()
        assert off == {2014: [], 2020: ["FRA"], 2024: ["SVK"]}[year]
        assert (share[off] == 2.0).all()
        np.testing.assert_allclose(share, ratio, atol=0.015)
    parts = ["equipment_share_pct", "personnel_share_pct", "infrastructure_share_pct"]
    total = sum(pick(facts, p, 2024) for p in [*parts, "other_share_pct"])
    np.testing.assert_allclose(total, 100.0, atol=0.01)


def test_sniff(path, shared_data, tmp_path):
    assert nato.sniff(path)
    assert not nato.sniff(shared_data / "SIPRI-Milex-data-1949-2024_2.xlsx")
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(np.random.default_rng(3).bytes(2048))
    assert not nato.sniff(junk)


# --- bad input -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def broken(path: Path, tmp_path_factory) -> dict[str, Path]:
    """Copies of the real workbook, each broken in one way (made once per module)."""
    out_dir = tmp_path_factory.mktemp("nato_bad")
    out = {}
    wb = openpyxl.load_workbook(path)
    wb["TABLE3"]["E12"] = "abc"  # Belgium 2015, share of real GDP
    out["garbage"] = out_dir / "NATO.xlsx"
    wb.save(out["garbage"])

    wb = openpyxl.load_workbook(path)
    for cell in wb["TABLE3"][8]:  # the year header row
        cell.value = None
    out["no_header"] = out_dir / "nohead.xlsx"
    wb.save(out["no_header"])

    wb = openpyxl.load_workbook(path)
    del wb["TABLE5"]
    out["no_sheet"] = out_dir / "nosheet.xlsx"
    wb.save(out["no_sheet"])

    wb = openpyxl.load_workbook(path)
    assert str(wb["TABLE3"]["B44"].value).startswith("Annual real change")
    wb["TABLE3"].delete_rows(44, 33)  # the whole "Annual real change" block
    out["no_section"] = out_dir / "nosection.xlsx"
    wb.save(out["no_section"])

    wb = openpyxl.load_workbook(path)
    wb["TABLE3"]["B44"] = None  # its rows now repeat the first section's allies
    out["relabelled"] = out_dir / "relabelled.xlsx"
    wb.save(out["relabelled"])

    wb = openpyxl.load_workbook(path)
    wb["TABLE3"]["B44"] = "Something else"  # a section no edition has
    out["unknown_section"] = out_dir / "unknown.xlsx"
    wb.save(out["unknown_section"])
    return out


def test_garbage_cell_names_sheet_and_cell(broken):
    with pytest.raises(DataFormatError, match=r"^NATO\.xlsx: sheet 'TABLE3' cell E12: .*'abc'"):
        nato.parse(broken["garbage"])


def test_missing_year_header(broken):
    with pytest.raises(DataFormatError, match=r"^nohead\.xlsx: sheet 'TABLE3': no header row"):
        nato.parse(broken["no_header"])


def test_missing_sheet(broken):
    with pytest.raises(DataFormatError, match=r"^nosheet\.xlsx: expected sheet\(s\) TABLE5"):
        nato.parse(broken["no_sheet"])


def test_missing_section(broken):
    with pytest.raises(
        DataFormatError, match=r"^nosection\.xlsx: sheet 'TABLE3': section 'annual real change'"
    ):
        nato.parse(broken["no_section"])


def test_unknown_section_is_refused_naming_the_row(broken):
    with pytest.raises(
        DataFormatError, match=r"^unknown\.xlsx: sheet 'TABLE3' row 44: unknown section 'Something"
    ):
        nato.parse(broken["unknown_section"])


def test_ally_twice_in_a_section(broken):
    with pytest.raises(
        DataFormatError,
        match=r"^relabelled\.xlsx: sheet 'TABLE3' cell C45: 'Albania' appears twice in section "
        r"'Share of real GDP \(%\)' \(first in row 11\)",
    ):
        nato.parse(broken["relabelled"])


def test_truncated_and_random(path, tmp_path):
    cut = tmp_path / "cut.xlsx"
    data = path.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataFormatError, match=r"^cut\.xlsx: .*(corrupt|truncated)"):
        nato.parse(cut)
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(np.random.default_rng(5).bytes(10_000))
    with pytest.raises(DataFormatError, match=r"^junk\.xlsx: "):
        nato.parse(junk)


def test_missing_cell_in_an_allys_row(path, tmp_path):
    wb = openpyxl.load_workbook(path)
    wb["TABLE3"]["N12"] = None  # Belgium 2024e
    fixed = tmp_path / "gap.xlsx"
    wb.save(fixed)
    facts = nato.parse(fixed).facts
    row = facts[
        (facts["iso3"] == "BEL") & (facts["year"] == 2024) & (facts["indicator"] == "milex_gdp_pct")
    ].iloc[0]
    assert math.isnan(row["value"])
    assert split_flags(row["flags"]) == {"estimate", "missing"}
