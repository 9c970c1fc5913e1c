"""SIPRI Military Expenditure Database, one sheet exported as CSV (constant US$).

The 2026 release (``SIPRI-Milex-data-1949-2025_v1.2.xlsx``) is known here only through its
"Military expenditure by country, in constant (2024) US$ m., 1949-2025 © SIPRI 2026" sheet
saved as CSV: five text lines, the header ``Country,,Notes,1949,...,2025``, then region,
subregion and country rows with SIPRI's markers ``...`` (unavailable -> ``missing``) and
``xxx`` (not independent -> ``not_independent``). A CSV export loses the cell colours, so
``estimate`` and ``uncertain`` cannot be recovered; footnote markers in ``Notes`` still give
``footnote``.

Facts: ``milex_const_usd_m`` in ``usd_m_const{base}``, the price base year read from the title
("constant (2024) US$"). The vintage is the release month: the copyright year of the release
("© SIPRI 2026") and April, the month SIPRI publishes its annual military-expenditure data
(the 2025 release's workbook is dated 2025-04-30) -> ``"2026-04"``. The file states no day; a
month-precision vintage counts as the month's end, so "as of 2026-01-31" does not yet see it,
and it sorts after the earlier workbook release dates ("2025-04-30"). The row layout is the
workbook's, so the country-block reader of :mod:`burdenshare.sources.sipri_milex` is reused.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

from burdenshare.errors import DataFormatError
from burdenshare.facts import ParseResult, validate_facts
from burdenshare.sources.sipri_milex import (
    aggregate_warning,
    block_facts,
    countries_table,
    merge_country_entries,
    parse_country_block,
    resolve_block,
    split_aggregates,
)

#: The month SIPRI publishes each year's military-expenditure release (late April).
RELEASE_MONTH = 4

SOURCE = "sipri_milex"
FORMAT = "sipri-milex-csv"
DESCRIPTION = (
    "SIPRI Military Expenditure Database, constant-US$ sheet exported as CSV "
    "(e.g. the 2026 release, data 1949-2025); no estimate/uncertain colours in CSV"
)
PUBLISHER = "Stockholm International Peace Research Institute (SIPRI)"
DOWNLOAD_URL = "https://www.sipri.org/databases/milex"
TERMS = (
    "SIPRI data may be used for non-commercial purposes with SIPRI credited as the source; "
    "see https://www.sipri.org/databases/milex for the full terms"
)

_TITLE = re.compile(r"military expenditure by country", re.IGNORECASE)
_CONSTANT = re.compile(r"constant\s*\((\d{4})\)\s*US\$", re.IGNORECASE)
_COPYRIGHT = re.compile(r"©\s*SIPRI\s*(\d{4})", re.IGNORECASE)
_SNIFF_LINES = 12
_MAX_BYTES = 50_000_000


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataFormatError(f"cannot read the file: {exc}", where=path.name) from None
    if b"\x00" in raw[:4096]:
        raise DataFormatError("binary content, not a SIPRI CSV export", where=path.name)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataFormatError(
            f"not UTF-8 text (byte {exc.start}); SIPRI's CSV export is UTF-8", where=path.name
        ) from None


def _head_lines(path: Path) -> list[str]:
    with open(path, "rb") as fh:
        head = fh.read(16_384)
    text = head.decode("utf-8-sig", errors="replace")
    return text.splitlines()[:_SNIFF_LINES]


def sniff(path: Path) -> bool:
    """True when the first lines carry SIPRI's title and a ``Country,...`` header row."""
    try:
        lines = _head_lines(Path(path))
    except OSError:
        return False
    if not lines or not _TITLE.search(lines[0]) or "SIPRI" not in lines[0]:
        return False
    return any(line.lstrip('"').casefold().startswith("country,") for line in lines)


def _check_row_lengths(rows: list[list[str]], where: str) -> None:
    """Every row below the ``Country`` header has the header's field count.

    A shorter row means a cut file (a value cut mid-number would otherwise pass as a
    smaller number), so it is an error rather than missing data.
    """
    head = next((i for i, r in enumerate(rows) if r and r[0].strip() == "Country"), None)
    if head is None:
        return  # the block reader reports the missing header
    width = len(rows[head])
    for i in range(head + 1, len(rows)):
        if rows[i] and len(rows[i]) < width:
            raise DataFormatError(
                f"line {i + 1}: {len(rows[i])} fields where the header has {width} "
                "(truncated file?)",
                where=where,
            )


def parse(path: Path) -> ParseResult:
    """Constant-US$ military expenditure per country and year, with SIPRI's markers."""
    path = Path(path)
    where = path.name
    if path.stat().st_size > _MAX_BYTES:
        raise DataFormatError("file too large for a SIPRI sheet export", where=where)
    text = _read_text(path)
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise DataFormatError(f"malformed CSV: {exc}", where=where) from None
    title = rows[0][0] if rows and rows[0] else ""
    if not _TITLE.search(title):
        raise DataFormatError(
            "line 1: expected SIPRI's title 'Military expenditure by country, ...'", where=where
        )
    base = _CONSTANT.search(title)
    if base is None:
        raise DataFormatError(
            "line 1: only the 'constant (YYYY) US$' sheet is supported as CSV; "
            f"the title reads {title[:80]!r}",
            where=where,
        )
    year = _COPYRIGHT.search(title)
    if year is None:
        raise DataFormatError("line 1: no '© SIPRI YYYY' release year in the title", where=where)
    vintage = f"{year.group(1)}-{RELEASE_MONTH:02d}"
    unit = f"usd_m_const{base.group(1)}"

    def cell(i: int, j: int) -> str:
        return f"line {i + 1} column {j + 1}"

    _check_row_lengths(rows, where)
    block = parse_country_block(rows, None, where, cell)
    res, unmatched = resolve_block(block, None, where, cell)
    facts = block_facts(block, res, indicator="milex_const_usd_m", unit=unit, vintage=vintage)
    entries: dict[str, dict[str, str | None]] = {}
    merge_country_entries(entries, block, res)
    unmatched, aggregates = split_aggregates(unmatched)
    warnings = aggregate_warning(aggregates)
    if block.empty_cells:
        warnings.append(
            f"{len(block.empty_cells)} empty value cell(s) read as missing "
            f"(first: {block.empty_cells[0]})"
        )
    return ParseResult(
        facts=validate_facts(pd.DataFrame(facts)),
        source=SOURCE,
        vintage=vintage,
        warnings=warnings,
        unmatched=unmatched,
        meta={
            "publisher": PUBLISHER,
            "url": DOWNLOAD_URL,
            "format": FORMAT,
            "release": vintage,
            "release_date": vintage,
            "title": title.strip(),
        },
        extra={"countries": countries_table(entries)},
    )
