"""Database engines: URL choice, connection checks, and migrations to the newest schema.

The URL comes from the ``--db`` option, else ``$BURDENSHARE_DB``, else a SQLite file in the
user's data directory (platformdirs). :func:`get_engine` brings the schema up to date with
Alembic before handing the engine out, so every command works on a fresh machine.
"""

from __future__ import annotations

import os
from functools import lru_cache
from importlib import resources
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from burdenshare.errors import StoreError

ENV_VAR = "BURDENSHARE_DB"


def default_url() -> str:
    """SQLite file in the user's data directory (created on first use)."""
    from platformdirs import user_data_dir

    folder = Path(os.environ.get("BURDENSHARE_HOME") or user_data_dir("burdenshare"))
    return f"sqlite:///{folder / 'burdenshare.db'}"


def resolve_url(url: str | None = None) -> str:
    """The URL to use: explicit, else the environment, else the default SQLite file."""
    return url or os.environ.get(ENV_VAR) or default_url()


def safe_url(url: str) -> str:
    """The URL with any password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a malformed URL is shown as given
        return url


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def sqlite_write_problem(db_path: str | Path) -> str | None:
    """Why SQLite could not write the database file ``db_path`` (None if it can).

    SQLite needs the file and, for its journal (``-wal``/``-shm``/``-journal`` files), the
    folder holding it to be writable.
    """
    path = Path(db_path).expanduser()
    folder = path.parent
    if path.exists() and not os.access(path, os.W_OK):
        return f"database file {path} is read-only"
    if folder.is_dir() and not os.access(folder, os.W_OK | os.X_OK):
        return f"the folder {folder} holding database file {path} is not writable"
    return None


_READ_VERBS = frozenset({"SELECT", "PRAGMA", "EXPLAIN", "SAVEPOINT", "RELEASE", "ROLLBACK"})


def _refuse_writes(engine: Engine, problem: str) -> None:
    """Make every statement that could write raise :class:`StoreError` naming the file, before
    it reaches SQLite, so a write command on a read-only store stops with one line and
    leaves the store as it was (reads still work)."""

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        verb = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else ""
        if verb not in _READ_VERBS:
            raise StoreError(f"cannot write: {problem}; nothing was changed")

    sa.event.listen(engine, "before_cursor_execute", before_cursor_execute)
    engine.burdenshare_read_only = problem  # type: ignore[attr-defined]


def read_only_reason(engine: Engine) -> str | None:
    """Why ``engine``'s store cannot be written (None when it can, as far as known)."""
    return getattr(engine, "burdenshare_read_only", None)


def ping(engine: Engine) -> None:
    """Run ``SELECT 1`` on ``engine``: returns when the database answers, raises when not.

    For the API's health probe, which turns any exception into "unavailable".
    """
    with engine.connect() as conn:
        conn.execute(sa.text("SELECT 1"))


def create_engine(url: str | None = None) -> Engine:
    """A SQLAlchemy engine for ``url`` (no migration, no connection yet).

    A SQLite file that cannot be written (file or folder read-only) is opened read-only:
    reads work, and the first statement that would write raises :class:`StoreError`.
    """
    url = resolve_url(url)
    try:
        parsed = make_url(url)
    except Exception as exc:  # noqa: BLE001
        raise StoreError(f"not a database URL: {url!r} ({exc})", where="--db") from None
    if parsed.get_backend_name() == "sqlite":
        db_path = parsed.database
        problem = None
        if db_path and db_path != ":memory:" and not db_path.startswith("file:"):
            path = Path(db_path).expanduser()
            if not path.parent.is_dir():
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise StoreError(
                        f"cannot create the folder for {db_path}: {exc.strerror or exc}"
                    ) from None
            if path.is_dir():
                raise StoreError(f"{path} is a folder, not a database file", where="--db")
            problem = sqlite_write_problem(path)
            if problem and not path.exists():
                raise StoreError(f"cannot create the database: {problem}")
        if problem:
            path = Path(db_path).expanduser()
            # A read-only folder leaves SQLite no room for its WAL index: open the file as
            # immutable then (nobody can write it without that folder either).
            flags = "mode=ro" if os.access(path.parent, os.W_OK) else "mode=ro&immutable=1"
            ro_url = f"sqlite:///file:{path}?{flags}&uri=true"
            engine = sa.create_engine(ro_url, connect_args={"timeout": 30})
            sa.event.listen(engine, "connect", _sqlite_read_pragmas)
            _refuse_writes(engine, problem)
            return engine
        engine = sa.create_engine(url, connect_args={"timeout": 30})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        try:
            return sa.create_engine(parsed, pool_pre_ping=True, connect_args={"connect_timeout": 5})
        except Exception as exc:  # noqa: BLE001 - a driver that is not installed
            raise StoreError(f"unsupported database URL {safe_url(url)}: {exc}") from None
    try:
        return sa.create_engine(url)
    except Exception as exc:  # noqa: BLE001 - unknown dialect or missing driver
        raise StoreError(f"unsupported database URL {safe_url(url)}: {exc}") from None


def _sqlite_read_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def store_error(exc: BaseException) -> StoreError | None:
    """A one-line :class:`StoreError` for a database error a user can cause (a read-only
    file, folder or transaction), or None for anything else (a bug: let it surface)."""
    if isinstance(exc, StoreError):
        return exc
    if not isinstance(exc, sa.exc.DBAPIError):
        return None
    orig = exc.orig
    text = str(orig or exc).strip().splitlines()[0] if str(orig or exc).strip() else ""
    lowered = text.lower()
    if (
        "readonly database" in lowered
        or "read-only" in lowered
        or type(orig).__name__ == "ReadOnlySqlTransaction"
    ):
        return StoreError(f"cannot write to the database: {text}; nothing was changed")
    if "unable to open database file" in lowered:
        return StoreError(f"cannot open the database file: {text}")
    return None


def _alembic_config(connection: sa.Connection):
    from alembic.config import Config

    cfg = Config()
    script_dir = resources.files("burdenshare.store").joinpath("migrations")
    cfg.set_main_option("script_location", str(script_dir))
    cfg.attributes["connection"] = connection
    return cfg


@lru_cache(maxsize=1)
def head_revision() -> str:
    """The newest migration revision shipped with the package."""
    from alembic.script import ScriptDirectory

    script_dir = resources.files("burdenshare.store").joinpath("migrations")
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(script_dir))
    return ScriptDirectory.from_config(cfg).get_current_head()


def scanned_head() -> str | None:
    """The head revision read from the migration files without importing Alembic (which
    costs a fifth of a second at every start); None when Alembic must decide."""
    from burdenshare.store.quick import scanned_head as scan

    return scan()


def _current_revision(conn: sa.Connection) -> str | None:
    try:
        return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    except sa.exc.DBAPIError:
        conn.rollback()
        return None


def migrate(engine: Engine) -> None:
    """Upgrade the schema to the newest revision (a no-op when already there)."""
    head = scanned_head()
    if head is not None:
        with engine.connect() as conn:
            if _current_revision(conn) == head:
                return
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    with engine.begin() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
        if current == head_revision():
            return
        command.upgrade(_alembic_config(conn), "head")


_ENGINES: dict[str, Engine] = {}


def get_engine(url: str | None = None) -> Engine:
    """A connected, migrated engine for ``url`` (cached per URL within the process).

    An unreachable server or an unwritable file raises :class:`StoreError` naming the URL.
    """
    url = resolve_url(url)
    if url in _ENGINES:
        return _ENGINES[url]
    engine = create_engine(url)
    try:
        migrate(engine)
    except StoreError:
        engine.dispose()
        raise
    except sa.exc.OperationalError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise StoreError(f"cannot open database {safe_url(url)}: {reason}") from None
    except sa.exc.DBAPIError as exc:
        engine.dispose()
        raise StoreError(f"database error at {safe_url(url)}: {exc.orig}") from None
    _ENGINES[url] = engine
    return engine


def dispose_all() -> None:
    """Close every cached engine (tests use this between databases)."""
    for engine in _ENGINES.values():
        engine.dispose()
    _ENGINES.clear()
