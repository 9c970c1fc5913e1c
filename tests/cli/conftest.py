"""Fixtures of the CLI suite: a disk cache of its own, and stores built once and copied.

The template store holds the starter snapshot, 40 synthetic cases, one recorded transfer and
the reported NATO figures; each test module that changes a store works on its own copy, so
"store unchanged" checks compare row counts of a store nothing else touches.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from cli_helpers import copy_store, run_ok

from burdenshare.store.db import dispose_all


@pytest.fixture(scope="session", autouse=True)
def _cli_environment(tmp_path_factory):
    """A private disk cache (never the user's) and wide tables for the whole suite."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BURDENSHARE_CACHE_DIR", str(tmp_path_factory.mktemp("cli-cache")))
        mp.setenv("COLUMNS", "200")
        mp.delenv("BURDENSHARE_DB", raising=False)
        yield


def checkpoint(path: Path) -> None:
    """Fold SQLite's write-ahead log into the file so that a copy of the file is complete."""
    dispose_all()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


@pytest.fixture(scope="session")
def template_store(tmp_path_factory) -> Path:
    """A store with facts, synthetic cases, a transfer and the reported NATO figures."""
    path = tmp_path_factory.mktemp("cli-template") / "template.db"
    url = f"sqlite:///{path}"
    run_ok("data", "starter", "--db", url)
    run_ok("cases", "generate", "--n", "40", "--seed", "3", "--db", url)
    run_ok(
        "transfers", "request", "--case", "SYN-000001", "--from", "JPN", "--to", "AUS",
        "--items", "1:1", "--total-value", "10000", "--db", url,
    )  # fmt: skip
    run_ok("monitor", "load-reported", "--db", url)
    run_ok("users", "add", "tester", "--role", "analyst", "--db", url)
    checkpoint(path)
    return path


@pytest.fixture(scope="module")
def module_store(template_store, tmp_path_factory) -> Path:
    """This module's own copy of the template store."""
    path = copy_store(template_store, tmp_path_factory.mktemp("cli-store"))
    yield path
    dispose_all()
