"""Helpers shared by the CLI modules: output formats, the database option, JSON output."""

from __future__ import annotations

import json
import os
from enum import StrEnum
from typing import Any

import typer

DB_OPTION = typer.Option(
    None,
    "--db",
    help="Database URL (default: $BURDENSHARE_DB, else SQLite in the user data directory).",
    envvar="BURDENSHARE_DB",
)


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    md = "md"


def db_url(value: str | None) -> str | None:
    """The database URL chosen by option or environment (None means the default)."""
    return value or os.environ.get("BURDENSHARE_DB") or None


def echo_json(obj: Any) -> None:
    """Print ``obj`` as indented JSON (NaN -> null, dates -> ISO strings)."""
    typer.echo(json.dumps(obj, indent=2, default=_default, allow_nan=False))


def _default(o: Any) -> Any:
    import datetime as dt

    import numpy as np

    if isinstance(o, (dt.date, dt.datetime)):
        return o.isoformat()
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return None if np.isnan(o) else float(o)
    if isinstance(o, np.bool_):
        return bool(o)
    if isinstance(o, (set, frozenset)):
        return sorted(o)
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
