"""SIPRI milex constant-US$ sheet exported as CSV (2026 release): values, coverage, markers,
vintage ordering, and bad input written to tmp_path."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import pandas as pd
import pytest

from burdenshare.errors import DataFormatError
from burdenshare.facts import split_flags, validate_facts
from burdenshare.sources import sipri_milex, sipri_milex_csv

CSV_NAME = "SIPRI-Milex-data-1949-2025_v1.2_constant-2024-USD-sheet.csv"


@pytest.fixture(scope="module")
def path(shared_data: Path) -> Path:
    return shared_data / CSV_NAME


@pytest.fixture(scope="module")
def result(path: Path):
    return sipri_milex_csv.parse(path)


@pytest.fixture(scope="module")
def facts(result) -> pd.DataFrame:
    return result.facts


def value(facts: pd.DataFrame, iso3: str, year: int) -> pd.Series:
    rows = facts[(facts["iso3"] == iso3) & (facts["year"] == year)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_contract_indicator_unit_vintage(result, facts):
    pd.testing.assert_frame_equal(validate_facts(facts), facts)
    assert result.source == "sipri_milex"
    assert set(facts["indicator"]) == {"milex_const_usd_m"}
    assert set(facts["unit"]) == {"usd_m_const2024"}  # "constant (2024) US$" in the title
    assert result.vintage == "2026-04"  # "© SIPRI 2026", published in April
    assert result.meta["release_date"] == "2026-04"
    assert result.unmatched == []  # the European Union row is a known aggregate
    assert any("European Union" in w and "aggregate" in w for w in result.warnings)
    assert (facts["year"].min(), facts["year"].max()) == (1949, 2025)


def test_vintage_sorts_after_the_2025_workbook():
    assert sorted(["2026-04", "2025-04-30"]) == ["2025-04-30", "2026-04"]
    assert sorted(["2026-04-27", "2026-04"])[-1] == "2026-04-27"  # a dated 2026 file sorts later
    assert "2026-04" > "2026-01-31"  # not yet released at the end of January


@pytest.mark.parametrize(
    ("iso3", "year", "expected"),
    [("USA", 2024, 1004901.0), ("USA", 2025, 929162.9), ("POL", 2025, 42528.1)],
)
def test_spot_values(facts, iso3, year, expected):
    assert value(facts, iso3, year)["value"] == expected


def test_2025_coverage_152_country_rows(path, facts, result):
    rows = list(csv.reader(io.StringIO(path.read_text("utf-8-sig"), newline="")))
    block = sipri_milex.parse_country_block(rows, None, path.name, lambda i, j: f"{i},{j}")
    assert len(block.names) == 174
    col_2025 = list(block.years).index(2025)
    assert int((~pd.isna(block.values[:, col_2025])).sum()) == 152
    resolved_2025 = facts[(facts["year"] == 2025) & facts["value"].notna()]
    excluded = [*result.unmatched, *sipri_milex.KNOWN_AGGREGATES]  # the EU row: an aggregate
    unmatched_2025 = [
        n for n in excluded if not math.isnan(block.values[block.names.index(n), col_2025])
    ]
    assert len(resolved_2025) + len(unmatched_2025) == 152


def test_markers_become_flags(facts, result):
    assert "not_independent" in split_flags(value(facts, "SUN", 2025)["flags"])  # USSR "xxx"
    cuba = value(facts, "CUB", 1960)  # written with the single-character ellipsis
    assert math.isnan(cuba["value"]) and "missing" in split_flags(cuba["flags"])
    assert "footnote" in split_flags(value(facts, "POL", 2025)["flags"])  # Notes "78"
    seen = frozenset().union(*facts["flags"].map(split_flags))
    assert seen == {"missing", "not_independent", "footnote"}  # a CSV has no colours
    # Taiwan's row has empty cells: read as missing, and said so
    assert any("empty value cell" in w for w in result.warnings)
    assert "missing" in split_flags(value(facts, "TWN", 1960)["flags"])


def test_countries_and_unmatched(result, facts):
    table = result.extra["countries"].set_index("iso3")
    assert set(table.index) == set(facts["iso3"])
    assert len(table) + len(result.unmatched) + 1 == 174  # + the European Union aggregate
    assert table.loc["POL", ["region", "subregion"]].tolist() == ["Europe", "Central Europe"]


def test_sniff(path, shared_data, tmp_path):
    assert sipri_milex_csv.sniff(path)
    assert not sipri_milex_csv.sniff(shared_data / "SIPRI-Milex-data-1949-2024_2.xlsx")
    assert not sipri_milex_csv.sniff(shared_data / "API_MS.MIL.XPND.GD.ZS_DS2_en_csv_v2_211.csv")
    other = tmp_path / "notes.txt"
    other.write_text("Country,Notes\nFrance,1\n", encoding="utf-8")
    assert not sipri_milex_csv.sniff(other)


# --- bad input -----------------------------------------------------------------------------


def _edited_copy(path: Path, tmp_path: Path, name: str, edit) -> Path:
    lines = path.read_text("utf-8-sig").splitlines()
    out = tmp_path / name
    out.write_text("\n".join(edit(lines)) + "\n", encoding="utf-8")
    return out


def test_garbage_value_names_line_and_column(path, tmp_path):
    def edit(lines):
        i = next(k for k, line in enumerate(lines) if line.startswith("Poland,"))
        fields = next(csv.reader([lines[i]]))
        fields[5] = "abc"
        lines[i] = ",".join(fields)
        return lines

    bad = _edited_copy(path, tmp_path, "milex.csv", edit)
    line = next(k for k, t in enumerate(bad.read_text().splitlines()) if t.startswith("Poland"))
    with pytest.raises(DataFormatError, match=rf"^milex\.csv: line {line + 1} column 6: .*'abc'"):
        sipri_milex_csv.parse(bad)


def test_missing_country_header(path, tmp_path):
    bad = _edited_copy(
        path,
        tmp_path,
        "nohead.csv",
        lambda lines: [("Land" + t[7:]) if t.startswith("Country") else t for t in lines],
    )
    with pytest.raises(DataFormatError, match=r"^nohead\.csv: no header row starting with"):
        sipri_milex_csv.parse(bad)


def test_other_sheet_title_is_refused(path, tmp_path):
    bad = _edited_copy(
        path,
        tmp_path,
        "gdp.csv",
        lambda lines: [
            '"Military expenditure by country as percentage of gross domestic product '
            '© SIPRI 2026"',
            *lines[1:],
        ],
    )
    with pytest.raises(DataFormatError, match=r"gdp\.csv: line 1: only the 'constant"):
        sipri_milex_csv.parse(bad)


def test_binary_and_truncated(path, tmp_path):
    binary = tmp_path / "bin.csv"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    with pytest.raises(DataFormatError, match=r"^bin\.csv: binary content"):
        sipri_milex_csv.parse(binary)
    half = tmp_path / "half.csv"
    data = path.read_bytes()
    half.write_bytes(data[: len(data) // 2])
    n_lines = half.read_text("utf-8").count("\n")
    with pytest.raises(
        DataFormatError, match=rf"^half\.csv: line {n_lines + 1}: \d+ fields where the header"
    ):
        sipri_milex_csv.parse(half)
