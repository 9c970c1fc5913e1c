"""Shared fixtures: the real data folder, and databases (SQLite file and a throwaway
PostgreSQL server started and stopped by the fixture).

PostgreSQL refuses to run as root, so when the tests run as root the server is started as
the ``postgres`` system user via ``runuser`` in a directory that user owns.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("BURDENSHARE_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real published data files (../shared/data)."""
    assert SHARED_DATA.is_dir(), f"real data folder not found at {SHARED_DATA}"
    return SHARED_DATA


def _pg_bin() -> Path:
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "pg_ctl").exists():
            return candidate
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    raise RuntimeError("PostgreSQL server binaries not found; run `make test` to install them")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_url():
    """Start a throwaway PostgreSQL server for the session; yield its SQLAlchemy URL."""
    bindir = _pg_bin()
    root = os.geteuid() == 0
    tmp = Path(tempfile.mkdtemp(prefix="bs-pg-"))
    datadir = tmp / "data"
    port = _free_port()
    prefix: list[str] = []
    if root:
        shutil.chown(tmp, "postgres", "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    env = dict(os.environ, LC_ALL="C")
    subprocess.run(
        [
            *prefix,
            str(bindir / "initdb"),
            "-D",
            str(datadir),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-locale",
        ],
        check=True,
        capture_output=True,
        env=env,
    )
    opts = f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60"
    subprocess.run(
        [
            *prefix,
            str(bindir / "pg_ctl"),
            "-D",
            str(datadir),
            "-o",
            opts,
            "-l",
            str(tmp / "log"),
            "-w",
            "start",
        ],
        check=True,
        capture_output=True,
        env=env,
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(datadir), "-m", "immediate", "stop"],
            capture_output=True,
            env=env,
        )
        time.sleep(0.2)
        shutil.rmtree(tmp, ignore_errors=True)


_PG_DB_COUNTER = iter(range(10**6))


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A fresh, empty database URL: a SQLite file, then a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    base = request.getfixturevalue("postgres_url")
    import sqlalchemy as sa

    name = f"t{os.getpid()}_{next(_PG_DB_COUNTER)}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """A fresh SQLite database URL only (for tests that need no PostgreSQL run)."""
    return f"sqlite:///{tmp_path / 'test.db'}"
