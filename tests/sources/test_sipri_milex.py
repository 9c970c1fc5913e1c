"""SIPRI Military Expenditure Database workbook parser: real-file values, flags and coverage,
an openpyxl cross-check of the fast reader, and bad input built in tmp_path."""

from __future__ import annotations

import math
import re
import shutil
from datetime import date
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.styles import Font
from openpyxl.styles.colors import Color

from burdenshare.countries import resolve
from burdenshare.errors import DataFormatError
from burdenshare.facts import KNOWN_FLAGS, split_flags, validate_facts
from burdenshare.sources import sipri_milex
from burdenshare.sources.sipri_milex import (
    ESTIMATE,
    MISSING,
    NOT_INDEPENDENT,
    column_index,
    column_letter,
    convert_cell,
)

WORKBOOK = "SIPRI-Milex-data-1949-2024_2.xlsx"
COUNTRY_SHEETS = (
    "Local currency financial years",
    "Local currency calendar years",
    "Constant (2023) US$",
    "Current US$",
    "Share of GDP",
    "Per capita",
    "Share of Govt. spending",
)


@pytest.fixture(scope="module")
def path(shared_data: Path) -> Path:
    return shared_data / WORKBOOK


@pytest.fixture(scope="module")
def result(path: Path):
    return sipri_milex.parse(path)


@pytest.fixture(scope="module")
def facts(result) -> pd.DataFrame:
    return result.facts


@pytest.fixture(scope="module")
def xl(path: Path) -> openpyxl.Workbook:
    """The real workbook through openpyxl with styles loaded (not read-only): the reference."""
    return openpyxl.load_workbook(path)


def one(facts: pd.DataFrame, iso3: str, year: int, indicator: str) -> pd.Series:
    rows = facts[
        (facts["iso3"] == iso3) & (facts["year"] == year) & (facts["indicator"] == indicator)
    ]
    assert len(rows) == 1, (iso3, year, indicator, len(rows))
    return rows.iloc[0]


# --- real workbook -------------------------------------------------------------------------


def test_contract_vintage_and_source(result, facts):
    assert result.source == "sipri_milex"
    assert result.vintage == "2025-04-30"  # docProps/core.xml modified 2025-04-30T13:02:04Z
    pd.testing.assert_frame_equal(validate_facts(facts), facts)
    assert set(facts["source"]) == {"sipri_milex"}
    assert set(facts["vintage"]) == {"2025-04-30"}


def test_every_sheet_maps_to_its_indicator_and_unit(facts):
    units = facts.groupby("indicator")["unit"].unique().map(list).to_dict()
    assert units == {
        "milex_local_fy_m": ["lcu_m"],
        "milex_local_cy_m": ["lcu_m"],
        "milex_const_usd_m": ["usd_m_const2023"],
        "milex_usd_m": ["usd_m"],
        "milex_gdp_pct": ["percent"],
        "milex_per_capita_usd": ["usd"],
        "milex_gov_pct": ["percent"],
    }
    years = facts.groupby("indicator")["year"].agg(["min", "max"])
    assert years.loc["milex_gdp_pct"].tolist() == [1949, 2024]
    assert years.loc["milex_per_capita_usd"].tolist() == [1988, 2024]
    assert years.loc["milex_gov_pct"].tolist() == [1988, 2024]


@pytest.mark.parametrize(
    ("iso3", "year", "indicator", "expected"),
    [
        # Share of GDP: fraction 0.041543938797535616 in the cell -> percent
        ("POL", 2024, "milex_gdp_pct", 4.1543938797535616),
        ("USA", 2024, "milex_gdp_pct", 3.419216532280439),
        ("ISR", 2024, "milex_gdp_pct", 8.776716689775306),
        ("USA", 2023, "milex_const_usd_m", 916014.7),
        ("POL", 2023, "milex_const_usd_m", 26342.764301582567),
        ("POL", 2024, "milex_per_capita_usd", 981.6266),
        ("USA", 2024, "milex_usd_m", 997309.0),
        # local currency cells hold whole units (997 309 000 000 US$) -> millions
        ("USA", 2024, "milex_local_cy_m", 997309.0),
        ("POL", 2024, "milex_local_fy_m", 151241.0),
        ("POL", 2024, "milex_gov_pct", 8.474442362518154),
    ],
)
def test_spot_values_read_from_the_workbook(facts, iso3, year, indicator, expected):
    assert one(facts, iso3, year, indicator)["value"] == pytest.approx(expected, rel=1e-6)


def test_share_of_gdp_covers_at_least_165_countries(facts):
    gdp = facts[(facts["indicator"] == "milex_gdp_pct") & facts["value"].notna()]
    assert gdp["iso3"].nunique() >= 165
    assert (gdp["value"] >= 0).all()
    assert gdp["value"].median() < 10  # percent, not fractions (Kuwait 1991 is 117 %)


def test_flags_found_and_consistent_with_values(facts):
    parts = facts["flags"].map(split_flags)
    seen = frozenset().union(*parts)
    assert {"estimate", "uncertain", "missing", "not_independent", "footnote"} <= seen
    assert seen <= KNOWN_FLAGS
    no_value = parts.map(lambda p: bool(p & {"missing", "not_independent"}))
    assert (no_value == facts["value"].isna()).all()


@pytest.mark.parametrize(
    ("iso3", "year", "indicator", "flag", "has_value"),
    [
        ("UKR", 2024, "milex_gdp_pct", "estimate", True),  # blue cell
        ("CHN", 2024, "milex_gdp_pct", "estimate", True),
        ("ARG", 2015, "milex_const_usd_m", "uncertain", True),  # red cell
        ("AFG", 2024, "milex_gdp_pct", "missing", False),  # "..."
        ("SUN", 2024, "milex_gdp_pct", "not_independent", False),  # USSR "xxx"
        ("YAR", 2000, "milex_usd_m", "not_independent", False),  # "Yemen, North"
        ("POL", 2024, "milex_gdp_pct", "footnote", True),  # Notes "78"
    ],
)
def test_flag_spot_checks(facts, iso3, year, indicator, flag, has_value):
    row = one(facts, iso3, year, indicator)
    assert flag in split_flags(row["flags"])
    assert math.isnan(row["value"]) is not has_value


def test_unflagged_cells_stay_unflagged(facts):
    usa = one(facts, "USA", 2024, "milex_gdp_pct")
    assert not split_flags(usa["flags"]) & {"estimate", "uncertain", "missing"}
    assert one(facts, "SUN", 2024, "milex_gdp_pct")["flags"] == "not_independent"  # no Notes


def test_countries_table_and_unmatched(result, facts):
    table = result.extra["countries"]
    assert list(table.columns[:4]) == ["iso3", "sipri_name", "region", "subregion"]
    assert table["iso3"].is_unique
    assert set(table["iso3"]) == set(facts["iso3"])
    # every SIPRI country row is either resolved or reported, never dropped
    # (the European Union row is a known aggregate: excluded and named in a warning)
    assert result.unmatched == []
    assert any("European Union" in w for w in result.warnings)
    assert len(table) + len(result.unmatched) + 1 == 174
    assert all(resolve(name) is None for name in result.unmatched)
    rows = table.set_index("iso3")
    assert rows.loc["POL", ["region", "subregion"]].tolist() == ["Europe", "Central Europe"]
    assert rows.loc["USA", ["sipri_name", "region", "subregion"]].tolist() == [
        "United States of America",
        "Americas",
        "North America",
    ]
    assert rows.loc["ISR", "region"] == "Middle East"
    assert pd.isna(rows.loc["ISR", "subregion"])  # SIPRI's Middle East has no subregions
    assert rows.loc["TWN", "subregion"] == "East Asia"
    assert rows.loc["JPN", "currency"] == "Yen"
    assert rows.loc["JPN", "fiscal_year"] == "Apr-Mar"


def test_footnotes_table(result):
    notes = result.extra["footnotes"].set_index("marker")["text"]
    assert notes["§"].startswith("Figures for these countries are for the adopted budget")
    assert notes["78"].startswith("Poland:")
    assert len(notes) == 5 + 104


def test_sniff_looks_at_content(path, shared_data, tmp_path):
    assert sipri_milex.sniff(path)
    renamed = tmp_path / "data.bin"
    shutil.copyfile(path, renamed)
    assert sipri_milex.sniff(renamed)
    assert not sipri_milex.sniff(shared_data / "NATO-240617-def-exp-2024-TABLES-en.xlsx")
    assert not sipri_milex.sniff(
        shared_data / "SIPRI-Milex-data-1949-2025_v1.2_constant-2024-USD-sheet.csv"
    )
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(np.random.default_rng(1).bytes(4096))
    assert not sipri_milex.sniff(junk)


# --- the fast reader equals openpyxl with styles loaded ------------------------------------


def _openpyxl_colour(cell) -> int:
    colour = cell.font.color if cell.font is not None else None
    if colour is None:
        return -1
    if colour.type == "indexed":
        return int(colour.indexed)
    if colour.type == "rgb":
        return {"FFFF0000": 10, "FF0000FF": 12}.get(str(colour.rgb).upper(), -1)
    return -1


def test_values_and_colours_equal_openpyxl_on_every_country_sheet(path, xl):
    grids = sipri_milex.read_sheet_grids(path, COUNTRY_SHEETS)
    compared = flagged = 0
    for name in COUNTRY_SHEETS:
        rows, colours = grids[name]
        ws = xl[name]
        assert len(rows) == ws.max_row
        for i, xl_row in enumerate(ws.iter_rows(max_col=colours.shape[1])):
            for j, cell in enumerate(xl_row):
                ours = rows[i][j] if j < len(rows[i]) else ""
                theirs = cell.value
                if theirs is None:
                    assert ours == "", (name, cell.coordinate)
                else:
                    assert ours == theirs, (name, cell.coordinate)  # 1949 == 1949.0
                assert colours[i, j] == _openpyxl_colour(cell), (name, cell.coordinate)
                compared += 1
                flagged += colours[i, j] in (10, 12)
    assert compared > 80_000
    assert flagged > 10_000


def test_parsed_flags_equal_openpyxl_colours_on_share_of_gdp(xl, facts):
    ws = xl["Share of GDP"]
    header = next(r for r in ws.iter_rows() if r[0].value == "Country")
    year_cols = {c.column: int(c.value) for c in header if isinstance(c.value, (int, float))}
    expected = {}
    for row in ws.iter_rows(min_row=header[0].row + 1):
        iso3 = resolve(str(row[0].value)) if row[0].value else None
        if iso3 is None:
            continue
        for cell in row:
            if cell.column in year_cols:
                colour = _openpyxl_colour(cell)
                flags = {12: {"estimate"}, 10: {"uncertain"}}.get(colour, set())
                expected[(iso3, year_cols[cell.column])] = flags
    gdp = facts[facts["indicator"] == "milex_gdp_pct"]
    got = {
        (r.iso3, r.year): split_flags(r.flags) & {"estimate", "uncertain"} for r in gdp.itertuples()
    }
    assert got == expected


# --- synthetic workbooks and bad input -----------------------------------------------------

BLUE = Font(color=Color(indexed=12))
RED = Font(color=Color(indexed=10))


def make_workbook(target: Path, *, drop: str | None = None, edit=None) -> Path:
    """A small workbook with SIPRI's sheet names and layout (header row 6)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    wb.create_sheet("Front page")
    for name in COUNTRY_SHEETS:
        if name == drop:
            continue
        ws = wb.create_sheet(name)
        share = name.startswith("Share")
        ws.append([f"Military expenditure by country ... {name}"])
        ws.append(["Figures in blue are SIPRI estimates. Figures in red indicate ..."])
        ws.append([])
        ws.append([])
        ws.append([])
        ws.append(["Country", "Notes", 2022, 2023, 2024])
        ws.append([])
        ws.append(["Europe"])
        ws.append(["Western Europe"])
        ws.append(["France", "§", 0.019 if share else 19.0, 0.02 if share else 20.0, ". ."])
        ws.append(["Germany", "", 0.014 if share else 14.0, "...", 0.021 if share else 21.0])
        ws.append(["Middle East"])
        ws.append(["Israel", "94", "xxx", 0.053 if share else 53.0, 0.088 if share else 88.0])
        ws["C10"].font = BLUE  # France 2022 estimate
        ws["E11"].font = RED  # Germany 2024 uncertain
        ws["D13"].font = Font(color="FFFF0000")  # Israel 2023 uncertain, as an RGB colour
        if edit is not None:
            edit(name, ws)
    wb.save(target)
    return target


def test_synthetic_workbook_flags_and_layout(tmp_path):
    result = sipri_milex.parse(make_workbook(tmp_path / "small.xlsx"))
    facts = result.facts
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", result.vintage)
    assert date.fromisoformat(result.vintage).year >= 2025
    assert len(facts) == 7 * 3 * 3
    fra = one(facts, "FRA", 2022, "milex_gdp_pct")
    assert fra["value"] == pytest.approx(1.9)
    assert split_flags(fra["flags"]) == {"estimate", "footnote"}
    assert split_flags(one(facts, "FRA", 2024, "milex_usd_m")["flags"]) == {
        "missing",
        "footnote",
    }
    deu = one(facts, "DEU", 2024, "milex_gov_pct")
    assert deu["value"] == pytest.approx(2.1)
    assert deu["flags"] == "uncertain"
    assert one(facts, "DEU", 2023, "milex_usd_m")["flags"] == "missing"
    assert split_flags(one(facts, "ISR", 2023, "milex_usd_m")["flags"]) == {
        "uncertain",
        "footnote",
    }
    assert split_flags(one(facts, "ISR", 2022, "milex_gdp_pct")["flags"]) == {
        "not_independent",
        "footnote",
    }
    assert one(facts, "DEU", 2022, "milex_local_cy_m")["value"] == pytest.approx(14e-6)
    assert one(facts, "ISR", 2024, "milex_const_usd_m")["unit"] == "usd_m_const2023"
    table = result.extra["countries"].set_index("iso3")
    assert table.loc["DEU", ["region", "subregion"]].tolist() == ["Europe", "Western Europe"]
    assert table.loc["ISR", "region"] == "Middle East"
    assert pd.isna(table.loc["ISR", "subregion"])
    assert result.unmatched == []


def test_unknown_country_is_reported_not_dropped(tmp_path):
    def edit(name, ws):
        ws.append(["Atlantis", "", 1.0, 2.0, 3.0])

    result = sipri_milex.parse(make_workbook(tmp_path / "a.xlsx", edit=edit))
    assert result.unmatched == ["Atlantis"]
    assert set(result.facts["iso3"]) == {"FRA", "DEU", "ISR"}


def test_truncated_workbook(path, tmp_path):
    cut = tmp_path / "SIPRI-cut.xlsx"
    data = path.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataFormatError, match=r"^SIPRI-cut\.xlsx: .*(corrupt|truncated)"):
        sipri_milex.parse(cut)


def test_random_bytes(tmp_path):
    junk = tmp_path / "random.xlsx"
    junk.write_bytes(np.random.default_rng(7).bytes(20_000))
    with pytest.raises(DataFormatError, match=r"^random\.xlsx: "):
        sipri_milex.parse(junk)


def test_missing_sheet(tmp_path):
    bad = make_workbook(tmp_path / "nosheet.xlsx", drop="Per capita")
    with pytest.raises(DataFormatError, match=r"nosheet\.xlsx: expected sheet .*Per capita"):
        sipri_milex.parse(bad)


def test_sheet_without_country_header(tmp_path):
    def edit(name, ws):
        if name == "Current US$":
            ws["A6"] = "Land"

    bad = make_workbook(tmp_path / "nohead.xlsx", edit=edit)
    with pytest.raises(
        DataFormatError, match=r"nohead\.xlsx: sheet 'Current US\$': no header row .*'Country'"
    ):
        sipri_milex.parse(bad)


def test_garbage_in_a_value_cell_names_sheet_and_cell(tmp_path):
    def edit(name, ws):
        if name == "Share of GDP":
            ws["D11"] = "abc"

    bad = make_workbook(tmp_path / "SIPRI.xlsx", edit=edit)
    with pytest.raises(
        DataFormatError, match=r"^SIPRI\.xlsx: sheet 'Share of GDP' cell D11: .*'abc'"
    ):
        sipri_milex.parse(bad)


def test_two_rows_for_one_country_is_an_error(tmp_path):
    def edit(name, ws):
        ws.append(["Federal Republic of Germany", "", 1.0, 2.0, 3.0])

    bad = make_workbook(tmp_path / "dup.xlsx", edit=edit)
    with pytest.raises(
        DataFormatError,
        match=r"cell A14: 'Federal Republic of Germany' and 'Germany' both resolve to DEU",
    ):
        sipri_milex.parse(bad)


@given(st.integers(min_value=0, max_value=16_383))
def test_column_letters_round_trip(index):
    letters = column_letter(index)
    assert letters.isalpha() and letters.isupper()
    assert column_index(letters) == index


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_numbers_pass_through_and_as_text(x):
    assert convert_cell(x) == (x, 0)
    assert convert_cell(repr(x)) == (x, 0)


@given(
    st.sampled_from(["...", ". .", "\u2026", "", "  ", "xxx", "XXX"]),
    st.sampled_from(["", " ", "\t"]),
)
def test_markers_become_nan_with_their_bit(marker, pad):
    value, bits = convert_cell(pad + marker + pad)
    assert math.isnan(value)
    assert bits == (NOT_INDEPENDENT if marker.lower() == "xxx" else MISSING)
    assert not bits & ESTIMATE


_MARKER_TEXTS = {"", "xxx", "..", "...", ". .", ". . .", "\u2026"}


@given(st.text(min_size=1).filter(lambda t: t.strip().lower() not in _MARKER_TEXTS))
def test_other_text_is_rejected_unless_a_finite_number(text):
    value, bits = convert_cell(text)
    try:
        number = float(text.strip())
    except ValueError:
        number = None
    if number is not None and math.isfinite(number):
        assert (value, bits) == (number, 0)
    else:
        assert bits == -1 and math.isnan(value)
