"""``burdenshare serve``: the REST API (and the dashboard, when installed) under uvicorn.

Binds 127.0.0.1 unless told otherwise. Settings come from ``BURDENSHARE_*`` (see
:mod:`burdenshare.settings`); the options here override them. With several workers the app
is built in each worker from the environment, so a signing key is generated once here when
none is set, and every worker shares it.
"""

from __future__ import annotations

import typer

from burdenshare.cli.common import DB_OPTION


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_cmd)


def serve_cmd(
    host: str | None = typer.Option(
        None, "--host", help="Address to bind (default $BURDENSHARE_HOST or 127.0.0.1)."
    ),
    port: int | None = typer.Option(
        None, "--port", help="Port (default $BURDENSHARE_PORT or 8000)."
    ),
    db: str | None = DB_OPTION,
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="Worker processes."),
    public_read: bool | None = typer.Option(
        None,
        "--public-read/--no-public-read",
        help="Open partner, policy and monitor reads to anonymous users.",
    ),
    log_level: str = typer.Option("info", "--log-level", help="uvicorn log level."),
) -> None:
    """Run the REST API (and the dashboard) at http://HOST:PORT; docs at /docs."""
    import os
    import secrets

    import uvicorn

    from burdenshare.errors import UserError
    from burdenshare.settings import Settings
    from burdenshare.store.db import get_engine, safe_url
    from burdenshare.store.jobs import fail_unfinished

    overrides = {
        k: v
        for k, v in {"host": host, "port": port, "db": db, "public_read": public_read}.items()
        if v is not None
    }
    try:
        settings = Settings(**overrides)
    except Exception as exc:  # pydantic ValidationError: name the option
        raise UserError(f"invalid setting: {exc}".splitlines()[0]) from None
    engine = get_engine(settings.database_url)  # migrate once, before any worker starts
    fail_unfinished(engine)
    if settings.host not in ("127.0.0.1", "localhost", "::1"):
        typer.echo(
            f"warning: listening on {settings.host}, reachable from other machines; "
            "put TLS in front of it",
            err=True,
        )
    typer.echo(
        f"burdenshare API on http://{settings.host}:{settings.port} (docs /docs), "
        f"store {safe_url(settings.database_url)}"
        + (", public read" if settings.public_read else ""),
        err=True,
    )
    if workers == 1:
        from burdenshare.api.app import create_app

        uvicorn.run(
            create_app(settings),
            host=settings.host,
            port=settings.port,
            log_level=log_level,
            proxy_headers=False,
        )
        return
    os.environ["BURDENSHARE_DB"] = settings.database_url
    os.environ["BURDENSHARE_PUBLIC_READ"] = "true" if settings.public_read else "false"
    os.environ.setdefault("BURDENSHARE_SECRET_KEY", secrets.token_urlsafe(32))
    uvicorn.run(
        "burdenshare.api.app:app_from_env",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=workers,
        log_level=log_level,
        proxy_headers=False,
    )
