"""Shared fixtures: the real data folder, and databases (SQLite file and a throwaway
PostgreSQL server started and stopped by the fixture).

PostgreSQL refuses to run as root, so when the tests run as root the server is started as
the ``postgres`` system user via ``runuser`` in a directory that user owns.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property tests: no per-example deadline (a loaded 2-core CI machine is slow, not wrong) and
# a derandomised search, so a CI run is reproducible; set HYPOTHESIS_PROFILE=explore locally
# to search afresh.
settings.register_profile(
    "ci", deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("explore", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("BURDENSHARE_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real published data files (../shared/data)."""
    assert SHARED_DATA.is_dir(), f"real data folder not found at {SHARED_DATA}"
    return SHARED_DATA


@pytest.fixture(scope="session")
def postgres_url():
    """Start a throwaway PostgreSQL server for the session; yield its SQLAlchemy URL."""
    from burdenshare.store.pgserver import throwaway_postgres

    with throwaway_postgres() as url:
        yield url


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
