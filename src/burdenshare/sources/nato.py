"""NATO "Defence Expenditure of NATO Countries" Excel tables (e.g. the June 2024 release,
``240617-def-exp-2024-TABLES-en.xlsx``), published by NATO's Public Diplomacy Division:
https://www.nato.int/cps/en/natohq/topics_49198.htm.

Each ``TABLEn`` sheet has a year header row (``2014 ... 2022, 2023e, 2024e``) and one or two
sections introduced by a label row; the facts taken (canonical names, COMMON brief):

=======  =====================================  ==========================  ================
sheet    section                                indicator                   unit
=======  =====================================  ==========================  ================
TABLE1   Current prices (million national cur.)  milex_local_m               lcu_m
TABLE2   Current prices and exchange rates      milex_usd_m                 usd_m
TABLE2   Constant 2015 prices and exch. rates   milex_const_usd_m           usd_m_const2015
TABLE3   Share of real GDP (%)                  milex_gdp_pct               percent
TABLE3   Annual real change (%)                 milex_real_change_pct       percent
TABLE5   Current prices and exchange rates      gdp_usd_m                   usd_m
TABLE5   Constant 2015 prices and exch. rates   gdp_const_usd_m             usd_m_const2015
TABLE6   GDP per capita (thousand US$)          gdp_per_capita_usd (x1000)  usd_const2015
TABLE6   Defence expenditure per capita (US$)   milex_per_capita_usd        usd_const2015
TABLE7   Military personnel (thousands)         military_personnel_k        persons_k
TABLE8a  Equipment / Personnel (% of total)     equipment_/personnel_share_pct  percent
TABLE8b  Infrastructure / Other (% of total)    infrastructure_/other_share_pct percent
=======  =====================================  ==========================  ================

Tables are recognised by their title rows ("Table 3 : Defence expenditure as a share of GDP
and annual real change") and units rows ("Million US dollars"), not by sheet name or position,
so the 2024, 2025 (2021 prices, 2014-2025e) and 2026 editions all read; an unknown title or
section label is refused naming the sheet and row. The 2026 edition's tables are titled "Core
defence expenditure" (the Hague commitment's 3.5% measure): their defence-expenditure
indicators are stored as ``milex_core_*`` (``milex_core_gdp_pct``, ``milex_core_usd_m``,
``milex_core_const_usd_m``, ``milex_core_local_m``, ``milex_core_real_change_pct``,
``milex_core_per_capita_usd``), and a table or section titled "Defence-related expenditure"
(the up-to-1.5% measure) as ``milex_related_*``; they are never mixed into the pre-Hague
``milex_*`` series. GDP, personnel and category shares keep their names.

TABLE1's constant-price block (local currency at 2015 prices) and TABLE4 (2014 vs 2024e
summary, derived from TABLE2/3) are not imported. The price base year is read from the
section or sheet title ("Constant 2015 prices"), not assumed.

Flags: a year header with an ``e`` suffix ("2024e": NATO estimate) -> ``estimate``; an ally
marked ``*`` ("These Allies have national laws or political agreements which call for 2% of
GDP or more to be spent on defence annually") -> ``footnote``, also kept in
``extra["countries"]``; an empty cell in an ally's row -> NaN with ``missing``. The
aggregates "NATO Europe and Canada" and "NATO Total" are not countries and are skipped.
Values come from python-calamine (no cell formatting is needed). The vintage is the
workbook's last-modified date (``docProps/core.xml``), the release day ("2024-06-17").
"""

from __future__ import annotations

import math
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from burdenshare.countries import resolve
from burdenshare.errors import DataFormatError
from burdenshare.facts import FACT_COLUMNS, ParseResult, join_flags, validate_facts
from burdenshare.sources.sipri_milex import (
    column_letter,
    open_xlsx,
    read_values,
    release_date,
    sheet_parts,
)

SOURCE = "nato_defexp"
FORMAT = "nato-defexp-xlsx"
DESCRIPTION = (
    "NATO Defence Expenditure of NATO Countries, Excel tables: % of real GDP, real change, "
    "current/constant US$, national currency, GDP, per capita, personnel, category shares"
)
PUBLISHER = "NATO Public Diplomacy Division"
DOWNLOAD_URL = "https://www.nato.int/cps/en/natohq/topics_49198.htm"
TERMS = "Unclassified; attribution to NATO is required when using these figures"


@dataclass(frozen=True)
class Section:
    """One block of a NATO table: the label row that opens it (casefolded prefix; ``None``
    for a sheet with a single unlabeled block) and the indicator it holds (``None``: a known
    block that is deliberately not imported). ``unit`` may contain ``{base}``, the price
    base year found in the section label or the sheet's title rows."""

    label: str | None
    indicator: str | None
    unit: str = ""
    multiply: float = 1.0


TABLES: dict[str, tuple[Section, ...]] = {
    "TABLE1": (
        Section("current prices", "milex_local_m", "lcu_m"),
        Section("constant", None),
    ),
    "TABLE2": (
        Section("current prices", "milex_usd_m", "usd_m"),
        Section("constant", "milex_const_usd_m", "usd_m_const{base}"),
    ),
    "TABLE3": (
        Section("share of", "milex_gdp_pct", "percent"),
        Section("annual real change", "milex_real_change_pct", "percent"),
    ),
    "TABLE5": (
        Section("current prices", "gdp_usd_m", "usd_m"),
        Section("constant", "gdp_const_usd_m", "usd_m_const{base}"),
    ),
    "TABLE6": (
        Section("gdp per capita", "gdp_per_capita_usd", "usd_const{base}", multiply=1000.0),
        Section("defence expenditure per capita", "milex_per_capita_usd", "usd_const{base}"),
    ),
    "TABLE7": (Section(None, "military_personnel_k", "persons_k"),),
    "TABLE8a": (
        Section("equipment", "equipment_share_pct", "percent"),
        Section("personnel", "personnel_share_pct", "percent"),
    ),
    "TABLE8b": (
        Section("infrastructure", "infrastructure_share_pct", "percent"),
        Section("other", "other_share_pct", "percent"),
    ),
}

_YEAR = re.compile(r"^\s*(\d{4})\s*(e?)\s*$", re.IGNORECASE)
_NAME = re.compile(r"^(?P<name>.*?)\s*(?P<star>\*+)?\s*(?:\((?P<currency>[^)]*)\))?\s*$")
_BASE = re.compile(r"(?:constant\s+)?(\d{4})\s+prices", re.IGNORECASE)
_AGGREGATE = re.compile(r"^nato\b", re.IGNORECASE)
_TOTAL = re.compile(r"^nato total\b", re.IGNORECASE)
_HEADER_SEARCH_ROWS = 40
_TITLE = re.compile(r"^table\s*(\w+)\s*:\s*(.+)$", re.IGNORECASE)
_CORE = re.compile(r"\bcore\b")
_RELATED = re.compile(r"defen[cs]e[- ]related|\brelated\b")


def sniff(path: Path) -> bool:
    """True for a zip whose workbook has sheets TABLE1-TABLE3 and NATO's table titles."""
    try:
        if not zipfile.is_zipfile(path):
            return False
        with zipfile.ZipFile(path) as zf:
            names = {n.strip().upper() for n in sheet_parts(zf, Path(path).name)}
            if not {"TABLE1", "TABLE2", "TABLE3"} <= names:
                return False
            if "xl/sharedStrings.xml" in zf.namelist():
                # "Defence expenditure" (2024) or "Core defence expenditure" (2026)
                return b"efence expenditure" in zf.read("xl/sharedStrings.xml")
            return True
    except (DataFormatError, zipfile.BadZipFile, OSError, KeyError):
        return False


def _year_header(v: Any) -> tuple[int, bool] | None:
    """(year, is_estimate) for a year header cell, else ``None``."""
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        if isinstance(v, float) and (math.isnan(v) or not v.is_integer()):
            return None
        return (int(v), False) if 1900 <= v <= 2200 else None
    m = _YEAR.match(str(v))
    if m is None:
        return None
    return int(m.group(1)), bool(m.group(2))


def _number(v: Any) -> float | None:
    """A finite number from a cell (numbers stored as text accepted), else ``None``."""
    if isinstance(v, bool):
        return None
    try:
        value = float(v) if isinstance(v, (int, float)) else float(str(v).strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _label(row: list[Any], first_year_col: int) -> str:
    for v in reversed(row[:first_year_col]):
        if isinstance(v, str) and v.strip():
            return " ".join(v.split())
    return ""


@dataclass
class _Rows:
    iso3: list[str]
    years: list[int]
    values: list[float]
    flags: list[str]


def _parse_sheet(
    sheet: str,
    rows: list[list[Any]],
    sections: tuple[Section, ...],
    vintage: str,
    where: str,
    measure: str = "",
) -> tuple[list[pd.DataFrame], list[str], dict[str, dict[str, Any]]]:
    head = None
    for i, r in enumerate(rows[:_HEADER_SEARCH_ROWS]):
        if sum(_year_header(v) is not None for v in r) >= 3:
            head = i
            break
    if head is None:
        raise DataFormatError(
            f"sheet {sheet!r}: no header row with years (e.g. 2014 ... 2024e) in the first "
            f"{_HEADER_SEARCH_ROWS} rows",
            where=where,
        )
    year_cols: list[int] = []
    years: list[int] = []
    estimate: list[bool] = []
    for j, v in enumerate(rows[head]):
        parsed = _year_header(v)
        if parsed is not None:
            year_cols.append(j)
            years.append(parsed[0])
            estimate.append(parsed[1])
    first = year_cols[0]
    title_text = " ".join(
        str(v) for r in rows[:head] for v in r if isinstance(v, str) and v.strip()
    )

    # The tables whose every section closes with the "NATO Total" aggregate (2024 layout).
    sheet_needs_total = any(_TOTAL.match(_label(r, first)) for r in rows[head + 1 :])
    unlabeled = sections[0] if sections[0].label is None else None
    current: Section | None = unlabeled
    current_label = ""
    current_measure = measure
    unknown: tuple[str, int] | None = None
    totals: set[tuple[Section, str]] = set()
    labels: dict[tuple[Section, str], str] = {}
    collected: dict[tuple[Section, str], tuple[_Rows, dict[str, int]]] = {}
    unmatched: list[str] = []
    countries: dict[str, dict[str, Any]] = {}
    for i in range(head + 1, len(rows)):
        r = rows[i]
        label = _label(r, first)
        cells = [r[j] if j < len(r) else "" for j in year_cols]
        if all(_blank(v) for v in cells):
            if label:
                low = label.casefold()
                match = next((s for s in sections if s.label and s.label in low), None)
                if match is not None:
                    current, current_label = match, label
                    current_measure = _measure(label) or measure
                    labels[(match, current_measure)] = label
                    unknown = None
                else:
                    unknown = (label, i)
            continue
        if label and _TOTAL.match(label) and current is not None:
            totals.add((current, current_measure))
        if not label or _AGGREGATE.match(label):
            continue  # unnamed check rows (all zeros) and NATO aggregates are not countries
        if unknown is not None:
            raise DataFormatError(
                f"sheet {sheet!r} row {unknown[1] + 1}: unknown section {unknown[0]!r} "
                f"(expected {', '.join(repr(s.label) for s in sections if s.label)}); "
                "unknown layout",
                where=where,
            )
        if current is None:
            raise DataFormatError(
                f"sheet {sheet!r} cell {column_letter(first)}{i + 1}: values before any "
                f"section label ({', '.join(s.label or '' for s in sections)})",
                where=where,
            )
        if current.indicator is None:
            continue
        m = _NAME.match(label)
        name = (m.group("name") if m else label).strip()
        starred = bool(m and m.group("star"))
        iso3 = resolve(name)
        if iso3 is None:
            unmatched.append(name)
            continue
        entry = countries.setdefault(
            iso3, {"nato_name": name, "currency": None, "national_2pct_commitment": False}
        )
        if m and m.group("currency"):
            entry["currency"] = m.group("currency").strip()
        entry["national_2pct_commitment"] = entry["national_2pct_commitment"] or starred
        acc, seen = collected.setdefault((current, current_measure), (_Rows([], [], [], []), {}))
        if iso3 in seen:
            raise DataFormatError(
                f"sheet {sheet!r} cell {column_letter(first - 1)}{i + 1}: {name!r} appears "
                f"twice in section {current_label!r} (first in row {seen[iso3] + 1})",
                where=where,
            )
        seen[iso3] = i
        for j, year, est, v in zip(year_cols, years, estimate, cells, strict=True):
            flags = []
            if est:
                flags.append("estimate")
            if starred:
                flags.append("footnote")
            if _blank(v):
                value = math.nan
                flags.append("missing")
            else:
                value = _number(v)
                if value is None:
                    raise DataFormatError(
                        f"sheet {sheet!r} cell {column_letter(j)}{i + 1}: expected a number, "
                        f"found {str(v)[:40]!r}",
                        where=where,
                    )
                value *= current.multiply
            acc.iso3.append(iso3)
            acc.years.append(year)
            acc.values.append(value)
            acc.flags.append(join_flags(flags))

    frames = []
    for section in sections:
        if section.indicator is None:
            continue
        keys = [k for k in collected if k[0] == section]
        if not keys and measure == "related" and collected:
            continue  # a defence-related table may carry only some of the sections
        if not keys:
            raise DataFormatError(
                f"sheet {sheet!r}: section {section.label or 'data'!r} not found or empty",
                where=where,
            )
        for key in keys:
            if sheet_needs_total and key not in totals:
                raise DataFormatError(
                    f"sheet {sheet!r}: section {labels.get(key, section.label)!r} has no closing "
                    "'NATO Total' row: the table is incomplete (rows cut?)",
                    where=where,
                )
            frames.append(
                _section_frame(sheet, key, collected[key][0], labels, title_text, vintage, where)
            )
    return frames, unmatched, countries


def _section_frame(
    sheet: str,
    key: tuple[Section, str],
    acc: _Rows,
    labels: dict[tuple[Section, str], str],
    title_text: str,
    vintage: str,
    where: str,
) -> pd.DataFrame:
    """One section's facts; the indicator carries the measure (core/related) if any."""
    section, measure = key
    unit = section.unit
    if "{base}" in unit:
        unit = unit.format(base=_base_year(sheet, section, labels.get(key, ""), title_text, where))
    assert section.indicator is not None
    return pd.DataFrame(
        {
            "iso3": acc.iso3,
            "year": np.array(acc.years, dtype=np.int64),
            "indicator": rename(section.indicator, measure),
            "value": np.array(acc.values, dtype=np.float64),
            "unit": unit,
            "flags": acc.flags,
            "source": SOURCE,
            "vintage": vintage,
        },
        columns=list(FACT_COLUMNS),
    )


def _base_year(sheet: str, section: Section, label: str, title: str, where: str) -> str:
    """Price base year: from the section's own label row, else the sheet's title rows."""
    m = _BASE.search(label) or _BASE.search(title)
    if m:
        return m.group(1)
    raise DataFormatError(
        f"sheet {sheet!r}: cannot find the price base year (e.g. 'Constant 2015 prices') "
        f"for section {section.label!r}",
        where=where,
    )


def _title(rows: list[list[Any]], sheet: str, where: str) -> tuple[int, str, str, str]:
    """(row index, table number, title, units line) of a NATO table's title rows.

    The title is the first "Table N : ..." cell above the year header; the units line
    ("Million US dollars", "Based on 2021 prices") is the next non-empty text below it.
    """
    for i, r in enumerate(rows[:_HEADER_SEARCH_ROWS]):
        for v in r:
            if isinstance(v, str):
                m = _TITLE.match(" ".join(v.split()))
                if m:
                    units = ""
                    for r2 in rows[i + 1 : i + 6]:
                        texts = [x for x in r2 if isinstance(x, str) and x.strip()]
                        if texts:
                            units = " ".join(texts[0].split())
                            break
                    return i, m.group(1), m.group(2).strip(), units
    raise DataFormatError(
        f"sheet {sheet!r}: no table title ('Table N : ...') in the first "
        f"{_HEADER_SEARCH_ROWS} rows; unknown layout",
        where=where,
    )


def _measure(text: str) -> str:
    """``"core"``, ``"related"`` or ``""`` (NATO's one measure before the Hague split)."""
    low = text.casefold()
    if _RELATED.search(low):
        return "related"
    if _CORE.search(low):
        return "core"
    return ""


def classify(sheet: str, rows: list[list[Any]], where: str) -> tuple[str | None, str]:
    """Which NATO table a sheet holds, recognised by its title and units rows.

    Returns ``(table key, measure)``: the key indexes :data:`TABLES` (``None`` for the
    summary table 4, which is derived and not imported); ``measure`` is ``"core"`` when the
    title says "Core defence expenditure" (the 2026 edition, Hague commitment),
    ``"related"`` for defence-related expenditure, else ``""``. A title none of the editions
    uses is refused naming the sheet and the row.
    """
    row, number, title, units = _title(rows, sheet, where)
    low, unit_low = title.casefold(), units.casefold()
    measure = _measure(title)
    if "real change" in low and "share" not in low:
        return None, measure
    if "distribution" in low or "main categor" in low:
        key = {"8a": "TABLE8a", "8b": "TABLE8b"}.get(number.casefold())
    elif "per capita" in low:
        key = "TABLE6"
    elif "personnel" in low:
        key = "TABLE7"
    elif "share of gdp" in low or "% of gdp" in low:
        key = "TABLE3"
    elif re.fullmatch(r"(nominal |real )?gdp", low):
        key = "TABLE5"
    elif "expenditure" in low and "national currenc" in unit_low:
        key = "TABLE1"
    elif "expenditure" in low and "us dollars" in unit_low:
        key = "TABLE2"
    else:
        key = None
        if "expenditure" not in low:
            number = ""
    if key is None:
        raise DataFormatError(
            f"sheet {sheet!r} row {row + 1}: unknown table layout {title!r} "
            f"(units {units!r}); expected one of NATO's defence-expenditure tables",
            where=where,
        )
    return key, measure


def rename(indicator: str, measure: str) -> str:
    """``milex_gdp_pct`` -> ``milex_core_gdp_pct`` / ``milex_related_gdp_pct``.

    Only defence-expenditure indicators carry the measure; GDP, personnel and category
    shares keep their names.
    """
    if measure and indicator.startswith("milex_"):
        return f"milex_{measure}_{indicator[len('milex_') :]}"
    return indicator


def parse(path: Path) -> ParseResult:
    """NATO defence expenditure tables as tidy facts (allies only, aggregates skipped).

    Tables are recognised by their titles and units rows (2024, 2025 and 2026 editions), not
    by sheet name or position; sheets not named ``TABLE...`` (a cover or contents sheet) are
    ignored.
    """
    path = Path(path)
    where = path.name
    with open_xlsx(path) as zf:
        parts = sheet_parts(zf, where)
        vintage = release_date(zf, where)
    table_sheets = [n for n in parts if n.strip().upper().startswith("TABLE")]
    values = read_values(path, table_sheets)
    found: dict[str, list[tuple[str, str]]] = {}
    for name in table_sheets:
        key, measure = classify(name, values[name], where)
        if key is not None:
            found.setdefault(key, []).append((name, measure))
    missing = [t for t in TABLES if t not in found]
    if missing:
        raise DataFormatError(
            f"expected sheet(s) {', '.join(missing)} not found (sheets: {', '.join(parts)}); "
            "tables are recognised by their titles",
            where=where,
        )
    frames: list[pd.DataFrame] = []
    unmatched: list[str] = []
    countries: dict[str, dict[str, Any]] = {}
    used: list[str] = []
    for table in TABLES:
        for name, measure in found[table]:
            used.append(name)
            sheet_frames, sheet_unmatched, sheet_countries = _parse_sheet(
                name, values[name], TABLES[table], vintage, where, measure
            )
            frames.extend(sheet_frames)
            unmatched.extend(sheet_unmatched)
            for iso3, spec in sheet_countries.items():
                entry = countries.setdefault(iso3, dict(spec))
                entry["currency"] = entry["currency"] or spec["currency"]
                entry["national_2pct_commitment"] = (
                    entry["national_2pct_commitment"] or spec["national_2pct_commitment"]
                )
    table = pd.DataFrame(
        [{"iso3": k, **v} for k, v in sorted(countries.items())],
        columns=["iso3", "nato_name", "currency", "national_2pct_commitment"],
    )
    return ParseResult(
        facts=validate_facts(pd.concat(frames, ignore_index=True)),
        source=SOURCE,
        vintage=vintage,
        unmatched=list(dict.fromkeys(unmatched)),
        meta={
            "publisher": PUBLISHER,
            "url": DOWNLOAD_URL,
            "format": FORMAT,
            "release_date": vintage,
            "sheets": ", ".join(used),
        },
        extra={"countries": table},
    )
