"""World Bank WDI bulk CSVs and the WDI country metadata: real files and bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from burdenshare.errors import DataFormatError
from burdenshare.facts import validate_facts
from burdenshare.sources import worldbank, worldbank_meta

GDP = "API_NY.GDP.MKTP.CD_DS2_en_csv_v2_234.csv"
POP = "API_SP.POP.TOTL_DS2_en_csv_v2_33112.csv"
MILEX = "API_MS.MIL.XPND.GD.ZS_DS2_en_csv_v2_211.csv"
META = "WB_Metadata_Country_API_MS.MIL.XPND.GD.ZS_DS2_en_csv_v2_211.csv"


@pytest.fixture(scope="module")
def parsed(shared_data: Path) -> dict:
    return {name: worldbank.parse(shared_data / name) for name in (GDP, POP, MILEX)}


def value(facts: pd.DataFrame, iso3: str, year: int, indicator: str) -> float:
    row = facts[(facts.iso3 == iso3) & (facts.year == year) & (facts.indicator == indicator)]
    assert len(row) == 1, (iso3, year, indicator)
    return float(row.value.iloc[0])


# --- real files ---------------------------------------------------------------------------


def test_gdp_is_converted_to_us_dollar_millions(parsed):
    facts = parsed[GDP].facts
    # file: "United States","USA",...,2023 = "27811517000000" (US$)
    assert value(facts, "USA", 2023, "gdp_usd_m") == pytest.approx(27_811_517.0)
    assert value(facts, "POL", 2024, "gdp_usd_m") == pytest.approx(917_767.106146761)
    assert set(facts.unit) == {"usd_m"}
    assert parsed[GDP].vintage == "2026-07-13"


def test_population_and_milex_share(parsed):
    assert value(parsed[POP].facts, "POL", 2024, "population") == 36_559_233
    assert value(parsed[POP].facts, "DEU", 2023, "population") == 83_287_273
    milex = parsed[MILEX]
    assert value(milex.facts, "POL", 2024, "milex_gdp_pct") == pytest.approx(4.15439387975356)
    assert value(milex.facts, "USA", 2023, "milex_gdp_pct") == pytest.approx(3.304441637598)
    assert set(milex.facts.unit) == {"percent"}
    assert milex.vintage == "2026-02-24"
    # the 2025 milex column is empty: no facts, not zeros
    assert not (milex.facts.year == 2025).any()


def test_outputs_satisfy_the_fact_contract(parsed):
    for result in parsed.values():
        checked = validate_facts(result.facts)
        pd.testing.assert_frame_equal(checked, result.facts)
        assert set(result.facts.source) == {"worldbank_wdi"}
        assert result.facts.value.notna().all()


def test_aggregates_are_excluded(parsed):
    for result in parsed.values():
        codes = set(result.facts.iso3)
        assert not codes & {"WLD", "EUU", "HIC", "LMC", "ARB", "OED", "EMU", "INX"}
        assert "aggregates excluded" in result.warnings[0]
        assert "WLD" in result.warnings[0]
        assert result.meta["aggregates_from"] == META
    # the milex file lists "Not classified" (INX), which the metadata lacks: the package list
    assert "INX" in parsed[MILEX].warnings[0]


def test_every_economy_is_a_fact_or_reported(parsed, shared_data):
    """No economy disappears silently: each non-aggregate row is in facts or unmatched."""
    meta = worldbank_meta.read_metadata(shared_data / META)
    economies = meta[meta.wb_region != ""]
    result = parsed[POP]
    reported = {u.rsplit("(", 1)[1].rstrip(")") for u in result.unmatched}
    for code in economies.code:
        assert code in set(result.facts.iso3) or code in reported, code


def test_sniff_recognises_content_not_names(shared_data, tmp_path):
    assert worldbank.sniff(shared_data / GDP)
    assert not worldbank.sniff(shared_data / META)
    assert not worldbank.sniff(shared_data / "UNGA-Idealpoints-BSV_July2025_1946-2024.csv")
    renamed = tmp_path / "download.txt"
    renamed.write_text(wdi_text([("United States", "USA", "1")]), encoding="utf-8-sig")
    assert worldbank.sniff(renamed)


# --- metadata file ------------------------------------------------------------------------


def test_metadata_parser_gives_regions_and_income_groups(shared_data):
    result = worldbank_meta.parse(shared_data / META)
    assert result.facts.empty
    assert list(result.facts.columns) == [
        "iso3",
        "year",
        "indicator",
        "value",
        "unit",
        "flags",
        "source",
        "vintage",
    ]
    countries = result.extra["countries"].set_index("iso3")
    assert list(countries.columns) == ["wb_region", "income_group"]
    assert countries.loc["USA", "wb_region"] == "North America"
    assert countries.loc["POL", "income_group"] == "High income"
    assert countries.loc["XKX", "wb_region"] == "Europe & Central Asia"
    assert "WLD" not in countries.index and "EUU" not in countries.index
    assert {"WLD", "EUU", "HIC"} <= set(result.extra["aggregates"].code)
    assert len(result.extra["aggregates"]) == 48
    # vintage from the data file it came with (beside it in the same folder)
    assert result.vintage == "2026-02-24"
    assert worldbank_meta.sniff(shared_data / META)
    assert not worldbank_meta.sniff(shared_data / MILEX)


def test_metadata_without_its_data_file_is_undated(tmp_path):
    path = tmp_path / "meta.csv"
    path.write_text(META_HEADER + '"USA","North America","High income","","United States",\n')
    result = worldbank_meta.parse(path)
    assert result.vintage == "unknown"
    assert any("no date" in w for w in result.warnings)


# --- synthetic files: aggregates, errors ----------------------------------------------------

YEARS = ["2019", "2020"]
META_HEADER = '"Country Code","Region","IncomeGroup","SpecialNotes","TableName",\n'


def wdi_text(
    rows: list[tuple[str, str, str]],
    code: str = "NY.GDP.MKTP.CD",
    header: list[str] | None = None,
    date: str = "2025-01-28",
) -> str:
    """A WDI bulk CSV: (name, code, 2019 value) rows; 2020 left empty."""
    head = header or ["Country Name", "Country Code", "Indicator Name", "Indicator Code", *YEARS]
    lines = [
        '"Data Source","World Development Indicators",',
        "",
        f'"Last Updated Date","{date}",',
        "",
        ",".join(f'"{h}"' for h in head) + ",",
    ]
    for name, cc, v in rows:
        lines.append(f'"{name}","{cc}","GDP (current US$)","{code}","{v}","",')
    return "\n".join(lines) + "\n"


def write(tmp_path: Path, text: str, name: str = "API_NY.GDP.MKTP.CD_test.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8-sig")
    return path


def test_package_list_excludes_aggregates_when_metadata_is_absent(tmp_path):
    path = write(
        tmp_path,
        wdi_text(
            [
                ("World", "WLD", "1e14"),
                ("Not classified", "INX", ""),
                ("Germany", "DEU", "4e12"),
                ("Somewhere", "XYZ", "5"),
            ]
        ),
    )
    result = worldbank.parse(path)
    assert list(result.facts.iso3) == ["DEU"]
    assert result.facts.value.iloc[0] == pytest.approx(4e6)
    assert result.unmatched == ["Somewhere (XYZ)"]
    assert "wb_aggregates.yaml" in result.meta["aggregates_from"]
    assert result.vintage == "2025-01-28"


def test_metadata_beside_the_file_decides_aggregates(tmp_path):
    path = write(
        tmp_path,
        wdi_text([("World", "WLD", "1"), ("New group", "XYZ", "2"), ("Germany", "DEU", "3")]),
    )
    (tmp_path / ("Metadata_Country_" + path.name)).write_text(
        META_HEADER
        + '"WLD","","","","World",\n"XYZ","","","A new aggregate","New group",\n'
        + '"DEU","Europe & Central Asia","High income","","Germany",\n',
        encoding="utf-8-sig",
    )
    result = worldbank.parse(path)
    assert list(result.facts.iso3) == ["DEU"]
    assert result.unmatched == []  # XYZ is an aggregate per the metadata, not an unknown code
    assert result.meta["aggregates_from"] == "Metadata_Country_" + path.name


def test_unknown_indicator_code_names_file_and_line(tmp_path):
    path = write(tmp_path, wdi_text([("Germany", "DEU", "3")], code="NY.GDP.PCAP.CD"))
    with pytest.raises(
        DataFormatError,
        match=r"API_NY.GDP.MKTP.CD_test.csv: line 6, .*"
        r"unknown WDI indicator 'NY.GDP.PCAP.CD'",
    ):
        worldbank.parse(path)


def test_garbage_value_names_line_and_column(tmp_path):
    path = write(tmp_path, wdi_text([("Germany", "DEU", "3"), ("France", "FRA", "abc")]))
    with pytest.raises(DataFormatError) as err:
        worldbank.parse(path)
    assert (
        str(err.value)
        == "API_NY.GDP.MKTP.CD_test.csv: line 7, column '2019': 'abc' is not a number"
    )


def test_missing_column_names_column_and_header_line(tmp_path):
    head = ["Country Name", "Country Code", "Indicator Name", *YEARS]
    text = wdi_text([], header=head)
    path = write(tmp_path, text)
    with pytest.raises(DataFormatError, match=r"line 5: missing column 'Indicator Code'"):
        worldbank.parse(path)


def test_empty_file_and_wrong_encoding(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(DataFormatError, match=r"empty.csv: file is empty"):
        worldbank.parse(empty)

    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(wdi_text([("Côte d'Ivoire", "CIV", "1")]).encode("latin-1"))
    with pytest.raises(DataFormatError, match=r"latin1.csv: line 6: wrong encoding.*UTF-8"):
        worldbank.parse(latin1)

    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes(wdi_text([("Germany", "DEU", "1")]).encode("utf-16"))
    assert worldbank.sniff(utf16)  # recognised, then refused with a clear message
    with pytest.raises(DataFormatError, match=r"wrong encoding.*UTF-16"):
        worldbank.parse(utf16)


def test_bad_last_updated_date(tmp_path):
    path = write(tmp_path, wdi_text([("Germany", "DEU", "1")], date="13/07/2026"))
    with pytest.raises(DataFormatError, match=r"line 3: 'Last Updated Date' '13/07/2026'"):
        worldbank.parse(path)


def test_duplicate_country_rows_are_refused(tmp_path):
    path = write(tmp_path, wdi_text([("Germany", "DEU", "1"), ("Germany", "DEU", "2")]))
    with pytest.raises(DataFormatError, match=r"lines 6 and 7"):
        worldbank.parse(path)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=1e15, allow_nan=False), min_size=1, max_size=5))
def test_gdp_values_round_trip_in_millions(tmp_path_factory, values):
    codes = ["DEU", "FRA", "ITA", "ESP", "POL"][: len(values)]
    rows = [(c, c, repr(v)) for c, v in zip(codes, values, strict=True)]
    path = write(tmp_path_factory.mktemp("wdi"), wdi_text(rows))
    facts = worldbank.parse(path).facts.set_index("iso3")
    got = facts.loc[codes, "value"].to_numpy()
    np.testing.assert_allclose(got, np.array(values) / 1e6, rtol=1e-12)
    assert (facts.year == 2019).all()  # the empty 2020 cells yield nothing
