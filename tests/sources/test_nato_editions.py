"""NATO tables of the 2024, 2025 and 2026 editions, recognised by title and header rows.

The machine has no internet, so each edition's published layout (title row "Table N : ...",
units row, year header with ``e`` estimate markers, section label rows, ally rows with ``*``
footnote markers, NATO aggregates, notes) is rebuilt here with openpyxl in ``tmp_path``. The
2026 edition's Table 1-3 are "Core defence expenditure" (the Hague 3.5% commitment) in
constant 2021 prices and must come out as ``milex_core_*`` indicators, separate from any
defence-related (1.5%) table (``milex_related_*``).
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from burdenshare.errors import DataFormatError
from burdenshare.sources import nato

ALLIES = {"Albania": 1.0, "Belgium": 2.0, "Poland *": 3.0, "United States": 4.0}


def _sheet(wb, name, title, units, years, sections, label_col=2):
    """One NATO table sheet: title, units, year header, then each (label, base) section."""
    ws = wb.create_sheet(name)
    ws.cell(4, 2, title)
    ws.cell(6, 2, units)
    for j, y in enumerate(years):
        ws.cell(8, 4 + j, y)
    row = 10
    for label, base in sections:
        ws.cell(row, 2, label)
        row += 1
        for ally, v in ALLIES.items():
            ws.cell(row, label_col + 1, ally)
            for j, _ in enumerate(years):
                ws.cell(row, 4 + j, base * v + j / 10)
            row += 1
        ws.cell(row, 3, "NATO Total")
        for j, _ in enumerate(years):
            ws.cell(row, 4 + j, 999.0)
        row += 2
    ws.cell(row + 1, 3, "Notes: Figures for the last two years are estimates.")
    ws.cell(row + 2, 3, "*  These Allies have national laws ... 2% of GDP ...")
    ws.cell(row + 4, 2, "-7-")
    return ws


def build(path: Path, edition: int, *, related: bool = False) -> Path:
    """A workbook laid out like NATO's ``edition`` tables (2024: 2015 prices, 2014-2024e;
    2025: 2021 prices, 2014-2025e; 2026: core defence expenditure, 2021 prices, 2014-2026e)."""
    last = edition
    years = [*range(2014, last - 1), f"{last - 1}e", f"{last}e"]
    base = "2015" if edition == 2024 else "2021"
    core = "Core defence expenditure" if edition == 2026 else "Defence expenditure"
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    _sheet(
        wb,
        "TABLE1",
        f"Table 1 : {core}",
        "Million national currency units",
        years,
        [("Current prices", 100.0), (f"Constant {base} prices", 90.0)],
    )
    _sheet(
        wb,
        "TABLE2",
        f"Table 2 : {core}",
        "Million US dollars",
        years,
        [
            ("Current prices and exchange rates", 10.0),
            (f"Constant {base} prices and exchange rates", 9.0),
        ],
    )
    _sheet(
        wb,
        "TABLE3",
        f"Table 3 : {core} as a share of GDP and annual real change",
        f"Based on {base} prices",
        years,
        [("Share of real GDP (%)", 1.0), ("Annual real change (%)", 0.5)],
    )
    t4 = wb.create_sheet("TABLE4")
    t4.cell(16, 2, f"Table 4 : Defence expenditure real change 2014-{last}e")
    _sheet(
        wb,
        "TABLE5",
        "Table 5 : GDP",
        "Million US dollars",
        years,
        [
            ("Current prices and exchange rates", 1000.0),
            (f"Constant {base} prices and exchange rates", 900.0),
        ],
    )
    _sheet(
        wb,
        "TABLE6",
        "Table 6 : GDP per capita and defence expenditure per capita",
        f"{base} prices and exchange rates",
        years,
        [
            ("GDP per capita (thousand US dollars)", 40.0),
            ("Defence expenditure per capita (US dollars)", 500.0),
        ],
    )
    _sheet(wb, "TABLE7", "Table 7 : Military personnel", "Thousands", years, [("", 20.0)])
    _sheet(
        wb,
        "TABLE8a",
        "Table 8a : Distribution of defence expenditure by main category",
        "Percentage of total defence expenditure",
        years,
        [("Equipment (a)", 20.0), ("Personnel (b)", 10.0)],
    )
    _sheet(
        wb,
        "TABLE8b",
        "Table 8b : Distribution of defence expenditure by main category",
        "Percentage of total defence expenditure",
        years,
        [("Infrastructure (c)", 1.0), ("Other (d)", 5.0)],
    )
    if related:
        _sheet(
            wb,
            "TABLE9",
            "Table 9 : Defence-related expenditure as a share of GDP",
            "Based on 2021 prices",
            years,
            [("Share of real GDP (%)", 0.25)],
        )
    release = {
        2024: dt.datetime(2024, 6, 17),
        2025: dt.datetime(2025, 8, 28),
        2026: dt.datetime(2026, 7, 2),
    }[edition]
    wb.save(path)
    set_release_date(path, release.date())
    return path


def set_release_date(path: Path, day: dt.date) -> None:
    """Rewrite ``docProps/core.xml``'s dates (openpyxl stamps "now" on save)."""
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    core = parts["docProps/core.xml"].decode()
    core = re.sub(r"(<dcterms:(?:modified|created)[^>]*>)[^<]*", rf"\g<1>{day}T10:00:00Z", core)
    parts["docProps/core.xml"] = core.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, b in parts.items():
            zf.writestr(n, b)


def _ind(result) -> dict[str, set[str]]:
    f = result.facts
    return {k: set(v) for k, v in f.groupby("indicator")["unit"].unique().items()}


@pytest.mark.parametrize("edition", [2024, 2025])
def test_pre_hague_editions_keep_the_one_measure(tmp_path, edition):
    result = nato.parse(build(tmp_path / f"def-exp-{edition}-en.xlsx", edition))
    ind = _ind(result)
    assert not any("core" in k or "related" in k for k in ind)
    base = "2015" if edition == 2024 else "2021"
    assert ind["milex_const_usd_m"] == {f"usd_m_const{base}"}
    f = result.facts.set_index(["indicator", "iso3", "year"])
    assert f.loc[("milex_gdp_pct", "POL", edition), "flags"] == "estimate|footnote"
    assert f.loc[("milex_gdp_pct", "USA", 2014), "value"] == 4.0
    assert set(result.facts["iso3"]) == {"ALB", "BEL", "POL", "USA"}
    assert result.vintage == {2024: "2024-06-17", 2025: "2025-08-28"}[edition]


def test_2026_tables_are_core_defence_expenditure(tmp_path):
    path = build(tmp_path / "def-exp-2026-en.xlsx", 2026, related=True)
    wb = openpyxl.load_workbook(path)
    wb["TABLE4"]["B16"] = "Table 4 : Core defence expenditure real change 2014-2026e"
    wb.save(path)
    set_release_date(path, dt.date(2026, 7, 2))
    assert nato.sniff(path)  # recognised although every title says "Core defence ..."
    result = nato.parse(path)
    ind = _ind(result)
    assert ind["milex_core_gdp_pct"] == {"percent"}
    assert ind["milex_core_const_usd_m"] == {"usd_m_const2021"}
    assert ind["milex_core_usd_m"] == {"usd_m"}
    assert ind["milex_core_local_m"] == {"lcu_m"}
    assert ind["milex_related_gdp_pct"] == {"percent"}
    assert "milex_gdp_pct" not in ind  # never mixed into the pre-Hague measure
    assert ind["gdp_usd_m"] == {"usd_m"}  # GDP keeps its name
    f = result.facts.set_index(["indicator", "iso3", "year"])
    assert f.loc[("milex_core_gdp_pct", "BEL", 2026), "value"] == pytest.approx(2.0 + 1.2)
    assert f.loc[("milex_core_gdp_pct", "BEL", 2026), "flags"] == "estimate"
    assert f.loc[("milex_related_gdp_pct", "USA", 2014), "value"] == 1.0
    assert result.vintage == "2026-07-02"


def test_tables_found_by_title_not_sheet_name(tmp_path):
    path = build(tmp_path / "t.xlsx", 2025)
    wb = openpyxl.load_workbook(path)
    wb["TABLE3"].title = "TABLE 3 (share)"
    wb["TABLE1"].title = "TABLEx"
    wb.save(path)
    assert "milex_gdp_pct" in _ind(nato.parse(path))


def test_unknown_table_title_names_sheet_and_row(tmp_path):
    path = build(tmp_path / "t.xlsx", 2026)
    wb = openpyxl.load_workbook(path)
    wb["TABLE6"]["B4"] = "Table 6 : Something new entirely"
    wb.save(path)
    with pytest.raises(DataFormatError, match=r"^t\.xlsx: sheet 'TABLE6' row 4: unknown table"):
        nato.parse(path)


def test_unknown_section_names_sheet_and_row(tmp_path):
    path = build(tmp_path / "t.xlsx", 2026)
    wb = openpyxl.load_workbook(path)
    wb["TABLE3"]["B10"] = "Potential output (%)"
    wb.save(path)
    with pytest.raises(DataFormatError, match=r"^t\.xlsx: sheet 'TABLE3' row 10: unknown section"):
        nato.parse(path)


def test_sheet_without_title_is_refused(tmp_path):
    path = build(tmp_path / "t.xlsx", 2025)
    wb = openpyxl.load_workbook(path)
    wb["TABLE2"]["B4"] = None
    wb.save(path)
    with pytest.raises(DataFormatError, match=r"sheet 'TABLE2': no table title"):
        nato.parse(path)
