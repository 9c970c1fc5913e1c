"""What every CLI module shares: the options, their parsers, the store, and one renderer.

One declaration per option class, so that every command accepts and refuses the same things
with the same words:

- ``--format``: :data:`FORMAT_OPTION` (table, json, csv, md; Typer refuses anything else) and
  :func:`format_option` for commands that offer only some of them (checked by
  :func:`check_format`);
- ``--vintage``: :data:`VINTAGE_OPTION`, checked by :func:`parse_vintage` (``latest``,
  ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, a real calendar date);
- dates, quarters and countries: :func:`parse_date`, :func:`parse_quarter`,
  :func:`parse_country`, each raising a :class:`~burdenshare.errors.UserError` that names the
  option;
- output files: :func:`check_output_path` before any work, then :func:`atomic_path` so that
  a failed write leaves nothing half-written;
- the store: :data:`DB_OPTION` and :func:`engine` (the only engine helper of the CLI).

:func:`render` prints rows as a Rich table, JSON, CSV or Markdown; machine formats go to
stdout and nothing else does.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from burdenshare.errors import UserError

# ---- the store -----------------------------------------------------------------------------

DB_OPTION = typer.Option(
    None,
    "--db",
    help="Database URL (default: $BURDENSHARE_DB, else SQLite in the user data directory).",
    envvar="BURDENSHARE_DB",
)


def db_url(value: str | None) -> str | None:
    """The database URL chosen by option or environment (None means the default)."""
    return value or os.environ.get("BURDENSHARE_DB") or None


def engine(db: str | None, *, starter: bool = False):
    """The migrated engine for ``--db`` (cached per URL); ``starter=True`` also loads the
    starter snapshot into an empty store, for commands that read facts."""
    from burdenshare.store.db import get_engine

    eng = get_engine(db_url(db))
    if starter:
        from burdenshare.starter import ensure_starter

        ensure_starter(eng)
    return eng


# ---- --format ------------------------------------------------------------------------------


class OutputFormat(StrEnum):
    """The output formats: a Rich table for people, JSON/CSV/Markdown for programs."""

    table = "table"
    json = "json"
    csv = "csv"
    md = "md"


FORMAT_HELP = "Output format: table, json, csv or md."

FORMAT_OPTION = typer.Option(OutputFormat.table, "--format", "-f", help=FORMAT_HELP)


def format_option(*allowed: str, default: str | None = "table") -> Any:
    """A ``--format`` option for a command offering only ``allowed`` formats.

    Declare the parameter as ``fmt: str = format_option("table", "json")``; the callback
    refuses any other value at parse time, naming the option and the accepted values.
    """
    choices = tuple(allowed) or tuple(OutputFormat)

    def _check(value: str | None) -> str | None:
        return None if value is None else check_format(value, choices)

    return typer.Option(
        default,
        "--format",
        "-f",
        help=f"Output format: {_or(choices)}.",
        callback=_check,
    )


def check_format(fmt: str | StrEnum, allowed: Sequence[str]) -> str:
    """``fmt`` as a plain string if it is one of ``allowed``, else a UserError naming
    ``--format`` and the accepted values."""
    value = str(fmt.value if isinstance(fmt, StrEnum) else fmt).strip()
    if value not in allowed:
        raise UserError(f"{value!r} is not one of {_or(allowed)}", where="--format")
    return value


def _or(values: Sequence[str]) -> str:
    values = [str(v) for v in values]
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " or " + values[-1]


# ---- --vintage, dates, quarters, countries -------------------------------------------------

_VINTAGE_RE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def parse_vintage(text: str | None, option: str = "--vintage") -> str:
    """``latest``, or a date prefix ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` that is a real
    calendar date; anything else is refused naming ``option`` and the accepted forms."""
    if text is None:
        return "latest"
    value = str(text).strip()
    if value.lower() == "latest":
        return "latest"
    m = _VINTAGE_RE.fullmatch(value)
    ok = m is not None
    if ok:
        year, month, day = m.group(1), m.group(2), m.group(3)
        try:
            dt.date(int(year), int(month or 1), int(day or 1))
        except ValueError:
            ok = False
    if not ok:
        raise UserError(
            f"{value!r} is not a vintage: use latest, or a date as YYYY, YYYY-MM or YYYY-MM-DD",
            where=option,
        )
    return value


def _vintage_callback(value: str | None) -> str:
    return parse_vintage(value, "--vintage")


VINTAGE_OPTION = typer.Option(
    "latest",
    "--vintage",
    help="Data release: latest, or as of a date (YYYY, YYYY-MM or YYYY-MM-DD).",
    callback=_vintage_callback,
)


def parse_date(text: str | None, option: str, *, default: dt.date | None = None) -> dt.date:
    """An ISO date ``YYYY-MM-DD`` (``default``, else today, when not given)."""
    if text is None:
        return default or dt.date.today()
    if isinstance(text, dt.date):
        return text
    value = str(text).strip()
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UserError(f"expected a date as YYYY-MM-DD, got {text!r}", where=option) from None


def parse_quarter(text: str, option: str = "--quarter") -> tuple[dt.date, dt.date]:
    """``2026Q3`` (or ``2026-Q3``) -> the first and last day of that quarter."""
    m = re.fullmatch(r"(\d{4})-?[Qq]([1-4])", str(text).strip())
    if not m:
        raise UserError(f"expected a quarter like 2026Q3, got {text!r}", where=option)
    year, q = int(m.group(1)), int(m.group(2))
    start = dt.date(year, 3 * q - 2, 1)
    end = dt.date(year + (q == 4), (3 * q) % 12 + 1, 1) - dt.timedelta(days=1)
    return start, end


def parse_country(text: str, option: str = "COUNTRY") -> str:
    """ISO3 for a country name or code; an unknown one names ``option``."""
    from burdenshare.countries import to_iso3
    from burdenshare.errors import UnknownCountryError

    try:
        return to_iso3(text)
    except UnknownCountryError as exc:
        raise UnknownCountryError(str(exc), where=option) from None


def positive(value: int | float | None, option: str, *, zero: bool = False) -> Any:
    """``value`` unchanged if positive (or zero when ``zero``), else a UserError."""
    if value is not None and (value < 0 or (value == 0 and not zero)):
        need = "0 or a positive number" if zero else "a positive number"
        raise UserError(f"must be {need}, not {value}", where=option)
    return value


# ---- output files --------------------------------------------------------------------------


def check_output_path(
    path: str | Path, option: str, *, suffixes: Sequence[str] | None = None
) -> Path:
    """Refuse an output path that cannot be written, before any work is done: a missing or
    unwritable folder, a folder given as the file, or an unsupported suffix."""
    p = Path(path).expanduser()
    if suffixes is not None and p.suffix.lower() not in suffixes:
        raise UserError(
            f"{str(p)!r}: the file name must end in {_or(list(suffixes))}", where=option
        )
    if p.is_dir():
        raise UserError(f"{p} is a folder, not a file", where=option)
    folder = p.parent if str(p.parent) else Path(".")
    if not folder.is_dir():
        raise UserError(f"{p}: folder {folder} does not exist", where=option)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UserError(f"{p}: folder {folder} is not writable", where=option)
    if p.exists() and not os.access(p, os.W_OK):
        raise UserError(f"{p} is not writable", where=option)
    return p


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path next to ``path`` (same suffix, so writers pick the format) that
    replaces ``path`` only when the block succeeds; on failure it is removed."""
    import tempfile

    target = Path(path)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{target.stem}.", suffix=target.suffix, dir=target.parent or "."
    )
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` through :func:`atomic_path`."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


# ---- output --------------------------------------------------------------------------------


def stderr_progress(*columns: Any, disable: bool = False):
    """A transient Rich progress bar on stderr, shown only when stderr is a terminal: in a
    pipe or a log it would leave a blank line before the next message (an error line, say)
    and nothing anyone can watch."""
    from rich.console import Console
    from rich.progress import Progress

    console = Console(stderr=True)
    return Progress(
        *columns, console=console, transient=True, disable=disable or not console.is_terminal
    )


def echo_json(obj: Any) -> None:
    """Print ``obj`` as indented JSON (NaN -> null, dates -> ISO strings)."""
    typer.echo(json.dumps(clean_nan(obj), indent=2, default=_default, allow_nan=False))


def _default(o: Any) -> Any:
    if isinstance(o, (dt.date, dt.datetime)):
        return o.isoformat()
    if isinstance(o, Path):
        return str(o)
    if isinstance(o, (set, frozenset)):
        return sorted(o)
    if isinstance(o, StrEnum):
        return o.value
    import math

    import numpy as np

    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return None if math.isnan(o) else float(o)
    if isinstance(o, np.bool_):
        return bool(o)
    if isinstance(o, np.ndarray):
        return clean_nan(o.tolist())
    try:
        import pandas as pd

        if o is pd.NA or o is pd.NaT:
            return None
        if isinstance(o, pd.Timestamp):
            return o.isoformat()
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def clean_nan(obj: Any) -> Any:
    """Replace float NaN by None recursively, so JSON output stays valid."""
    import math

    if isinstance(obj, float) and math.isnan(obj):
        return None
    if isinstance(obj, dict):
        return {k: clean_nan(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [clean_nan(v) for v in obj]
    return obj


def _cell(value: Any) -> str:
    """A value as CSV/Markdown/table text: None/NaN empty, lists joined with ``|``."""
    if value is None:
        return ""
    if isinstance(value, float) and value != value:  # NaN
        return ""
    if isinstance(value, (list, tuple, set, frozenset)):
        return "|".join(_cell(v) for v in value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def csv_text(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """Rows as CSV text with a header line (booleans as true/false)."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow(
            [
                ("true" if r.get(c) else "false") if isinstance(r.get(c), bool) else _cell(r.get(c))
                for c in columns
            ]
        )
    return buf.getvalue()


def markdown_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """Rows as a GitHub-flavoured Markdown table."""
    headers = [str(c) for c in columns]
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    for r in rows:
        lines.append("| " + " | ".join(_cell(r.get(c)).replace("|", "\\|") for c in columns) + " |")
    return "\n".join(lines)


def render(
    rows: Sequence[Mapping[str, Any]],
    fmt: str | StrEnum,
    *,
    columns: Sequence[str] | None = None,
    title: str | None = None,
    caption: str | None = None,
    json_obj: Any = None,
    table: Callable[[], None] | None = None,
    right: Sequence[str] = (),
) -> None:
    """Print ``rows`` in ``fmt``: one renderer for table, json, csv and md.

    ``columns`` picks and orders the fields (default: the first row's keys); ``json_obj``
    replaces the rows in JSON output (for a richer document); ``table`` replaces the plain
    Rich table with a command's own; ``right`` lists right-aligned columns.
    """
    fmt = str(fmt.value if isinstance(fmt, StrEnum) else fmt)
    if fmt == "json":
        echo_json(list(rows) if json_obj is None else json_obj)
        return
    cols = list(columns) if columns is not None else (list(rows[0]) if rows else [])
    if fmt == "csv":
        typer.echo(csv_text(rows, cols), nl=False)
        return
    if fmt == "md":
        head = f"## {title}\n\n" if title else ""
        tail = f"\n\n{caption}" if caption else ""
        typer.echo(head + markdown_table(rows, cols) + tail)
        return
    if fmt != "table":
        raise UserError(f"{fmt!r} is not one of table, json, csv or md", where="--format")
    if table is not None:
        table()
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    t = Table(title=title, caption=caption, caption_justify="left")
    for c in cols:
        t.add_column(str(c), justify="right" if c in right else "left")
    for r in rows:
        t.add_row(*(Text(_cell(r.get(c))) for c in cols))
    Console().print(t)
