"""Shared plumbing for the CSV parsers: decode, find the header, read the body, parse numbers.

Every helper raises :class:`~burdenshare.errors.DataFormatError` with the file name and a
line (and column) number, so a user can open the file at the right place. Line numbers are
1-based physical lines of the file, as an editor shows them.

Reading is vectorised: the body goes through pandas' C parser as strings, and numbers are
parsed column-wise with :func:`pandas.to_numeric`; only the first bad cell is located and
reported.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from burdenshare.countries import resolve
from burdenshare.errors import DataFormatError

#: How much of a file ``sniff`` may read.
SNIFF_BYTES = 8192

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def head_text(path: Path, nbytes: int = SNIFF_BYTES) -> str:
    """The first ``nbytes`` of ``path`` as text, for sniffing (never raises on bad bytes).

    UTF-16 files (Excel's "Unicode text") are decoded as such, so they are recognised and
    :func:`read_text` can then refuse them with a clear "wrong encoding" message.
    """
    with open(path, "rb") as fh:
        raw = fh.read(nbytes)
    enc = "utf-16" if raw.startswith(_UTF16_BOMS) else "utf-8"
    text = raw.decode(enc, errors="replace").lstrip("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def first_line_fields(head: str) -> list[str]:
    """The comma-separated fields of the first line of ``head`` (quotes removed)."""
    return [f.strip() for f in split_header(head.replace("\r", "\n").split("\n", 1)[0])]


def read_text(path: Path, encodings: Sequence[str], expected: str) -> str:
    """The whole file decoded with the first of ``encodings`` that fits; newlines are ``\\n``.

    ``expected`` names the publisher's encoding for the error message. An empty file, a
    UTF-16 or binary file, or bytes that no listed encoding accepts raise DataFormatError.
    """
    path = Path(path)
    where = path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataFormatError(f"cannot read file: {exc.strerror}", where=where) from exc
    if not raw.strip(b"\xef\xbb\xbf \t\r\n"):
        raise DataFormatError("file is empty", where=where)
    if raw.startswith(_UTF16_BOMS) or b"\x00" in raw[:SNIFF_BYTES]:
        raise DataFormatError(
            "wrong encoding: the file looks like UTF-16 or binary (NUL bytes); "
            f"expected {expected}",
            where=where,
        )
    error: UnicodeDecodeError | None = None
    for enc in encodings:
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError as exc:
            error = exc
    else:
        assert error is not None
        line = raw.count(b"\n", 0, error.start) + 1
        bad = raw[error.start]
        raise DataFormatError(
            f"line {line}: wrong encoding: byte 0x{bad:02x} is not valid {expected}",
            where=where,
        )
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def find_line(
    lines: Sequence[str], accept: Callable[[str], bool], path: Path, what: str, limit: int = 60
) -> int:
    """0-based index of the first of the first ``limit`` lines that ``accept``; else an error."""
    for i, line in enumerate(lines[:limit]):
        if accept(line):
            return i
    raise DataFormatError(f"no {what} found in the first {limit} lines", where=Path(path).name)


def split_header(line: str) -> list[str]:
    """The fields of one CSV line, as written (quotes removed, not stripped); [] if unreadable."""
    try:
        return next(csv.reader([line.rstrip("\r\n")]), [])
    except csv.Error:
        return []


def require_columns(
    header: Iterable[str], required: Iterable[str], path: Path, header_line: int
) -> None:
    """Raise naming the first required column absent from ``header`` (1-based header line)."""
    have = {h.strip() for h in header}
    for col in required:
        if col not in have:
            raise DataFormatError(
                f"line {header_line}: missing column {col!r} in the header", where=Path(path).name
            )


def read_body(
    lines: Sequence[str], header_idx: int, names: Sequence[str], path: Path
) -> tuple[pd.DataFrame, np.ndarray]:
    """The records after the header line as an all-string frame, and each record's line number.

    ``names`` gives one column name per header field. Short records are padded with ``""``;
    a record with more fields than the header is an error naming its line. Blank records are
    dropped. When the body contains quoted fields (which may span lines), record start lines
    are counted with :mod:`csv`; otherwise record *i* is simply line ``header + 1 + i``.
    """
    where = Path(path).name
    if lines and lines[-1] != "":
        raise DataFormatError(
            f"line {len(lines)}: the file ends in the middle of a record (no line break after "
            "the last line): truncated download? Download it again",
            where=where,
        )
    body = "\n".join(lines[header_idx + 1 :])
    if not body.strip():
        return pd.DataFrame({n: pd.Series(dtype=object) for n in names}), np.empty(0, np.int64)
    try:
        df = pd.read_csv(
            io.StringIO(body),
            header=None,
            names=list(range(len(names))),
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            engine="c",
        )
    except pd.errors.ParserError as exc:
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if m is None:
            raise DataFormatError(
                f"malformed CSV after header line {header_idx + 1}: {exc}", where=where
            ) from exc
        line = int(m.group(2)) + header_idx + 1
        raise DataFormatError(
            f"line {line}: {m.group(3)} fields, but the header (line {header_idx + 1}) has "
            f"{len(names)}",
            where=where,
        ) from exc
    df.columns = list(names)
    df = df.fillna("").astype(object)
    starts, widths = _record_shapes(body, where, header_idx)
    lineno = np.asarray(starts[: len(df)], dtype=np.int64) + header_idx + 1
    nonblank = (df != "").any(axis=1).to_numpy()
    short = np.flatnonzero(nonblank & (np.asarray(widths[: len(df)]) < len(names)))
    if len(short):
        k = int(short[0])
        raise DataFormatError(
            f"line {lineno[k]}: {widths[k]} fields, but the header (line {header_idx + 1}) has "
            f"{len(names)}: the record is cut short (damaged or truncated file)",
            where=where,
        )
    return df.loc[nonblank].reset_index(drop=True), lineno[nonblank]


def _record_shapes(body: str, where: str, header_idx: int) -> tuple[list[int], list[int]]:
    """Each record's first line (1-based within ``body``) and its number of fields.

    Quoted fields may span lines, so records are counted with :mod:`csv`; a field beyond the
    csv module's size limit (a damaged file) is refused naming its line, never a traceback.
    """
    starts: list[int] = []
    widths: list[int] = []
    reader = csv.reader(io.StringIO(body))
    prev = 0
    try:
        for record in reader:
            starts.append(prev + 1)
            widths.append(len(record))
            prev = reader.line_num
    except csv.Error as exc:
        raise DataFormatError(
            f"line {header_idx + 1 + reader.line_num}: unreadable CSV record ({exc}); "
            "damaged file?",
            where=where,
        ) from exc
    return starts, widths


def numbers(
    values: pd.Series | np.ndarray,
    lineno: np.ndarray,
    column: str | Sequence[str],
    path: Path,
    missing: Iterable[str] = ("",),
) -> np.ndarray:
    """Parse strings to floats (NaN for the ``missing`` tokens), or name the first bad cell.

    ``values`` may be 1-D (one column, ``column`` its name) or 2-D (records x columns,
    ``column`` the list of column names); ``lineno`` gives each record's line.
    """
    arr = np.asarray(values, dtype=object)
    shape = arr.shape
    flat = arr.reshape(-1)
    parsed = pd.to_numeric(pd.Series(flat, dtype=object), errors="coerce").to_numpy(
        dtype=float, copy=True
    )
    suspect = np.flatnonzero(~np.isfinite(parsed))
    if len(suspect):
        text = pd.Series(flat[suspect], dtype=object).astype(str).str.strip()
        ok = text.isin(list(missing)).to_numpy() & np.isnan(parsed[suspect])
        if not ok.all():
            k = int(suspect[np.flatnonzero(~ok)[0]])
            if len(shape) == 2:
                row, col = divmod(k, shape[1])
                name = column[col]
            else:
                row, name = k, column
            raise DataFormatError(
                f"line {lineno[row]}, column {name!r}: {str(flat[k]).strip()!r} is not a number",
                where=Path(path).name,
            )
        parsed[suspect] = np.nan
    return parsed.reshape(shape)


def integers(
    values: pd.Series, lineno: np.ndarray, column: str, path: Path, missing: Iterable[str] = ("",)
) -> np.ndarray:
    """Like :func:`numbers` but every present value must be a whole number."""
    out = numbers(values, lineno, column, path, missing)
    frac = np.isfinite(out) & (out != np.round(out))
    if frac.any():
        k = int(np.flatnonzero(frac)[0])
        raise DataFormatError(
            f"line {lineno[k]}, column {column!r}: {str(values.iloc[k]).strip()!r} "
            "is not a whole number",
            where=Path(path).name,
        )
    return out


def code_to_iso3(codes: Iterable[str]) -> dict[str, str | None]:
    """Publisher ISO3 codes checked against the country table: code -> ISO3 or None.

    A code is accepted when :func:`burdenshare.countries.resolve` knows it (which maps the
    odd publisher code such as troopdata's ``KSV`` to ``XKX``); "" and "NA" are missing.
    """
    out: dict[str, str | None] = {}
    for code in dict.fromkeys(codes):
        c = str(code).strip()
        ok = len(c) == 3 and c.isalpha() and c.upper() == c and c != "NA"
        out[code] = resolve(c) if ok else None
    return out


def fact_frame(
    iso3: Iterable,
    year: Iterable,
    indicator: Iterable | str,
    value: Iterable,
    unit: Iterable | str,
    source: str,
    vintage: str,
    flags: Iterable | str = "",
) -> pd.DataFrame:
    """Assemble a facts frame (columns in :data:`burdenshare.facts.FACT_COLUMNS` order)."""
    df = pd.DataFrame(
        {
            "iso3": pd.Series(list(iso3), dtype=object),
            "year": pd.Series(list(year), dtype="int64"),
            "value": pd.Series(list(value), dtype="float64"),
        }
    )
    n = len(df)

    def col(x):
        return [x] * n if isinstance(x, str) else list(x)

    df["indicator"] = pd.Series(col(indicator), dtype=object)
    df["unit"] = pd.Series(col(unit), dtype=object)
    df["flags"] = pd.Series(col(flags), dtype=object)
    df["source"] = source
    df["vintage"] = vintage
    df["source"] = df["source"].astype(object)
    df["vintage"] = df["vintage"].astype(object)
    return df[["iso3", "year", "indicator", "value", "unit", "flags", "source", "vintage"]]


def name_list(names: Iterable[str], limit: int = 12) -> str:
    """``a, b, c (+N more)`` for warnings."""
    items = sorted(dict.fromkeys(str(n) for n in names))
    shown = ", ".join(items[:limit])
    return shown + (f" (+{len(items) - limit} more)" if len(items) > limit else "")
