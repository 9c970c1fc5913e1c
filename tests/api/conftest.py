"""A real uvicorn server on loopback per backend (SQLite file, throwaway PostgreSQL), with one
user per role; tests talk to it over HTTP with httpx. No mock of our own components."""

from __future__ import annotations

import os
import socket
import threading
import time
from dataclasses import dataclass, field

import httpx
import pytest

from burdenshare.services.users import ROLES

_COUNTER = iter(range(10**6))


@dataclass
class Api:
    """A running server: its base URL, engine, settings, and a token per role."""

    url: str
    engine: object
    settings: object
    tokens: dict[str, str] = field(default_factory=dict)

    def client(self, role: str | None = None, **kw) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=120, **kw)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database(request, backend: str, tmp_path_factory):
    if backend == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('api') / 'api.db'}", None
    import sqlalchemy as sa

    base = request.getfixturevalue("postgres_url")
    name = f"api{os.getpid()}_{next(_COUNTER)}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return base.rsplit("/", 1)[0] + f"/{name}", drop


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def api(request, tmp_path_factory):
    """A uvicorn server in a thread on a free loopback port, on each backend."""
    yield from _serve(request, request.param, tmp_path_factory)


@pytest.fixture(scope="module")
def scratch_api(request, tmp_path_factory):
    """A server of its own on SQLite, for tests that may change anything (the fuzz)."""
    yield from _serve(request, "sqlite", tmp_path_factory)


def _serve(request, backend: str, tmp_path_factory):
    import uvicorn

    from burdenshare.api.app import create_app
    from burdenshare.services import users
    from burdenshare.settings import Settings
    from burdenshare.store.db import dispose_all, get_engine

    url, drop = _database(request, backend, tmp_path_factory)
    engine = get_engine(url)
    settings = Settings(
        db=url,
        secret_key="test-secret-key-0123456789",
        max_body=256 * 1024,
        login_attempts_per_minute=3,
    )
    with_password = {"analyst", "viewer"}  # the sign-in tests use these (argon2 is slow)
    tokens = {
        role: users.add_user(
            engine,
            f"{role}-user",
            role,
            actor="local:test",
            password=f"{role}-password-123" if role in with_password else None,
        )
        for role in ROLES
    }
    app = create_app(settings)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    yield Api(f"http://127.0.0.1:{port}", engine, settings, tokens)
    server.should_exit = True
    thread.join(timeout=30)
    dispose_all()
    if drop is not None:
        drop()
