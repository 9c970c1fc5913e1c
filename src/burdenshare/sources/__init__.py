"""Parsers, one per publisher format, and the registry that picks one for a file.

Each parser module defines:

- ``SOURCE``: the source name stored with every fact (e.g. ``"sipri_milex"``);
- ``FORMAT``: a short unique format name used by ``--source`` (e.g. ``"sipri-milex-xlsx"``);
- ``DESCRIPTION``, ``PUBLISHER``, ``DOWNLOAD_URL``, ``TERMS``: shown by ``data sources``;
- ``sniff(path: Path) -> bool``: True when the *content* (not the file name) looks like this format;
- ``parse(path: Path) -> ParseResult``: tidy facts, or a ``DataFormatError`` naming file and
  sheet/cell or line/column.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

from burdenshare.errors import DataFormatError


class UnsupportedFormatError(DataFormatError):
    """A file whose content matches no supported format (a batch import skips it)."""


#: Parser modules in sniffing order (the most specific first).
PARSER_MODULES: tuple[str, ...] = (
    "burdenshare.sources.sipri_milex",
    "burdenshare.sources.sipri_milex_csv",
    "burdenshare.sources.nato",
    "burdenshare.sources.worldbank_meta",
    "burdenshare.sources.worldbank",
    "burdenshare.sources.sipri_arms_register",
    "burdenshare.sources.sipri_arms_imports",
    "burdenshare.sources.unga",
    "burdenshare.sources.troops",
    "burdenshare.sources.bases",
    "burdenshare.sources.cow_alliance",
)


def parsers() -> list[ModuleType]:
    """All parser modules that are present, in sniffing order."""
    out = []
    for name in PARSER_MODULES:
        try:
            out.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    return out


def formats() -> dict[str, ModuleType]:
    """Format name -> parser module."""
    return {m.FORMAT: m for m in parsers()}


def detect(path: Path) -> ModuleType:
    """The parser whose ``sniff`` accepts ``path``; a clear error when none does."""
    path = Path(path)
    if not path.exists():
        raise DataFormatError("file not found", where=str(path))
    if path.is_dir():
        raise DataFormatError("is a directory, not a data file", where=str(path))
    for module in parsers():
        try:
            if module.sniff(path):
                return module
        except (OSError, ValueError, KeyError):
            continue
    known = ", ".join(sorted(formats()))
    raise UnsupportedFormatError(
        f"unknown format: the content matches none of the supported formats ({known}); "
        "use --source FORMAT to force one",
        where=str(path),
    )


def parser_for(path: Path, source: str | None = None) -> ModuleType:
    """The parser named by ``source`` (a FORMAT or SOURCE name) or detected from content."""
    if source is None:
        return detect(path)
    for module in parsers():
        if source in (module.FORMAT, module.SOURCE):
            return module
    known = ", ".join(sorted(formats()))
    raise DataFormatError(f"unknown --source {source!r}; known formats: {known}", where=str(path))
