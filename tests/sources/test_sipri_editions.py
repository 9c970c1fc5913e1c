"""SIPRI Military Expenditure Database workbooks of the 2025 and 2026 releases, by layout.

The 2026 release (``SIPRI-Milex-data-1949-2025_v1.2.xlsx``) has ten sheets like the 2025 one
(front page, regional totals, seven country sheets, footnotes), data to 2025 and constant
2024 US$. It is rebuilt here with openpyxl following the published layout (title rows with
"© SIPRI 2026", the ``Country``/``Notes`` header, region and subregion rows, blue estimates,
``...`` and ``xxx`` markers): it must parse to the right facts, a sheet renamed in a later
edition is found by its title, and a sheet whose title is not what its name says is refused
naming the sheet and row.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Font

from burdenshare.errors import DataFormatError
from burdenshare.sources import sipri_milex

TITLES = {
    "Local currency financial years": "Military expenditure by country, in local currency, "
    "1949-{last}      © SIPRI {rel}|Figures are in local currency at current prices and are "
    "for financial years.",
    "Local currency calendar years": "Military expenditure by country, in local currency, "
    "1949-{last}      © SIPRI {rel}|Figures are in local currency at current prices and are "
    "for calendar years, unless otherwise stated.",
    "Constant ({base}) US$": "Military expenditure by country, in constant ({base}) US$ m., "
    "1949-{last}      © SIPRI {rel}|Figures are in US $m., at constant {base} prices",
    "Current US$": "Military expenditure by country, in millions of US$ at current prices and "
    "exchange rates, 1949-{last}      © SIPRI {rel}",
    "Share of GDP": "Military expenditure by country as percentage of gross domestic product, "
    "1949-{last}     © SIPRI {rel}|Countries are grouped by region and subregion",
    "Per capita": "Military expenditure per capita  by country, 1949-{last}     © SIPRI {rel}"
    "|Figures are in current US$",
    "Share of Govt. spending": "Military expenditure by country as percentage of government "
    "spending, 1949-{last}         © SIPRI {rel}",
}
BLUE = Font(color="FF0000FF")


def build(path: Path, release: int, *, rename: dict[str, str] | None = None) -> Path:
    """A ten-sheet workbook laid out like SIPRI's ``release`` (data to ``release - 1``)."""
    last, base = release - 1, release - 2
    wb = openpyxl.Workbook()
    wb.active.title = "Front page"
    wb["Front page"]["A1"] = "SIPRI Military Expenditure Database"
    wb.create_sheet("Regional totals")["A1"] = f"Military expenditure by region © SIPRI {release}"
    years = list(range(1949, last + 1))
    for template, title in TITLES.items():
        name = template.format(base=base)
        ws = wb.create_sheet((rename or {}).get(name, name))
        lines = title.format(last=last, rel=release, base=base).split("|")
        for i, text in enumerate(lines):
            ws.cell(i + 1, 1, text)
        ws.cell(len(lines) + 1, 1, "Figures in blue are SIPRI estimates.")
        h = len(lines) + 3
        ws.cell(h, 1, "Country")
        ws.cell(h, 2, "Notes")
        for j, y in enumerate(years):
            ws.cell(h, 3 + j, y)
        rows = [
            ("Europe", None, None),
            ("Central Europe", None, None),
            ("Poland", "§", 1.0),
            ("Western Europe", None, None),
            ("France", "", 2.0),
            ("Eastern Europe", None, None),
            ("USSR", "", "xxx"),
        ]
        r = h + 2
        for name_, note, v in rows:
            ws.cell(r, 1, name_)
            if v is not None:
                ws.cell(r, 2, note)
                for j, y in enumerate(years):
                    if v == "xxx":
                        cell = ws.cell(r, 3 + j, "xxx" if y > 1991 else 100.0 + j)
                    elif y < 1990:
                        cell = ws.cell(r, 3 + j, "...")
                    else:
                        cell = ws.cell(r, 3 + j, v * 0.01 + (y - 1990) * 0.0001)
                        if y == last:
                            cell.font = BLUE
            r += 1
    notes = wb.create_sheet("Footnotes")
    notes["A1"] = "Footnotes and special notes"
    notes["A5"], notes["B5"] = "§", "Figures for these countries are for the adopted budget"
    wb.save(path)
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    core = parts["docProps/core.xml"].decode()
    core = re.sub(
        r"(<dcterms:(?:modified|created)[^>]*>)[^<]*", rf"\g<1>{release}-04-27T08:00:00Z", core
    )
    parts["docProps/core.xml"] = core.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, b in parts.items():
            zf.writestr(n, b)
    return path


def test_2026_release_ten_sheets_constant_2024(tmp_path):
    path = build(tmp_path / "SIPRI-Milex-data-1949-2025_v1.2.xlsx", 2026)
    assert len(sipri_milex.sheet_names(path)) == 10
    assert sipri_milex.sniff(path)
    result = sipri_milex.parse(path)
    f = result.facts
    assert result.vintage == "2026-04-27"
    units = f.groupby("indicator")["unit"].first().to_dict()
    assert units["milex_const_usd_m"] == "usd_m_const2024"
    assert len(units) == 7
    assert (f["year"].min(), f["year"].max()) == (1949, 2025)
    pol = f[(f.iso3 == "POL") & (f.indicator == "milex_gdp_pct")].set_index("year")
    assert pol.loc[2025, "value"] == pytest.approx((0.01 + 35 * 0.0001) * 100)
    assert pol.loc[2025, "flags"] == "estimate|footnote"  # blue font, § note
    assert pol.loc[1980, "flags"] == "footnote|missing"
    sun = f[(f.iso3 == "SUN") & (f.indicator == "milex_usd_m")].set_index("year")
    assert sun.loc[2025, "flags"] == "not_independent" and sun.loc[1950, "value"] == 101.0


def test_a_renamed_sheet_is_found_by_its_title(tmp_path):
    path = build(tmp_path / "r.xlsx", 2026, rename={"Share of GDP": "Military burden"})
    f = sipri_milex.parse(path).facts
    assert "milex_gdp_pct" in set(f["indicator"])


def test_a_sheet_whose_title_disagrees_is_refused_naming_sheet_and_row(tmp_path):
    path = build(tmp_path / "w.xlsx", 2026)
    wb = openpyxl.load_workbook(path)
    wb["Share of GDP"]["A1"] = "Military expenditure by country, in thousands of widgets"
    wb.save(path)
    with pytest.raises(DataFormatError, match=r"^w\.xlsx: sheet 'Share of GDP' row 1: the title"):
        sipri_milex.parse(path)
