"""Batch import: every file named gets an outcome, and one bad file never stops the rest.

``data import a b c`` (and ``data update``) call :func:`import_many`. Each file is one
transaction (:func:`burdenshare.store.facts.import_file`), so a refused file leaves the store
exactly as it was while the files before and after it are imported. Outcomes:

- ``imported``: stored as a new import;
- ``already imported``: the same bytes were imported before (no change);
- ``skipped``: the content matches no supported format (e.g. the country-codes table), named
  in the report;
- ``refused``: the file is damaged or would replace good data; the one-line reason is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from burdenshare.errors import UserError
from burdenshare.store.facts import ImportSummary, import_file

IMPORTED, ALREADY, SKIPPED, REFUSED = "imported", "already imported", "skipped", "refused"


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one file of a batch."""

    path: Path
    status: str
    summary: ImportSummary | None = None
    reason: str = ""
    detail: str = ""

    @property
    def file_name(self) -> str:
        return self.path.name


def import_many(
    engine: Engine,
    paths: Iterable[Path],
    source: str | None = None,
    *,
    replace: bool = False,
    progress: Callable[[str], None] | None = None,
    publisher_urls: dict[Path, str] | None = None,
) -> list[FileOutcome]:
    """Import each file in turn; report every one (see module doc)."""
    from burdenshare.sources import UnsupportedFormatError

    out: list[FileOutcome] = []
    for path in paths:
        path = Path(path)
        try:
            summary = import_file(
                engine,
                path,
                source,
                progress=progress,
                replace=replace,
                publisher_url=(publisher_urls or {}).get(path),
            )
        except UnsupportedFormatError as exc:
            out.append(
                FileOutcome(
                    path,
                    SKIPPED,
                    reason=f"{path.name}: not a supported format (see `burdenshare data sources`)",
                    detail=str(exc),
                )
            )
            continue
        except UserError as exc:
            out.append(FileOutcome(path, REFUSED, reason=str(exc), detail=str(exc)))
            continue
        out.append(FileOutcome(path, ALREADY if summary.skipped else IMPORTED, summary))
    return out
