"""One ``Settings`` object for every interface, read from the environment.

Every variable has the prefix ``BURDENSHARE_``:

==========================  ==========================================================
``BURDENSHARE_DB``          database URL (default: SQLite in the user data directory)
``BURDENSHARE_SECRET_KEY``  key that signs session cookies and CSRF tokens (default: a
                            random key per process, so sessions end with the process)
``BURDENSHARE_HOST``        address ``burdenshare serve`` binds (default 127.0.0.1)
``BURDENSHARE_PORT``        port (default 8000)
``BURDENSHARE_PUBLIC_READ`` ``true`` opens partner, policy and monitor reads to anonymous
                            users (default false: every route needs a user)
``BURDENSHARE_MAX_BODY``    request body limit in bytes (default 2 MiB)
``BURDENSHARE_COOKIE_SECURE`` ``true`` marks the session cookie Secure even on plain http
                            (behind a TLS proxy); it is always Secure on https
==========================  ==========================================================

``BURDENSHARE_DB`` is the variable the CLI has always read, so the field is ``db`` rather
than ``database_url``; :attr:`Settings.database_url` is the resolved URL.
"""

from __future__ import annotations

import secrets

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Service settings; unknown ``BURDENSHARE_*`` variables are ignored (the CLI has more)."""

    model_config = SettingsConfigDict(env_prefix="BURDENSHARE_", extra="ignore")

    db: str | None = Field(default=None, description="Database URL; None: the default SQLite.")
    secret_key: str = Field(default_factory=lambda: secrets.token_urlsafe(32), min_length=16)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    public_read: bool = False
    max_body: int = Field(default=2 * 1024 * 1024, ge=1024)
    login_attempts_per_minute: int = Field(default=10, ge=1)
    cookie_secure: bool = False

    @property
    def database_url(self) -> str:
        """The URL actually used (explicit, else the default SQLite file)."""
        from burdenshare.store.db import resolve_url

        return resolve_url(self.db)
