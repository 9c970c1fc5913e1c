"""Stores for the report tests: synthetic cases (module-scoped, SQLite) and the starter
snapshot plus the press-reported NATO releases (for the release review)."""

from __future__ import annotations

import pytest

from burdenshare.store.db import dispose_all


@pytest.fixture(scope="session")
def cases_db(tmp_path_factory) -> str:
    """A SQLite store holding 1,500 synthetic cases (seed 3) and the starter snapshot."""
    from burdenshare.cases.synthetic import generate_frames
    from burdenshare.starter import ensure_starter
    from burdenshare.store import cases as case_store
    from burdenshare.store.catalog import load_catalog
    from burdenshare.store.db import get_engine

    url = f"sqlite:///{tmp_path_factory.mktemp('reports') / 'cases.db'}"
    engine = get_engine(url)
    ensure_starter(engine)
    cases, items = generate_frames(1500, 3, catalog=load_catalog(engine))
    case_store.insert_frames(engine, cases, items, actor="test", meta={"seed": 3})
    yield url
    dispose_all()


@pytest.fixture(scope="session")
def releases_db(tmp_path_factory) -> str:
    """The starter snapshot plus NATO's press-reported 2025 releases."""
    from burdenshare.monitor.reported import import_reported
    from burdenshare.starter import ensure_starter
    from burdenshare.store.db import get_engine

    url = f"sqlite:///{tmp_path_factory.mktemp('reports-rel') / 'rel.db'}"
    engine = get_engine(url)
    ensure_starter(engine)
    import_reported(engine)
    yield url
    dispose_all()
