"""SIPRI Military Expenditure Database workbook (``SIPRI-Milex-data-1949-YYYY.xlsx``).

Publisher: Stockholm International Peace Research Institute, https://www.sipri.org/databases/milex.
Every country sheet becomes tidy facts (``burdenshare.facts``):

=================================  ========================  ====================  =========
sheet                              indicator                 unit                  scaling
=================================  ========================  ====================  =========
Local currency financial years     milex_local_fy_m          lcu_m                 / 1e6
Local currency calendar years      milex_local_cy_m          lcu_m                 / 1e6
Constant (2023) US$                milex_const_usd_m         usd_m_const2023       as is
Current US$                        milex_usd_m               usd_m                 as is
Share of GDP                       milex_gdp_pct             percent               x 100
Per capita                         milex_per_capita_usd      usd                   as is
Share of Govt. spending            milex_gov_pct             percent               x 100
=================================  ========================  ====================  =========

The local-currency sheets hold whole currency units ("Figures are in local currency at
current prices"; e.g. United States 2024 = 997 309 000 000), the share sheets hold fractions
(0.0342 = 3.42 %); the constant-price base year is read from the sheet name, so the next release
("Constant (2024) US$") needs no code change.

SIPRI's conventions, kept as flags (see the sheets' header lines and the ``Footnotes`` sheet):
font colour blue (indexed colour 12) = SIPRI estimate -> ``estimate``; red (indexed 10) =
highly uncertain -> ``uncertain``; ``". ."``/``"..."`` = data unavailable -> ``missing``;
``"xxx"`` = the country did not exist or was not independent -> ``not_independent``; a
footnote marker in the row's ``Notes`` column (symbols ``†‡§¶‖`` and numbered notes) ->
``footnote`` on every value of that row, since SIPRI's notes are per country; the note texts
are in ``extra["footnotes"]``, the markers per country in ``extra["countries"]``. Missing
and not-independent cells are kept as facts with value NaN so that "unavailable" stays
distinguishable from "not imported".

Reading strategy (measured with ``benchmarks/bench_import_sipri.py`` on the 2025-release
workbook, 872 kB, 7 country sheets x ~200 rows x ~78 columns, on the shared 2-core machine):
``openpyxl.load_workbook`` with styles loaded needs 1.0-2.2 s cold and 1.0-1.5 s warm to give
the values and fonts of the seven sheets -- most of the 3 s import budget before anything is
stored -- and its read-only mode drops the fonts. So the values come from python-calamine
(Rust; ~0.05 s for the seven sheets) and the colour flags from a small streaming reader of the
package itself: ``xl/styles.xml`` maps each cell format (``cellXfs``) to its font's colour,
and one expat pass over each sheet's XML reads only the ``s`` (style) attribute of each
``<c>`` element (~0.15 s). The whole parse takes ~0.35 s warm, ~0.7 s cold (imports
included). A regex over the raw XML would save another ~0.05 s but depends on the writer's
attribute order; expat does not. The colour grid follows openpyxl's semantics exactly (a
cell's font is ``cellXfs[s].fontId`` whatever ``applyFont`` says; absent cells have style 0),
and ``tests/sources/test_sipri_milex.py`` cross-checks every value and colour of the country
sheets against openpyxl with styles loaded. Workbooks re-saved by tools that write explicit
RGB colours (``FF0000FF`` blue, ``FFFF0000`` red) are mapped onto the same indexed colours.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any
from xml.parsers import expat

import numpy as np
import pandas as pd

from burdenshare.countries import resolve
from burdenshare.errors import DataFormatError
from burdenshare.facts import FACT_COLUMNS, ParseResult, join_flags, validate_facts

SOURCE = "sipri_milex"
FORMAT = "sipri-milex-xlsx"
DESCRIPTION = (
    "SIPRI Military Expenditure Database workbook: every country sheet (local currency, "
    "constant and current US$, share of GDP, per capita, share of government spending), "
    "with SIPRI's estimate/uncertain/unavailable markers as flags"
)
PUBLISHER = "Stockholm International Peace Research Institute (SIPRI)"
DOWNLOAD_URL = "https://www.sipri.org/sites/default/files/SIPRI-Milex-data-1949-2024_2.xlsx"
TERMS = (
    "SIPRI data may be used for non-commercial purposes with SIPRI credited as the source; "
    "see https://www.sipri.org/databases/milex for the full terms"
)

# --------------------------------------------------------------------------------------
# SIPRI sheet layout
# --------------------------------------------------------------------------------------

#: SIPRI's five world regions (SIPRI Yearbook, "Military expenditure" chapter); any other
#: label row is a subregion, unless it is directly followed by another label row.
SIPRI_REGIONS: frozenset[str] = frozenset(
    {"Africa", "Americas", "Asia & Oceania", "Europe", "Middle East"}
)

#: Cell texts meaning "data unavailable" and "did not exist / not independent". The 2026
#: release's CSV export also uses the single-character ellipsis (U+2026) in one row (Cuba).
MISSING_MARKERS: frozenset[str] = frozenset({"...", ". .", "..", ". . .", "\u2026"})
NOT_INDEPENDENT_MARKERS: frozenset[str] = frozenset({"xxx"})

#: Rows SIPRI gives for groups of states, not countries: excluded and reported as aggregates
#: (not as unmatched names).
KNOWN_AGGREGATES: frozenset[str] = frozenset({"European Union"})


def split_aggregates(names: list[str]) -> tuple[list[str], list[str]]:
    """(unmatched names that are not known aggregates, the known aggregates among them)."""
    names = dedupe(names)
    return (
        [n for n in names if n.strip() not in KNOWN_AGGREGATES],
        [n for n in names if n.strip() in KNOWN_AGGREGATES],
    )


def aggregate_warning(aggregates: list[str]) -> list[str]:
    """The warning naming excluded aggregates (empty when there are none)."""
    if not aggregates:
        return []
    return [f"{len(aggregates)} aggregate(s) excluded (not countries): {', '.join(aggregates)}"]


#: SIPRI font colours (Excel's default indexed palette: 10 = red, 12 = blue).
RED, BLUE = 10, 12
_RGB_EQUIVALENT = {"FFFF0000": RED, "FF0000": RED, "FF0000FF": BLUE, "0000FF": BLUE}

# Bit flags per cell; FLAG_STRINGS[bits] is the canonical flag string.
ESTIMATE, UNCERTAIN, MISSING, NOT_INDEPENDENT, FOOTNOTE = 1, 2, 4, 8, 16
_BIT_NAMES = (
    (ESTIMATE, "estimate"),
    (UNCERTAIN, "uncertain"),
    (MISSING, "missing"),
    (NOT_INDEPENDENT, "not_independent"),
    (FOOTNOTE, "footnote"),
)
FLAG_STRINGS: np.ndarray = np.array(
    [join_flags(name for bit, name in _BIT_NAMES if bits & bit) for bits in range(32)],
    dtype=object,
)

_HEADER_SEARCH_ROWS = 40


@dataclass(frozen=True)
class SheetSpec:
    """How one SIPRI country sheet maps to an indicator.

    ``value * multiply / divide`` gives the canonical unit; ``unit`` may use ``{base}``, the
    constant-price base year captured from the sheet name.
    """

    pattern: str
    indicator: str
    unit: str
    multiply: float = 1.0
    divide: float = 1.0
    #: What the sheet's title rows say (searched, case-insensitive, in the text of the rows
    #: above the header), so a sheet is recognised by its title as well as its name.
    title: str = ""

    def match(self, sheet_name: str) -> re.Match[str] | None:
        return re.fullmatch(self.pattern, sheet_name.strip())

    def match_title(self, head: str) -> re.Match[str] | None:
        return re.search(self.title, head, re.IGNORECASE | re.DOTALL)


SHEETS: tuple[SheetSpec, ...] = (
    SheetSpec(
        r"Local currency financial years",
        "milex_local_fy_m",
        "lcu_m",
        divide=1e6,
        title=r"in local currency.*financial years",
    ),
    SheetSpec(
        r"Local currency calendar years",
        "milex_local_cy_m",
        "lcu_m",
        divide=1e6,
        title=r"in local currency.*calendar years",
    ),
    SheetSpec(
        r"Constant \((?P<base>\d{4})\) US\$",
        "milex_const_usd_m",
        "usd_m_const{base}",
        title=r"in constant \((?P<base>\d{4})\) US\$",
    ),
    SheetSpec(r"Current US\$", "milex_usd_m", "usd_m", title=r"US\$ at current prices"),
    SheetSpec(
        r"Share of GDP",
        "milex_gdp_pct",
        "percent",
        multiply=100.0,
        title=r"percentage of gross domestic product",
    ),
    SheetSpec(r"Per capita", "milex_per_capita_usd", "usd", title=r"per capita"),
    SheetSpec(
        r"Share of Govt\. spending",
        "milex_gov_pct",
        "percent",
        multiply=100.0,
        title=r"percentage of government spending",
    ),
)


# --------------------------------------------------------------------------------------
# Small xlsx package readers (zip + XML), shared with the NATO parser
# --------------------------------------------------------------------------------------

_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_NS_DCTERMS = "http://purl.org/dc/terms/"
_OFFICE_DOC = _NS_REL + "/officeDocument"


def open_xlsx(path: Path) -> zipfile.ZipFile:
    """The xlsx package as a zip, or a :class:`DataFormatError` naming the file."""
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise DataFormatError(
            f"not a readable xlsx workbook (corrupt or truncated zip: {exc})", where=path.name
        ) from None


def _read_xml(zf: zipfile.ZipFile, part: str, where: str) -> ET.Element:
    try:
        return ET.fromstring(zf.read(part))
    except KeyError:
        raise DataFormatError(f"xlsx package lacks the part {part!r}", where=where) from None
    except (ET.ParseError, zipfile.BadZipFile, OSError, EOFError) as exc:
        raise DataFormatError(f"corrupt xlsx part {part!r}: {exc}", where=where) from None


def _workbook_part(zf: zipfile.ZipFile, where: str) -> str:
    """Path of the workbook part, from the package relationships (``_rels/.rels``)."""
    if "_rels/.rels" in zf.namelist():
        rels = _read_xml(zf, "_rels/.rels", where)
        for rel in rels.iter(f"{{{_NS_PKG_REL}}}Relationship"):
            if rel.get("Type") == _OFFICE_DOC:
                return rel.get("Target", "xl/workbook.xml").lstrip("/")
    return "xl/workbook.xml"


def _resolve_target(base_part: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    parts: list[str] = []
    for piece in (*PurePosixPath(base_part).parent.parts, *PurePosixPath(target).parts):
        if piece == "..":
            if parts:
                parts.pop()
        elif piece != ".":
            parts.append(piece)
    return "/".join(parts)


def sheet_parts(zf: zipfile.ZipFile, where: str) -> dict[str, str]:
    """Sheet name -> path of its XML part inside the package, in workbook order."""
    wb_part = _workbook_part(zf, where)
    workbook = _read_xml(zf, wb_part, where)
    rels_part = _resolve_target(wb_part, "_rels/" + PurePosixPath(wb_part).name + ".rels")
    rels = _read_xml(zf, rels_part, where)
    targets = {
        rel.get("Id"): _resolve_target(wb_part, rel.get("Target", ""))
        for rel in rels.iter(f"{{{_NS_PKG_REL}}}Relationship")
    }
    out: dict[str, str] = {}
    for sheet in workbook.iter(f"{{{_NS_MAIN}}}sheet"):
        rid = sheet.get(f"{{{_NS_REL}}}id")
        if rid in targets:
            out[sheet.get("name", "")] = targets[rid]
    return out


def sheet_names(path: Path) -> list[str]:
    """Sheet names of an xlsx file, read from ``workbook.xml`` only (cheap; for ``sniff``)."""
    with zipfile.ZipFile(path) as zf:
        return list(sheet_parts(zf, path.name))


def release_date(zf: zipfile.ZipFile, where: str) -> str:
    """The workbook's last-modified date (``docProps/core.xml``) as ``YYYY-MM-DD``.

    Publishers save the tables on release day, so this is the release date used as the
    vintage; the creation date is the fallback.
    """
    core = _read_xml(zf, "docProps/core.xml", where)
    for tag in ("modified", "created"):
        node = core.find(f"{{{_NS_DCTERMS}}}{tag}")
        if node is not None and node.text:
            try:
                return date.fromisoformat(node.text.strip()[:10]).isoformat()
            except ValueError:
                continue
    raise DataFormatError(
        "cannot tell the release date: docProps/core.xml has no modified or created date",
        where=where,
    )


def _font_colour(font: ET.Element) -> int:
    colour = font.find(f"{{{_NS_MAIN}}}color")
    if colour is None:
        return -1
    if colour.get("indexed") is not None:
        return int(colour.get("indexed"))
    return _RGB_EQUIVALENT.get((colour.get("rgb") or "").upper(), -1)


def xf_font_colours(zf: zipfile.ZipFile, where: str) -> np.ndarray:
    """For each cell format index (``cellXfs``): its font's indexed colour, -1 when none."""
    styles = _read_xml(zf, "xl/styles.xml", where)
    fonts_node = styles.find(f"{{{_NS_MAIN}}}fonts")
    fonts = [] if fonts_node is None else list(fonts_node.iter(f"{{{_NS_MAIN}}}font"))
    colours = [_font_colour(f) for f in fonts]
    xfs_node = styles.find(f"{{{_NS_MAIN}}}cellXfs")
    xfs = [] if xfs_node is None else list(xfs_node.iter(f"{{{_NS_MAIN}}}xf"))
    out = []
    for xf in xfs:
        font_id = int(xf.get("fontId", "0"))
        out.append(colours[font_id] if 0 <= font_id < len(colours) else -1)
    return np.array(out or [-1], dtype=np.int16)


_COL_CACHE: dict[str, int] = {}


def column_index(letters: str) -> int:
    """0-based column index of an Excel column name (``A`` -> 0, ``BZ`` -> 77)."""
    idx = _COL_CACHE.get(letters)
    if idx is None:
        idx = 0
        for ch in letters:
            idx = idx * 26 + (ord(ch) - 64)
        idx -= 1
        _COL_CACHE[letters] = idx
    return idx


def column_letter(index: int) -> str:
    """Excel column name of a 0-based column index (0 -> ``A``)."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def font_colour_grid(
    zf: zipfile.ZipFile, part: str, shape: tuple[int, int], xf_colours: np.ndarray, where: str
) -> np.ndarray:
    """Indexed font colour of every cell in the top-left ``shape`` of a sheet (-1: none).

    One expat pass over the sheet XML, looking only at ``<row r>`` and ``<c r s>``; cells
    absent from the XML have the default format 0, as openpyxl shows them.
    """
    grid = np.full(shape, xf_colours[0], dtype=np.int16)
    height, width = shape
    row_tag, cell_tag = f"{_NS_MAIN} row", f"{_NS_MAIN} c"
    pos = [-1, -1]
    n_xf = len(xf_colours)

    def start(name: str, attrs: dict[str, str]) -> None:
        if name == cell_tag:
            ref = attrs.get("r")
            if ref:
                letters = ref.rstrip("0123456789")
                pos[0] = int(ref[len(letters) :]) - 1
                pos[1] = column_index(letters)
            else:
                pos[1] += 1
            s = attrs.get("s")
            if s is not None and pos[0] < height and pos[1] < width:
                xf = int(s)
                grid[pos[0], pos[1]] = xf_colours[xf] if xf < n_xf else -1
        elif name == row_tag:
            r = attrs.get("r")
            pos[0] = int(r) - 1 if r else pos[0] + 1
            pos[1] = -1

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    try:
        with zf.open(part) as fh:
            parser.ParseFile(fh)
    except KeyError:
        raise DataFormatError(f"xlsx package lacks the sheet part {part!r}", where=where) from None
    except (expat.ExpatError, ValueError, zipfile.BadZipFile, OSError, EOFError) as exc:
        raise DataFormatError(f"corrupt sheet XML {part!r}: {exc}", where=where) from None
    return grid


def read_values(path: Path, names: Sequence[str] | None = None) -> dict[str, list[list[Any]]]:
    """Cell values of the named sheets (all when ``None``) as rows anchored at A1.

    Reads with python-calamine; numbers are floats, empty cells ``""``.
    """
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
        wanted = list(wb.sheet_names) if names is None else list(names)
        return {n: wb.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in wanted}
    except (CalamineError, OSError, ValueError) as exc:  # ZipError, XmlError are CalamineErrors
        raise DataFormatError(f"cannot read the workbook: {exc}", where=path.name) from None


# --------------------------------------------------------------------------------------
# SIPRI country blocks (shared with the CSV export parser)
# --------------------------------------------------------------------------------------


@dataclass
class CountryBlock:
    """The country rows of one SIPRI sheet, after layout checks and cell conversion."""

    names: list[str] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)  # 0-based row in the sheet
    regions: list[str | None] = field(default_factory=list)
    subregions: list[str | None] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    columns: dict[str, list[str]] = field(default_factory=dict)  # e.g. Currency
    years: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    year_cols: list[int] = field(default_factory=list)
    values: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    bits: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.uint8))
    empty_cells: list[str] = field(default_factory=list)


def _year_of(header: Any) -> int | None:
    if isinstance(header, bool):
        return None
    if isinstance(header, (int, float)) and not (isinstance(header, float) and math.isnan(header)):
        year = int(header)
        return year if year == header and 1800 <= year <= 2200 else None
    text = str(header).strip()
    if text.isdigit() and 1800 <= int(text) <= 2200:
        return int(text)
    return None


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _in(sheet: str | None) -> str:
    """Message prefix naming the sheet (nothing for a CSV, which has none)."""
    return f"sheet {sheet!r}: " if sheet else ""


def _at(sheet: str | None) -> str:
    return f"sheet {sheet!r} " if sheet else ""


def parse_country_block(
    rows: Sequence[Sequence[Any]], sheet: str | None, where: str, cell: Callable[[int, int], str]
) -> CountryBlock:
    """Find the ``Country`` header row, then read region, subregion and country rows.

    ``cell(row, col)`` names a cell for error messages (``"cell BZ45"``, ``"line 3 col 2"``).
    Numbers are kept; SIPRI's markers become bits; anything else is a :class:`DataFormatError`.
    """
    head = next(
        (
            i
            for i, r in enumerate(rows[:_HEADER_SEARCH_ROWS])
            if r and isinstance(r[0], str) and r[0].strip().casefold() == "country"
        ),
        None,
    )
    if head is None:
        raise DataFormatError(
            f"{_in(sheet)}no header row starting with 'Country' in the first "
            f"{_HEADER_SEARCH_ROWS} rows",
            where=where,
        )
    header = rows[head]
    block = CountryBlock()
    year_cols: list[int] = []
    years: list[int] = []
    extra_cols: dict[str, int] = {}
    notes_col = None
    for j, h in enumerate(header):
        year = _year_of(h)
        if year is not None:
            year_cols.append(j)
            years.append(year)
        elif j > 0 and isinstance(h, str) and h.strip():
            label = h.strip()
            if label.casefold() == "notes":
                notes_col = j
            else:
                extra_cols[label] = j
    if not year_cols:
        raise DataFormatError(f"{_in(sheet)}header row {head + 1} has no year columns", where=where)
    if len(set(years)) != len(years):
        raise DataFormatError(f"{_in(sheet)}header row repeats a year", where=where)
    block.years = np.array(years, dtype=np.int64)
    block.year_cols = year_cols
    block.columns = {label: [] for label in extra_cols}

    body = list(range(head + 1, len(rows)))
    kinds: dict[int, str] = {}
    for i in body:
        r = rows[i]
        name = r[0] if r else ""
        rest_blank = all(_blank(v) for v in r[1:])
        if _blank(name):
            if not rest_blank:
                j = next(j for j, v in enumerate(r) if j > 0 and not _blank(v))
                raise DataFormatError(
                    f"{_at(sheet)}{cell(i, j)}: value in a row without a country name",
                    where=where,
                )
            kinds[i] = "blank"
        else:
            kinds[i] = "label" if rest_blank else "country"

    region: str | None = None
    subregion: str | None = None
    values: list[list[float]] = []
    bits: list[list[int]] = []
    nonblank = [i for i in body if kinds[i] != "blank"]
    for k, i in enumerate(nonblank):
        r = rows[i]
        name = str(r[0]).strip()
        if kinds[i] == "label":
            following = nonblank[k + 1] if k + 1 < len(nonblank) else None
            if name in SIPRI_REGIONS or (following is not None and kinds[following] == "label"):
                region, subregion = name, None
            else:
                subregion = name
            continue
        note = r[notes_col] if notes_col is not None and notes_col < len(r) else ""
        note = "" if _blank(note) else _marker_text(note)
        row_bits = FOOTNOTE if note else 0
        vals: list[float] = []
        row_flags: list[int] = []
        for j in year_cols:
            v = r[j] if j < len(r) else ""
            value, b = convert_cell(v)
            if b < 0:
                raise DataFormatError(
                    f"{_at(sheet)}{cell(i, j)}: expected a number or one of SIPRI's "
                    f"markers ('...', '. .', 'xxx'), found {str(v)[:40]!r}",
                    where=where,
                )
            if b & MISSING and _blank(v):
                block.empty_cells.append(cell(i, j))
            vals.append(value)
            row_flags.append(b | row_bits)
        block.names.append(name)
        block.rows.append(i)
        block.regions.append(region)
        block.subregions.append(subregion)
        block.notes.append(note)
        for label, j in extra_cols.items():
            v = r[j] if j < len(r) else ""
            block.columns[label].append("" if _blank(v) else _marker_text(v))
        values.append(vals)
        bits.append(row_flags)
    block.values = np.array(values, dtype=np.float64).reshape(len(values), len(year_cols))
    block.bits = np.array(bits, dtype=np.uint8).reshape(len(bits), len(year_cols))
    return block


def _marker_text(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def convert_cell(v: Any) -> tuple[float, int]:
    """(value, bits) of one cell; bits -1 when the cell is neither a number nor a marker."""
    if isinstance(v, bool):
        return math.nan, -1
    if isinstance(v, (int, float)):
        return (float(v), 0) if math.isfinite(v) else (math.nan, -1)
    text = str(v).strip() if v is not None else ""
    if not text or text in MISSING_MARKERS:
        return math.nan, MISSING
    if text.casefold() in NOT_INDEPENDENT_MARKERS:
        return math.nan, NOT_INDEPENDENT
    try:
        value = float(text)
    except ValueError:
        return math.nan, -1
    return (value, 0) if math.isfinite(value) else (math.nan, -1)


@dataclass
class Resolved:
    """Country rows of a block that resolved to ISO3, in row order."""

    index: np.ndarray  # positions in the block
    iso3: np.ndarray


def resolve_block(
    block: CountryBlock, sheet: str | None, where: str, cell: Callable[[int, int], str]
) -> tuple[Resolved, list[str]]:
    """ISO3 codes of the block's rows, plus the names that did not resolve."""
    keep: list[int] = []
    codes: list[str] = []
    seen: dict[str, int] = {}
    unmatched: list[str] = []
    for k, name in enumerate(block.names):
        iso3 = resolve(name)
        if iso3 is None:
            unmatched.append(name)
            continue
        if iso3 in seen:
            first = block.names[seen[iso3]]
            raise DataFormatError(
                f"{_at(sheet)}{cell(block.rows[k], 0)}: {name!r} and {first!r} "
                f"both resolve to {iso3}",
                where=where,
            )
        seen[iso3] = k
        keep.append(k)
        codes.append(iso3)
    return Resolved(np.array(keep, dtype=np.int64), np.array(codes, dtype=object)), unmatched


def block_facts(
    block: CountryBlock,
    res: Resolved,
    *,
    indicator: str,
    unit: str,
    vintage: str,
    multiply: float = 1.0,
    divide: float = 1.0,
    extra_bits: np.ndarray | None = None,
) -> pd.DataFrame:
    """Long facts frame of a block: one row per resolved country x year (vectorised)."""
    n, y = len(res.index), len(block.years)
    values = block.values[res.index]
    if multiply != 1.0:
        values = values * multiply
    if divide != 1.0:
        values = values / divide
    bits = block.bits[res.index]
    if extra_bits is not None:
        bits = bits | extra_bits[res.index]
    return pd.DataFrame(
        {
            "iso3": np.repeat(res.iso3, y),
            "year": np.tile(block.years, n),
            "indicator": indicator,
            "value": values.reshape(-1),
            "unit": unit,
            "flags": FLAG_STRINGS[bits.reshape(-1)],
            "source": SOURCE,
            "vintage": vintage,
        },
        columns=list(FACT_COLUMNS),
    )


def countries_table(entries: dict[str, dict[str, str | None]]) -> pd.DataFrame:
    """``extra["countries"]``: iso3, sipri_name, region, subregion (+ currency, notes ...)."""
    cols = ["iso3", "sipri_name", "region", "subregion", "currency", "fiscal_year", "notes"]
    rows = [{"iso3": iso3, **spec} for iso3, spec in entries.items()]
    return (
        pd.DataFrame(rows, columns=cols).sort_values("iso3", kind="stable").reset_index(drop=True)
    )


def merge_country_entries(
    entries: dict[str, dict[str, str | None]], block: CountryBlock, res: Resolved
) -> None:
    """Record each resolved country's SIPRI name, region, subregion and row metadata once."""
    currency = _column_like(block, "currency")
    fiscal = _column_like(block, "fiscal year")
    for k, iso3 in zip(res.index.tolist(), res.iso3.tolist(), strict=True):
        entry = entries.setdefault(
            iso3,
            {
                "sipri_name": block.names[k],
                "region": block.regions[k],
                "subregion": block.subregions[k],
                "currency": None,
                "fiscal_year": None,
                "notes": None,
            },
        )
        if currency is not None and not entry["currency"] and currency[k]:
            entry["currency"] = currency[k]
        if fiscal is not None and not entry["fiscal_year"] and fiscal[k]:
            entry["fiscal_year"] = fiscal[k]
        if not entry["notes"] and block.notes[k]:
            entry["notes"] = block.notes[k]


def _column_like(block: CountryBlock, prefix: str) -> list[str] | None:
    for label, col in block.columns.items():
        if label.casefold().startswith(prefix):
            return col
    return None


def dedupe(names: Sequence[str]) -> list[str]:
    """Unique names in first-seen order."""
    return list(dict.fromkeys(names))


# --------------------------------------------------------------------------------------
# The parser
# --------------------------------------------------------------------------------------


def sniff(path: Path) -> bool:
    """True for a SIPRI milex workbook: a zip whose workbook lists SIPRI's country sheets."""
    path = Path(path)
    try:
        if not zipfile.is_zipfile(path):
            return False
        names = {n.strip() for n in sheet_names(path)}
    except (DataFormatError, zipfile.BadZipFile, OSError, KeyError, ET.ParseError):
        return False
    specs_found = sum(any(spec.match(n) for n in names) for spec in SHEETS)
    return "Share of GDP" in names and specs_found >= 4


def sheet_head(rows: Sequence[Sequence[Any]]) -> str:
    """The text of a sheet's title rows (those above the ``Country`` header), one string."""
    out = []
    for r in rows[:_HEADER_SEARCH_ROWS]:
        cells = [str(v).strip() for v in r if isinstance(v, str) and v.strip()]
        if cells and cells[0] == "Country":
            break
        out.extend(cells)
    return " ".join(" ".join(out).split())


def _match_sheets(
    names: Sequence[str], where: str, heads: dict[str, str] | None = None
) -> list[tuple[SheetSpec, str, str]]:
    """(spec, sheet name, unit) for every expected sheet; a missing one is an error.

    A sheet is found by its name, and its title rows must then say what the spec expects
    (a sheet named "Share of GDP" holding something else is refused naming sheet and row);
    a sheet renamed in a later edition is found by its title. ``heads`` maps sheet name to
    its title text (:func:`sheet_head`); without it only names are used.
    """
    out = []
    used: set[str] = set()
    for spec in SHEETS:
        found = [(n, m) for n in names if (m := spec.match(n))]
        if found and heads is not None:
            name = found[0][0]
            head = heads.get(name, "")
            t = spec.match_title(head) or re.search(spec.pattern, head, re.IGNORECASE)
            if t is None:
                raise DataFormatError(
                    f"sheet {name!r} row 1: the title {head[:90]!r} is not SIPRI's "
                    f"{name!r} table (expected it to mention {spec.title!r}); unknown layout",
                    where=where,
                )
            base_n, base_t = found[0][1].groupdict().get("base"), t.groupdict().get("base")
            if base_n and base_t and base_n != base_t:
                raise DataFormatError(
                    f"sheet {name!r} row 1: the sheet name says constant {base_n} US$ but the "
                    f"title says {base_t}",
                    where=where,
                )
        if not found and heads is not None:
            found = [
                (n, m) for n in names if n not in used and (m := spec.match_title(heads.get(n, "")))
            ]
        if not found:
            raise DataFormatError(
                f"expected sheet matching {spec.pattern.replace(chr(92), '')!r} not found "
                f"(sheets: {', '.join(names)})",
                where=where,
            )
        name, m = found[0]
        used.add(name)
        out.append((spec, name, spec.unit.format(**m.groupdict())))
    return out


def _footnotes(rows: Sequence[Sequence[Any]]) -> pd.DataFrame:
    """``extra["footnotes"]``: marker -> text from the ``Footnotes`` sheet.

    Symbol notes (``†‡§¶‖``) have their text in column B, numbered notes in column C.
    """
    out = []
    for r in rows:
        if not r or _blank(r[0]):
            continue
        marker = _marker_text(r[0])
        text = next((v.strip() for v in r[1:] if isinstance(v, str) and v.strip()), "")
        if text and len(marker) <= 4:
            out.append({"marker": marker, "text": text})
    return pd.DataFrame(out, columns=["marker", "text"])


def _colour_grids(
    zf: zipfile.ZipFile,
    parts: dict[str, str],
    values: dict[str, list[list[Any]]],
    names: Sequence[str],
    where: str,
) -> dict[str, np.ndarray]:
    """Font-colour grid of each named sheet, shaped like its calamine value rows."""
    xf_colours = xf_font_colours(zf, where)
    out = {}
    for name in names:
        rows = values[name]
        shape = (len(rows), max((len(r) for r in rows), default=0))
        out[name] = font_colour_grid(zf, parts[name], shape, xf_colours, where)
    return out


def read_sheet_grids(
    path: Path, sheets: Sequence[str] | None = None
) -> dict[str, tuple[list[list[Any]], np.ndarray]]:
    """Values (calamine) and font-colour grid (package XML) of the named sheets.

    The same readers :func:`parse` uses; exposed so tests can compare them with openpyxl.
    """
    path = Path(path)
    where = path.name
    with open_xlsx(path) as zf:
        parts = sheet_parts(zf, where)
        wanted = list(parts) if sheets is None else list(sheets)
        for name in wanted:
            if name not in parts:
                raise DataFormatError(f"sheet {name!r} not found", where=where)
        values = read_values(path, wanted)
        grids = _colour_grids(zf, parts, values, wanted, where)
    return {name: (values[name], grids[name]) for name in wanted}


def _xlsx_cell(i: int, j: int) -> str:
    return f"cell {column_letter(j)}{i + 1}"


def parse(path: Path) -> ParseResult:
    """All SIPRI country sheets of the workbook as tidy facts with SIPRI's flags."""
    path = Path(path)
    where = path.name
    with open_xlsx(path) as zf:
        parts = sheet_parts(zf, where)
        vintage = release_date(zf, where)
        every = read_values(path, list(parts))
        plan = _match_sheets(list(parts), where, {n: sheet_head(every[n]) for n in parts})
        names = [name for _, name, _ in plan]
        notes_sheet = next((n for n in parts if n.strip().casefold() == "footnotes"), None)
        values = {n: every[n] for n in names + ([notes_sheet] if notes_sheet else [])}
        grids = _colour_grids(zf, parts, values, names, where)
    frames: list[pd.DataFrame] = []
    unmatched: list[str] = []
    warnings: list[str] = []
    entries: dict[str, dict[str, str | None]] = {}
    for spec, name, unit in plan:
        rows, colours = values[name], grids[name]
        block = parse_country_block(rows, name, where, _xlsx_cell)
        res, missing_names = resolve_block(block, name, where, _xlsx_cell)
        unmatched.extend(missing_names)
        sub = colours[np.ix_(np.array(block.rows, dtype=np.int64), block.year_cols)]
        colour_bits = np.where(sub == BLUE, ESTIMATE, 0) | np.where(sub == RED, UNCERTAIN, 0)
        frames.append(
            block_facts(
                block,
                res,
                indicator=spec.indicator,
                unit=unit,
                vintage=vintage,
                multiply=spec.multiply,
                divide=spec.divide,
                extra_bits=colour_bits.astype(np.uint8),
            )
        )
        merge_country_entries(entries, block, res)
        if block.empty_cells:
            warnings.append(
                f"sheet {name!r}: {len(block.empty_cells)} empty value cell(s) read as "
                f"missing (first: {block.empty_cells[0]})"
            )
    extra = {"countries": countries_table(entries)}
    if notes_sheet is not None:
        extra["footnotes"] = _footnotes(values[notes_sheet])
    facts = validate_facts(pd.concat(frames, ignore_index=True))
    unmatched, aggregates = split_aggregates(unmatched)
    return ParseResult(
        facts=facts,
        source=SOURCE,
        vintage=vintage,
        warnings=aggregate_warning(aggregates) + warnings,
        unmatched=unmatched,
        meta={
            "publisher": PUBLISHER,
            "url": DOWNLOAD_URL,
            "format": FORMAT,
            "release_date": vintage,
            "sheets": ", ".join(name for _, name, _ in plan),
        },
        extra=extra,
    )
