"""Damaged copies of every real publisher file are refused; the store keeps its good data.

Issue 17: an interrupted download (a file cut mid-record), a record cut short, a garbled
header, a file cut at a line boundary (well-formed but with fewer rows). Each copy is made in
``tmp_path`` from the real file in ``../shared/data`` (never copied into the repo).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from burdenshare import sources
from burdenshare.cli import main
from burdenshare.errors import DataFormatError, StoreError
from burdenshare.store.db import dispose_all, get_engine
from burdenshare.store.facts import import_file, load_facts

CSV_FILES = (
    "API_MS.MIL.XPND.GD.ZS_DS2_en_csv_v2_211.csv",
    "API_NY.GDP.MKTP.CD_DS2_en_csv_v2_234.csv",
    "API_SP.POP.TOTL_DS2_en_csv_v2_33112.csv",
    "SIPRI-AT-import-values-by-recipient_1950-2023_gen-2024-10-13.csv",
    "SIPRI-AT-trade-register_all-countries_1950-2024_gen-2025-03-13.csv",
    "SIPRI-Milex-data-1949-2025_v1.2_constant-2024-USD-sheet.csv",
    "UNGA-Idealpoints-BSV_July2025_1946-2024.csv",
    "US-bases-abroad_troopdata-basedata.csv",
    "US-troops-abroad_troopdata-rebuild-country-year_1950-2024.csv",
    "COW-alliance_v4.1_by_member.csv",
)
XLSX_FILES = ("NATO-240617-def-exp-2024-TABLES-en.xlsx", "SIPRI-Milex-data-1949-2024_2.xlsx")
REGISTER = CSV_FILES[4]
WDI_MILEX = CSV_FILES[0]


@pytest.fixture(autouse=True)
def _dispose():
    yield
    dispose_all()


def _cut_mid_record(src: Path, dst: Path, share: float = 0.7) -> Path:
    """The first ``share`` of the bytes, ending inside a record (an interrupted download)."""
    raw = src.read_bytes()
    n = int(len(raw) * share)
    while raw[n - 1 : n] in (b"\n", b"\r"):
        n -= 1
    dst.write_bytes(raw[:n])
    return dst


def _short_record(src: Path, dst: Path) -> tuple[Path, int]:
    """A copy whose record on the middle line lost its last fields (line still ends)."""
    lines = src.read_bytes().split(b"\n")
    k = len(lines) * 2 // 3
    while lines[k].count(b",") < 3:
        k += 1
    lines[k] = lines[k].rsplit(b",", 2)[0]
    dst.write_bytes(b"\n".join(lines))
    return dst, k + 1


@pytest.mark.parametrize("name", CSV_FILES)
def test_csv_cut_mid_record_is_refused(shared_data, tmp_path, name):
    path = _cut_mid_record(shared_data / name, tmp_path / name)
    parser = sources.detect(shared_data / name)
    with pytest.raises(DataFormatError, match=rf"^{name}: line \d+: .*(truncated|cut short)") as e:
        parser.parse(path)
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("name", CSV_FILES)
def test_csv_record_cut_short_is_refused_naming_its_line(shared_data, tmp_path, name):
    path, line = _short_record(shared_data / name, tmp_path / name)
    parser = sources.detect(shared_data / name)
    with pytest.raises(DataFormatError, match=rf"^{name}: line(s)? \d+"):
        parser.parse(path)


@pytest.mark.parametrize("name", XLSX_FILES)
def test_xlsx_cut_is_refused(shared_data, tmp_path, name):
    path = _cut_mid_record(shared_data / name, tmp_path / name)
    parser = sources.detect(shared_data / name)
    with pytest.raises(DataFormatError, match=rf"^{name}: "):
        parser.parse(path)


def test_wdi_garbled_year_in_header_is_refused(shared_data, tmp_path):
    text = (shared_data / WDI_MILEX).read_text(encoding="utf-8-sig")
    bad = tmp_path / WDI_MILEX
    bad.write_text(text.replace('"1965",', '"l965",', 1), encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"line 5, column \d+: header 'l965' is neither"):
        sources.detect(bad).parse(bad)


def test_wdi_blank_country_code_is_refused(shared_data, tmp_path):
    text = (shared_data / WDI_MILEX).read_text(encoding="utf-8-sig")
    bad = tmp_path / WDI_MILEX
    bad.write_text(text.replace(',"POL",', ',"",', 1), encoding="utf-8")
    with pytest.raises(
        DataFormatError, match=r"line \d+, column 'Country Code': blank for 'Poland'"
    ):
        sources.detect(bad).parse(bad)


def test_csv_with_a_huge_field_is_one_line(shared_data, tmp_path):
    name = "US-bases-abroad_troopdata-basedata.csv"
    lines = (shared_data / name).read_bytes().split(b"\n")
    lines[3] = lines[3].replace(b",", b',"' + b"x" * 200_000 + b'",', 1)
    bad = tmp_path / name
    bad.write_bytes(b"\n".join(lines))
    with pytest.raises(DataFormatError, match=rf"^{name}: line \d+") as e:
        sources.detect(shared_data / name).parse(bad)
    assert "\n" not in str(e.value)


def _snapshot(url: str) -> list[tuple]:
    eng = sa.create_engine(url)
    with eng.connect() as c:
        rows = c.execute(
            sa.text("select import_id, source, vintage, iso3, year, indicator, value from facts")
        ).all()
        imports = c.execute(sa.text("select count(*) from imports")).scalar_one()
    eng.dispose()
    return [imports, sorted(rows, key=str)]


@pytest.mark.parametrize("name", [REGISTER, WDI_MILEX])
def test_fewer_rows_of_a_stored_release_never_replace_it(sqlite_url, shared_data, tmp_path, name):
    """Cut at a line boundary the file is well-formed: the store refuses it, nothing changes;
    with --replace it is stored and the old facts stay retrievable."""
    engine = get_engine(sqlite_url)
    good = import_file(engine, shared_data / name)
    before = _snapshot(sqlite_url)
    raw = (shared_data / name).read_bytes()
    cut = raw[: raw.rindex(b"\n", 0, int(len(raw) * 0.8)) + 1]
    path = tmp_path / name
    path.write_bytes(cut)
    with pytest.raises(StoreError, match=rf"refused: '{name}' would replace the [\d,]+ stored"):
        import_file(engine, path)
    assert _snapshot(sqlite_url) == before
    summary = import_file(engine, path, replace=True)
    label = f"{good.vintage}~replaced-1"
    assert label in summary.replaced
    old = load_facts(engine, vintage=label)
    assert len(old) == sum(summary.replaced.values()) > 0
    assert len(load_facts(engine)) == summary.rows < good.rows


def test_cli_batch_refuses_the_damaged_file_and_imports_the_rest(
    sqlite_url, shared_data, tmp_path, capsys
):
    bad = _cut_mid_record(shared_data / WDI_MILEX, tmp_path / WDI_MILEX)
    unknown = tmp_path / "notes.csv"
    unknown.write_text("a,b\n1,2\n")
    code = main(
        [
            "data",
            "import",
            str(bad),
            str(unknown),
            str(shared_data / "US-bases-abroad_troopdata-basedata.csv"),
            "--db",
            sqlite_url,
            "--format",
            "json",
        ]
    )
    import json

    out = json.loads(capsys.readouterr().out)
    assert code == 2
    assert [o["status"] for o in out] == ["refused", "skipped", "imported"]
    assert "truncated" in out[0]["reason"] and "notes.csv" in out[1]["reason"]


def test_sipri_imports_without_its_closing_total_row_is_refused(shared_data, tmp_path):
    name = "SIPRI-AT-import-values-by-recipient_1950-2023_gen-2024-10-13.csv"
    raw = (shared_data / name).read_bytes()
    cut = raw[: raw.rindex(b"\n", 0, int(len(raw) * 0.6)) + 1]  # well-formed, rows missing
    path = tmp_path / name
    path.write_bytes(cut)
    with pytest.raises(DataFormatError, match=r"closing 'Total world import' row"):
        sources.detect(shared_data / name).parse(path)


def test_nato_table_cut_before_its_total_row_is_refused(shared_data, tmp_path):
    import openpyxl

    name = "NATO-240617-def-exp-2024-TABLES-en.xlsx"
    wb = openpyxl.load_workbook(shared_data / name)
    ws = wb["TABLE3"]
    ws.delete_rows(60, ws.max_row - 59)  # the rest of "Annual real change" and its totals
    path = tmp_path / name
    wb.save(path)
    with pytest.raises(
        DataFormatError,
        match=r"sheet 'TABLE3': section 'Annual real change.*no closing 'NATO Total'",
    ):
        sources.detect(shared_data / name).parse(path)


RESHAPED_HEADER = {
    "API_MS.MIL.XPND.GD.ZS_DS2_en_csv_v2_211.csv": (b'"Indicator Code"', b'"Indicator Kode"'),
    "API_NY.GDP.MKTP.CD_DS2_en_csv_v2_234.csv": (b'"Indicator Code"', b'"Indicator Kode"'),
    "API_SP.POP.TOTL_DS2_en_csv_v2_33112.csv": (b'"Indicator Code"', b'"Indicator Kode"'),
    CSV_FILES[3]: (b"\nRecipient,", b"\nRecipent,"),
    REGISTER: (b"\nRecipient,", b"\nRecipent,"),
    CSV_FILES[5]: (b"\nCountry,", b"\nKountry,"),
    CSV_FILES[6]: (b"iso3c", b"iso3k"),
    CSV_FILES[7]: (b"iso3c", b"iso3k"),
    CSV_FILES[8]: (b"iso3c", b"iso3k"),
    CSV_FILES[9]: (b"ccode", b"ccod"),
}


@pytest.mark.parametrize("name", CSV_FILES)
def test_csv_with_a_renamed_header_column_is_refused(shared_data, tmp_path, name):
    old, new = RESHAPED_HEADER[name]
    raw = (shared_data / name).read_bytes()
    assert old in raw
    path = tmp_path / name
    path.write_bytes(raw.replace(old, new, 1))
    with pytest.raises(DataFormatError, match=rf"^{name}: .*(line|header)") as e:
        sources.detect(shared_data / name).parse(path)
    assert "\n" not in str(e.value)
