"""SIPRI arms transfers: import values by recipient and the trade register."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from burdenshare.countries import resolve
from burdenshare.errors import DataFormatError
from burdenshare.facts import validate_facts
from burdenshare.sources import sipri_arms_imports, sipri_arms_register

IMPORTS = "SIPRI-AT-import-values-by-recipient_1950-2023_gen-2024-10-13.csv"
REGISTER = "SIPRI-AT-trade-register_all-countries_1950-2024_gen-2025-03-13.csv"
BROKEN_LINES = (5433, 21489, 25179, 27956)


@pytest.fixture(scope="module")
def imports(shared_data: Path):
    return sipri_arms_imports.parse(shared_data / IMPORTS)


@pytest.fixture(scope="module")
def register(shared_data: Path):
    return sipri_arms_register.parse(shared_data / REGISTER)


def value(facts: pd.DataFrame, iso3: str, year: int, indicator: str) -> float:
    row = facts[(facts.iso3 == iso3) & (facts.year == year) & (facts.indicator == indicator)]
    assert len(row) == 1, (iso3, year, indicator)
    return float(row.value.iloc[0])


# --- import values by recipient (real file) -------------------------------------------------


def test_imports_values_and_vintage(imports):
    f = imports.facts
    assert imports.vintage == "2024-10-13"
    assert value(f, "IND", 2023, "arms_imports_tiv_m") == 1428
    assert value(f, "POL", 2023, "arms_imports_tiv_m") == 1374
    assert value(f, "JPN", 2022, "arms_imports_tiv_m") == 1569
    # "0 " means between 0 and 0.5 TIV: kept as 0 (Saudi Arabia 1950); empty means no fact
    assert value(f, "SAU", 1950, "arms_imports_tiv_m") == 0
    assert f[(f.iso3 == "SAU") & (f.year == 1951)].empty
    assert set(f.unit) == {"tiv_m"} and set(f.indicator) == {"arms_imports_tiv_m"}
    pd.testing.assert_frame_equal(validate_facts(f), f)


def test_imports_empty_2024_column_yields_no_facts(imports):
    assert imports.facts.year.max() == 2023
    assert any("2024" in w and "no values" in w for w in imports.warnings)


def test_imports_non_state_recipients_are_warned_not_facts(imports):
    warning = next(w for w in imports.warnings if "non-state" in w)
    for name in ("Hezbollah (Lebanon)*", "UNITA (Angola)*", "NATO**", "United Nations**"):
        assert name in warning
    assert "Total world import" not in warning
    assert "Total world import" not in imports.unmatched
    assert imports.facts.iso3.notna().all()


def test_imports_every_recipient_is_accounted_for(imports, shared_data):
    """Each row is a country with facts, non-state, the world total, or unmatched."""
    table = pd.read_csv(shared_data / IMPORTS, skiprows=9, dtype=str, keep_default_na=False)
    warning = next(w for w in imports.warnings if "non-state" in w)
    countries = set(imports.facts.iso3)
    for name in table.Recipient:
        iso = resolve(name)
        assert (
            name == "Total world import"
            or name in warning
            or name in imports.unmatched
            or iso in countries
            or (table.loc[table.Recipient == name, "1950":"2024"] == "").all(axis=None)
        ), name


def test_imports_sniff(shared_data):
    assert sipri_arms_imports.sniff(shared_data / IMPORTS)
    assert not sipri_arms_imports.sniff(shared_data / REGISTER)
    assert not sipri_arms_register.sniff(shared_data / IMPORTS)
    assert sipri_arms_register.sniff(shared_data / REGISTER)


# --- trade register (real file) -------------------------------------------------------------


def test_register_deals_table(register):
    deals = register.extra["deals"]
    assert register.vintage == "2025-03-13"
    assert list(deals.columns) == list(sipri_arms_register.DEAL_COLUMNS)
    # 29,519 records as pandas reads them, minus the 4 continuation rows
    assert len(deals) == 29_515
    assert (deals.supplier == "United States").sum() == 9_480
    assert (deals.supplier_iso3 == "USA").sum() == 9_480
    assert (deals.recipient != "").all()
    # no shifted numbers ended up as names
    assert not deals.supplier.str.fullmatch(r"[\d.]+").any()
    first = deals.iloc[0]
    assert (first.recipient, first.supplier, first.recipient_iso3) == (
        "Afghanistan",
        "Brazil",
        "AFG",
    )
    assert first.order_year == 2017 and first.number_delivered == 6
    assert first.delivery_years == [2018] and first.tiv_delivered == 27


def test_register_delivery_years_are_int_lists(register):
    deals = register.extra["deals"]
    malyutka = deals[(deals.recipient == "Afghanistan") & (deals.designation == "Malyutka")]
    assert malyutka.delivery_years.iloc[0] == list(range(1979, 1991))
    assert bool(malyutka.order_year_uncertain.iloc[0]) is True
    assert bool(malyutka.number_ordered_uncertain.iloc[0]) is True
    assert all(isinstance(y, int) for ys in deals.delivery_years for y in ys)


def test_register_broken_rows_are_reported_with_line_numbers(register):
    warning = next(w for w in register.warnings if "continuation" in w)
    assert warning.startswith("4 broken continuation rows")
    for line in BROKEN_LINES:
        assert str(line) in warning
    # each continuation's TIV values went back onto the deal on the line before it
    deals = register.extra["deals"]
    thai = deals[
        (deals.recipient == "Thailand")
        & (deals.designation == "BTR-3")
        & (deals.tiv_total_order == 3.5)
    ]
    assert len(thai) == 1
    assert thai.tiv_per_unit.iloc[0] == 0.25 and thai.tiv_delivered.iloc[0] == 3.25
    assert thai.delivery_years.iloc[0] == [2010, 2012]
    un = deals[(deals.recipient == "United Nations**") & (deals.designation == "Hermes-900")]
    assert un.tiv_total_order.iloc[0] == 9 and un.recipient_iso3.isna().all()


def test_register_non_state_actors_keep_no_iso3(register):
    deals = register.extra["deals"]
    starred = deals[deals.recipient.str.contains("*", regex=False)]
    assert len(starred) > 0 and starred.recipient_iso3.isna().all()
    warning = next(w for w in register.warnings if "non-state" in w)
    assert "Hezbollah (Lebanon)*" in warning and "unknown supplier(s)" in warning


def test_register_spread_facts_sum_back_to_delivered_tiv(register):
    deals = register.extra["deals"]
    facts = register.facts
    assert set(facts["flags"]) == {"derived"} and set(facts.unit) == {"tiv_m"}
    pd.testing.assert_frame_equal(validate_facts(facts), facts)
    spreadable = deals[deals.recipient_iso3.notna() & (deals.delivery_years.map(len) > 0)]
    for indicator, rows in (
        ("arms_imports_total_tiv_m", spreadable),
        ("arms_imports_from_us_tiv_m", spreadable[spreadable.supplier == "United States"]),
    ):
        want = rows.groupby("recipient_iso3").tiv_delivered.sum()
        got = facts[facts.indicator == indicator].groupby("iso3").value.sum()
        want = want[want > 0]
        got = got[got > 0]
        assert list(got.index) == list(want.index)
        np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=1e-9)
    # facts only in delivery years
    years = {y for ys in spreadable.delivery_years for y in ys}
    assert set(facts.year) <= years and facts.year.max() == 2024


def test_register_spread_of_one_deal(register):
    """Poland 2023 recomputed deal by deal: each delivered TIV over its listed years."""
    deals = register.extra["deals"]
    facts = register.facts
    pol = deals[(deals.recipient_iso3 == "POL") & (deals.delivery_years.map(len) > 0)]
    year = 2023
    expected = sum(
        tiv / len(ys)
        for tiv, ys in zip(pol.tiv_delivered, pol.delivery_years, strict=True)
        if year in ys
    )
    assert value(facts, "POL", year, "arms_imports_total_tiv_m") == pytest.approx(expected)
    us = pol[pol.supplier == "United States"]
    expected_us = sum(
        tiv / len(ys)
        for tiv, ys in zip(us.tiv_delivered, us.delivery_years, strict=True)
        if year in ys
    )
    assert value(facts, "POL", year, "arms_imports_from_us_tiv_m") == pytest.approx(expected_us)
    assert 0 < expected_us < expected


# --- synthetic register files ---------------------------------------------------------------

REG_HEADER = (
    "Recipient,Supplier,Year of order, ,Number ordered, ,Weapon designation,Weapon description,"
    "Number delivered, ,Year(s) of delivery,status,Comments,SIPRI TIV per unit,"
    "SIPRI TIV for total order,SIPRI TIV of delivered weapons"
)
PREAMBLE = [
    "Transfers of major conventional arms from All countries  to All countries .",
    "A '?' in a column indicates uncertain data.",
    "An empty field for 'Number ordered' indicates that data is not yet available.",
    "SIPRI trend-indicator values (TIVs) are in millions.",
    "An empty field for 'SIPRI TIV for total order' indicates that data is not available.",
    "A '0' for 'SIPRI TIV of delivered weapons' indicates between 0 and 0.5 million TIV.",
    "Figures may not add up to stated totals due to the conventions of rounding.",
    "For the method used for the SIPRI TIV see <https://www.sipri.org/databases/armstransfers>.",
    "",
    "Source: SIPRI Arms Transfers Database (c) SIPRI.",
    "Data generated: 13 Mar 2025 10:02:49 AM",
]
DEALS = [
    "Japan,United States,2018,,3,,F-35A,FGA aircraft,3,,2019; 2020; 2021,New,,10,30,30",
    "Japan,Germany,2019,?,1,?,MTU-396,ship engine,1,,2020,New,For Mogami frigate,5,5,5",
    "Hezbollah (Lebanon)*,Iran,2010,?,100,?,Fajr-5,artillery rocket,100,?,2011,New,,0.1,10,10",
    "Japan,United States,2024,,10,,AIM-120,BVRAAM,0,,,New,,1,10,",
]


def write_register(
    tmp_path: Path, rows: list[str], header: str = REG_HEADER, encoding: str = "latin-1"
) -> Path:
    path = tmp_path / "trade-register.csv"
    path.write_bytes("\n".join([*PREAMBLE, header, *rows, ""]).encode(encoding))
    return path


def test_synthetic_register_spread(tmp_path):
    result = sipri_arms_register.parse(write_register(tmp_path, DEALS))
    f = result.facts
    total = f[f.indicator == "arms_imports_total_tiv_m"].set_index("year").value
    from_us = f[f.indicator == "arms_imports_from_us_tiv_m"].set_index("year").value
    assert total.to_dict() == {2019: 10.0, 2020: 15.0, 2021: 10.0}
    assert from_us.to_dict() == {2019: 10.0, 2020: 10.0, 2021: 10.0}
    assert set(f.iso3) == {"JPN"}
    deals = result.extra["deals"]
    assert deals.recipient_iso3.isna().tolist() == [False, False, True, False]
    assert deals.delivery_years.tolist() == [[2019, 2020, 2021], [2020], [2011], []]
    assert deals.number_delivered_uncertain.tolist() == [False, False, True, False]
    assert np.isnan(deals.tiv_delivered.iloc[3])
    assert result.vintage == "2025-03-13"


def test_synthetic_continuation_rows(tmp_path):
    rows = [
        DEALS[0],
        "Japan,Germany,2019,,12,,ship engine,ship engine,0,,,New,MTU engine for 3",
        ",1.5,18,0",
        DEALS[1],
        ",9,9,9",  # follows a complete deal: cannot be joined, kept out
    ]
    result = sipri_arms_register.parse(write_register(tmp_path, rows))
    deals = result.extra["deals"]
    assert len(deals) == 3
    engine = deals.iloc[1]
    assert (engine.tiv_per_unit, engine.tiv_total_order, engine.tiv_delivered) == (1.5, 18, 0)
    assert engine.comments == "MTU engine for 3"
    joined = next(w for w in result.warnings if "joined back" in w)
    assert "at lines 15;" in joined
    dropped = next(w for w in result.warnings if "could not be joined" in w)
    assert "lines 17" in dropped


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            DEALS[0].replace(",30,30", ",30,3O"),
            r"line 13, column 'SIPRI TIV of delivered weapons': '3O' is not a number",
        ),
        (
            DEALS[0].replace("2019; 2020; 2021", "2019; 20x0"),
            r"line 13, column 'Year\(s\) of delivery': '2019; 20x0'",
        ),
        (
            DEALS[0].replace("2018,,3", "2018,maybe,3"),
            r"line 13, column ' ' \(uncertainty flag after 'Year of order'\)",
        ),
        (
            DEALS[0].replace(",3,,F-35A", ",3.5,,F-35A"),
            r"line 13, column 'Number ordered': '3.5' is not a whole number",
        ),
    ],
)
def test_register_bad_cells(tmp_path, row, message):
    with pytest.raises(DataFormatError, match=message):
        sipri_arms_register.parse(write_register(tmp_path, [row]))


def test_register_missing_column(tmp_path):
    header = REG_HEADER.replace("Number delivered, ,", "")
    with pytest.raises(DataFormatError, match=r"line 12: missing column 'Number delivered'"):
        sipri_arms_register.parse(write_register(tmp_path, [], header=header))


def test_register_empty_and_wrong_encoding(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("\n\n")
    with pytest.raises(DataFormatError, match="file is empty"):
        sipri_arms_register.parse(empty)
    utf16 = write_register(tmp_path, DEALS, encoding="utf-16")
    with pytest.raises(DataFormatError, match=r"wrong encoding.*expected Latin-1"):
        sipri_arms_register.parse(utf16)


def test_register_reads_latin1_names(tmp_path):
    rows = ["Côte d'Ivoire,France,2019,,1,,VAB,APC,1,,2020,New,,0.5,0.5,0.5"]
    result = sipri_arms_register.parse(write_register(tmp_path, rows))
    assert result.extra["deals"].recipient.iloc[0] == "Côte d'Ivoire"
    assert result.extra["deals"].recipient_iso3.iloc[0] == "CIV"


# --- synthetic import-value files -----------------------------------------------------------

IMP_PREAMBLE = [
    "Volume of transfers of major arms",
    "Figures are in millions of SIPRI trend-indicator values (TIVs).",
    "A '0' indicates that the volume of deliveries is between 0 and 0.5 million SIPRI TIV.",
    "Figures may not add up to stated totals due to the conventions of rounding.",
    "For the method used for the SIPRI TIV see <https://www.sipri.org/databases/armstransfers>.",
    "",
    "Source: SIPRI Arms Transfers Database (c) SIPRI.",
    "Data generated: 13 Oct 2024 12:33:29 PM",
    "",
]
IMP_HEADER = "Recipient,2022,2023,2024,2022-2024,Percentage"


def write_imports(tmp_path: Path, rows: list[str], preamble=IMP_PREAMBLE) -> Path:
    """A synthetic export; SIPRI's closing world-total row is added when a test gives none."""
    path = tmp_path / "imports.csv"
    if rows and not any(r.startswith("Total world import") for r in rows):
        rows = [*rows, "Total world import,0,0,0,0,100%"]
    path.write_text("\n".join([*preamble, IMP_HEADER, *rows, ""]))
    return path


def test_synthetic_imports(tmp_path):
    rows = [
        "Japan,10,0 ,,10,50%",
        "Atlantis,1,2,,3,1%",
        "PKK (Turkiye)*,1,,,1,0.1%",
        "Total world import,12,2,,14,100%",
    ]
    result = sipri_arms_imports.parse(write_imports(tmp_path, rows))
    assert result.facts[["iso3", "year", "value"]].values.tolist() == [
        ["JPN", 2022, 10.0],
        ["JPN", 2023, 0.0],
    ]
    assert result.unmatched == ["Atlantis"]
    assert any("PKK (Turkiye)*" in w for w in result.warnings)


def test_imports_rows_of_one_country_are_added_up(tmp_path):
    rows = ["North Yemen,1,,,1,0%", "Yemen Arab Republic (North Yemen),,2,,2,0%"]
    result = sipri_arms_imports.parse(write_imports(tmp_path, rows))
    assert result.facts[["iso3", "year", "value"]].values.tolist() == [
        ["YAR", 2022, 1.0],
        ["YAR", 2023, 2.0],
    ]
    assert any("added up (their years do not overlap)" in w for w in result.warnings)


def test_imports_bad_input(tmp_path):
    with pytest.raises(DataFormatError, match=r"line 11, column '2023': '1o' is not a number"):
        sipri_arms_imports.parse(write_imports(tmp_path, ["Japan,10,1o,,11,50%"]))
    no_date = [line for line in IMP_PREAMBLE if "generated" not in line]
    with pytest.raises(DataFormatError, match=r"no 'Data generated"):
        sipri_arms_imports.parse(write_imports(tmp_path, ["Japan,1,2,,3,1%"], preamble=no_date))
    with pytest.raises(DataFormatError, match=r"no data rows"):
        sipri_arms_imports.parse(write_imports(tmp_path, []))
    no_total = tmp_path / "no_total.csv"
    no_total.write_text("\n".join([*IMP_PREAMBLE, IMP_HEADER, "Japan,1,2,,3,1%", ""]))
    with pytest.raises(DataFormatError, match=r"line 11: .*closing 'Total world import' row"):
        sipri_arms_imports.parse(no_total)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(DataFormatError, match="file is empty"):
        sipri_arms_imports.parse(empty)
