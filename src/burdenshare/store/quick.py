"""What a warm command needs to know about a SQLite store, without SQLAlchemy or Alembic.

Importing SQLAlchemy (and pandas, to read a cached frame) costs more than half a second on
every start. A command whose answer is already cached only has to know that the store is
the one it was computed from: :func:`sqlite_fingerprint` reads the same fingerprint as
:func:`burdenshare.store.fingerprint.facts_fingerprint` (number and newest id of imports)
with the standard library's ``sqlite3``, and checks that the schema is at the head revision
(:func:`scanned_head`, read from the migration files). Anything unusual (another database,
a URL with parameters, a missing file, an old schema) answers None, and the caller takes the
full path, which migrates, reports errors and fills the cache.
"""

from __future__ import annotations

import ast
import os
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

_REVISION_RE = r"""^(down_revision|revision)\s*(?::[^=]*)?=\s*(.+?)\s*$"""


@lru_cache(maxsize=1)
def scanned_head() -> str | None:
    """The head revision read from the migration files: the one revision no other names as
    its ``down_revision``. None when the files do not give exactly one (Alembic decides)."""
    folder = resources.files("burdenshare.store").joinpath("migrations", "versions")
    revisions: set[str] = set()
    parents: set[str] = set()
    try:
        for f in folder.iterdir():
            if not f.name.endswith(".py"):
                continue
            for kind, value in re.findall(_REVISION_RE, f.read_text("utf-8"), re.MULTILINE):
                parsed = ast.literal_eval(value)
                names = parsed if isinstance(parsed, (tuple, list)) else (parsed,)
                target = revisions if kind == "revision" else parents
                target.update(n for n in names if n)
    except (OSError, ValueError, SyntaxError):
        return None
    heads = revisions - parents
    return next(iter(heads)) if len(heads) == 1 else None


def sqlite_file(db: str | None) -> Path | None:
    """The SQLite file a ``--db`` value (else ``$BURDENSHARE_DB``, else the default store)
    names, when it is a plain ``sqlite:///path`` URL; None otherwise."""
    url = db or os.environ.get("BURDENSHARE_DB")
    if not url:
        from platformdirs import user_data_dir

        folder = Path(os.environ.get("BURDENSHARE_HOME") or user_data_dir("burdenshare"))
        return folder / "burdenshare.db"
    if not url.startswith("sqlite:///") or "?" in url:
        return None
    path = url[len("sqlite:///") :]
    if not path or path == ":memory:" or path.startswith("file:"):
        return None
    return Path(path).expanduser()


def sqlite_fingerprint(db: str | None) -> tuple[str, int, int] | None:
    """(file, number of imports, newest import id) of a SQLite store at the newest schema,
    read with ``sqlite3`` (read-only); None when anything is unusual."""
    import sqlite3

    path = sqlite_file(db)
    head = scanned_head()
    if path is None or head is None or not path.is_file():
        return None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return None
    try:
        (revision,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        if revision != head:
            return None
        n, newest = conn.execute("SELECT COUNT(*), MAX(id) FROM imports").fetchone()
    except (sqlite3.Error, TypeError):
        return None
    finally:
        conn.close()
    return str(path.resolve()), int(n or 0), int(newest or 0)
